from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon


@tagged("post_install", "-at_install")
class TestSaleCreditPos(TestPoSCommon):
    """A blocked customer's credit quotation settled at the till (``pos_sale``: Odoo confirms it
    while the paid POS order is synced) is confirmed: the sale happened. *Customer Account* at the
    till is the till's rule (the Point of Sale bridge refuses it there and flags what reaches the
    server anyway)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": date(2026, 9, 9),
                "invoice_date_due": date(2026, 10, 9),
                "invoice_line_ids": [Command.create({"name": "Sofa", "price_unit": 1000.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        with freeze_time(date(2026, 11, 23)):
            cls.env["account.move"].sudo()._cron_refresh_recovery_state()  # as the cron, root
            cls.env.flush_all()
        cls.env.invalidate_all()
        cls.product = cls.create_product("Chair", cls.categ_basic, 100.0)

    def test_quotation_settled_at_the_till_is_confirmed(self):
        self.assertIn(self.customer.id, self.customer._recovery_credit_blocks(self.company))
        quotation = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "payment_term_id": self.env.ref("account.account_payment_term_30days").id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 100.0, "tax_id": []})],
            }
        )
        with self.assertRaises(UserError):
            quotation.action_confirm()
        self.open_new_session()
        data = self.create_ui_order_data([(self.product, 1)], self.customer)
        data["lines"][0][2]["sale_order_origin_id"] = quotation.id
        data["lines"][0][2]["sale_order_line_id"] = quotation.order_line.id
        self.env["pos.order"].sync_from_ui([data])
        self.assertEqual(quotation.state, "sale")

    def quotation(self):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "payment_term_id": self.env.ref("account.account_payment_term_30days").id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 100.0, "tax_id": []})],
            }
        )

    def sync_till(self, quotation, payments):
        """The cashier loads the quotation in the till and the till's order is synced, paid so."""
        data = self.create_ui_order_data([(self.product, 1)], self.customer, payments=payments)
        data["lines"][0][2]["sale_order_origin_id"] = quotation.id
        data["lines"][0][2]["sale_order_line_id"] = quotation.order_line.id
        return self.env["pos.order"].sync_from_ui([data])

    def test_customer_account_at_the_till_is_kept_and_flagged(self):
        """A quotation paid at the till with *Customer Account* (pay later), or 1.00 in cash and the
        rest on the account, reaches the server only from an offline till or by RPC (the till refuses
        it): the sale happened, so it is kept (the till's sync must not fail) and the collection team
        gets an activity naming the till order."""
        self.open_new_session()
        debtor = self.customer._recovery_credit_blocks(self.company)[self.customer.id]["debtor"]
        for payments in ([(self.pay_later_pm, 100.0)], [(self.cash_pm1, 1.0), (self.pay_later_pm, 99.0)]):
            quotation = self.quotation()
            self.sync_till(quotation, payments)
            self.assertEqual(quotation.state, "sale")
            till = quotation.pos_order_line_ids.order_id
            self.assertIn(till.name, " ".join(debtor.activity_ids.mapped("summary")))

    def test_refunded_till_order_settles_nothing(self):
        quotation = self.quotation()
        self.open_new_session()
        self.sync_till(quotation, [(self.cash_pm1, 100.0)])
        self.assertEqual(quotation.state, "sale")
        self.assertTrue(quotation._recovery_settled_at_the_till())
        quotation.pos_order_line_ids.order_id._refund()
        self.assertFalse(quotation._recovery_settled_at_the_till())
        self.assertTrue(quotation.recovery_credit_sale)
