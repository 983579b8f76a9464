"""The evidence ledger and the contact rules, attacked the way an RPC caller can: as an agent,
with any context key, by direct ``create``/``write``/``unlink`` (and, for the ledger, by SQL)."""

import hashlib
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..tools.evidence import ledger_hash
from .common import CreditRecoveryCommon, PureCase

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
# Every context key the addon ever read as an authorisation.
BYPASS_CONTEXT = {
    "credit_recovery_contact_internal": True,
    "credit_recovery_engine": True,
    "credit_recovery_defer_stage_check": True,
}


@tagged("post_install", "-at_install")
class TestSecurityEvidence(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321"})
        cls.invoice = cls.create_invoice(800.0, date(2026, 9, 1), date(2026, 10, 1))
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "João Souza", "country_id": cls.env.ref("base.br").id, "tz": "America/Sao_Paulo"}
        )
        cls.other_invoice = cls.create_invoice(300.0, date(2026, 9, 1), date(2026, 10, 1), partner=cls.other_customer)
        cls.outcome = cls.env.ref("account_credit_recovery.outcome_no_answer")
        cls.reason = cls.env.ref("account_credit_recovery.reason_income_loss")
        cls.Contact = cls.env["credit.recovery.contact"]

    def log(self, user=None, context=None, **vals):
        values = {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.invoice.ids)],
            "channel": "phone",
            "direction": "outbound",
            "outcome_id": self.outcome.id,
        } | vals
        return self.Contact.with_user(user or self.agent).with_context(**(context or {})).create(values)

    def verify(self, contact):
        return contact.debtor_id.with_user(self.agent).action_verify_evidence()["params"]

    def three_logs(self):
        """Three logs of one debtor, the last two overridden by a manager (the daily cap is 1)."""
        first = self.log()
        second = self.log(self.manager, override_justification="Asked to be called again")
        third = self.log(self.manager, override_justification="Asked to be called again")
        self.env.flush_all()
        return first, second, third

    # ------------------------------------------------------------------
    # Sealed logs and the workflow's fields
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H_SP)
    def test_write_with_any_context_on_a_sealed_log_is_refused(self):
        contact = self.log(notes="Lost her job", attachment_ids=[Command.create({"name": "a.txt", "raw": b"a"})])
        digest = contact.evidence_hash
        attempts = {
            "notes": "Rewritten",
            "evidence_hash": "0" * 64,
            "date": datetime(2026, 11, 23, 11, 0),
            "channel": "sms",
            "partner_id": self.other_customer.id,
            "invoice_ids": [Command.clear()],
            "outcome_id": self.env.ref("account_credit_recovery.outcome_refused").id,
            "reason_id": self.reason.id,
            "sealed_at": datetime(2026, 11, 1),
            "attachment_ids": [Command.clear()],
            "is_automatic": True,
            "is_over_cap": True,
            "evidence_sequence": 99,
            "evidence_version": 1,
            "evidence_altered_before_upgrade": False,
        }
        for user in (self.agent, self.manager):
            for field, value in attempts.items():
                with (
                    self.subTest(user=user.login, field=field),
                    self.assertRaisesText(UserError, "cannot be changed"),
                ):
                    contact.with_user(user).with_context(**BYPASS_CONTEXT).write({field: value})
        self.env.invalidate_all()
        self.assertEqual((contact.notes, contact.evidence_hash), ("Lost her job", digest))
        self.assertEqual(self.verify(contact)["type"], "success")

    @freeze_time(MONDAY_9H_SP)
    def test_create_refuses_the_workflows_fields(self):
        for field, value in {
            "evidence_hash": "0" * 64,
            "sealed_at": datetime(2026, 11, 1),
            "is_automatic": True,
            "is_over_cap": False,
            "is_backdated": False,
            "delivery_state": "delivered",
            "evidence_sequence": 1,
            "evidence_version": 1,
            "evidence_altered_before_upgrade": False,
        }.items():
            with self.subTest(field=field), self.assertRaisesText(UserError, "set by the system"):
                self.log(context=BYPASS_CONTEXT, **{field: value})
        self.assertFalse(self.Contact.search([("partner_id", "=", self.customer.id)]))

    def test_only_the_run_records_automatic_messages(self):
        with self.assertRaisesText(UserError, "Only the collection run"):
            self.Contact._create_automatic_logs(
                [{"partner_id": self.customer.id, "channel": "phone", "direction": "outbound", "is_automatic": True}]
            )

    # ------------------------------------------------------------------
    # The ledger: deleted, inserted, reordered logs
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H_SP)
    def test_logs_are_chained_per_company(self):
        company_2 = self.setup_other_company()["company"]
        first = self.log()
        elsewhere = self.Contact.create(
            {"partner_id": self.customer.id, "company_id": company_2.id, "channel": "phone", "direction": "inbound"}
        )
        second = self.log(direction="inbound")
        self.assertEqual((first.evidence_sequence, second.evidence_sequence), (1, 2))
        self.assertEqual(elsewhere.evidence_sequence, 1, "each company has its own ledger")
        self.assertEqual(first.evidence_previous_hash, "")
        self.assertEqual(second.evidence_previous_hash, first.evidence_ledger_hash)
        self.assertEqual(second.evidence_ledger_hash, ledger_hash(first.evidence_ledger_hash, second.evidence_hash, 2))
        self.assertEqual(elsewhere.evidence_previous_hash, "")
        params = self.verify(first)
        self.assertEqual(params["type"], "success")
        self.assertIn("complete (2 entries)", params["message"])
        dossier = self.env["report.account_credit_recovery.report_dossier"]._get_dossier(first.debtor_id)
        self.assertEqual(dossier["ledger"], {"entries": 2, "head": second.evidence_ledger_hash})
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_dossier", first.debtor_id.ids)[0]
            .decode()
        )
        self.assertIn(
            second.evidence_ledger_hash, html.split("Evidence ledger of")[1][:400], "the dossier prints the head"
        )

    @freeze_time(MONDAY_9H_SP)
    def test_sql_delete_of_a_log_is_named_missing(self):
        first, second, third = self.three_logs()
        self.env.cr.execute("DELETE FROM credit_recovery_contact WHERE id = %s", [second.id])
        self.env.invalidate_all()  # as a new request would see the table
        params = self.verify(first)
        self.assertEqual(params["type"], "danger")
        self.assertIn(f"ledger entries 2 to 2 are missing (deleted), just before log #{third.id}", params["message"])
        self.env.cr.execute("DELETE FROM credit_recovery_contact WHERE id = %s", [third.id])
        self.env.invalidate_all()
        params = self.verify(first)
        self.assertIn("ledger entries 2 to 3, the last ones, are missing", params["message"])

    @freeze_time(MONDAY_9H_SP)
    def test_inserted_log_is_detected(self):
        first, _second, third = self.three_logs()
        self.assertEqual(self.verify(first)["type"], "success")
        insert = """
            INSERT INTO credit_recovery_contact (partner_id, company_id, debtor_id, date, channel, direction, user_id,
                                                 state, notes, evidence_sequence, evidence_hash, evidence_previous_hash)
            SELECT partner_id, company_id, debtor_id, date, channel, direction, user_id, 'logged', 'Forged',
                   %s, %s, %s
              FROM credit_recovery_contact WHERE id = %s
         RETURNING id
        """
        self.env.cr.execute(insert, [None, None, None, first.id])
        unsealed = self.env.cr.fetchone()[0]
        self.env.cr.execute(insert, [4, "f" * 64, third.evidence_ledger_hash, first.id])
        beyond = self.env.cr.fetchone()[0]
        self.env.invalidate_all()
        params = self.verify(first)
        self.assertEqual(params["type"], "danger")
        self.assertIn(f"log #{unsealed} was inserted outside the ledger", params["message"])
        self.assertIn(f"log #{beyond} was inserted outside the ledger", params["message"])

    @freeze_time(MONDAY_9H_SP)
    def test_reordered_logs_are_detected(self):
        first, second, third = self.three_logs()
        self.env.cr.execute(
            "UPDATE credit_recovery_contact SET evidence_sequence = -evidence_sequence WHERE id IN %s",
            [(second.id, third.id)],
        )
        self.env.cr.execute("UPDATE credit_recovery_contact SET evidence_sequence = 3 WHERE id = %s", [second.id])
        self.env.cr.execute("UPDATE credit_recovery_contact SET evidence_sequence = 2 WHERE id = %s", [third.id])
        self.env.invalidate_all()
        message = self.verify(first)["message"]
        for log in (second, third):
            self.assertIn(f"log #{log.id} (", message)
        self.assertIn("does not follow the entry before it", message)
        self.assertNotIn(f"log #{first.id} (", message)

    # ------------------------------------------------------------------
    # Attachments, outcomes and reasons of sealed logs
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H_SP)
    def test_attachments_are_frozen_at_seal_time(self):
        contact = self.log(attachment_ids=[Command.create({"name": "recibo.txt", "raw": b"receipt"})])
        frozen = contact.attachment_ids
        self.assertEqual((frozen.res_model, frozen.res_id), (contact._name, contact.id), "a copy owned by the log")
        agent_attachments = self.env["ir.attachment"].with_user(self.agent)
        for attempt in (
            lambda: agent_attachments.browse(frozen.id).unlink(),
            lambda: agent_attachments.browse(frozen.id).write({"raw": b"forged receipt"}),
            lambda: agent_attachments.browse(frozen.id).write({"datas": "Zm9yZ2Vk"}),
            lambda: agent_attachments.browse(frozen.id).write({"res_id": self.invoice.id, "res_model": "account.move"}),
            lambda: frozen.sudo().unlink(),
        ):
            with self.assertRaisesText(UserError, "is evidence of a recorded contact"):
                attempt()
        # The agent's own upload is theirs to delete: the evidence is the copy.
        originals = self.env["ir.attachment"].search([("name", "=", "recibo.txt"), ("id", "!=", frozen.id)])
        originals.with_user(self.agent).unlink()
        self.env.invalidate_all()
        self.assertEqual(contact.attachment_ids.raw, b"receipt")
        self.assertEqual(self.verify(contact)["type"], "success")

    @freeze_time(MONDAY_9H_SP)
    def test_an_agent_cannot_seal_a_file_they_cannot_read(self):
        secret = self.env["ir.attachment"].create({"name": "secret.txt", "raw": b"secret"})  # no record: admin's
        with self.assertRaises(AccessError):
            self.log(attachment_ids=[Command.set(secret.ids)])

    @freeze_time(MONDAY_9H_SP)
    def test_outcomes_and_reasons_of_logs_cannot_be_deleted(self):
        contact = self.log(reason_id=self.reason.id)
        for record in (self.outcome, self.reason):
            with self.subTest(record=record._name), self.assertRaisesText(UserError, "archive it instead"):
                record.with_user(self.manager).unlink()
        self.assertEqual((contact.outcome_id, contact.reason_id), (self.outcome, self.reason))
        self.assertEqual(self.Contact._fields["outcome_id"].ondelete, "restrict")
        self.assertEqual(self.Contact._fields["reason_id"].ondelete, "restrict")

    # ------------------------------------------------------------------
    # Dates: future, backdated, the real moment of the contact
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H_SP)
    def test_a_log_cannot_be_dated_in_the_future(self):
        for user in (self.agent, self.manager):
            with self.subTest(user=user.login), self.assertRaisesText(ValidationError, "in the future"):
                self.log(user, date=MONDAY_9H_SP + timedelta(hours=2), direction="inbound")
        self.assertTrue(self.log(date=MONDAY_9H_SP + timedelta(minutes=2)), "clocks may differ a little")

    @freeze_time(MONDAY_9H_SP)
    def test_backdating_beyond_the_limit_needs_a_manager_and_is_flagged(self):
        friday = datetime(2026, 11, 20, 13, 0)  # Friday 10:00 in São Paulo, 71 hours ago
        with self.assertRaisesText(AccessError, "only a Collection Manager can record it"):
            self.log(date=friday, context=BYPASS_CONTEXT)
        contact = self.log(self.manager, date=friday)
        self.assertTrue(contact.is_backdated)
        self.assertEqual(contact.sealed_at, MONDAY_9H_SP, "the moment it was recorded is sealed with it")
        recent = self.log(date=MONDAY_9H_SP - timedelta(minutes=30), direction="inbound")
        self.assertFalse(recent.is_backdated, "within the policy's limit (24 h by default)")
        self.policy.backdate_limit_hours = 100
        self.assertFalse(self.log(date=friday, direction="inbound").is_backdated)

    @freeze_time(datetime(2026, 11, 24, 1, 0))  # Monday 22:00 in São Paulo
    def test_window_is_judged_on_the_real_moment(self):
        logged_as_19h = datetime(2026, 11, 23, 22, 0)  # Monday 19:00 in São Paulo
        with self.assertRaisesText(UserError, "outside the contact window"):
            self.log(date=logged_as_19h)
        with self.assertRaisesText(UserError, "outside the contact window"):
            self.log(date=logged_as_19h, context=BYPASS_CONTEXT)
        self.assertFalse(self.Contact.search([("partner_id", "=", self.customer.id)]))
        contact = self.log(self.manager, date=logged_as_19h, override_justification="Debtor asked for a late call")
        self.assertEqual(contact.override_user_id, self.manager)

    # ------------------------------------------------------------------
    # Contact rules and bad input
    # ------------------------------------------------------------------

    @freeze_time(MONDAY_9H_SP)
    def test_context_keys_give_no_bypass(self):
        self.customer.recovery_do_not_contact = True
        with self.assertRaisesText(UserError, "asked not to be contacted"):
            self.log(context=BYPASS_CONTEXT)
        with self.assertRaisesText(UserError, "set by the system"):
            self.log(context=BYPASS_CONTEXT, is_automatic=True, channel="email")
        self.assertFalse(self.Contact.search([("partner_id", "=", self.customer.id)]))
        with self.assertRaisesText(ValidationError, "must start later and later"):
            self.stage_legal.with_context(**BYPASS_CONTEXT).write({"trigger_days": -100})

    @freeze_time(MONDAY_9H_SP)
    def test_a_log_naming_another_customers_invoice_is_refused(self):
        messages = len(self.other_invoice.message_ids)
        with self.assertRaisesText(ValidationError, "is not an invoice of Maria Silva"):
            self.log(invoice_ids=[Command.set((self.invoice | self.other_invoice).ids)])
        self.assertFalse(self.Contact.search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(len(self.other_invoice.message_ids), messages, "no note lands on that invoice")

    @freeze_time(MONDAY_9H_SP)
    def test_a_batch_of_logs_is_checked_for_companies_as_one_log_is(self):
        """The company check of logs created together (batched) refuses what Odoo's refuses for one."""
        company_2 = self.setup_other_company()["company"]
        stranger = self.env["res.partner"].create({"name": "Filial Ltda", "company_id": company_2.id})
        vals = {"channel": "phone", "direction": "inbound"}
        Contact = self.Contact.sudo()
        with self.assertRaisesText(UserError, "Incompatible companies"):
            Contact.create({"partner_id": stranger.id} | vals)
        with self.assertRaisesText(UserError, "Incompatible companies"):
            Contact.create([{"partner_id": self.customer.id} | vals, {"partner_id": stranger.id} | vals])
        with self.assertRaisesText(UserError, "Incompatible companies"):
            Contact.create(
                [
                    {"partner_id": self.customer.id, "invoice_ids": [Command.set(self.invoice.ids)]} | vals,
                    {"partner_id": self.customer.id, "company_id": company_2.id} | vals,
                    {
                        "partner_id": self.customer.id,
                        "company_id": company_2.id,
                        "invoice_ids": [Command.set(self.invoice.ids)],
                    }
                    | vals,
                ]
            )
        logs = Contact.create(
            [
                {"partner_id": self.customer.id, "invoice_ids": [Command.set(self.invoice.ids)]} | vals,
                {"partner_id": self.customer.id, "company_id": company_2.id} | vals,
                {"partner_id": stranger.id, "company_id": company_2.id} | vals,
            ]
        )
        self.assertEqual(logs.company_id, self.env.company | company_2)
        self.assertTrue(all(logs.mapped("evidence_hash")), "the logs are recorded and sealed")

    @freeze_time(MONDAY_9H_SP)
    def test_a_call_over_the_cap_is_recorded_and_flagged(self):
        first = self.log(channel="sms")
        second = self.log(context=BYPASS_CONTEXT)
        self.assertFalse(first.is_over_cap)
        self.assertTrue(second.is_over_cap, "the daily cap (1) was reached: recorded, flagged")
        self.assertTrue(second.evidence_hash)
        self.assertEqual(self.verify(second)["type"], "success")
        # Starting a contact over the cap is refused: opening a WhatsApp chat starts one.
        with self.assertRaisesText(UserError, "per day is reached"):
            self.invoice.recovery_debtor_id.with_user(self.agent).action_whatsapp()


@tagged("post_install", "-at_install")
class TestLedgerDigest(PureCase):
    def test_ledger_digest_seals_previous_digest_and_position(self):
        digest = "a" * 64
        first = ledger_hash("", digest, 1)
        self.assertEqual(first, hashlib.sha256(f"{digest}1".encode()).hexdigest(), "what the SQL check computes")
        self.assertNotEqual(ledger_hash(first, digest, 2), ledger_hash(first, digest, 3))
        self.assertNotEqual(ledger_hash(first, digest, 2), ledger_hash("b" * 64, digest, 2))
