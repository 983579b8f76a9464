"""A credit sale's first payment on the invoice: paid on time, late, never (see
``credit.recovery.first.payment``, the one definition)."""

from odoo import fields, models

from .common import FIRST_PAYMENT_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    recovery_first_payment = fields.Selection(
        FIRST_PAYMENT_STATES,
        string="First Payment",
        compute="_compute_recovery_first_payment",
        help="Credit sales only: whether the first installment was paid on time, late, or is unpaid past its due "
        "date (a first-payment default when still unpaid 30 days after it).",
    )

    def _compute_recovery_first_payment(self):
        rows = (
            self.env["credit.recovery.first.payment"]
            .sudo()
            .search_fetch([("move_id", "in", self._origin.ids)], ["move_id", "state"])
        )
        states = {row.move_id.id: row.state for row in rows}
        for move in self:
            move.recovery_first_payment = states.get(move._origin.id, False)
