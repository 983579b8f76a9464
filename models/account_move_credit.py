"""Posting a credit invoice for a customer whose collection status blocks new credit: a banner on
the draft, and a refusal when the collection policy says so (``credit_invoice_block``)."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    recovery_credit_warning = fields.Text(
        string="Collection Credit Warning",
        compute="_compute_recovery_credit_warning",
        help="The customer's credit is blocked by collection and this invoice is a credit sale.",
    )

    @api.depends("state", "move_type", "partner_id", "invoice_date_due", "invoice_payment_term_id", "company_id")
    def _compute_recovery_credit_warning(self):
        blocks = self._recovery_credit_blocks_by_move()
        for move in self:
            block = blocks.get(move.id)
            move.recovery_credit_warning = block["message"] if block and move.state == "draft" else False

    def _recovery_is_credit_sale(self):
        """A customer invoice whose payment terms go beyond today (a cash invoice is due today at the latest)."""
        self.ensure_one()
        if self.move_type != "out_invoice":
            return False
        today = fields.Date.context_today(self)
        dues = [
            line.date_maturity for line in self.line_ids if line.display_type == "payment_term" and line.date_maturity
        ] or [self.invoice_date_due]
        return any(due and due > today for due in dues)

    def _recovery_credit_blocks_by_move(self):
        """``{move_id: block}`` of the credit sales of ``self`` whose customer may not buy on credit
        (``res.partner._recovery_credit_blocks``, one call per company)."""
        result = {}
        sales = self.filtered(lambda move: move.partner_id and move._recovery_is_credit_sale())
        for company in sales.company_id:
            moves = sales.filtered(lambda move, company=company: move.company_id == company)
            blocks = moves.partner_id._recovery_credit_blocks(company)
            for move in moves:
                if move.partner_id.id in blocks:
                    result[move.id] = blocks[move.partner_id.id]
        return result

    def _post(self, soft=True):
        blocks = self._recovery_credit_blocks_by_move()
        if blocks:
            policies = self.env["credit.recovery.policy"]._get_company_policies(self.browse(blocks).company_id)
            for move in self.browse(list(blocks)):
                policy = policies.get(move.company_id.id)
                if policy and policy.credit_invoice_block == "block":
                    raise UserError(
                        self.env._(
                            "%(invoice)s is a credit sale and collection blocks new credit for this customer. "
                            "%(why)s Post it with payment terms due today (cash), or ask a Collection Manager.",
                            invoice=move.display_name,
                            why=blocks[move.id]["message"],
                        )
                    )
        return super()._post(soft=soft)
