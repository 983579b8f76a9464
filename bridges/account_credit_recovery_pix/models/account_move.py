"""A dispute pauses collection of its invoices: their live PIX charges are removed."""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recovery_open_dispute(self, kind, note, user=None):
        result = super()._recovery_open_dispute(kind, note, user)
        receivable = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        self.env["credit.recovery.pix.charge"]._supersede_lines(
            receivable, self.env._("The invoice is under dispute: collection is paused.")
        )
        return result
