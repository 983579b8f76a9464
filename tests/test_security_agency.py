"""A collection agency's user, tested the way an attacker calls: ``with_user`` and plain
``search``/``read``/``write``/``create``/``unlink`` on every model of the addon with other debtors'
ids, context keys, and over HTTP (JSON-RPC, reports, attachments), before and after the recall.

Agency A is assigned Maria; agency B is assigned Joana; Pedro is the store's only. The store's agent
logged contacts (with notes and files) on all three, Pedro has a promise, an agreement and a dossier.
"""

import json
from datetime import date, datetime, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.res_partner_agency import PARTNER_CONTACT_QUALITY
from .common import CreditRecoveryCommon

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
MONDAY_9H30_SP = datetime(2026, 11, 23, 12, 30)
MONDAY_23H_SP = datetime(2026, 11, 24, 2, 0)
TODAY = date(2026, 11, 23)
AGENCY_GROUP = "base.group_user,account_credit_recovery.group_credit_recovery_agency"
# Readable whole by an agency user: configuration, not anyone's data.
CONFIGURATION = {
    "credit.recovery.stage",
    "credit.recovery.profile",
    "credit.recovery.contact.outcome",
    "credit.recovery.nonpayment.reason",
    "credit.recovery.proposal.template",
}
# Context keys an attacker tries: Odoo's own and every one the addon reads.
CONTEXTS = [
    {"active_test": False},
    {"force_company": 1},
    {"recovery_benefit": True},
    {"tracking_disable": True},
    {"mail_create_nolog": True},
    {"mail_notify_force_send": True},
    {"mail_activity_quick_update": True},
    {"install_mode": True},
    {"su": True, "sudo": True, "uid": 1},
]


class AgencyCommon(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        brazil = cls.env.ref("base.br").id
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321"})
        cls.joana = cls.env["res.partner"].create(
            {"name": "Joana Souza", "country_id": brazil, "tz": "America/Sao_Paulo", "mobile": "+55 11 98765-1111"}
        )
        cls.pedro = cls.env["res.partner"].create(
            {"name": "Pedro Lima", "country_id": brazil, "tz": "America/Sao_Paulo", "mobile": "+55 11 98765-2222"}
        )
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        cls.invoice_2 = cls.create_invoice(500.0, date(2026, 9, 9), date(2026, 10, 9))
        # Maria's sale not due yet at the assignment: not handed to the agency.
        cls.invoice_not_due = cls.create_invoice(200.0, date(2026, 11, 20), date(2026, 12, 20))
        cls.invoice_joana = cls.create_invoice(700.0, date(2026, 9, 9), date(2026, 10, 9), partner=cls.joana)
        cls.invoice_pedro = cls.create_invoice(900.0, date(2026, 9, 9), date(2026, 10, 9), partner=cls.pedro)
        cls.invoice_pedro_2 = cls.create_invoice(400.0, date(2026, 9, 9), date(2026, 10, 9), partner=cls.pedro)
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.invoice.recovery_debtor_id
        cls.debtor_joana = cls.invoice_joana.recovery_debtor_id
        cls.debtor_pedro = cls.invoice_pedro.recovery_debtor_id
        cls.outcome_promise = cls.env.ref("account_credit_recovery.outcome_promise")
        cls.outcome_refused = cls.env.ref("account_credit_recovery.outcome_refused")

        cls.agency_user = new_test_user(
            cls.env,
            login="agencia_a",
            groups=AGENCY_GROUP,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.agency_user_b = new_test_user(
            cls.env,
            login="agencia_b",
            groups=AGENCY_GROUP,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        Agency = cls.env["credit.recovery.agency"]
        cls.agency = Agency.create(
            {
                "partner_id": cls.env["res.partner"].create({"name": "Assessoria A", "is_company": True}).id,
                "user_ids": [Command.set(cls.agency_user.ids)],
            }
        )
        cls.agency_b = Agency.create(
            {
                "partner_id": cls.env["res.partner"].create({"name": "Assessoria B", "is_company": True}).id,
                "user_ids": [Command.set(cls.agency_user_b.ids)],
            }
        )

        with freeze_time(MONDAY_9H_SP):
            cls.contacts = {
                partner: cls.log(
                    partner,
                    invoice,
                    outcome_id=cls.outcome_refused.id,
                    notes=f"Secret of {partner.name}",
                    attachment_ids=[Command.create({"name": f"{partner.name}.txt", "raw": b"payslip"})],
                )
                for partner, invoice in (
                    (cls.customer, cls.invoice),
                    (cls.joana, cls.invoice_joana),
                    (cls.pedro, cls.invoice_pedro),
                )
            }
            cls.pedro_promise_contact = cls.log(
                cls.pedro,
                cls.invoice_pedro_2,
                direction="inbound",
                outcome_id=cls.outcome_promise.id,
                promise_amount=100.0,
                promise_date=date(2026, 12, 1),
            )
            cls.env.flush_all()
        cls.pedro_dossier = cls.debtor_pedro._generate_dossier()
        with cls.on(TODAY):
            action = cls.invoice_pedro.with_user(cls.agent).action_recovery_negotiate()
            wizard = Form(cls.env[action["res_model"]].with_user(cls.agent).with_context(**action["context"]))
            wizard.installments = 3
            cls.pedro_agreement = cls.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            cls.assignment = cls.debtor.with_user(cls.manager)._recovery_assign_agency(
                cls.agency, TODAY + timedelta(days=60), TODAY
            )
            cls.assignment_b = cls.debtor_joana.with_user(cls.manager)._recovery_assign_agency(
                cls.agency_b, TODAY + timedelta(days=60), TODAY
            )

    @classmethod
    def log(cls, partner, invoice, user=None, **vals):
        values = {
            "partner_id": partner.id,
            "invoice_ids": [Command.set(invoice.ids)],
            "channel": "phone",
            "direction": "outbound",
        } | vals
        return cls.env["credit.recovery.contact"].with_user(user or cls.agent).create(values)

    def others(self):
        """What the store keeps of Joana and Pedro: ``[(records, field an attacker wants)]``."""
        pedro, joana = self.contacts[self.pedro], self.contacts[self.joana]
        messages = self.env["mail.message"].search(
            [("model", "=", "credit.recovery.debtor"), ("res_id", "in", (self.debtor_pedro | self.debtor_joana).ids)]
        )
        self.assertTrue(messages)
        return [
            (self.debtor_pedro | self.debtor_joana, "amount_overdue"),
            (pedro | joana | self.pedro_promise_contact, "notes"),
            (self.debtor_pedro.promise_ids, "amount"),
            (self.pedro_agreement, "total"),
            (self.pedro_agreement.line_ids, "amount"),
            (self.invoice_pedro | self.invoice_joana, "amount_residual"),
            ((self.invoice_pedro | self.invoice_joana).line_ids, "balance"),
            (pedro.attachment_ids | joana.attachment_ids | self.pedro_dossier, "raw"),
            (messages, "body"),
            (self.assignment_b, "amount_assigned"),
            (self.agency_b, "contract_ref"),
        ]

    def assertCannotReach(self, user, records_list):
        for records, field in records_list:
            self.assertTrue(records, "nothing to check")
            with self.subTest(user=user.login, model=records._name):
                with self.assertRaises(AccessError):
                    records.with_user(user).read([field])
                for context in CONTEXTS:
                    model = self.env[records._name].with_user(user).with_context(**context)
                    try:
                        found = model.search([("id", "in", records.ids)])
                    except AccessError:
                        found = model.browse()
                    self.assertFalse(found, f"not even listed ({context})")


@tagged("post_install", "-at_install")
class TestSecurityAgency(AgencyCommon):
    # ------------------------------------------------------------------
    # What the agency sees
    # ------------------------------------------------------------------

    def test_agency_sees_exactly_its_assigned_debtors(self):
        for user, debtor in ((self.agency_user, self.debtor), (self.agency_user_b, self.debtor_joana)):
            for context in CONTEXTS:
                with self.subTest(user=user.login, context=context):
                    Debtor = self.env["credit.recovery.debtor"].with_user(user).with_context(**context)
                    self.assertEqual(Debtor.search([]), debtor)
                    self.assertEqual(Debtor.search_count([]), 1)
                    self.assertEqual([row["id"] for row in Debtor.search_read([], ["amount_overdue"])], debtor.ids)
        debtor = self.debtor.with_user(self.agency_user)
        self.assertEqual(debtor.amount_overdue, 1500.0)
        self.assertEqual(debtor.agency_id, self.agency)
        self.assertEqual(
            debtor.contact_ids.filtered(lambda contact: contact.channel != "agency"),
            self.contacts[self.customer],
            "the store's contacts so far (and the sealed record of the hand-over)",
        )
        self.assertEqual(debtor.invoice_ids, self.invoice | self.invoice_2, "the handed installments only")
        self.assertIn("Secret of Maria Silva", " ".join(filter(None, debtor.contact_ids.mapped("notes"))))

    def test_other_debtors_are_unreachable(self):
        self.assertCannotReach(self.agency_user, self.others())
        # Agency B cannot see agency A's debtor either.
        own = self.contacts[self.customer]
        self.assertCannotReach(
            self.agency_user_b,
            [(self.debtor, "amount_overdue"), (own, "notes"), (own.attachment_ids, "raw"), (self.invoice, "name")],
        )

    def test_every_model_of_the_addon_shows_only_the_assigned_debtor(self):
        """Whatever the model (those added later too): nothing but configuration and what belongs to
        the assigned debtor is listed, with every context key."""
        belongs = {
            "credit.recovery.debtor": lambda records: records,
            "credit.recovery.contact": lambda records: records.debtor_id,
            "credit.recovery.promise": lambda records: records.debtor_id,
            "credit.recovery.agreement": lambda records: records.debtor_id,
            "credit.recovery.agreement.line": lambda records: records.agreement_id.debtor_id,
            "credit.recovery.agency.assignment": lambda records: records.debtor_id,
            "credit.recovery.agency": lambda records: (
                records.assignment_ids.filtered(lambda assignment: assignment.state == "active").debtor_id
            ),
            "account.move": lambda records: records.recovery_debtor_id,
            "account.move.line": lambda records: records.move_id.recovery_debtor_id,
        }
        names = [
            name
            for name, model in self.env.registry.items()
            if (name.startswith("credit.recovery.") or name in belongs) and not model._abstract and not model._transient
        ]
        self.assertGreater(len(names), 25)
        for name in names:
            for context in CONTEXTS:
                with self.subTest(model=name, context=context):
                    Model = self.env[name].with_user(self.agency_user).with_context(**context)
                    try:
                        found = Model.search([])
                    except AccessError:
                        continue
                    if name in CONFIGURATION:
                        continue
                    self.assertIn(name, belongs, f"{len(found)} records of {name} are listed")
                    self.assertLessEqual(set(belongs[name](found.sudo()).ids), set(self.debtor.ids))
        self.assertEqual(self.env["account.move"].with_user(self.agency_user).search([]), self.invoice | self.invoice_2)
        with self.assertRaises(AccessError):
            self.invoice_not_due.with_user(self.agency_user).read(["amount_residual"])

    def test_attachments_and_chatter_of_other_debtors(self):
        Attachment = self.env["ir.attachment"].with_user(self.agency_user)
        found = Attachment.search([("res_model", "like", "credit.recovery.")])
        self.assertEqual(found, self.contacts[self.customer].attachment_ids)
        self.assertEqual(found.raw, b"payslip", "its own debtor's evidence")
        Message = self.env["mail.message"].with_user(self.agency_user)
        messages = Message.search([("model", "like", "credit.recovery.")])
        self.assertTrue(messages)
        self.assertEqual(set(messages.mapped("res_id")), set(self.debtor.ids))
        self.assertFalse(Message.search([("body", "ilike", "Pedro")]))
        with self.assertRaises(AccessError):
            self.debtor_pedro.with_user(self.agency_user).message_ids  # noqa: B018

    def test_reports_of_other_debtors_are_refused(self):
        Report = self.env["ir.actions.report"].with_user(self.agency_user)
        for report in (
            "account_credit_recovery.action_report_dossier",
            "account_credit_recovery.action_report_collection_letter",
        ):
            with self.subTest(report=report), self.assertRaises(AccessError):
                Report._render_qweb_html(report, self.debtor_pedro.ids)
            with self.subTest(report=report), self.assertRaises(AccessError):
                Report._render_qweb_pdf(report, self.debtor_pedro.ids)
        with self.assertRaises(AccessError):
            Report._render_qweb_html(
                "account_credit_recovery.action_report_dossier",
                self.debtor.ids,
                data={"invoice_ids": self.invoice_pedro.ids},
            )
        with self.assertRaises(AccessError):
            Report._render_qweb_html("account_credit_recovery.action_report_agreement_terms", self.pedro_agreement.ids)
        with self.on(TODAY):
            html = Report._render_qweb_html("account_credit_recovery.action_report_dossier", self.debtor.ids)[0]
        self.assertIn("Maria Silva", str(html))
        self.assertNotIn("Pedro", str(html))

    def test_store_figures_and_pages_are_closed(self):
        Kpi = self.env["credit.recovery.kpi"].with_user(self.agency_user)
        with self.assertRaises(AccessError):
            Kpi.get_kpis(self.company.id, TODAY - timedelta(days=30), TODAY)
        with self.assertRaises(AccessError):
            Kpi.get_dashboard(self.company.id)
        for name in ("credit.recovery.worklist", "credit.recovery.portal.token", "credit.recovery.snapshot"):
            with self.subTest(model=name), self.assertRaises(AccessError):
                self.env[name].with_user(self.agency_user).search([])
        with self.assertRaises(AccessError):
            self.debtor.with_user(self.agency_user).action_portal_create_link()

    def test_customers_collection_data_is_not_shared(self):
        Partner = self.env["res.partner"].with_user(self.agency_user)
        # The store's other customers are not the agency's business (LGPD): its debtors are.
        with self.assertRaises(AccessError):
            Partner.browse(self.pedro.id).read(["name"])
        self.assertFalse(Partner.search([("id", "=", self.pedro.id)]))
        self.assertNotIn(self.pedro, Partner.search([("name", "ilike", "Pedro")]))
        self.assertEqual(Partner.browse(self.customer.id).read(["name"])[0]["name"], self.customer.name)
        self.assertEqual(self.pedro.with_user(self.agent).name, "Pedro Lima", "the store's agent reads all")
        for field in ("recovery_do_not_contact", "recovery_amount_overdue", "recovery_debtor_ids", "recovery_stage_id"):
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    Partner.browse(self.customer.id).read([field])
                with self.assertRaises(AccessError):
                    Partner.search([(field, "!=", False)])
        readable = {name for name in Partner.browse(self.customer.id).read()[0] if name.startswith("recovery_")}
        self.assertEqual(readable, PARTNER_CONTACT_QUALITY, "what the partner's phones and address say, no more")
        self.assertEqual(
            Partner.search([("id", "=", self.customer.id), ("recovery_no_valid_phone", "=", False)]), self.customer
        )
        no_phone = (
            self.env["credit.recovery.debtor"]
            .with_user(self.agency_user)
            .search([("partner_id.recovery_no_valid_phone", "=", False)])
        )
        self.assertEqual(no_phone, self.debtor, "the debtors' filter works, on its debtors")
        with self.assertRaises(AccessError):
            Partner.browse(self.customer.id).write({"recovery_do_not_contact": False})
        # Nor through an aggregate under a name of the caller's choosing, nor through the order.
        for spec in ("w:array_agg(recovery_wrong_number)", "d:bool_or(recovery_do_not_contact)"):
            with self.subTest(spec=spec), self.assertRaises(AccessError):
                Partner.read_group([], [spec], ["vat"], lazy=False)
        with self.assertRaises(AccessError):
            Partner.search_read([("id", "in", self.pedro.ids)], ["id"], order="recovery_do_not_contact desc, id")
        with self.assertRaises(AccessError):
            Partner.read_group([], ["vat"], ["vat"], orderby="recovery_do_not_contact")
        # Nor through a customer's login: a user inherits its partner's fields.
        portal = new_test_user(self.env, "portal_customer", groups="base.group_portal")
        portal.partner_id.recovery_do_not_contact = True
        Users = self.env["res.users"].with_user(self.agency_user)
        with self.assertRaises(AccessError):
            Users.browse(portal.id).read(["recovery_do_not_contact"])
        with self.assertRaises(AccessError):
            Users.with_context(active_test=False).search([("recovery_do_not_contact", "=", True)])
        self.assertEqual(Users.browse(self.agency_user.id).read(["name"])[0]["name"], self.agency_user.name)
        # Nor through the customer's chatter, where the change of a tracked opt-out shows.
        message = portal.partner_id.sudo().message_post(body="changed", message_type="notification")
        trackings = (
            self.env["mail.tracking.value"]
            .sudo()
            .create(
                {
                    "mail_message_id": message.id,
                    "field_id": self.env["ir.model.fields"]._get("res.partner", "recovery_do_not_contact").id,
                    "old_value_integer": 0,
                    "new_value_integer": 1,
                }
            )
        )
        self.assertFalse(trackings._filter_has_field_access(Users.env))
        self.assertEqual(trackings._filter_has_field_access(self.env["res.users"].with_user(self.agent).env), trackings)
        # The store's agent keeps reading them.
        self.assertEqual(self.pedro.with_user(self.agent).recovery_amount_overdue, 1300.0)

    # ------------------------------------------------------------------
    # What the agency cannot do
    # ------------------------------------------------------------------

    def test_writes_deletions_and_assignments_are_refused(self):
        debtor = self.debtor.with_user(self.agency_user)
        for vals in (
            {"user_id": self.agency_user.id},
            {"agency_assignment_id": False},
            {"agency_id": self.agency_b.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                debtor.write(vals)
        with self.assertRaises(AccessError):
            debtor.unlink()
        with self.assertRaises(AccessError):
            self.env["credit.recovery.debtor"].with_user(self.agency_user).create({"partner_id": self.pedro.id})
        Assignment = self.env["credit.recovery.agency.assignment"].with_user(self.agency_user)
        with self.assertRaises(UserError):  # an AccessError is one
            Assignment.create(
                {
                    "agency_id": self.agency.id,
                    "debtor_id": self.debtor_pedro.id,
                    "company_id": self.company.id,
                    "date_start": TODAY,
                    "date_recall": TODAY,
                }
            )
        own = Assignment.browse(self.assignment.id)
        with self.assertRaises(UserError):  # an AccessError is one
            own.write({"date_recall": TODAY + timedelta(days=999)})
        with self.assertRaises(UserError):  # an AccessError is one
            own.unlink()
        with self.assertRaises(AccessError):
            own._recovery_recall("manual")
        with self.assertRaises(AccessError):
            self.debtor_pedro.with_user(self.agency_user)._recovery_assign_agency(self.agency, TODAY)
        with self.assertRaises(AccessError):
            self.agency.with_user(self.agency_user).write({"user_ids": [Command.link(self.agency_user_b.id)]})
        contact = self.contacts[self.customer].with_user(self.agency_user)
        with self.assertRaises(UserError):  # an AccessError is one
            contact.write({"notes": "rewritten"})
        with self.assertRaises(UserError):  # an AccessError is one
            contact.unlink()
        with self.assertRaises(AccessError):
            self.contacts[self.pedro].with_user(self.agency_user).write({"notes": "rewritten"})

    @freeze_time(MONDAY_9H30_SP)
    def test_nothing_is_created_on_another_debtor(self):
        for partner, invoice in ((self.pedro, self.invoice_pedro), (self.joana, self.invoice_joana)):
            with self.subTest(partner=partner.name), self.assertRaises(AccessError):
                self.log(partner, invoice, user=self.agency_user)
        # Maria's record in another company is not the assigned one.
        company_b = self.setup_other_company(name="Outra Empresa Ltda")["company"]
        self.agency_user.company_ids = [Command.link(company_b.id)]
        with self.assertRaises(AccessError):
            self.log(self.customer, self.env["account.move"], user=self.agency_user, company_id=company_b.id)
        Promise = self.env["credit.recovery.promise"].with_user(self.agency_user)
        with self.assertRaises(AccessError):
            Promise.create(
                {
                    "partner_id": self.pedro.id,
                    "invoice_ids": [Command.set(self.invoice_pedro.ids)],
                    "amount": 10.0,
                    "date": date(2026, 12, 1),
                }
            )
        Agreement = self.env["credit.recovery.agreement"].with_user(self.agency_user)
        with self.assertRaises(AccessError):
            Agreement.create({"invoice_ids": [Command.set(self.invoice_pedro_2.ids)], "installments": 2})
        with self.assertRaises(AccessError):
            self.invoice_pedro_2.with_user(self.agency_user).action_recovery_negotiate()
        Dispute = self.env["credit.recovery.dispute"].with_user(self.agency_user)
        with self.assertRaises(AccessError):
            Dispute.create({"move_ids": self.invoice_pedro_2.ids, "kind": "already_paid"}).action_confirm()
        with self.assertRaises(AccessError):
            self.pedro_agreement.with_user(self.agency_user).action_cancel()
        self.assertEqual(self.invoice_pedro_2.recovery_dispute_state, False)

    # ------------------------------------------------------------------
    # What the agency does
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H30_SP)
    def test_agency_logs_contacts_marked_as_its_own(self):
        contact = self.log(
            self.customer,
            self.invoice,
            user=self.agency_user,
            direction="inbound",
            outcome_id=self.outcome_promise.id,
            promise_amount=300.0,
            promise_date=date(2026, 12, 4),
        )
        self.assertEqual(contact.agency_id, self.agency)
        self.assertEqual(contact.debtor_id, self.debtor)
        self.assertTrue(contact.evidence_hash, "sealed like the store's logs")
        promise = self.debtor.promise_ids
        self.assertEqual(promise.with_user(self.agency_user).amount, 300.0)
        self.assertFalse(self.contacts[self.customer].agency_id, "the store's logs are the store's")
        # Nobody chooses the agency of a log.
        with self.assertRaises(UserError):
            self.log(
                self.customer, self.invoice, user=self.agency_user, direction="inbound", agency_id=self.agency_b.id
            )
        with self.assertRaises(UserError):
            self.log(self.customer, self.invoice, user=self.agent, direction="inbound", agency_id=self.agency.id)
        forged = (
            self.env["credit.recovery.contact"]
            .with_user(self.agency_user)
            .with_context(default_agency_id=self.agency_b.id)
            .create({"partner_id": self.customer.id, "direction": "inbound", "invoice_ids": self.invoice.ids})
        )
        self.assertEqual(forged.agency_id, self.agency)
        with self.assertRaises(UserError):
            contact.write({"agency_id": self.agency_b.id})

    def test_agency_contacts_count_against_the_caps(self):
        self.policy.write({"max_contacts_per_day": 2, "max_contacts_per_week": 10})
        with freeze_time(MONDAY_9H30_SP):
            agency_contact = self.log(self.customer, self.invoice, user=self.agency_user)
            self.assertFalse(agency_contact.is_over_cap, "the store's 9:00 call and this one: 2 a day")
            counts = self.env["credit.recovery.contact"]._outbound_counts_by_debtor(self.debtor.ids, MONDAY_9H30_SP)
            self.assertEqual(sum(counts[self.debtor.id].values()), 2)
            # The store's agent is over the cap now: the agency's call counted.
            store_contact = self.log(self.customer, self.invoice)
            self.assertTrue(store_contact.is_over_cap)
            # And an agency's chat cannot start over the cap.
            with self.assertRaisesText(UserError, "cannot be contacted now"):
                self.env["credit.recovery.contact"].with_user(self.agency_user)._action_whatsapp(
                    self.debtor.with_user(self.agency_user), text="Olá"
                )

    def test_agency_contacts_respect_the_window_and_opt_outs(self):
        with freeze_time(MONDAY_23H_SP), self.assertRaisesText(UserError, "outside the contact window"):
            self.log(self.customer, self.invoice, user=self.agency_user)
        with freeze_time(MONDAY_23H_SP), self.assertRaisesText(AccessError, "Only a Collection Manager"):
            self.log(self.customer, self.invoice, user=self.agency_user, override_justification="The agency says so")
        self.customer.recovery_optout_phone = True
        with freeze_time(MONDAY_9H30_SP), self.assertRaisesText(UserError, "refused contacts by"):
            self.log(self.customer, self.invoice, user=self.agency_user)
        self.customer.recovery_do_not_contact = True
        with freeze_time(MONDAY_9H30_SP), self.assertRaisesText(UserError, "asked not to be contacted"):
            self.log(self.customer, self.invoice, user=self.agency_user, channel="email")

    def test_agency_raises_a_dispute_on_a_handed_installment(self):
        action = self.invoice_2.with_user(self.agency_user).action_recovery_dispute()
        wizard = self.env["credit.recovery.dispute"].with_user(self.agency_user).with_context(**action["context"])
        wizard.create({"kind": "already_paid", "note": "Paid in cash"}).action_confirm()
        self.assertEqual(self.invoice_2.recovery_dispute_state, "open")
        with self.assertRaises(AccessError):
            self.env["credit.recovery.dispute"].with_user(self.agency_user).create(
                {"move_ids": self.invoice_2.ids, "mode": "resolve", "decision": "valid", "note": "ok"}
            ).action_confirm()

    def test_agency_negotiates_inside_the_limits_and_the_manager_approves_beyond(self):
        with self.on(TODAY):
            action = self.debtor.with_user(self.agency_user).action_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.agency_user).with_context(**action["context"]))
            wizard.installments = 3
            agreement = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            agreement = agreement.with_user(self.agency_user)
            self.assertTrue(agreement.within_limits)
            self.assertEqual(agreement.debtor_id, self.debtor)
            agreement.action_cancel()
            # Beyond the profile's limits: submitted, and only the store's manager approves.
            action = self.debtor.with_user(self.agency_user).action_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.agency_user).with_context(**action["context"]))
            wizard.installments = 60
            wizard.discount_principal_percent = 90
            beyond = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            beyond = beyond.with_user(self.agency_user)
            self.assertFalse(beyond.within_limits)
            with self.assertRaises(UserError):
                beyond.action_confirm()
            with self.assertRaises(UserError):  # an AccessError is one
                beyond.write({"approved_by_id": self.manager.id})
            beyond.action_submit()
            self.assertEqual(beyond.state, "to_approve")
            for context in CONTEXTS:
                with self.subTest(context=context), self.assertRaises(AccessError):
                    beyond.with_context(**context).action_approve()
            with self.assertRaises(AccessError):
                beyond.action_reject("no")
            self.assertEqual(beyond.state, "to_approve")
            beyond.with_user(self.manager).action_approve()
            self.assertEqual(beyond.state, "active")
            self.assertEqual(beyond.approved_by_id, self.manager)

    def web_read_form(self, records):
        """Read ``records`` as the web client opens their form: the fields of the arch the user gets
        (its group-restricted parts removed), the x2many ones with their inline list's."""
        arch = etree.fromstring(records.get_views([(False, "form")])["views"]["form"]["arch"])

        def spec(model_name, node):
            model, result = self.env[model_name], {}
            for child in node.iterfind(".//field"):
                if any(parent.tag == "field" for parent in child.iterancestors() if parent is not node):
                    continue  # a field of a sub-view, read with its x2many
                field = model._fields[child.get("name")]
                if field.type == "many2one":
                    result[field.name] = {"fields": {"display_name": {}}}
                elif field.type in ("one2many", "many2many"):
                    result[field.name] = {"fields": spec(field.comodel_name, child) or {"display_name": {}}}
                else:
                    result[field.name] = {}
            return result

        return records.web_read(spec(records._name, arch))

    def test_internal_judgements_are_the_stores(self):
        """The possible-fraud flag (a manager's to confirm) and the segment are the store's internal
        reading of its customer: not in the agency's form or list, refused by read and by search."""
        self.debtor.sudo().write({"fraud_state": "suspected", "segment": "fraud"})
        debtor = self.debtor.with_user(self.agency_user)
        [values] = self.web_read_form(debtor)
        self.assertNotIn("fraud_state", values)
        self.assertNotIn("segment", values)
        list_arch = debtor.get_views([(False, "list"), (False, "search")])["views"]
        for view in list_arch.values():
            self.assertNotIn("fraud", view["arch"])
            self.assertNotIn("segment", view["arch"])
        for field in ("fraud_state", "fraud_flagged_on", "segment"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                debtor.read([field])
            with self.subTest(field=field, search=True), self.assertRaises(AccessError):
                debtor.search([(field, "!=", False)])
        # The store's agent still reads both.
        self.assertEqual(self.debtor.with_user(self.agent).read(["fraud_state", "segment"])[0]["segment"], "fraud")

    def test_agency_works_in_the_debtor_form(self):
        [values] = self.web_read_form(self.debtor.with_user(self.agency_user))
        self.assertEqual(values["partner_id"]["id"], self.customer.id)
        self.assertEqual({row["id"] for row in values["open_invoice_ids"]}, set((self.invoice | self.invoice_2).ids))
        self.assertNotIn("portal_token_ids", values, "the personal links are the store's")
        contact = self.contacts[self.customer].with_user(self.agency_user)
        self.assertEqual(self.web_read_form(contact)[0]["notes"], "Secret of Maria Silva")
        action = self.debtor.with_user(self.agency_user).action_log_contact()
        with freeze_time(MONDAY_9H30_SP):
            log = Form(
                self.env["credit.recovery.contact"].with_user(self.agency_user).with_context(**action["context"])
            )
            log.outcome_id = self.outcome_refused
            contact = log.save()
        self.assertEqual(contact.agency_id, self.agency)
        self.assertEqual(contact.invoice_ids, self.invoice | self.invoice_2)

    def test_menus_show_the_agency_its_work_only(self):
        menus = self.env["ir.ui.menu"].with_user(self.agency_user).load_menus(debug=False)
        xmlids = {menu.get("xmlid") for menu in menus.values() if isinstance(menu, dict)}
        for visible in ("debtors", "contacts", "promises", "promise_all", "agreements"):
            self.assertIn(f"account_credit_recovery.menu_credit_recovery_{visible}", xmlids)
        for hidden in (
            "overdue_invoices",
            "dispatches",
            "runs",
            "reporting",
            "config",
            "dashboard",
            "worklist",
            "agencies",
            "contact_analysis",
        ):
            self.assertNotIn(f"account_credit_recovery.menu_credit_recovery_{hidden}", xmlids)
        agent_menus = self.env["ir.ui.menu"].with_user(self.agent).load_menus(debug=False)
        agent_xmlids = {menu.get("xmlid") for menu in agent_menus.values() if isinstance(menu, dict)}
        self.assertIn("account_credit_recovery.menu_credit_recovery_runs", agent_xmlids, "the store's agent keeps all")

    # ------------------------------------------------------------------
    # At the recall
    # ------------------------------------------------------------------

    def test_recall_ends_everything_at_once(self):
        with freeze_time(MONDAY_9H30_SP):
            own_log = self.log(self.customer, self.invoice, user=self.agency_user)
        mine = [
            (self.debtor, "amount_overdue"),
            (self.contacts[self.customer] | own_log, "notes"),
            (self.invoice | self.invoice_2, "amount_residual"),
            (self.invoice.line_ids, "balance"),
            (self.contacts[self.customer].attachment_ids, "raw"),
            # Odoo lets an author read their own messages: the agency keeps what it wrote, nothing else.
            (
                self.env["mail.message"].search(
                    [
                        ("model", "=", self.debtor._name),
                        ("res_id", "=", self.debtor.id),
                        ("author_id", "!=", self.agency_user.partner_id.id),
                    ]
                ),
                "body",
            ),
            (self.assignment, "amount_assigned"),
        ]
        self.assertEqual(self.debtor.with_user(self.agency_user).read(["amount_overdue"])[0]["id"], self.debtor.id)
        self.assignment.with_user(self.manager)._recovery_recall("manual")
        self.assertEqual(self.assignment.state, "recalled")
        self.assertCannotReach(self.agency_user, mine)
        self.assertEqual(own_log.sudo().agency_id, self.agency, "the log stays the agency's, for the store")
        with freeze_time(MONDAY_9H30_SP), self.assertRaises(AccessError):
            self.log(self.customer, self.invoice, user=self.agency_user)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.agency_user)._render_qweb_html(
                "account_credit_recovery.action_report_dossier", self.debtor.ids
            )
        self.assertEqual(self.agency.with_user(self.agency_user).active_assignment_count, 0)

    def test_user_removed_from_the_agency_loses_its_debtors(self):
        self.agency.user_ids = [Command.unlink(self.agency_user.id)]
        self.assertFalse(self.env["credit.recovery.debtor"].with_user(self.agency_user).search([]))

    # ------------------------------------------------------------------
    # The store's agent is unchanged
    # ------------------------------------------------------------------

    def test_store_agent_keeps_every_debtor(self):
        Debtor = self.env["credit.recovery.debtor"].with_user(self.agent)
        self.assertLessEqual(self.debtor | self.debtor_joana | self.debtor_pedro, Debtor.search([]))
        self.assertEqual(self.invoice_pedro.with_user(self.agent).amount_residual, 900.0)
        self.assertIn("Secret of Pedro Lima", self.contacts[self.pedro].with_user(self.agent).notes)
        # An agent who also works an agency's queue keeps the store's access.
        self.agency_user.groups_id = [
            Command.link(self.env.ref("account_credit_recovery.group_credit_recovery_agent").id)
        ]
        self.assertLessEqual(
            self.debtor_pedro, self.env["credit.recovery.debtor"].with_user(self.agency_user).search([])
        )


@tagged("post_install", "-at_install")
class TestSecurityAgencyHttp(AgencyCommon, HttpCase):
    """The same attempts from a browser session: JSON-RPC, reports, file downloads."""

    def call_kw(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRefused(self, answer):
        self.assertIn("error", answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_rpc_reports_and_files_of_other_debtors(self):
        self.authenticate("agencia_a", "agencia_a")
        found = self.call_kw("credit.recovery.debtor", "search_read", [[]], {"fields": ["display_name"]})
        self.assertEqual([row["id"] for row in found["result"]], self.debtor.ids)
        for model, ids, field in (
            ("credit.recovery.debtor", self.debtor_pedro.ids, "amount_overdue"),
            ("credit.recovery.contact", self.contacts[self.pedro].ids, "notes"),
            ("account.move", self.invoice_pedro.ids, "amount_residual"),
            ("ir.attachment", self.pedro_dossier.ids, "datas"),
            ("res.partner", self.pedro.ids, "recovery_do_not_contact"),
        ):
            with self.subTest(model=model):
                self.assertRefused(self.call_kw(model, "read", [ids, [field]]))
        self.assertRefused(
            self.call_kw(
                "credit.recovery.debtor",
                "web_read",
                [self.debtor_pedro.ids],
                {"specification": {"contact_ids": {"fields": {"notes": {}}}}},
            )
        )
        found = self.call_kw(
            "credit.recovery.contact", "search_read", [[("notes", "ilike", "Secret")]], {"fields": ["notes"]}
        )
        self.assertEqual([row["notes"] for row in found["result"]], ["Secret of Maria Silva"])
        self.assertRefused(self.call_kw("credit.recovery.kpi", "get_dashboard", [self.company.id]))
        for report in ("report_dossier", "report_collection_letter"):
            with self.subTest(report=report):
                response = self.url_open(f"/report/pdf/account_credit_recovery.{report}/{self.debtor_pedro.id}")
                self.assertNotEqual(response.status_code, 200)
                self.assertNotIn("Pedro", response.text)
        response = self.url_open(
            f"/report/pdf/account_credit_recovery.report_agreement_terms/{self.pedro_agreement.id}"
        )
        self.assertNotEqual(response.status_code, 200)
        for attachment in self.pedro_dossier | self.contacts[self.pedro].attachment_ids:
            with self.subTest(attachment=attachment.name):
                response = self.url_open(f"/web/content/{attachment.id}?download=true")
                self.assertIn(response.status_code, (403, 404))
        own = self.contacts[self.customer].attachment_ids
        response = self.url_open(f"/web/content/{own.id}?download=true")
        self.assertEqual((response.status_code, response.content), (200, b"payslip"))

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_rpc_after_the_recall(self):
        self.authenticate("agencia_a", "agencia_a")
        own = self.contacts[self.customer].attachment_ids
        self.assertEqual(self.url_open(f"/web/content/{own.id}?download=true").status_code, 200)
        self.assignment.with_user(self.manager)._recovery_recall("manual")
        self.env.flush_all()
        found = self.call_kw("credit.recovery.debtor", "search_read", [[]], {"fields": ["display_name"]})
        self.assertEqual(found["result"], [])
        self.assertRefused(self.call_kw("credit.recovery.debtor", "read", [self.debtor.ids, ["amount_overdue"]]))
        self.assertRefused(self.call_kw("account.move", "read", [self.invoice.ids, ["amount_residual"]]))
        self.assertIn(self.url_open(f"/web/content/{own.id}?download=true").status_code, (403, 404))
        response = self.url_open(f"/report/pdf/account_credit_recovery.report_dossier/{self.debtor.id}")
        self.assertNotEqual(response.status_code, 200)
