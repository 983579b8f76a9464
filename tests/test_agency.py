"""Assigning debtors to a collection agency and taking them back (issue 25): the wizard, the
sealed hand-over and recall logs, the LGPD record, the daily recall (through Odoo's cron
runner), the run that leaves an assigned debtor alone, and where the assignment shows."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from . import test_portal_http as portal_http
from .common import CreditRecoveryCommon

DUE = date(2026, 3, 2)  # a Monday
ASSIGN_DAY = datetime(2026, 3, 4, 13, 0)  # 10:00 in São Paulo
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)
ALERT_DAY = datetime(2026, 3, 17, 13, 0)


@tagged("post_install", "-at_install")
class TestAgencyAssignment(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        brazil = cls.env.ref("base.br")
        cls.customer.write({"email": "maria@example.com", "tz": "America/Sao_Paulo"})
        cls.other = cls.env["res.partner"].create(
            {"name": "João Souza", "email": "joao@example.com", "tz": "America/Sao_Paulo", "country_id": brazil.id}
        )
        cls.third = cls.env["res.partner"].create(
            {"name": "Ana Lima", "email": "ana@example.com", "tz": "America/Sao_Paulo", "country_id": brazil.id}
        )
        cls.agency_partner = cls.env["res.partner"].create(
            {
                "name": "Recupera <b>Assessoria</b>",
                "is_company": True,
                "phone": "+55 11 4004-2525",
                "email": "atendimento@recupera.example.com",
            }
        )
        cls.agency = cls.env["credit.recovery.agency"].create(
            {"partner_id": cls.agency_partner.id, "company_id": cls.company.id, "contract_ref": "CT-1"}
        )
        cls.invoice_maria = cls.create_invoice(100, date(2026, 2, 1), DUE)
        cls.invoice_joao = cls.create_invoice(300, date(2026, 2, 1), DUE, partner=cls.other)
        cls.invoice_ana = cls.create_invoice(50, date(2026, 2, 1), DUE, partner=cls.third)
        with cls.on(ASSIGN_DAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        Debtor = cls.env["credit.recovery.debtor"]
        cls.maria, cls.joao, cls.ana = (
            Debtor.search([("partner_id", "=", partner.id), ("company_id", "=", cls.company.id)])
            for partner in (cls.customer, cls.other, cls.third)
        )

    def assign(self, debtors, days=30, user=None, moment=ASSIGN_DAY):
        with self.on(moment):
            return debtors.with_user(user or self.manager)._recovery_assign_agency(
                self.agency, moment.date() + timedelta(days=days)
            )

    def assert_evidence_verified(self, debtor):
        result = debtor.with_user(self.manager).action_verify_evidence()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])

    def test_wizard_assigns_by_filter_and_seals_the_hand_over(self):
        with self.on(ASSIGN_DAY):
            action = self.agency.with_user(self.manager).action_assign_debtors()
            wizard_form = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
            wizard_form.min_amount_overdue = 80
            wizard_form.duration_days = 45
            self.assertEqual(wizard_form.date_recall, date(2026, 4, 18))
            wizard = wizard_form.save()
            self.assertEqual(wizard.candidate_ids, self.maria | self.joao)
            self.assertEqual((wizard.debtor_count, wizard.amount_total), (2, 400))
            wizard.action_confirm()
        self.assertEqual((self.maria | self.joao).agency_id, self.agency)
        self.assertFalse(self.ana.agency_assignment_id)
        assignment = self.joao.agency_assignment_id
        self.assertEqual(assignment.date_recall, date(2026, 4, 18))
        self.assertEqual(assignment.invoice_ids, self.invoice_joao)
        self.assertEqual(assignment.amount_assigned, 300)
        self.assertEqual(assignment.user_id, self.manager)
        # The hand-over is a sealed log in the ledger: what, to whom, by whom.
        log = assignment.handover_log_id
        self.assertTrue(log.evidence_hash and log.evidence_sequence)
        self.assertEqual((log.channel, log.direction, log.user_id), ("agency", "internal", self.manager))
        for text in (self.invoice_joao.name, "Recupera <b>Assessoria</b>", "CT-1", self.manager.name):
            self.assertIn(text, log.notes)
        self.assert_evidence_verified(self.joao)
        self.assertEqual(self.joao.contact_count, 0, "a hand-over is no contact with the customer")
        # The chatter note is text: the agency's name is escaped, not HTML.
        note = self.joao.message_ids.filtered(lambda message: "Handed to the collection agency" in message.body)
        self.assertIn("Recupera &lt;b&gt;Assessoria&lt;/b&gt;", note.body)
        # LGPD: the sharing is recorded, open.
        sharing = assignment.sharing_ids
        self.assertEqual((sharing.state, sharing.recipient_id), ("active", self.agency_partner))
        self.assertIn("CPF/CNPJ", sharing.categories)
        self.assertEqual(self.joao.agency_sharing_ids, sharing)

    def test_wizard_on_selected_debtors_leaves_out_the_busy_ones(self):
        self.assign(self.maria)
        with self.on(ASSIGN_DAY):
            context = {"active_model": "credit.recovery.debtor", "active_ids": (self.maria | self.ana).ids}
            wizard = Form(self.env["credit.recovery.agency.assign"].with_user(self.manager).with_context(**context))
            self.assertEqual(wizard.mode, "selected")
            wizard.agency_id = self.agency
            wizard = wizard.save()
            self.assertEqual(wizard.candidate_ids, self.ana)
            self.assertEqual(wizard.left_out_count, 1)
            wizard.action_confirm()
        self.assertEqual(self.ana.agency_id, self.agency)

    def test_wizard_opens_on_debtors_whose_logs_share_a_moment(self):
        """The wizard lists its candidates in an onchange, where the debtors' logs are new records:
        two logs at the same moment must not make it compare their (new) ids."""
        with self.on(ASSIGN_DAY):
            logs = (
                self.env["credit.recovery.contact"]
                .with_user(self.manager)
                .create(
                    [
                        {"partner_id": self.customer.id, "channel": channel, "direction": "outbound", "notes": "x"}
                        for channel in ("phone", "whatsapp")
                    ]
                )
            )
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE credit_recovery_contact SET date = %s WHERE id = ANY(%s)", [ASSIGN_DAY, logs.ids]
            )
            self.env.invalidate_all()
            context = {"active_model": "credit.recovery.debtor", "active_ids": self.maria.ids}
            wizard = Form(self.env["credit.recovery.agency.assign"].with_user(self.manager).with_context(**context))
            wizard.agency_id = self.agency
            self.assertEqual(wizard.save().candidate_ids, self.maria)

    def test_one_active_assignment_per_debtor(self):
        self.assign(self.maria)
        with self.assertRaisesText(UserError, "Already with an agency"):
            self.assign(self.maria)
        with self.assertRaisesText(UserError, "Assign debtors with"):
            self.env["credit.recovery.agency.assignment"].with_user(self.manager).create(
                {
                    "agency_id": self.agency.id,
                    "debtor_id": self.maria.id,
                    "company_id": self.company.id,
                    "date_start": DUE,
                    "date_recall": DUE,
                }
            )
        with self.assertRaises(UserError):
            self.env["credit.recovery.contact"].with_user(self.manager).create(
                {"partner_id": self.customer.id, "channel": "agency", "direction": "internal", "notes": "forged"}
            )

    def test_manual_recall_seals_and_ends_the_sharing(self):
        assignment = self.assign(self.maria)
        link = self.env["credit.recovery.portal.token"].sudo()._get_or_create_tokens(self.maria)[self.maria.id]
        with self.on(datetime(2026, 3, 6, 13, 0)):
            self.maria.with_user(self.manager).action_recall_agency()
        self.assertEqual(
            (assignment.state, assignment.recall_reason, assignment.recalled_on),
            ("recalled", "manual", date(2026, 3, 6)),
        )
        self.assertFalse(self.maria.agency_assignment_id)
        self.assertTrue(assignment.recall_log_id.evidence_hash)
        self.assertIn("Recalled by a manager", assignment.recall_log_id.notes)
        self.assertEqual(assignment.sharing_ids.state, "ended")
        self.assertEqual(assignment.sharing_ids.ended_on, datetime(2026, 3, 6, 13, 0))
        self.assertEqual(link.state, "revoked", "a link the agency may have seen dies with the assignment")
        self.assert_evidence_verified(self.maria)
        # The debtor can be handed again, to the same or another agency.
        self.assertEqual(self.assign(self.maria, moment=datetime(2026, 3, 7, 13, 0)).state, "active")
        self.assertEqual(len(self.maria.agency_assignment_ids), 2)

    def test_agent_cannot_assign_or_recall_whatever_the_context(self):
        assignment = self.assign(self.maria)
        for context in ({}, {"active_test": False}, {"recovery_manager": True, "su": True}):
            with self.assertRaises(AccessError):
                self.ana.with_user(self.agent).with_context(**context)._recovery_assign_agency(
                    self.agency, date(2026, 5, 1)
                )
            with self.assertRaises(AccessError):
                self.maria.with_user(self.agent).with_context(**context).action_recall_agency()
            with self.assertRaises(AccessError):
                assignment.with_user(self.agent).with_context(**context).action_recall()
            with self.assertRaises(AccessError):
                self.ana.with_user(self.agent).with_context(**context).action_assign_agency()
            with self.assertRaises(AccessError):
                self.env["credit.recovery.agency.assign"].with_user(self.agent).with_context(**context).create(
                    {"agency_id": self.agency.id, "mode": "filter"}
                )
            with self.assertRaises(UserError):
                assignment.with_user(self.agent).with_context(**context).write({"state": "recalled"})
        self.assertEqual(assignment.state, "active")

    def test_daily_recall_through_the_cron_runner(self):
        scheduled = self.assign(self.maria, days=5)
        paid = self.assign(self.joao, days=60)
        kept = self.assign(self.ana, days=60)
        self.pay(self.invoice_joao, 300, date(2026, 3, 8))
        with freeze_time(datetime(2026, 3, 9, 7, 15)):
            self.process_cron_job()
        self.env.invalidate_all()
        self.assertEqual((scheduled.state, scheduled.recall_reason), ("recalled", "scheduled"))
        self.assertEqual((paid.state, paid.recall_reason), ("recalled", "paid"))
        self.assertEqual(scheduled.recalled_on, date(2026, 3, 9))
        self.assertEqual(kept.state, "active")
        self.assertTrue(scheduled.recall_log_id.evidence_sequence)
        self.assertEqual((scheduled | paid).sharing_ids.mapped("state"), ["ended", "ended"])
        self.assert_evidence_verified(self.maria)

    def process_cron_job(self):
        """One wake-up of Odoo's cron runner for the daily recall (``ir.cron._process_job``), on the
        test's transaction (the registry's test mode: its commits are savepoints)."""
        cron = self.env.ref("account_credit_recovery.ir_cron_recall_agency_assignments")
        job = {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0}
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            self.registry["ir.cron"]._process_job(self.registry.db_name, self.registry.cursor(), job)
        finally:
            self.registry.leave_test_mode()

    def test_cron_recalls_in_batches(self):
        self.assign(self.maria | self.joao | self.ana, days=1)
        Assignment = self.env["credit.recovery.agency.assignment"]
        with freeze_time(datetime(2026, 3, 9, 7, 15)):
            Assignment._cron_recall(limit=2)
            self.assertEqual(Assignment.search_count([("state", "=", "active"), ("agency_id", "=", self.agency.id)]), 1)
            Assignment._cron_recall(limit=2)
        self.assertFalse(Assignment.search_count([("state", "=", "active"), ("agency_id", "=", self.agency.id)]))

    def run_collection(self, moment):
        Run = self.env["credit.recovery.run"]
        with self.on(moment):
            for _call in range(100):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        return Run.search([("company_id", "=", self.company.id)], limit=1)

    def test_run_skips_an_assigned_debtor_unless_the_policy_says(self):
        self.assign(self.joao, days=60)
        run = self.run_collection(NOTICE_DAY)
        self.assertTrue(self.maria.dispatch_ids, "the debtor not assigned is messaged")
        self.assertFalse(self.joao.dispatch_ids, "the assigned one is not")
        action = self.env["credit.recovery.action"].search([("move_id", "=", self.invoice_joao.id)])
        self.assertEqual(set(action.mapped("skip_reason")), {"agency"})
        self.assertIn("With a collection agency", run.skip_summary)
        # Still claimed: the page and the agency show what the debtor owes.
        self.assertEqual(self.joao._get_claims()[self.joao.id].principal, 300)
        # The policy says the run keeps messaging assigned debtors: the next stage is sent.
        self.policy.agency_run_contacts = True
        self.run_collection(ALERT_DAY)
        self.assertEqual(self.joao.dispatch_ids.stage_id, self.stage_alert)

    def test_message_queued_before_the_assignment_is_cancelled_at_delivery(self):
        self.run_collection(datetime(2026, 3, 7, 19, 0))  # Saturday, after the window: queued
        queued = self.joao.dispatch_ids.filtered(lambda dispatch: dispatch.state == "queued")
        self.assertTrue(queued)
        self.assign(self.joao, moment=datetime(2026, 3, 8, 12, 0))
        with self.on(datetime(2026, 3, 9, 13, 0)):
            while self.env["credit.recovery.dispatch"]._deliver_batch()[1]:
                pass
        self.assertEqual((queued.state, queued.cancel_reason), ("cancelled", "agency"))

    def test_invoice_banner_page_and_dossier_show_the_agency(self):
        assignment = self.assign(self.joao, days=30)
        self.assertEqual(self.invoice_joao.recovery_agency_name, "Recupera <b>Assessoria</b>")
        self.assertEqual(self.invoice_joao.recovery_agency_date_recall, date(2026, 4, 3))
        self.assertFalse(self.invoice_maria.recovery_agency_name)
        # The self-service page: whom to talk to is the agency.
        link = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self.joao)[self.joao.id]
        with self.on(ASSIGN_DAY):
            values = self.env["credit.recovery.portal"]._page_values(link)
        self.assertEqual(values["agency_name"], "Recupera <b>Assessoria</b>")
        self.assertEqual(values["agency_phone"], "+55 11 4004-2525")
        self.assertEqual(values["agency_email"], "atendimento@recupera.example.com")
        # The dossier: the assignment, and its sealed hand-over log among the contact logs.
        Dossier = self.env["report.account_credit_recovery.report_dossier"]
        with self.on(ASSIGN_DAY):
            dossier = Dossier._get_dossier(self.joao)
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html("account_credit_recovery.action_report_dossier", self.joao.ids)[0]
                .decode()
            )
        (row,) = dossier["agency_assignments"]
        self.assertEqual(
            (row["agency"], row["amount"], row["installments"]), (self.agency.name, 300, self.invoice_joao.name)
        )
        self.assertIn(assignment.handover_log_id, dossier["contacts"])
        self.assertIn("o_credit_recovery_dossier_agencies", html)
        self.assertIn("CT-1", html)

    def test_agency_user_may_not_log_a_hand_over(self):
        agency_user = new_test_user(
            self.env,
            login="agency_user",
            groups="account_credit_recovery.group_credit_recovery_agency",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.agency.user_ids = [Command.link(agency_user.id)]
        with self.assertRaises(AccessError):
            self.ana.with_user(agency_user)._recovery_assign_agency(self.agency, date(2026, 5, 1))


@tagged("post_install", "-at_install")
class TestAgencyPortalPage(portal_http.PortalHttpCommon):
    """The self-service page over HTTP: a debtor with an agency is told to talk to the agency."""

    def test_page_shows_whom_to_talk_to(self):
        self.company.phone = "+55 11 3333-4444"
        partner = self.env["res.partner"].create(
            {
                "name": "Recupera & Cia",
                "is_company": True,
                "phone": "+55 11 4004-2525",
                "email": "oi@recupera.example.com",
            }
        )
        agency = self.env["credit.recovery.agency"].create({"partner_id": partner.id, "company_id": self.company.id})
        html = self.open_page()
        self.assertNotIn("o_credit_recovery_agency_name", html)
        self.assertIn("tel:+55 11 3333-4444", html)
        self.debtor.with_user(self.manager)._recovery_assign_agency(agency, self.today + timedelta(days=30))
        html = self.open_page()
        self.assertIn("Recupera &amp; Cia", html)
        self.assertIn("tel:+55 11 4004-2525", html)
        self.assertIn("mailto:oi@recupera.example.com", html)
        self.assertNotIn("tel:+55 11 3333-4444", html, "the store's phone gives way to the agency's")
