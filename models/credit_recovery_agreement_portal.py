"""What the debtor's self-service page adds to the agreement: the debtor's signature (written by
the page only), the PIX code of the next installment, the principal not due yet shown apart."""

from odoo import api, fields, models
from odoo.exceptions import UserError

# Written by the self-service page only (as superuser): never by a user, whatever their rights.
SIGNATURE_FIELDS = {"portal_signature", "portal_signed_by", "portal_signed_on", "portal_signed_ip"}


class CreditRecoveryAgreementPortal(models.Model):
    """The agreement on the self-service page: signed there only, paid there by PIX."""

    _inherit = "credit.recovery.agreement"

    portal_signature = fields.Image(string="Signature", readonly=True, copy=False, attachment=True, max_width=1024)
    portal_signed_by = fields.Char(string="Signed By", readonly=True, copy=False)
    portal_signed_on = fields.Datetime(string="Signed On", readonly=True, copy=False)
    portal_signed_ip = fields.Char(string="Signed From (IP)", readonly=True, copy=False)
    portal_pix_code = fields.Char(string="PIX Code", compute="_compute_portal_pix_code")

    def _compute_portal_pix_code(self):
        """The PIX code of the next unpaid installment, for what is still due on it (after a partial
        payment, the rest: never its full amount again)."""
        Portal = self.env["credit.recovery.portal"]
        for agreement in self:
            first = agreement.line_ids.filtered(lambda line: not line.paid).sorted(
                lambda line: (line.date_due, line.sequence, line.id)
            )[:1]
            agreement.portal_pix_code = (
                Portal._pix_code(
                    agreement.company_id,
                    first.amount_residual,
                    agreement.name,
                    Portal._pix_claim(
                        agreement.debtor_id, first.move_line_id, "installment", first.date_due, first.amount_residual
                    )
                    if first.move_line_id
                    else None,
                )
                if first
                else False
            )

    def _portal_not_due_principal(self):
        """The part of the principal not due yet on the negotiation date: an agreement settles whole
        invoices, so an invoice's later installments come with its overdue ones (shown apart)."""
        self.ensure_one()
        on = self.negotiation_date or fields.Date.context_today(self)
        lines = self.invoice_ids.line_ids.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual > 0
                and (line.date_maturity or on) >= on
            )
        )
        return sum(lines.mapped("amount_residual"))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(SIGNATURE_FIELDS & set(vals) for vals in vals_list):
            raise UserError(self.env._("The debtor signs the agreement on the self-service page."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and SIGNATURE_FIELDS & set(vals):
            raise UserError(self.env._("The debtor signs the agreement on the self-service page."))
        return super().write(vals)
