"""Negotiation, agreement and debtor guarantees, tested the way an attacker calls: plain RPC-shaped
``create``/``write``/``unlink`` as a Collection Agent (or Manager), with context keys of the caller's
choosing. None of them may authorise anything."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)  # a Monday; the invoice fell due on 9 October (45 days)
# Keys an RPC caller may set freely: none of them may open a door.
ATTACK_CONTEXT = {
    "credit_recovery_engine": True,
    "credit_recovery_contact_internal": True,
    "credit_recovery_defer_stage_check": True,
}


@tagged("post_install", "-at_install")
class TestSecurityAgreement(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.invoice.recovery_debtor_id
        cls.occasional = cls.env.ref("account_credit_recovery.profile_occasional")
        cls.high_risk = cls.env.ref("account_credit_recovery.profile_high_risk")
        cls.Agreement = cls.env["credit.recovery.agreement"]

    def negotiate(self, user=None, invoices=None, **terms):
        """``user`` (the agent by default) negotiates ``invoices`` on TODAY through the wizard."""
        user = user or self.agent
        with self.on(TODAY):
            action = (invoices or self.invoice).with_user(user).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
            for field, value in terms.items():
                setattr(wizard, field, value)
            result = wizard.save().action_prepare()
        return self.Agreement.with_user(user).with_context(**ATTACK_CONTEXT).browse(result["res_id"])

    def rpc_create(self, user=None, **vals):
        """``create`` as an RPC caller sends it: the agent's own values, any context."""
        vals = {"partner_id": self.customer.id, "invoice_ids": [Command.set(self.invoice.ids)], **vals}
        with self.on(TODAY):
            return self.Agreement.with_user(user or self.agent).with_context(**ATTACK_CONTEXT).create(vals)

    # ------------------------------------------------------------------
    # Agreements
    # ------------------------------------------------------------------

    def test_state_changes_only_through_the_actions(self):
        agreement = self.negotiate(installments=20)  # beyond the profile: needs a manager
        for vals in ({"state": "active"}, {"state": "to_approve"}, {"approved_by_id": self.agent.id}):
            with self.subTest(vals=vals), self.assertRaisesText(AccessError, "buttons"):
                agreement.write(vals)
        with self.assertRaisesText(AccessError, "buttons"):
            agreement.with_user(self.manager).with_context(**ATTACK_CONTEXT).write({"state": "active"})
        with self.assertRaisesText(AccessError, "buttons"):
            self.rpc_create(installments=2, state="active")
        self.assertEqual(agreement.state, "draft")
        self.assertFalse(agreement.move_id)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_terms_and_schedule_frozen_once_submitted(self):
        agreement = self.negotiate(installments=18)
        agreement.action_submit()
        submitted = [(line.date_due, line.amount) for line in agreement.line_ids]
        with self.assertRaisesText(UserError, "submitted"):
            agreement.write({"installments": 24})
        line = agreement.line_ids[0]
        for vals in ({"amount": 1.0}, {"date_due": date(2027, 12, 28)}):
            with self.subTest(vals=vals), self.assertRaisesText(UserError, "cannot be changed"):
                line.write(vals)
        with self.assertRaisesText(UserError, "cannot be changed"):
            agreement.line_ids[-1].unlink()
        with self.assertRaisesText(UserError, "cannot be changed"):
            self.env["credit.recovery.agreement.line"].with_user(self.agent).with_context(**ATTACK_CONTEXT).create(
                {"agreement_id": agreement.id, "name": "Extra", "date_due": date(2027, 12, 28), "amount": 1.0}
            )
        with self.assertRaisesText(AccessError, "computed from the terms"):
            agreement.write({"line_ids": [Command.update(line.id, {"amount": 1.0})]})
        with self.on(TODAY):
            agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "active")
        self.assertEqual(agreement.installments, 18)
        self.assertEqual([(line.date_due, line.amount) for line in agreement.line_ids], submitted)

    def test_activation_refuses_a_schedule_that_does_not_match_the_terms(self):
        agreement = self.negotiate(installments=18)
        agreement.action_submit()
        # Whatever way the schedule was altered (here by the system itself), approval rebuilds it and refuses.
        agreement.line_ids[-1].sudo().write({"date_due": date(2028, 12, 28)})
        with self.on(TODAY), self.assertRaisesText(UserError, "schedule"):
            agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "to_approve")
        self.assertFalse(agreement.move_id)

    def test_direct_create_gets_the_server_debt_and_profile(self):
        self.debtor.sudo().write(
            {"profile_override_id": self.high_risk.id, "profile_override_reason": "Two broken agreements"}
        )
        forged = {
            "profile_id": self.occasional.id,
            "principal": 1000.0,
            "fine": 0.0,
            "interest": 0.0,
            "installments": 10,
            "first_due": date(2026, 12, 20),
        }
        for field in ("profile_id", "fine", "interest"):
            vals = {
                key: value for key, value in forged.items() if key in (field, "principal", "installments", "first_due")
            }
            with self.subTest(field=field), self.assertRaisesText(AccessError, "computed from the invoices"):
                self.rpc_create(**vals)
        agreement = self.rpc_create(installments=10, first_due=date(2026, 12, 20))
        self.assertEqual((agreement.principal, agreement.fine, agreement.interest), (1000.0, 20.0, 15.0))
        self.assertEqual((agreement.profile_id, agreement.debtor_id), (self.high_risk, self.debtor))
        self.assertFalse(agreement.within_limits)
        with self.on(TODAY), self.assertRaisesText(UserError, "Submit it for approval"):
            agreement.action_confirm()
        self.assertEqual(agreement.state, "draft")
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_one_open_agreement_per_invoice(self):
        first = self.negotiate(installments=18)
        second = self.negotiate(installments=2)  # two drafts on one invoice: the customer hesitates
        first.action_submit()
        with self.on(TODAY), self.assertRaisesText(UserError, "already under agreement"):
            second.action_confirm()
        with self.assertRaisesText(UserError, "already under agreement"):
            second.action_submit()
        with self.assertRaisesText(UserError, "already under agreement"):
            self.negotiate(installments=2)
        with self.assertRaisesText(UserError, "already under agreement"):
            self.rpc_create(installments=2)
        self.assertEqual(second.state, "draft")

    def test_paid_invoice_refused_even_with_an_overdue_one(self):
        paid = self.create_invoice(300.0, date(2026, 9, 9), date(2026, 10, 9))
        self.pay(paid, 300.0, date(2026, 10, 1))
        with self.on(TODAY):
            self.env["account.move"]._cron_refresh_recovery_state()
        with self.assertRaisesText(UserError, "already paid"):
            (self.invoice | paid).with_user(self.agent).action_recovery_negotiate()
        with self.assertRaisesText(UserError, "already paid"):
            self.rpc_create(invoice_ids=[Command.set((self.invoice | paid).ids)], installments=2)
        self.assertFalse(self.Agreement.search([("invoice_ids", "in", paid.ids)]))

    def test_foreign_currency_invoice_refused(self):
        eur = self.setup_other_currency("EUR")
        in_eur = self.create_invoice(100.0, date(2026, 9, 9), date(2026, 10, 9), currency=eur)
        with self.on(TODAY):
            self.env["account.move"]._cron_refresh_recovery_state()
        with self.assertRaisesText(UserError, "foreign currency"):
            in_eur.with_user(self.agent).action_recovery_negotiate()
        with self.assertRaisesText(UserError, "foreign currency"):
            self.rpc_create(invoice_ids=[Command.set(in_eur.ids)], installments=1)

    def test_agent_without_email_confirms_and_submits(self):
        agent = new_test_user(
            self.env,
            login="agent_without_email",
            email=False,
            groups="base.group_user,account_credit_recovery.group_credit_recovery_agent",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertFalse(agent.email)
        submitted = self.negotiate(user=agent, installments=18)
        submitted.action_submit()
        self.assertEqual(submitted.state, "to_approve")
        self.assertEqual(len(submitted.activity_ids), 1)
        # The rejection is e-mailed to the agent, who has no address: Odoo logs that it could not.
        with mute_logger("odoo.addons.mail.models.mail_mail"):
            submitted.with_user(self.manager).action_reject("Too long")
        confirmed = self.negotiate(user=agent, installments=2)
        with self.on(TODAY):
            confirmed.action_confirm()
        self.assertEqual(confirmed.state, "active")
        self.assertIn("Agreement confirmed", confirmed.message_ids[0].body)

    # ------------------------------------------------------------------
    # Debtor
    # ------------------------------------------------------------------

    def test_debtor_profile_cannot_be_written(self):
        self.debtor.sudo().write(
            {"profile_override_id": self.high_risk.id, "profile_override_reason": "Two broken agreements"}
        )
        for user in (self.agent, self.manager):
            debtor = self.debtor.with_user(user).with_context(**ATTACK_CONTEXT)
            for field in ("profile_id", "profile_computed_id"):
                with self.subTest(user=user.login, field=field), self.assertRaisesText(AccessError, "workflow"):
                    debtor.write({field: self.occasional.id})
        with self.assertRaisesText(AccessError, "Collection Manager"):
            self.debtor.with_user(self.agent).with_context(**ATTACK_CONTEXT).write(
                {"profile_override_id": self.occasional.id, "profile_override_reason": "Nice customer"}
            )
        self.assertEqual(self.debtor.profile_id, self.high_risk)
        self.assertEqual(self.negotiate(installments=2).profile_id, self.high_risk)

    def test_debtor_cannot_be_listed_without_prior_notice(self):
        for user in (self.agent, self.manager):
            debtor = self.debtor.with_user(user).with_context(**ATTACK_CONTEXT)
            with self.subTest(user=user.login), self.assertRaisesText(AccessError, "workflow"):
                debtor.write({"bureau_state": "listed", "bureau_listed_date": TODAY})
            with self.subTest(user=user.login), self.assertRaisesText(AccessError, "workflow"):
                debtor.write({"bureau_state": "notified", "bureau_notice_date": TODAY})
        with self.assertRaisesText(UserError, "prior notice"):
            self.debtor.with_user(self.manager).with_context(**ATTACK_CONTEXT).action_bureau_listed()
        self.assertFalse(self.debtor.bureau_state)
        # With the notice on record, the manager's action lists the debtor.
        self.debtor.sudo().write({"bureau_state": "notified", "bureau_notice_date": TODAY})
        self.debtor.with_user(self.manager).action_bureau_listed()
        self.assertEqual(self.debtor.bureau_state, "listed")

    def test_debtor_workflow_fields_refused(self):
        run = self.env["credit.recovery.run"].sudo().search([], limit=1)
        forged = {
            "credit_status": "normal",
            "bureau_removal_deadline": date(2030, 1, 1),
            "bureau_notice_date": date(2026, 1, 1),
            "bureau_listed_date": date(2026, 1, 1),
            "bureau_removed_date": date(2026, 1, 1),
            "amount_overdue": 0.0,
            "days_overdue": 0,
            "overdue_invoice_count": 0,
            "overdue_episodes": 0,
            "broken_commitments": 0,
            "next_action_date": date(2030, 1, 1),
            "stage_id": False,
        }
        if run:
            forged["planned_run_id"] = run.id
        for user in (self.agent, self.manager):
            debtor = self.debtor.with_user(user).with_context(**ATTACK_CONTEXT)
            for field, value in forged.items():
                with self.subTest(user=user.login, field=field), self.assertRaisesText(AccessError, "workflow"):
                    debtor.write({field: value})
        other = self.env["res.partner"].create({"name": "Outro Cliente"})
        with self.assertRaisesText(AccessError, "workflow"):
            self.env["credit.recovery.debtor"].with_user(self.manager).with_context(**ATTACK_CONTEXT).create(
                {"partner_id": other.id, "company_id": self.company.id, "bureau_state": "listed"}
            )
        self.assertEqual(self.debtor.credit_status, "restricted")
        self.assertEqual(self.debtor.amount_overdue, 1000.0)

    # ------------------------------------------------------------------
    # Policy
    # ------------------------------------------------------------------

    def test_negative_days_refused_and_daily_check_survives(self):
        policy = self.policy.with_user(self.manager).with_context(**ATTACK_CONTEXT)
        for field in ("agreement_break_days", "promise_tolerance_days", "grace_days"):
            with self.subTest(field=field), self.assertRaisesText(ValidationError, "cannot be negative"):
                policy.write({field: -5})
        agreement = self.negotiate(installments=2, first_due=date(2026, 12, 1))
        with self.on(TODAY):
            agreement.action_confirm()
        # A value stored before the check existed does not stop the daily check.
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE credit_recovery_policy SET agreement_break_days = -5 WHERE id = %s", self.policy.id)
        )
        self.env.invalidate_all()
        with self.on(date(2026, 12, 2)):
            self.Agreement._cron_check_agreements()
        self.assertEqual(agreement.state, "broken")

    def test_new_company_gets_no_other_company_accounts(self):
        template = self.env.ref("account_credit_recovery.policy_default").sudo()
        company = template.company_id
        journal = (
            self.env["account.journal"]
            .sudo()
            .create({"name": "Renegotiation", "code": "RNGX", "type": "general", "company_id": company.id})
        )
        accounts = (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .create(
                [
                    {"name": "Agreement fines", "code": "499901", "account_type": "income_other"},
                    {"name": "Agreement discounts", "code": "599901", "account_type": "expense"},
                ]
            )
        )
        template.write(
            {
                "agreement_journal_id": journal.id,
                "agreement_income_account_id": accounts[0].id,
                "agreement_discount_account_id": accounts[1].id,
            }
        )
        new_company = self.env["res.company"].sudo().create({"name": "Nova Filial"})
        policy = self.env["credit.recovery.policy"].sudo().search([("company_id", "=", new_company.id)])
        self.assertEqual(len(policy), 1)
        self.assertFalse(policy.agreement_journal_id)
        self.assertFalse(policy.agreement_income_account_id | policy.agreement_discount_account_id)
        self.assertEqual(template.agreement_journal_id, journal, "the template keeps its own accounts")
