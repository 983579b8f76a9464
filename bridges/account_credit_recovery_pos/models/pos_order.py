"""The server never trusts the till alone: an order paid on *Customer Account* for a customer whose
credit is blocked (synced from an offline till, or sent by RPC) is kept, and the collection team is
told."""

from odoo import models
from odoo.tools import format_amount

from odoo.addons.account_credit_recovery.tools.portal_input import text_html


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _process_saved_order(self, draft):
        order_id = super()._process_saved_order(draft)
        if not draft:
            self._recovery_flag_blocked_credit_sale()
        return order_id

    def _recovery_flag_blocked_credit_sale(self):
        """An activity on the customer's collection record when ``self`` (a paid order) put an amount
        on *Customer Account* while the customer's credit is blocked. The order itself is left alone:
        a sale that happened is never lost.

        The cashier may not write on collection records: the check is done here, then the activity is
        written with ``sudo()``. The note is plain text (names typed at the till)."""
        self.ensure_one()
        if self.state not in ("paid", "done", "invoiced") or not self.partner_id:
            return
        on_account = self.payment_ids.filtered(lambda payment: payment.payment_method_id.type == "pay_later")
        amount = sum(on_account.mapped("amount"))
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            return  # a refund given back on the account lowers the debt
        block = self.partner_id._recovery_credit_blocks(company=self.company_id).get(self.partner_id.id)
        if not block:
            return
        debtor = block["debtor"].sudo()
        cashier = (self._fields.get("cashier") and self.cashier) or self.user_id.name
        note = self.env._(
            "Point of Sale order %(order)s (%(config)s) put %(amount)s on %(method)s for %(customer)s, whose "
            "credit is blocked by collection; cashier: %(cashier)s. The sale is kept: add the amount to the "
            "collection or agree it with the customer.\n%(reason)s",
            order=self.pos_reference or self.name,
            config=self.config_id.name,
            amount=format_amount(self.env, amount, self.currency_id),
            method=", ".join(on_account.payment_method_id.mapped("name")),
            customer=self.partner_id.name,
            cashier=cashier or "-",
            reason=block["message"],
        )
        debtor.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Customer Account sale while credit is blocked: %(order)s", order=self.name),
            note=text_html(note),
            user_id=debtor._get_collection_responsible().id,
        )
