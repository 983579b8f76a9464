"""The invoice of a sales order a Collection Manager confirmed on credit follows that decision."""

from odoo import models

from .sale_order_credit import MANAGER_GROUP


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recovery_credit_blocks_by_move(self):
        """Without the blocks of the invoices of a sale a Collection Manager confirmed on credit
        (``_recovery_is_overridden_sale_invoice``): the collection policy's *Block* on credit
        invoices would otherwise refuse the invoice of the very sale the manager allowed, and the
        banner would ask again."""
        blocks = super()._recovery_credit_blocks_by_move()
        for move in self.browse(list(blocks)).sudo():
            if move._recovery_is_overridden_sale_invoice():
                del blocks[move.id]
        return blocks

    def _recovery_is_overridden_sale_invoice(self):
        """Whether this invoice (one record, read with ``sudo``) bills only sales orders confirmed on
        credit by a Collection Manager's override: every product line comes from such orders, the
        invoice's customer is the one those orders invoice, in their currency, and its total does
        not exceed what the orders still have to invoice. Anything else added to the invoice keeps
        the block."""
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        orders = lines.sale_line_ids.order_id
        if not lines or not orders or any(not line.sale_line_ids for line in lines):
            return False
        if not all(
            order.recovery_credit_override_user_id and order.recovery_credit_override_user_id.has_group(MANAGER_GROUP)
            for order in orders
        ):
            return False
        if (
            orders.partner_invoice_id.commercial_partner_id != self.commercial_partner_id
            or orders.currency_id != self.currency_id
        ):
            return False
        return self.currency_id.compare_amounts(self.amount_total, sum(orders.mapped("amount_to_invoice"))) <= 0
