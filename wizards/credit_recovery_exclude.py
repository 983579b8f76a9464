from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class CreditRecoveryExclude(models.TransientModel):
    """Take invoices out of collection, with the reason kept on each invoice."""

    _name = "credit.recovery.exclude"
    _description = "Exclude Invoices from Collection"

    move_ids = fields.Many2many(
        "account.move", string="Invoices", default=lambda self: self.env.context.get("active_ids", [])
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can exclude invoices from collection."))
        if not self.reason.strip():
            raise UserError(self.env._("Say why these invoices leave collection: fill in the reason."))
        self.move_ids.sudo().write({"recovery_excluded": True, "recovery_exclusion_reason": self.reason.strip()})
        return {"type": "ir.actions.act_window_close"}
