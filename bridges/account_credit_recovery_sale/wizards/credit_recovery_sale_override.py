"""A Collection Manager confirms a blocked customer's sales order on credit, with a reason."""

from odoo import fields, models


class CreditRecoverySaleOverride(models.TransientModel):
    _name = "credit.recovery.sale.override"
    _description = "Confirm a Sales Order on Credit Anyway"

    order_id = fields.Many2one("sale.order", string="Sales Order", required=True, readonly=True, ondelete="cascade")
    block_message = fields.Text(string="Collection Block", related="order_id.recovery_credit_block_message")
    reason = fields.Text(required=True, help="Why the store sells on credit to this customer now (logged).")

    def action_confirm(self):
        """Confirm the order through ``sale.order._recovery_confirm_override``, which checks the
        user's group: this wizard grants nothing by itself."""
        self.ensure_one()
        self.order_id._recovery_confirm_override(self.reason)
        return {"type": "ir.actions.act_window_close"}
