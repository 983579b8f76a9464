from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from ..tools.credit_limit import BLOCKED_LIMIT
from .common import CreditRecoveryCommon

DUE = date(2026, 10, 9)
TODAY = date(2026, 11, 23)  # 45 days overdue


@tagged("post_install", "-at_install")
class TestCreditStore(CreditRecoveryCommon):
    """The customer's credit limit follows collection: blocked while restricted (by the policy's
    definition), the profile's restored limit once paid, then the normal one, exactly; logged; a
    manager's override; invoices; the welcome-back message; the repurchase rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True
        cls.customer.write({"email": "maria@example.com", "lang": "en_US"})
        cls.customer.with_company(cls.company).credit_limit = 1000.0
        cls.invoice = cls.create_invoice(300.0, date(2026, 9, 9), DUE)
        cls.pay_30 = cls.env["account.payment.term"].create(
            {"name": "30 days", "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})]}
        )

    def settle(self, day=TODAY):
        """Refresh on ``day``, then pre-commit: where the limits of a status changed outside the run are written."""
        with self.on(day):
            self.env["account.move"]._cron_refresh_recovery_state()
            self.env.flush_all()
            self.env.cr.flush()

    def pay_on(self, invoice, amount, day):
        """The customer pays on ``day``; the transaction's pre-commit step runs that day too."""
        with self.on(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"amount": amount, "payment_date": day})._create_payments()
            self.env.flush_all()
            self.env.cr.flush()

    def debtor(self):
        return self.env["credit.recovery.debtor"].search([("partner_id", "=", self.customer.id)])

    def limit(self):
        self.env.invalidate_all()
        return self.customer.with_company(self.company).credit_limit

    def test_restricted_blocks_then_payment_gives_the_normal_limit_back_at_once(self):
        self.settle()
        debtor = self.debtor()
        self.assertEqual(debtor.credit_status, "restricted")
        self.assertEqual(debtor.credit_limit_state, "blocked")
        self.assertEqual(self.limit(), BLOCKED_LIMIT, "a tiny positive limit: 0 would mean no limit to Odoo")
        self.assertEqual(debtor.credit_normal_limit, 1000.0, "the normal limit is remembered")
        self.assertEqual(debtor.credit_change_ids.reason, "blocked")
        self.assertIn("New credit blocked", "".join(debtor.message_ids.mapped("body")))
        info = self.customer._recovery_credit_info()[self.customer.id]
        self.assertEqual((info["status"], info["blocked"], info["available"]), ("restricted", True, 0.0))
        self.assertIn("new credit is blocked", info["message"])
        # Odoo's own credit warning fires on a new invoice.
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"name": "Sofa", "price_unit": 50.0, "tax_ids": []})],
            }
        )
        self.assertIn("credit limit", draft.partner_credit_warning)

        self.pay_on(self.invoice, 300.0, TODAY)  # a payment, outside the run
        debtor.invalidate_recordset()
        self.assertEqual(debtor.credit_status, "restored")
        self.assertEqual(debtor.credit_limit_state, "normal")
        self.assertEqual(self.limit(), 1000.0, "given back exactly, without waiting for the night")
        self.assertEqual(debtor.credit_restored_date, TODAY)
        self.assertEqual(set(debtor.credit_change_ids.mapped("reason")), {"blocked", "restored"})
        self.assertTrue(debtor.credit_change_ids.filtered("restoration"))
        info = self.customer._recovery_credit_info()[self.customer.id]
        self.assertEqual((info["blocked"], info["restored"], info["limit"]), (False, True, 1000.0))

    def test_recurrent_profile_gets_half_the_limit_for_90_days(self):
        profile = self.env["credit.recovery.profile"].create(
            {"name": "Everyone", "sequence": 99, "credit_restored_percent": 50.0, "credit_restored_days": 90}
        )
        self.settle()
        debtor = self.debtor()
        self.assertEqual(debtor.profile_id, profile)
        self.pay_on(self.invoice, 300.0, TODAY)
        debtor.invalidate_recordset()
        self.assertEqual((debtor.credit_limit_state, self.limit()), ("restored", 500.0))
        self.assertEqual(debtor.credit_restored_until, date(2027, 2, 20))
        with self.on(date(2027, 2, 20)):
            self.env["credit.recovery.debtor"]._recovery_apply_credit_limits_daily()
        self.assertEqual(self.limit(), 500.0, "the last day of the restored period")
        with self.on(date(2027, 2, 21)):
            self.env["credit.recovery.debtor"]._recovery_apply_credit_limits_daily()
        debtor.invalidate_recordset()
        self.assertEqual((debtor.credit_limit_state, self.limit()), ("normal", 1000.0))
        self.assertIn("restored_end", debtor.credit_change_ids.mapped("reason"))

    def test_policy_blocks_from_a_stage_or_days(self):
        self.policy.credit_block_stage_id = self.stage_legal
        self.settle()
        debtor = self.debtor()
        self.assertEqual(debtor.credit_status, "restricted")
        self.assertNotEqual(debtor.stage_id, self.stage_legal)
        self.assertFalse(debtor.credit_blocked, "an early stage: the store may still sell on credit")
        self.assertFalse(self.customer._recovery_credit_blocks())
        self.assertEqual((debtor.credit_limit_state, self.limit()), ("normal", 1000.0))
        self.policy.credit_block_days = 30
        debtor.invalidate_recordset()
        self.assertTrue(debtor.credit_blocked, "45 days overdue, above 30")
        self.assertIn(self.customer.id, self.customer._recovery_credit_blocks())
        debtor._recovery_apply_credit_limits()
        self.assertEqual(self.limit(), BLOCKED_LIMIT)

    def test_manager_override_with_reason_and_end_date_and_attacks(self):
        self.settle()
        debtor = self.debtor()
        # An agent, directly: the override fields, the limit, the wizard.
        with self.assertRaises(AccessError):
            debtor.with_user(self.agent).write({"credit_override_limit": 5000.0, "credit_override_until": TODAY})
        with self.assertRaises(AccessError):
            debtor.with_user(self.agent).write({"credit_limit_state": "normal"})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.agent).with_company(self.company).write({"credit_limit": 5000.0})
        with self.assertRaises(AccessError):
            self.customer.with_company(self.company).write({"credit_limit": 5000.0})  # even an accountant
        with self.assertRaises(AccessError):
            debtor.with_user(self.agent).action_open_credit_override()
        with self.assertRaises(AccessError):
            self.env["credit.recovery.credit.override"].with_user(self.agent).create(
                {"debtor_id": debtor.id, "limit": 5000.0, "date_end": TODAY, "reason": "x"}
            )
        self.assertEqual(self.limit(), BLOCKED_LIMIT)

        with self.on(TODAY):
            action = debtor.with_user(self.manager).action_open_credit_override()
            wizard = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
            wizard.limit = 200.0
            wizard.date_end = date(2026, 11, 30)
            wizard.reason = "<b>Paid</b> at the counter"
            wizard.save().action_confirm()
            debtor.invalidate_recordset()
            self.assertEqual((debtor.credit_limit_state, self.limit()), ("override", 200.0))
            self.assertFalse(debtor.credit_blocked)
            self.assertFalse(self.customer._recovery_credit_blocks())
        note = debtor.message_ids[0].body
        self.assertIn("&lt;b&gt;Paid&lt;/b&gt;", note, "the typed reason is plain text")
        self.assertEqual(debtor.credit_change_ids[0].note, "<b>Paid</b> at the counter")
        with self.on(date(2026, 11, 30)):
            self.env["credit.recovery.debtor"]._recovery_apply_credit_limits_daily()
        self.assertEqual(self.limit(), 200.0, "the override's last day")
        with self.on(date(2026, 12, 1)):
            self.env["credit.recovery.debtor"]._recovery_apply_credit_limits_daily()
        debtor.invalidate_recordset()
        self.assertEqual((debtor.credit_limit_state, self.limit()), ("blocked", BLOCKED_LIMIT), "ended by itself")
        self.assertFalse(debtor.credit_override_until)

    def test_manager_of_another_company_cannot_touch_the_override(self):
        """A Collection Manager of company B, directly or through the wizard, cannot set nor end the
        override of a company A debtor (record rules are checked before the write with sudo)."""
        self.settle()
        debtor = self.debtor()
        with self.on(TODAY):
            debtor.with_user(self.manager)._recovery_set_credit_override(200.0, date(2026, 11, 30), "Agreed")
        other = self.setup_other_company()["company"]
        manager_b = new_test_user(
            self.env,
            login="collection_manager_b",
            groups="base.group_user,account_credit_recovery.group_credit_recovery_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        crafted = {"recovery_credit_override_by": manager_b.id, "allowed_company_ids": [other.id]}
        with self.on(TODAY):
            with self.assertRaises(AccessError):
                debtor.with_user(manager_b).with_context(**crafted)._recovery_set_credit_override(0.0, False, "End")
            with self.assertRaises(UserError):  # check_company: the wizard is company B's
                self.env["credit.recovery.credit.override"].with_user(manager_b).with_context(**crafted).create(
                    {"debtor_id": debtor.id, "limit": 0.0, "date_end": TODAY, "reason": "End"}
                ).action_end()
        debtor.invalidate_recordset()
        self.assertEqual(debtor.credit_limit_state, "override")
        self.assertEqual(debtor.credit_override_until, date(2026, 11, 30))

    def new_invoice(self, payment_term=None):
        vals = {
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "invoice_date": TODAY,
            "invoice_line_ids": [Command.create({"name": "Sofa", "price_unit": 50.0, "tax_ids": []})],
        }
        if payment_term:
            vals["invoice_payment_term_id"] = payment_term.id
        else:
            vals["invoice_date_due"] = TODAY
        return self.env["account.move"].create(vals)

    def test_credit_invoice_warns_or_blocks_cash_passes(self):
        self.settle()
        with self.on(TODAY):
            credit = self.new_invoice(self.pay_30)
            self.assertIn("new credit is blocked", credit.recovery_credit_warning)
            cash = self.new_invoice()
            self.assertFalse(cash.recovery_credit_warning)
            credit.action_post()  # warn: the banner, the invoice is posted
            self.assertEqual(credit.state, "posted")
            self.policy.credit_invoice_block = "block"
            blocked = self.new_invoice(self.pay_30)
            with self.assertRaisesText(UserError, "collection blocks new credit"):
                blocked.action_post()
            cash.action_post()
            self.assertEqual(cash.state, "posted", "cash invoices always pass")

    def test_welcome_back_sent_once_with_the_benefit_and_opt_out_honoured(self):
        self.policy.credit_benefit_text = "10% off your next purchase"
        template = self.env.ref("account_credit_recovery.mail_template_credit_welcome_back")
        self.settle()
        debtor = self.debtor()
        self.pay_on(self.invoice, 300.0, TODAY)
        mails = self.env["mail.mail"].search([("model", "=", "credit.recovery.debtor"), ("res_id", "=", debtor.id)])
        welcome = mails.filtered(lambda mail: "credit is available again" in (mail.subject or ""))
        self.assertEqual(len(welcome), 1)
        self.assertIn("10% off your next purchase", welcome.body_html)
        self.assertIn("1,000.00", welcome.body_html)
        debtor.invalidate_recordset()
        self.assertEqual(debtor.credit_welcome_date, TODAY)
        debtor._recovery_welcome_back()  # again: nothing more
        again = self.env["mail.mail"].search_count(
            [("res_id", "=", debtor.id), ("subject", "ilike", "available again")]
        )
        self.assertEqual(again, 1)
        self.assertTrue(template)

        other = self.env["res.partner"].create(
            {"name": "João Opt-out", "email": "joao@example.com", "recovery_optout_email": True}
        )
        invoice = self.create_invoice(100.0, date(2026, 9, 9), DUE, partner=other)
        self.settle()
        self.pay_on(invoice, 100.0, TODAY)
        other_debtor = self.env["credit.recovery.debtor"].search([("partner_id", "=", other.id)])
        self.assertEqual(other_debtor.credit_restored_date, TODAY)
        self.assertFalse(
            self.env["mail.mail"].search_count([("res_id", "=", other_debtor.id), ("subject", "ilike", "available")])
        )

    def test_repurchase_rate_by_hand(self):
        self.settle()
        self.pay_on(self.invoice, 300.0, TODAY)
        # A second restored customer who does not buy again.
        other = self.env["res.partner"].create({"name": "Ana"})
        invoice = self.create_invoice(100.0, date(2026, 9, 9), DUE, partner=other)
        self.settle()
        self.pay_on(invoice, 100.0, TODAY)
        # Maria buys twice within 90 days (one cash), and once too late.
        self.create_invoice(120.0, date(2026, 12, 1), date(2026, 12, 1))
        self.create_invoice(80.0, date(2027, 2, 21), date(2027, 2, 21))  # day 90
        self.create_invoice(999.0, date(2027, 2, 22), date(2027, 2, 22))  # day 91
        with self.on(date(2026, 11, 30)):
            kpis = self.env["credit.recovery.kpi"].get_kpis(self.company.id, date(2026, 11, 1), date(2026, 11, 30))
        self.assertEqual(kpis["customers_recovered"], 2)
        self.assertEqual(kpis["repurchase_count"], 1)
        self.assertEqual(kpis["repurchase_rate"], 0.5)
        self.assertEqual(kpis["repurchase_amount"], 200.0)
        debtor = self.debtor()
        self.assertEqual(debtor.credit_repurchase_amount, 200.0)
        with self.on(date(2026, 11, 30)):
            dashboard = self.env["credit.recovery.kpi"].get_dashboard(self.company.id)
        card = next(card for card in dashboard["cards"] if card["key"] == "customers_recovered")
        self.assertIn("50 %", card["value"])

    def test_run_plan_writes_the_limits_set_based(self):
        Run = self.env["credit.recovery.run"]
        with self.on(TODAY):
            Run._start(self.policy)
            for _call in range(50):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        debtor = self.debtor()
        self.assertEqual(debtor.credit_limit_state, "blocked")
        self.assertEqual(self.limit(), BLOCKED_LIMIT)
        # Logged with its reason; the run's changes (thousands on a first night) post no chatter note each.
        self.assertEqual(
            [(change.reason, change.limit_from, change.limit_to) for change in debtor.credit_change_ids],
            [("blocked", 1000.0, BLOCKED_LIMIT)],
        )
        self.assertNotIn("New credit blocked", "".join(debtor.message_ids.mapped("body")))
