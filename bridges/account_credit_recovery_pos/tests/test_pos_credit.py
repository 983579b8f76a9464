from datetime import timedelta
from uuid import uuid4

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install")
class TestPosCredit(TestPointOfSaleHttpCommon):
    """The till and the server ask collection before credit: *Customer Account* (the store's
    crediário) is refused at the till for a customer whose credit is blocked, online and offline,
    and an order that reaches the server anyway is kept and flagged to the collection team."""

    @classmethod
    def get_default_groups(cls):
        # The test user (an accountant) also manages collection.
        return super().get_default_groups() | cls.env.ref("account_credit_recovery.group_credit_recovery_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_account = cls.env["pos.payment.method"].create(
            {"name": "Customer Account", "split_transactions": True}
        )
        cls.main_pos_config.write({"payment_method_ids": [Command.link(cls.customer_account.id)]})
        cls.blocked, cls.restored, cls.regular = cls.env["res.partner"].create(
            [
                {"name": "Cliente Bloqueado"},
                {"name": "Cliente Liberado", "credit_limit": 500.0},
                {"name": "Cliente Regular"},
            ]
        )
        today = fields.Date.context_today(cls.env["res.partner"])
        cls.blocked_invoice = cls.overdue_invoice(cls.blocked, 300.0, today - timedelta(days=45))
        settled = cls.overdue_invoice(cls.restored, 200.0, today - timedelta(days=45))
        cls.env["account.move"]._cron_refresh_recovery_state()
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=settled.ids).create(
            {"payment_date": today}
        )._create_payments()
        cls.env["account.move"]._cron_refresh_recovery_state()
        cls.env.invalidate_all()
        cls.debtor = cls.blocked.recovery_debtor_id

    @classmethod
    def overdue_invoice(cls, partner, amount, day):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": day,
                "invoice_date_due": day,
                "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})],
            }
        )
        invoice.action_post()
        return invoice

    def order_payload(self, partner, method, product=None):
        """An order as the till sends it to ``pos.order.sync_from_ui`` (the fields of
        point_of_sale's ``create_ui_order_data``), paid in full with ``method``."""
        product = product or self.desk_organizer
        price = product.lst_price
        uid = str(uuid4())
        return {
            "amount_paid": price,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": price,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": self.main_pos_config.pricelist_id.id,
            "name": f"Order {uid}",
            "last_order_preparation_change": "{}",
            "lines": [
                Command.create(
                    {
                        "pack_lot_ids": [],
                        "price_unit": price,
                        "product_id": product.id,
                        "price_subtotal": price,
                        "price_subtotal_incl": price,
                        "qty": 1,
                        "discount": 0.0,
                        "tax_ids": [Command.set([])],
                    }
                )
            ],
            "partner_id": partner.id,
            "session_id": self.main_pos_config.current_session_id.id,
            "sequence_number": 2,
            "payment_ids": [
                Command.create({"amount": price, "name": fields.Datetime.now(), "payment_method_id": method.id})
            ],
            "uuid": uid,
            "user_id": self.pos_user.id,
            "to_invoice": False,
        }

    def sync(self, *payloads):
        """The till's own sync path, as the cashier."""
        orders = self.env["pos.order"].with_user(self.pos_user).with_context(lang=self.pos_user.lang)
        result = orders.sync_from_ui(list(payloads))
        return self.env["pos.order"].browse([order["id"] for order in result["pos.order"]])

    def setUp(self):
        super().setUp()
        self.activities_before = self.debtor.activity_ids

    def flags(self):
        """The activities the Point of Sale left on the blocked customer's collection record."""
        return self.debtor.activity_ids - self.activities_before

    def test_collection_status_travels_with_the_pos_customers(self):
        self.assertEqual(self.debtor.credit_status, "restricted")
        self.assertEqual(self.restored.recovery_debtor_id.credit_status, "restored")
        self.main_pos_config.with_user(self.pos_user).open_ui()
        session = self.main_pos_config.current_session_id.with_user(self.pos_user)
        data = session.load_data(["pos.config", "pos.order", "res.partner"])
        partners = {row["id"]: row for row in data["res.partner"]["data"]}
        self.assertIn("recovery_pos_blocked", data["res.partner"]["fields"])
        self.assertIn("recovery_pos_message", data["res.partner"]["relations"])
        blocked = partners[self.blocked.id]
        self.assertTrue(blocked["recovery_pos_blocked"])
        self.assertFalse(blocked["recovery_pos_restored"])
        for part in ("Cliente Bloqueado", "overdue", self.debtor.stage_id.name, "Sell for cash or card"):
            self.assertIn(part, blocked["recovery_pos_message"])
        restored = partners[self.restored.id]
        self.assertEqual(
            (restored["recovery_pos_blocked"], restored["recovery_pos_restored"]),
            (False, True),
        )
        self.assertEqual((restored["recovery_pos_limit"], restored["recovery_pos_available"]), (500.0, 500.0))
        regular = partners[self.regular.id]
        self.assertEqual(
            (regular["recovery_pos_blocked"], regular["recovery_pos_restored"], regular["recovery_pos_message"]),
            (False, False, False),
        )

    def test_message_and_flag_in_the_cashier_language(self):
        """The till shows the server's sentence in the cashier's language; the flag too."""
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"].search(
            [("name", "in", ("account_credit_recovery", "account_credit_recovery_pos"))]
        )._update_translations(["pt_BR"])
        self.pos_user.lang = "pt_BR"
        message = self.blocked.with_user(self.pos_user).with_context(lang="pt_BR").recovery_pos_message
        self.assertEqual(message, self.debtor.with_context(lang="pt_BR")._recovery_credit_block_vals()["message"])
        self.assertIn("300,00", message, "amounts formatted for the cashier")
        self.main_pos_config.with_user(self.pos_user).open_ui()
        order = self.sync(self.order_payload(self.blocked, self.customer_account))
        self.assertEqual(self.flags().summary, f"Venda na conta do cliente com crédito bloqueado: {order.name}")
        self.assertIn("operador de caixa: A simple PoS man!", self.flags().note)
        # The till's own words (JS and templates) reach the cashier's browser in pt_BR.
        web, _lang = self.env["ir.http"].get_translations_for_webclient(["account_credit_recovery_pos"], "pt_BR")
        strings = {message["id"]: message["string"] for message in web["account_credit_recovery_pos"]["messages"]}
        self.assertEqual(strings["Customer Account refused"], "Conta do cliente recusada")
        self.assertEqual(strings["Credit restored"], "Crédito liberado")

    def test_status_read_for_many_customers_in_one_go(self):
        """The computed fields are batched: reading them for many customers costs the same queries as
        for a few."""
        many = self.env["res.partner"].create([{"name": f"Cliente {n}"} for n in range(20)])
        for partner in many[:3]:
            self.overdue_invoice(partner, 100.0, fields.Date.context_today(partner) - timedelta(days=60))
        self.env["account.move"]._cron_refresh_recovery_state()
        self.assertEqual(set(many[:3].recovery_debtor_id.mapped("credit_status")), {"restricted"})
        fields_ = ["recovery_pos_blocked", "recovery_pos_message", "recovery_pos_restored", "recovery_pos_available"]

        def count(partners):
            partners = partners.with_user(self.pos_user)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            partners.read(fields_)
            return self.env.cr.sql_log_count - before

        count(self.blocked | self.restored | self.regular)  # caches of the user's groups and rules
        few = count(self.blocked | self.restored | self.regular)
        self.assertEqual(count(self.blocked | self.restored | self.regular | many), few)

    def test_blocked_customer_account_order_reaching_the_server_is_kept_and_flagged(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        order = self.sync(self.order_payload(self.blocked, self.customer_account))
        self.assertEqual(order.state, "paid", "a sale that happened is never lost")
        self.assertEqual(order.partner_id, self.blocked)
        self.assertEqual(order.payment_ids.payment_method_id, self.customer_account)
        flag = self.flags()
        self.assertEqual(len(flag), 1)
        self.assertEqual(flag.summary, f"Customer Account sale while credit is blocked: {order.name}")
        note = flag.note
        for part in (order.pos_reference, "A simple PoS man!", "Customer Account", "Cliente Bloqueado", "Shop"):
            self.assertIn(part, note)
        self.assertEqual(flag.user_id, self.debtor._get_collection_responsible())
        # Plain text: a name typed at the till is never HTML in the team's to-do list.
        self.pos_user.name = "<b>Caixa</b>"
        self.sync(self.order_payload(self.blocked, self.customer_account))
        self.assertIn("&lt;b&gt;Caixa&lt;/b&gt;", str(self.flags().sorted("id")[-1].note))

    def test_blocked_customer_paid_up_buys_on_customer_account_again(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.sync(self.order_payload(self.blocked, self.customer_account))
        self.assertEqual(len(self.flags()), 1)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.blocked_invoice.ids
        ).create({"payment_date": fields.Date.context_today(self.blocked)})._create_payments()
        self.env["account.move"]._cron_refresh_recovery_state()
        self.env.invalidate_all()
        row = self.blocked.with_user(self.pos_user).read(["recovery_pos_blocked", "recovery_pos_restored"])[0]
        self.assertEqual((row["recovery_pos_blocked"], row["recovery_pos_restored"]), (False, True))
        order = self.sync(self.order_payload(self.blocked, self.customer_account))
        self.assertEqual(order.state, "paid")
        self.assertEqual(len(self.flags()), 1, "credit given back: no new flag")

    def test_cash_and_restored_customers_are_not_flagged(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        cash = self.main_pos_config.payment_method_ids.filtered("is_cash_count")[:1]
        orders = self.sync(
            self.order_payload(self.blocked, cash),
            self.order_payload(self.restored, self.customer_account),
            self.order_payload(self.regular, self.customer_account),
        )
        self.assertEqual(orders.mapped("state"), ["paid"] * 3)
        self.assertFalse(self.flags())
        self.assertFalse(self.restored.recovery_debtor_id.activity_ids)

    def test_till_refuses_customer_account_for_blocked_customer_and_accepts_restored(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("account_credit_recovery_pos_refusal", login="pos_user")
        orders = self.env["pos.order"].search([("session_id", "=", self.main_pos_config.current_session_id.id)])
        self.assertEqual(orders.partner_id, self.restored, "the blocked customer's order was never validated")
        self.assertEqual(orders.state, "paid")
        self.assertEqual(orders.payment_ids.payment_method_id, self.customer_account)
        self.assertFalse(self.flags())

    def test_till_speaks_the_cashier_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"].search(
            [("name", "in", ("account_credit_recovery", "account_credit_recovery_pos"))]
        )._update_translations(["pt_BR"])
        self.pos_user.lang = "pt_BR"
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("account_credit_recovery_pos_refusal_pt_br", login="pos_user")
        orders = self.env["pos.order"].search([("session_id", "=", self.main_pos_config.current_session_id.id)])
        self.assertFalse(orders.filtered(lambda order: order.state != "draft"), "nothing validated")
