from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditRecoveryCreditOverride(models.TransientModel):
    """A Collection Manager sets a customer's credit limit by hand, with a reason and an end date:
    the collection limit applies again after that day (the daily run ends it)."""

    _name = "credit.recovery.credit.override"
    _description = "Override Credit Limit"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    debtor_id = fields.Many2one("credit.recovery.debtor", required=True, readonly=True, check_company=True)
    currency_id = fields.Many2one(related="debtor_id.currency_id")
    current_limit = fields.Float(related="debtor_id.credit_applied_limit", string="Credit Limit Set")
    limit = fields.Monetary(
        string="Credit Limit", required=True, help="The customer's credit limit until the end date (0: no limit)."
    )
    date_end = fields.Date(string="Until", required=True, help="Last day of the override, included.")
    reason = fields.Char(required=True)

    @api.model
    def default_get(self, fields_list):
        self.env["credit.recovery.debtor"]._check_credit_manager()
        return super().default_get(fields_list)

    def action_confirm(self):
        self.ensure_one()
        if self.date_end < fields.Date.context_today(self):
            raise UserError(self.env._("The override ends in the past: pick today or a later day."))
        if self.limit < 0:
            raise UserError(self.env._("A credit limit cannot be negative."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the customer's credit limit is set by hand."))
        self.debtor_id._recovery_set_credit_override(self.limit, self.date_end, reason)
        return {"type": "ir.actions.act_window_close"}

    def action_end(self):
        """End the override now: the collection limit applies again."""
        self.ensure_one()
        self.debtor_id._recovery_set_credit_override(0.0, False, (self.reason or "").strip() or False)
        return {"type": "ir.actions.act_window_close"}
