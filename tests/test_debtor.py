from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestDebtor(CreditRecoveryCommon):
    def debtor_of(self, partner, company=None):
        return self.env["credit.recovery.debtor"].search(
            [("partner_id", "=", partner.commercial_partner_id.id), ("company_id", "=", (company or self.company).id)]
        )

    def test_debtor_aggregates_invoices_at_highest_stage(self):
        old = self.create_invoice(300.0, date(2026, 1, 10), date(2026, 2, 9))
        recent = self.create_invoice(200.0, date(2026, 3, 1), date(2026, 3, 31))
        self.create_invoice(150.0, date(2026, 4, 1), date(2026, 5, 1))
        self.refresh_on(date(2026, 4, 20))
        debtor = self.debtor_of(self.customer)
        self.assertEqual(len(debtor), 1)
        self.assertEqual(debtor.amount_overdue, 500.0)
        self.assertEqual(debtor.oldest_due_date, date(2026, 2, 9))
        self.assertEqual(self.days_overdue_on(date(2026, 4, 20), debtor, "days_overdue"), 70)
        self.assertEqual(debtor.overdue_invoice_count, 2)
        self.assertEqual(debtor.stage_id, self.stage_legal)
        self.assertEqual(old.recovery_stage_id, self.stage_legal)
        self.assertEqual(recent.recovery_stage_id, self.stage_alert)
        self.assertEqual(debtor.credit_status, "restricted")
        self.assertEqual(self.customer.recovery_amount_overdue, 500.0)
        self.assertEqual(self.customer.recovery_stage_id, self.stage_legal)

    def test_log_contact_names_the_overdue_invoices(self):
        """A call is about the debt: the dialog names the overdue invoices, not a sale not due yet;
        with nothing overdue, the open ones (a reminder before the due date)."""
        overdue = self.create_invoice(300.0, date(2026, 1, 10), date(2026, 2, 9))
        not_due = self.create_invoice(150.0, date(2026, 4, 1), date(2026, 5, 1))
        self.refresh_on(date(2026, 4, 20))
        debtor = self.debtor_of(self.customer)
        self.assertEqual(debtor.open_invoice_ids, overdue | not_due)
        action = debtor.with_user(self.agent).action_log_contact()
        self.assertEqual(action["context"]["default_invoice_ids"], overdue.ids)
        self.pay(overdue, 300.0, date(2026, 4, 20))
        self.refresh_on(date(2026, 4, 20))
        action = debtor.with_user(self.agent).action_log_contact()
        self.assertEqual(action["context"]["default_invoice_ids"], not_due.ids)

    def test_contact_of_a_company_shares_its_commercial_entity_record(self):
        company_customer = self.env["res.partner"].create({"name": "Loja Azul Ltda", "is_company": True})
        contact = self.env["res.partner"].create({"name": "João", "parent_id": company_customer.id})
        self.create_invoice(100.0, date(2026, 1, 10), date(2026, 2, 9), partner=contact)
        self.refresh_on(date(2026, 3, 1))
        debtor = self.debtor_of(company_customer)
        self.assertEqual(debtor.amount_overdue, 100.0)
        self.assertEqual(contact.recovery_debtor_id, debtor)
        self.assertEqual(self.days_overdue_on(date(2026, 3, 1), contact), 20)

    def test_paying_everything_restores_credit(self):
        invoice = self.create_invoice(300.0, date(2026, 1, 10), date(2026, 2, 9))
        self.refresh_on(date(2026, 3, 1))
        debtor = self.debtor_of(self.customer)
        self.assertEqual(debtor.credit_status, "restricted")
        self.pay(invoice, 300.0, date(2026, 3, 2))
        self.refresh_on(date(2026, 3, 2))
        self.assertEqual(debtor.amount_overdue, 0.0)
        self.assertFalse(debtor.stage_id)
        self.assertEqual(debtor.overdue_episodes, 1)
        self.assertEqual(debtor.credit_status, "restored")

    def test_customer_paying_on_time_stays_normal(self):
        invoice = self.create_invoice(300.0, date(2026, 1, 10), date(2026, 2, 9))
        self.pay(invoice, 300.0, date(2026, 2, 9))
        self.refresh_on(date(2026, 3, 1))
        debtor = self.debtor_of(self.customer)
        self.assertEqual(debtor.overdue_episodes, 0)
        self.assertEqual(debtor.credit_status, "normal")
        self.assertEqual(debtor.profile_id, self.env.ref("account_credit_recovery.profile_occasional"))

    def test_profile_computed_from_history(self):
        occasional = self.env.ref("account_credit_recovery.profile_occasional")
        recurrent = self.env.ref("account_credit_recovery.profile_recurrent")
        high_risk = self.env.ref("account_credit_recovery.profile_high_risk")
        for month in (1, 2, 3):
            invoice = self.create_invoice(100.0, date(2026, month, 1), date(2026, month, 10))
            self.pay(invoice, 100.0, date(2026, month, 20))  # paid ten days late
        self.refresh_on(date(2026, 4, 1))
        debtor = self.debtor_of(self.customer)
        self.assertEqual(debtor.overdue_episodes, 3)
        self.assertEqual(debtor.profile_id, recurrent)
        self.assertEqual(debtor.credit_status, "restored")
        # Late payments older than 12 months no longer count.
        self.refresh_on(date(2027, 1, 15))
        self.assertEqual(debtor.overdue_episodes, 2)
        self.assertEqual(debtor.profile_id, occasional)
        # Broken commitments (promises, agreements) also make a profile stricter.
        for _i in range(2):
            invoice = self.create_invoice(100.0, date(2026, 12, 1), date(2026, 12, 31))
            with self.on(date(2027, 1, 15)):
                self.env["credit.recovery.promise"].create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": self.company.id,
                        "debtor_id": debtor.id,
                        "invoice_ids": [Command.set(invoice.ids)],
                        "amount": 100.0,
                        "date": date(2027, 1, 20),
                    }
                )
        with self.on(date(2027, 1, 25)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(debtor.broken_commitments, 2)
        self.assertEqual(debtor.profile_id, high_risk)

    def test_profile_override_needs_manager_and_reason(self):
        high_risk = self.env.ref("account_credit_recovery.profile_high_risk")
        self.create_invoice(100.0, date(2026, 1, 1), date(2026, 1, 10))
        self.refresh_on(date(2026, 2, 1))
        debtor = self.debtor_of(self.customer)
        with self.assertRaises(AccessError):
            debtor.with_user(self.agent).write({"profile_override_id": high_risk.id, "profile_override_reason": "x"})
        with self.assertRaises(ValidationError):
            debtor.with_user(self.manager).write({"profile_override_id": high_risk.id})
        with Form(debtor.with_user(self.manager)) as form:
            form.profile_override_id = high_risk
            form.profile_override_reason = "Returned cheques at another store"
        self.assertEqual(debtor.profile_id, high_risk)
        self.assertEqual(debtor.profile_computed_id, self.env.ref("account_credit_recovery.profile_occasional"))
        debtor.with_user(self.manager).profile_override_id = False
        self.assertEqual(debtor.profile_id, debtor.profile_computed_id)

    def test_agent_works_debtors_but_cannot_configure(self):
        self.create_invoice(100.0, date(2026, 1, 1), date(2026, 1, 10))
        self.refresh_on(date(2026, 2, 1))
        debtor = self.debtor_of(self.customer).with_user(self.agent)
        self.assertEqual(debtor.amount_overdue, 100.0)
        debtor.user_id = self.agent
        self.assertEqual(debtor.user_id, self.agent)
        with self.assertRaises(AccessError):
            self.policy.with_user(self.agent).grace_days = 3
        with self.assertRaises(AccessError):
            self.env["credit.recovery.profile"].with_user(self.agent).create({"name": "Lenient"})
        with self.assertRaises(AccessError):
            debtor.unlink()
        self.policy.with_user(self.manager).grace_days = 3
        self.assertEqual(self.policy.grace_days, 3)
        self.assertTrue(self.agent.has_group("account_credit_recovery.group_credit_recovery_agent"))
        self.assertTrue(self.manager.has_group("account_credit_recovery.group_credit_recovery_agent"))

    def test_agent_cannot_exclude_invoices(self):
        invoice = self.create_invoice(100.0, date(2026, 1, 1), date(2026, 1, 10))
        with self.assertRaises(AccessError):
            self.env["credit.recovery.exclude"].with_user(self.agent).create(
                {"move_ids": invoice.ids, "reason": "Because"}
            )
        with self.assertRaises(AccessError):
            invoice.with_user(self.agent).action_recovery_include()


@tagged("post_install", "-at_install")
class TestMultiCompany(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.company_2 = cls.company_data_2["company"]

    def test_new_company_gets_its_own_policy_with_stages(self):
        policy_2 = self.env["credit.recovery.policy"].search([("company_id", "=", self.company_2.id)])
        self.assertEqual(len(policy_2), 1)
        self.assertEqual(policy_2.stage_ids.mapped("trigger_days"), [-3, 1, 15, 60])
        self.assertEqual(policy_2.calendar_id.company_id, self.company_2)
        self.assertEqual(
            policy_2.stage_ids[0].with_context(lang="en_US").name, self.stage_reminder.with_context(lang="en_US").name
        )

    def test_collection_state_is_per_company(self):
        self.create_invoice(100.0, date(2026, 1, 1), date(2026, 1, 10))
        self.create_invoice(700.0, date(2026, 1, 1), date(2026, 1, 10), company=self.company_2)
        self.refresh_on(date(2026, 2, 1))
        Debtor = self.env["credit.recovery.debtor"]
        debtors = Debtor.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sorted(debtors.mapped("amount_overdue")), [100.0, 700.0])
        stage_2 = debtors.filtered(lambda d: d.company_id == self.company_2).stage_id
        self.assertEqual(stage_2.company_id, self.company_2)
        # The agent of company 1 sees only company 1, on the debtors and on the partner.
        agent_debtors = Debtor.with_user(self.agent).search([("partner_id", "=", self.customer.id)])
        self.assertEqual(agent_debtors.mapped("amount_overdue"), [100.0])
        self.assertEqual(self.customer.with_user(self.agent).recovery_amount_overdue, 100.0)
        self.assertFalse(
            self.env["credit.recovery.policy"].with_user(self.agent).search([("company_id", "=", self.company_2.id)])
        )
        customer_in_2 = self.customer.with_company(self.company_2)
        self.assertEqual(customer_in_2.recovery_amount_overdue, 700.0)
