"""An online payment that does not cover a blocked customer's credit sale does not confirm it."""

from odoo import models
from odoo.tools import format_amount


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """Odoo confirms the quotation once the prepayment it asks for is paid or authorized. For a
        blocked customer's credit sale (not covered by done transactions) the quotation is left
        unconfirmed and the salesperson gets an activity: no error at the payment's callback, where
        a paid transaction must never be lost."""
        held = self.browse()
        for tx in self:
            if len(tx.sale_order_ids) != 1:
                continue
            quotation = tx.sale_order_ids.filtered(lambda order: order.state in ("draft", "sent"))
            if not quotation or not quotation._is_confirmation_amount_reached():
                continue
            block = quotation._recovery_credit_refusals().get(quotation)
            if block:
                held |= tx
                quotation._recovery_schedule_blocked_activity(
                    self.env._(
                        "The customer paid %(paid)s online for %(order)s (total %(total)s) but it was not "
                        "confirmed: the payment does not cover it, the rest is a credit sale and the customer's "
                        "credit is blocked.\n%(why)s",
                        paid=format_amount(self.env, quotation.amount_paid, quotation.currency_id),
                        order=quotation.name,
                        total=format_amount(self.env, quotation.amount_total, quotation.currency_id),
                        why=block["message"],
                    )
                )
        return super(PaymentTransaction, self - held)._check_amount_and_confirm_order()
