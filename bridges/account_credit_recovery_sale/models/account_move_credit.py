"""The invoice of a sales order a Collection Manager confirmed on credit follows that decision."""

from odoo import models

from .sale_order_credit import MANAGER_GROUP


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recovery_credit_blocks_by_move(self):
        """Without the blocks of the invoices whose every sales order was confirmed on credit by a
        Collection Manager's override (recorded on the order, read with ``sudo``): the collection
        policy's *Block* on credit invoices would otherwise refuse the invoice of the very sale the
        manager allowed, and the banner would ask again."""
        blocks = super()._recovery_credit_blocks_by_move()
        for move in self.browse(list(blocks)).sudo():
            orders = move.invoice_line_ids.sale_line_ids.order_id
            overriders = orders.recovery_credit_override_user_id
            if (
                orders
                and all(order.recovery_credit_override_user_id for order in orders)
                and all(user.has_group(MANAGER_GROUP) for user in overriders)
            ):
                del blocks[move.id]
        return blocks
