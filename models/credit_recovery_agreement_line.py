from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditRecoveryAgreementLine(models.Model):
    """One payment of an agreement: the down payment or an installment.

    Once the agreement is active, each line is a receivable journal item with its
    ``date_maturity``; payments reconcile against it like against any invoice.
    """

    _name = "credit.recovery.agreement.line"
    _description = "Agreement Installment"
    _order = "agreement_id, date_due, sequence, id"

    agreement_id = fields.Many2one("credit.recovery.agreement", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    is_down_payment = fields.Boolean(string="Down Payment")
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True, index="btree_not_null")
    amount_residual = fields.Monetary(string="Still Due", compute="_compute_amount_residual")
    paid = fields.Boolean(compute="_compute_amount_residual")

    @api.depends("move_line_id.amount_residual", "move_line_id.reconciled", "amount")
    def _compute_amount_residual(self):
        for line in self:
            if line.move_line_id:
                line.amount_residual = line.move_line_id.amount_residual
                line.paid = line.move_line_id.reconciled
            else:
                line.amount_residual = line.amount
                line.paid = False

    @api.model_create_multi
    def create(self, vals_list):
        self._check_editable()
        return super().create(vals_list)

    def write(self, vals):
        self._check_editable()
        return super().write(vals)

    def unlink(self):
        self._check_editable()
        return super().unlink()

    def _check_editable(self):
        """Only the server writes the schedule: it is computed from the terms of the draft
        agreement (``credit.recovery.agreement._build_schedule``) and frozen from submission."""
        if self.env.su:
            return
        raise UserError(
            self.env._(
                "The schedule of an agreement is computed from its terms and cannot be changed by hand: change "
                "the terms of the draft agreement, or cancel it and negotiate again."
            )
        )
