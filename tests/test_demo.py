from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from .common import CreditRecoveryCommon

EARLY_MORNING_SP = datetime(2026, 12, 1, 8, 30)  # 05:30 in São Paulo, a Tuesday
LATE_EVENING_SP = datetime(2026, 12, 2, 2, 30)  # 23:30 in São Paulo on Tuesday, already Wednesday in UTC


@tagged("post_install", "-at_install")
class TestDemoData(CreditRecoveryCommon):
    """The demo as a new user meets it: in Portuguese, on São Paulo's clock, with something in
    every screen. Created once (as the module's data loading does: as superuser), early in the
    morning in São Paulo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pt_BR")
        with freeze_time(EARLY_MORNING_SP):
            cls.env["credit.recovery.policy"].sudo()._create_demo_data()
            cls.env.flush_all()
        cls.company = cls.env["res.company"].search([("name", "=", "Loja Exemplo Comércio Ltda")])
        cls.policy = cls.env["credit.recovery.policy"]._get_company_policies(cls.company)[cls.company.id]

    def test_created_in_the_company_language(self):
        self.assertEqual(self.policy.with_context(lang="pt_BR").name, "Política de cobrança padrão")
        stages = self.policy.stage_ids.with_context(lang="pt_BR")
        self.assertEqual(stages.mapped("name"), ["Lembrete", "Aviso", "Alerta", "Ação judicial"])
        self.assertTrue(all(stages.mapped("description")))
        self.assertNotIn("Friendly", " ".join(stages.mapped("description")))
        debtor = self.env["credit.recovery.debtor"].search([("company_id", "=", self.company.id)], limit=1)
        bodies = " ".join(
            self.env["mail.message"]
            .search([("model", "=", "credit.recovery.debtor"), ("res_id", "in", debtor.ids)])
            .mapped("body")
        )
        self.assertNotIn("Debtor created", bodies)
        contact_notes = " ".join(
            self.env["mail.message"]
            .search([("model", "=", "credit.recovery.debtor"), ("body", "ilike", "contato")])
            .mapped("body")
        )
        self.assertNotIn("Outbound contact", contact_notes)
        agreement = self.env["credit.recovery.agreement"].search(
            [("company_id", "=", self.company.id), ("state", "=", "to_approve")]
        )
        self.assertTrue(agreement.line_ids[0].name.startswith("Parcela"))
        self.assertIn("Aprovar", agreement.activity_ids.summary)

    def test_contact_notes_signed_by_their_agent_when_they_took_place(self):
        contacts = self.env["credit.recovery.contact"].search(
            # An agency hand-over is no contact: its chatter note is the assignment's own.
            [("company_id", "=", self.company.id), ("is_automatic", "=", False), ("direction", "!=", "internal")]
        )
        self.assertGreater(len(set(contacts.mapped("date"))), 10, "logs of several weeks")
        notes = self.env["mail.message"].search(
            [("model", "=", "credit.recovery.debtor"), ("res_id", "in", contacts.debtor_id.ids)]
        )
        for contact in contacts:
            note = notes.filtered(lambda message, contact=contact: contact.evidence_hash in (message.body or ""))
            self.assertEqual(len(note), 1, contact.display_name)
            self.assertEqual(
                (note.author_id, note.date), (contact.user_id.partner_id, contact.date), contact.display_name
            )

    def test_no_log_after_now(self):
        contacts = self.env["credit.recovery.contact"].search([("company_id", "=", self.company.id)])
        self.assertTrue(contacts)
        self.assertLessEqual(max(contacts.mapped("date")), EARLY_MORNING_SP)

    def test_run_started_by_the_manager_and_calls_left_to_the_agent(self):
        run = self.env["credit.recovery.run"].search([("company_id", "=", self.company.id)])
        self.assertEqual(run.user_id, self.env.ref("base.user_admin"), "Run now, as the admin clicks it")
        unreachable = (
            self.env["credit.recovery.debtor"]
            .search([("company_id", "=", self.company.id), ("partner_id.email", "=", False)])
            .filtered(lambda debtor: not debtor.partner_id.recovery_mobile_valid)
        )
        self.assertTrue(unreachable)
        self.assertEqual(unreachable.user_id.mapped("login"), ["agente"])

    def test_company_prints_without_the_layout_wizard(self):
        self.assertTrue(self.company.logo)
        self.assertTrue(self.company.external_report_layout_id)

    def test_holidays_of_this_year_and_the_next(self):
        business = self.policy._get_business_calendar()
        for day in (date(2026, 12, 25), date(2027, 4, 21), date(2027, 7, 9), date(2027, 12, 25)):
            self.assertFalse(business.is_business_day(day), day)

    def test_promises_kept_and_broken_with_their_activities(self):
        promises = self.env["credit.recovery.promise"].search([("company_id", "=", self.company.id)])
        self.assertEqual(set(promises.mapped("state")), {"open", "kept", "broken"})
        broken = promises.filtered(lambda promise: promise.state == "broken")
        broken_type = self.env.ref("account_credit_recovery.activity_type_broken_promise")
        self.assertTrue(
            all(broken_type in promise.debtor_id.activity_ids.activity_type_id for promise in broken),
            "each broken promise leaves its call-back activity",
        )
        self.assertIn("Promessa", broken[0].debtor_id.message_ids.filtered("body")[0].body)
        calls = self.env["mail.activity"].search(
            [
                ("res_model", "=", "credit.recovery.debtor"),
                ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_call").id),
            ]
        )
        self.assertTrue(calls, "the call-backs asked for are in the agents' activities")
        agreements = self.env["credit.recovery.agreement"].search([("company_id", "=", self.company.id)])
        self.assertNotIn(self.env.ref("base.user_root"), agreements.user_id, "negotiated by an agent")

    def test_store_credit_a_restricted_and_a_restored_customer(self):
        """Issue 27: the store flow can be seen, a customer refused credit and one given it back."""
        Debtor = self.env["credit.recovery.debtor"]
        blocked = Debtor.search([("company_id", "=", self.company.id), ("credit_limit_state", "=", "blocked")])
        self.assertTrue(blocked)
        info = blocked[0].partner_id._recovery_credit_info(self.company)[blocked[0].partner_id.id]
        self.assertTrue(info["blocked"])
        restored = Debtor.search([("company_id", "=", self.company.id), ("credit_limit_state", "=", "restored")])[:1]
        self.assertTrue(restored, "a customer who just paid, at the profile's restored limit for a while")
        self.assertTrue(restored.credit_restored_until)
        self.assertEqual(
            restored.partner_id.with_company(self.company).credit_limit,
            round(restored.credit_normal_limit * restored.profile_id.credit_restored_percent / 100, 2),
        )
        info = restored.partner_id._recovery_credit_info(self.company)[restored.partner_id.id]
        self.assertEqual((info["blocked"], info["restored"]), (False, True))

    def test_an_agency_with_two_assigned_debtors_and_its_user(self):
        """Issue 25: an assessoria de cobrança on commission, two debtors handed to it, its login."""
        agency = self.env["credit.recovery.agency"].search([("company_id", "=", self.company.id)])
        self.assertEqual(agency.name, "Recupera Assessoria de Cobrança Ltda")
        self.assertEqual(agency.commission_rule_ids.mapped("rate"), [10.0, 15.0])
        self.assertEqual(agency.commission_rule_ids.mapped("min_days_overdue"), [0, 90])
        assigned = self.env["credit.recovery.debtor"].search([("agency_id", "=", agency.id)])
        self.assertEqual(len(assigned), 2)
        self.assertTrue(all(assigned.agency_assignment_id.mapped("handover_log_id.evidence_hash")))
        self.assertIn("Recupera Assessoria", assigned[0].agency_assignment_id.handover_log_id.notes)
        self.assertFalse(assigned.dispatch_ids, "the day's run leaves the agency's debtors alone")
        user = self.env["res.users"].search([("login", "=", "agencia")])
        self.assertEqual(agency.user_ids, user)
        self.assertTrue(user.has_group("account_credit_recovery.group_credit_recovery_agency"))
        self.assertFalse(user.has_group("account_credit_recovery.group_credit_recovery_agent"))
        self.env["res.users"].with_user(user)._check_credentials({"type": "password", "password": "agencia"}, {})


@tagged("post_install", "-at_install")
class TestDemoClock(TransactionCase):
    """The demo's day is São Paulo's, and its "latest" log moment is never after now."""

    def test_latest_moment_never_after_now(self):
        Demo = self.env["credit.recovery.policy"]
        business = self.env["credit.recovery.policy"].search([], limit=1)._get_business_calendar()
        for now in (EARLY_MORNING_SP, LATE_EVENING_SP, datetime(2026, 12, 1, 15, 0)):
            with freeze_time(now):
                moment = Demo._demo_latest_moment(business, 11)
                self.assertLessEqual(moment, now)
                self.assertEqual(moment.hour, 14, "11:00 in São Paulo")
        with freeze_time(LATE_EVENING_SP):
            self.assertEqual(Demo._demo_today(), date(2026, 12, 1), "still Tuesday in São Paulo")
            self.assertEqual(Demo._demo_latest_moment(business, 11), datetime(2026, 12, 1, 14, 0))
        with freeze_time(EARLY_MORNING_SP):
            self.assertEqual(Demo._demo_latest_moment(business, 11), datetime(2026, 11, 30, 14, 0))


@tagged("post_install", "-at_install")
class TestDemoFixes(CreditRecoveryCommon):
    """What the demo needed and every company gets: a late-logged promise, the policy name in the
    company's language, the company's currency for the kanban's column totals."""

    def test_promise_logged_later_than_the_call(self):
        self.customer.tz = "America/Sao_Paulo"
        invoice = self.create_invoice(1000.0, date(2026, 9, 1), date(2026, 10, 1))
        vals = {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(invoice.ids)],
            "channel": "phone",
            "outcome_id": self.env.ref("account_credit_recovery.outcome_promise").id,
            "promise_amount": 300.0,
            "date": datetime(2026, 11, 17, 14, 0),  # Tuesday 11:00 in São Paulo
        }
        Contact = self.env["credit.recovery.contact"].with_user(self.manager)
        with freeze_time(datetime(2026, 11, 23, 13, 0)):
            with self.assertRaisesText(ValidationError, "in the past"):
                Contact.create(vals | {"promise_date": date(2026, 11, 16)})  # before the call
            contact = Contact.create(vals | {"promise_date": date(2026, 11, 18)})
        promise = contact.debtor_id.promise_ids
        self.assertEqual(
            (promise.promised_on, promise.date, promise.state), (date(2026, 11, 17), date(2026, 11, 18), "open")
        )
        with self.on(date(2026, 11, 23)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "broken", "the daily check judges it at once")

    def test_new_company_policy_named_in_its_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["account_credit_recovery"], ["pt_BR"], overwrite=True)
        branch = self.env["res.company"].create({"name": "Filial Recife"})
        policy = self.env["credit.recovery.policy"].search([("company_id", "=", branch.id)])
        self.assertEqual(policy.name, "Default collection policy")
        self.assertEqual(policy.with_context(lang="pt_BR").name, "Política de cobrança padrão")
        self.assertTrue(policy.stage_ids.with_context(lang="pt_BR")[0].description.startswith("Lembrete"))


@tagged("post_install", "-at_install")
class TestKanbanCurrency(HttpCase):
    """The debtors' kanban shows its column totals with the company's currency: the web client
    learns each allowed company's currency from the session."""

    def test_session_knows_each_company_currency(self):
        self.authenticate("admin", "admin")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        admin = self.env.ref("base.user_admin")
        for company in admin.company_ids:
            self.assertEqual(
                info["user_companies"]["allowed_companies"][str(company.id)]["recovery_currency_id"],
                company.currency_id.id,
            )
