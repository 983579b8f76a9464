"""An installment paid another way (a registered payment, an agreement settling its invoices, a
reconciliation in the bank) no longer carries a live PIX charge."""

from odoo import api, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _reconcile_plan(self, reconciliation_plan):
        """After every reconciliation, the live charges of the receivable items it settled are
        removed at the PSP (or marked paid, when they are what is being paid)."""
        result = super()._reconcile_plan(reconciliation_plan)
        lines = self.browse()
        pending = list(reconciliation_plan)
        while pending:
            item = pending.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                pending.extend(item)
        receivable = lines.filtered(lambda line: line.account_type == "asset_receivable")
        if receivable:
            paying = (
                lines.payment_id.payment_transaction_id
                if "payment_transaction_id" in lines.payment_id._fields
                else None
            )
            self.env["credit.recovery.pix.charge"]._supersede_lines(
                receivable, self.env._("The installment was paid or settled."), paying=paying
            )
        return result
