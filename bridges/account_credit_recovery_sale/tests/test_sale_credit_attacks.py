from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import TODAY, SaleCreditCommon

CRAFTED = {
    "recovery_credit_override": True,
    "recovery_credit_checked": True,
    "skip_credit_check": True,
    "sale_confirm": True,
    "install_mode": True,
    "tracking_disable": True,
}


@tagged("post_install", "-at_install")
class TestSaleCreditAttacks(SaleCreditCommon):
    """The credit rule holds the way an attacker calls: a direct write over the ORM (RPC), with
    ``sudo``, with a crafted context, by each kind of user."""

    def test_write_or_create_state_sale_is_checked_like_action_confirm(self):
        for user in (self.salesman, self.sales_agent, self.sales_manager):
            order = self.order(self.term_30_days, user=user)
            with self.on(TODAY):
                with self.assertRaisesText(UserError, "is a credit sale"):
                    order.with_user(user).with_context(**CRAFTED).write({"state": "sale"})
                with self.assertRaisesText(UserError, "is a credit sale"):
                    order.with_user(user).sudo().write({"state": "sale", "date_order": "2026-11-23 10:00:00"})
            self.assertEqual(order.state, "draft")
        cancelled = self.order(self.term_30_days)
        cancelled.with_user(self.salesman)._action_cancel()
        with self.on(TODAY), self.assertRaisesText(UserError, "is a credit sale"):
            cancelled.with_user(self.salesman).write({"state": "sale"})
        with self.on(TODAY), self.assertRaisesText(UserError, "is a credit sale"):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.customer.id,
                    "payment_term_id": self.term_30_days.id,
                    "state": "sale",
                    "order_line": [Command.create({"product_id": self.product_a.id, "price_unit": 300.0})],
                }
            )
        cash = self.order(self.term_immediate)
        with self.on(TODAY):
            cash.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(cash.state, "sale", "a cash sale may be written confirmed")

    def test_confirmation_mark_is_not_left_behind(self):
        """``action_confirm`` marks the orders it checked only while it confirms them."""
        order = self.order(self.term_immediate)
        self.confirm(order)
        self.assertEqual(order.state, "sale")
        order.with_user(self.sales_manager)._action_cancel()
        order.with_user(self.sales_manager).action_draft()
        order.with_user(self.salesman).payment_term_id = self.term_30_days
        with self.on(TODAY), self.assertRaisesText(UserError, "is a credit sale"):
            order.with_user(self.salesman).write({"state": "sale"})

    def test_payment_terms_changed_after_confirmation(self):
        """A confirmed cash sale does not become a credit sale of a blocked customer by new terms,
        even with sudo; an overridden order or another customer's may change terms."""
        order = self.order(self.term_immediate)
        self.confirm(order)
        for env_order in (order.with_user(self.salesman).with_context(**CRAFTED), order.sudo()):
            with self.on(TODAY), self.assertRaisesText(UserError, "would make it a credit sale"):
                env_order.write({"payment_term_id": self.term_30_days.id})
            self.assertEqual(order.payment_term_id, self.term_immediate)
        overridden = self.order(self.term_immediate, user=self.sales_manager)
        with self.on(TODAY):
            overridden.with_user(self.sales_manager)._recovery_confirm_override("Guarantor signed")
            overridden.with_user(self.sales_manager).payment_term_id = self.term_30_days
        self.assertEqual(overridden.payment_term_id, self.term_30_days)
        other = self.order(self.term_immediate, partner=self.env["res.partner"].create({"name": "João Pereira"}))
        self.confirm(other)
        with self.on(TODAY):
            other.with_user(self.salesman).payment_term_id = self.term_30_days
        self.assertEqual(other.payment_term_id, self.term_30_days)

    def test_override_fields_are_written_by_the_override_only(self):
        """Even a Collection Manager cannot write the override over RPC (no reason, no log)."""
        order = self.order(self.term_30_days, user=self.sales_manager)
        for vals in (
            {"recovery_credit_override_user_id": self.sales_manager.id},
            {"recovery_credit_override_reason": "I say so"},
        ):
            with self.assertRaises(AccessError):
                order.with_user(self.sales_manager).with_context(**CRAFTED).write(vals)
            with self.assertRaises(AccessError):
                self.env["sale.order"].with_user(self.sales_manager).create(
                    {"partner_id": self.customer.id, "payment_term_id": self.term_30_days.id, **vals}
                )
        self.assertFalse(order.sudo().recovery_credit_override_user_id)
        with self.on(TODAY), self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(order, user=self.sales_manager)

    def test_portal_follower_cannot_read_the_collection_details(self):
        with self.on(TODAY):
            self.debtor.action_portal_create_link()
        order = self.order(self.term_30_days)
        self.assertTrue(order.with_user(self.salesman).recovery_credit_link)
        portal = new_test_user(
            self.env, login="portal_follower", groups="base.group_portal", company_id=self.company.id
        )
        order.message_subscribe(partner_ids=portal.partner_id.ids)
        self.assertEqual(order.with_user(portal).name, order.name, "the follower reads the order")
        for field in ("recovery_credit_link", "recovery_credit_block_message"):
            with self.assertRaises(AccessError):
                order.with_user(portal).read([field])
        self.assertNotIn("recovery_credit_link", order.with_user(portal).fields_get())

    def test_invoice_block_lifted_only_for_the_overridden_sale_as_ordered(self):
        """The invoice of an overridden order stays blocked when it bills something else too, more
        than the order, or another customer."""
        self.policy.credit_invoice_block = "block"
        self.product_a.invoice_policy = "order"
        other_customer = self.env["res.partner"].create({"name": "João Pereira"})
        self.create_invoice(800.0, TODAY.replace(month=9), TODAY.replace(month=10), partner=other_customer)
        with self.on(TODAY):
            self.env["account.move"]._cron_refresh_recovery_state()
            self.env.flush_all()
            self.env.cr.flush()
        self.assertIn(other_customer.id, other_customer._recovery_credit_blocks(self.company), "blocked too")
        tampering = {
            "extra line": {"invoice_line_ids": [Command.create({"name": "Sofa", "price_unit": 5000.0, "tax_ids": []})]},
            "higher price": "price",
            "other customer": {"partner_id": other_customer.id, "invoice_payment_term_id": self.term_30_days.id},
        }
        for what, change in tampering.items():
            order = self.order(self.term_30_days, user=self.sales_manager)
            with self.on(TODAY):
                order.with_user(self.sales_manager)._recovery_confirm_override("Guarantor signed")
                invoice = order._create_invoices()
                if change == "price":
                    invoice.invoice_line_ids.price_unit = 5000.0
                else:
                    invoice.write(change)
                invoice.invalidate_recordset()
                self.assertTrue(invoice.recovery_credit_warning, what)
                with self.assertRaisesText(UserError, "collection blocks new credit for this customer"):
                    invoice.action_post()
            self.assertEqual(invoice.state, "draft", what)
