"""Privacy (LGPD) and bad input, tested the way an RPC caller would: ``with_user`` and plain
``read``/``search``/``create`` on the records, whatever the caller's group or company."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CreditRecoveryCommon

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
TODAY = date(2026, 11, 23)
NOTE = "Customer lost her job, husband in hospital"
# What each kind of record is read for: the field an attacker wants.
READ_FIELD = {
    "credit.recovery.debtor": "amount_overdue",
    "credit.recovery.contact": "notes",
    "credit.recovery.promise": "amount",
    "credit.recovery.agreement": "total",
    "credit.recovery.agreement.line": "amount",
    "ir.attachment": "raw",
    "mail.message": "body",
}


@tagged("post_install", "-at_install")
class TestSecurityPrivacy(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321"})
        cls.set_agreement_accounts()
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        cls.second_invoice = cls.create_invoice(500.0, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.outcome_promise = cls.env.ref("account_credit_recovery.outcome_promise")
        cls.outcome_refused = cls.env.ref("account_credit_recovery.outcome_refused")
        cls.outcome_dispute = cls.env.ref("account_credit_recovery.outcome_dispute")

        cls.employee = new_test_user(
            cls.env,
            login="plain_employee",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.billing = new_test_user(
            cls.env,
            login="billing_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.company_b = cls.setup_other_company(name="Outra Empresa Ltda")["company"]
        cls.agent_b = new_test_user(
            cls.env,
            login="agent_other_company",
            groups="base.group_user,account_credit_recovery.group_credit_recovery_agent",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        # The same customer owes the other company too: its agent works its own record.
        cls.invoice_b = cls.create_invoice(300.0, date(2026, 9, 9), date(2026, 10, 9), company=cls.company_b)

        with freeze_time(MONDAY_9H_SP):
            cls.contact = cls.log(
                outcome_id=cls.outcome_refused.id,
                reason_id=cls.env.ref("account_credit_recovery.reason_income_loss").id,
                notes=NOTE,
                attachment_ids=[Command.create({"name": "atestado.txt", "raw": b"medical certificate"})],
            )
            cls.promise_contact = cls.log(
                invoice=cls.second_invoice,
                direction="inbound",
                outcome_id=cls.outcome_promise.id,
                notes="Will pay with the severance money",
                promise_amount=200.0,
                promise_date=date(2026, 12, 1),
            )
            cls.env.flush_all()
        cls.debtor = cls.contact.debtor_id
        cls.promise = cls.promise_contact.debtor_id.promise_ids
        cls.dossier = cls.debtor._generate_dossier()
        with cls.on(TODAY):
            action = cls.invoice.with_user(cls.agent).action_recovery_negotiate()
            wizard = Form(cls.env[action["res_model"]].with_user(cls.agent).with_context(**action["context"]))
            wizard.installments = 3
            result = wizard.save().action_prepare()
        cls.agreement = cls.env["credit.recovery.agreement"].browse(result["res_id"])

    @classmethod
    def log(cls, user=None, invoice=None, **vals):
        values = {
            "partner_id": cls.customer.id,
            "invoice_ids": [Command.set((invoice or cls.invoice).ids)],
            "channel": "phone",
            "direction": "outbound",
        } | vals
        return cls.env["credit.recovery.contact"].with_user(user or cls.agent).create(values)

    def collection_records(self):
        """Everything company A keeps about what the debtor said and owes."""
        debtor_messages = self.env["mail.message"].search(
            [("model", "=", "credit.recovery.debtor"), ("res_id", "=", self.debtor.id)]
        )
        self.assertTrue(debtor_messages.filtered(lambda message: NOTE in (message.body or "")))
        return [
            self.debtor,
            self.contact,
            self.promise_contact,
            self.promise,
            self.agreement,
            self.agreement.line_ids,
            self.dossier,
            self.contact.attachment_ids,
            debtor_messages,
        ]

    def assertCannotRead(self, user, records_list):
        for records in records_list:
            self.assertTrue(records, "nothing to check")
            model = self.env[records._name].with_user(user)
            with self.subTest(user=user.login, model=records._name):
                with self.assertRaises(AccessError):
                    records.with_user(user).read([READ_FIELD[records._name]])
                try:
                    found = model.search([("id", "in", records.ids)])
                except AccessError:
                    found = model.browse()
                self.assertFalse(found, "not even listed")

    def assertNoCollectionNotes(self, user, threads):
        """The threads' chatter, as ``user`` reads it, says nothing of what the debtor said."""
        self.assertFalse(self.env["mail.message"].with_user(user).search([("body", "ilike", "lost her job")]))
        for thread in threads:
            with self.subTest(user=user.login, thread=thread.display_name):
                bodies = " ".join(thread.with_user(user).message_ids.mapped("body"))
                for secret in (NOTE, "lost her job", self.contact.evidence_hash, "Refused to pay", "Unemployment"):
                    self.assertNotIn(secret, bodies)
                attachments = (
                    self.env["ir.attachment"]
                    .with_user(user)
                    .search([("res_model", "=", thread._name), ("res_id", "=", thread.id)])
                )
                self.assertFalse(attachments.filtered(lambda attachment: "Dossier" in attachment.name))

    def test_notes_and_dossiers_live_on_the_debtor_only(self):
        messages = self.env["mail.message"].search([("body", "ilike", "lost her job")])
        self.assertEqual(set(messages.mapped("model")), {"credit.recovery.debtor"})
        self.assertEqual(set(messages.mapped("res_id")), {self.debtor.id})
        for thread in (self.customer, self.invoice, self.second_invoice):
            with self.subTest(thread=thread.display_name):
                bodies = " ".join(thread.message_ids.mapped("body"))
                self.assertNotIn("lost her job", bodies)
                self.assertNotIn("severance", bodies)
                self.assertNotIn(self.contact.evidence_hash, bodies)
                self.assertNotIn("Dossier digest", bodies)
        self.assertIn("A collection contact was logged.", self.invoice.message_ids[0].body)
        self.assertEqual((self.dossier.res_model, self.dossier.res_id), ("credit.recovery.debtor", self.debtor.id))
        self.assertIn(self.dossier, self.debtor.message_ids.attachment_ids)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer.id),
                    ("description", "=like", "dossier:%"),
                ]
            )
        )
        self.assertIn("v2", self.debtor._generate_dossier().name, "versions are counted on the debtor")

    def test_plain_employee_reads_no_collection_data(self):
        self.assertNoCollectionNotes(self.employee, [self.customer])
        self.assertCannotRead(self.employee, self.collection_records())

    def test_billing_user_reads_invoices_but_no_collection_data(self):
        self.assertNoCollectionNotes(self.billing, [self.customer, self.invoice, self.second_invoice])
        self.assertCannotRead(self.billing, self.collection_records())
        # The invoice form still opens for accounting, without the collection record's data.
        form = Form(self.invoice.with_user(self.billing))
        self.assertEqual(form.recovery_dispute_state, False)

    def test_agent_of_another_company_reads_no_collection_data(self):
        self.assertNoCollectionNotes(self.agent_b, [self.customer])
        self.assertCannotRead(self.agent_b, self.collection_records())
        Debtor = self.env["credit.recovery.debtor"].with_user(self.agent_b)
        own = Debtor.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(own, self.invoice_b.recovery_debtor_id, "the other company's own record only")
        self.assertFalse(own.with_user(self.agent_b).contact_ids)

    def test_second_dispute_is_refused_and_the_first_kept(self):
        Dispute = self.env["credit.recovery.dispute"].with_user(self.agent)
        Dispute.create(
            {"move_ids": self.invoice.ids, "kind": "already_paid", "note": "Paid in cash, has the receipt"}
        ).action_confirm()
        with self.assertRaisesText(UserError, "already have a dispute under review"):
            Dispute.with_context(credit_recovery_contact_internal=True).create(
                {"move_ids": (self.invoice | self.second_invoice).ids, "kind": "product_problem", "note": "Broken"}
            ).action_confirm()
        self.assertEqual(
            (self.invoice.recovery_dispute_kind, self.invoice.recovery_dispute_note),
            ("already_paid", "Paid in cash, has the receipt"),
        )
        self.assertFalse(self.second_invoice.recovery_dispute_state, "nothing saved")
        # The customer says it again on the phone: the call is recorded, the dispute under review stays.
        with freeze_time(datetime(2026, 11, 24, 12, 0)):
            call = self.log(outcome_id=self.outcome_dispute.id, direction="inbound", notes="Never bought this")
        self.assertEqual(call.state, "logged")
        self.assertEqual(
            (self.invoice.recovery_dispute_kind, self.invoice.recovery_dispute_note),
            ("already_paid", "Paid in cash, has the receipt"),
        )

    def test_overlapping_promise_is_refused(self):
        contacts = self.env["credit.recovery.contact"].search_count([])
        with self.assertRaisesText(ValidationError, "already have an open promise"), freeze_time(MONDAY_9H_SP):
            self.log(
                invoice=self.invoice | self.second_invoice,
                direction="inbound",
                outcome_id=self.outcome_promise.id,
                promise_amount=100.0,
                promise_date=date(2026, 12, 10),
            )
        self.assertEqual(self.env["credit.recovery.contact"].search_count([]), contacts, "nothing saved")
        Promise = self.env["credit.recovery.promise"].with_user(self.manager)
        values = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "debtor_id": self.debtor.id,
            "amount": 100.0,
            "date": date(2026, 12, 10),
        }
        with freeze_time(MONDAY_9H_SP):
            with self.assertRaisesText(ValidationError, "already have an open promise"):
                Promise.create(values | {"invoice_ids": [Command.set(self.second_invoice.ids)]})
            with self.assertRaisesText(ValidationError, "already have an open promise"):
                Promise.create([values | {"invoice_ids": [Command.set(self.invoice.ids)]}] * 2)
            first = Promise.create(values | {"invoice_ids": [Command.set(self.invoice.ids)]})
        self.assertEqual(first.state, "open", "another invoice of the customer may get its own promise")
        self.promise.sudo().write({"state": "broken", "closed_date": TODAY})
        with freeze_time(MONDAY_9H_SP):
            renewed = Promise.create(values | {"invoice_ids": [Command.set(self.second_invoice.ids)]})
        self.assertEqual(renewed.state, "open", "once the first promise is closed, a new one is taken")
