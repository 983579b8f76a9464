"""An upgrade never rewrites a seal (issue 28): logs sealed by 18.0.1.2.0 (payload 1, no ledger)
go through the real migration scripts and keep their digests; the ledger chains them as they
are, and a log altered before the upgrade stays flagged in *Verify Evidence* and the dossier."""

import importlib.util
from datetime import date, datetime
from pathlib import Path

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from ..tools.evidence import EVIDENCE_VERSION, evidence_hash, payload_v1
from .common import CreditRecoveryCommon

MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migration(version, script):
    """The ``migrate`` function of ``migrations/<version>/<script>.py``, as Odoo's upgrade runs it."""
    spec = importlib.util.spec_from_file_location(f"credit_recovery_{version}_{script}", MIGRATIONS / version / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


@tagged("post_install", "-at_install")
class TestEvidenceUpgrade(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321"})
        cls.invoice = cls.create_invoice(800.0, date(2026, 9, 1), date(2026, 10, 1))
        cls.Contact = cls.env["credit.recovery.contact"]

    def log(self, user=None, **vals):
        return self.Contact.with_user(user or self.manager).create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self.invoice.ids)],
                "channel": "phone",
                "direction": "outbound",
                "outcome_id": self.env.ref("account_credit_recovery.outcome_no_answer").id,
                "override_justification": "Asked to be called again",
            }
            | vals
        )

    def as_sealed_by_release_1_2_0(self, contacts):
        """Put the logs back as 18.0.1.2.0 left them: the digest of payload 1 (the formula of that
        release, held to its digests by ``test_pure_evidence``), no ledger, no payload version."""
        self.env.flush_all()
        for contact in contacts:
            self.env.cr.execute(
                """UPDATE credit_recovery_contact
                      SET evidence_hash = %s, evidence_version = NULL, evidence_sequence = NULL,
                          evidence_previous_hash = NULL, evidence_ledger_hash = NULL
                    WHERE id = %s""",
                [evidence_hash(payload_v1(contact._evidence_values())), contact.id],
            )
        self.env.cr.execute("DELETE FROM credit_recovery_evidence_chain WHERE company_id = %s", [self.company.id])
        self.env.invalidate_all()
        return {contact.id: contact.evidence_hash for contact in contacts}

    def verify(self, debtor):
        return debtor.with_user(self.agent).action_verify_evidence()["params"]

    @freeze_time(MONDAY_9H_SP)
    def test_upgrade_from_1_2_0_keeps_every_digest_and_flags_what_was_altered(self):
        first = self.log(attachment_ids=[Command.create({"name": "recibo.txt", "raw": b"receipt"})])
        second = self.log(notes="Lost her job")
        third = self.log(direction="inbound")
        logs = first | second | third
        digests = self.as_sealed_by_release_1_2_0(logs)
        # Changed in the database of 18.0.1.2.0, before the upgrade: its seal no longer matches.
        self.env.cr.execute("UPDATE credit_recovery_contact SET notes = 'Paid already' WHERE id = %s", [second.id])
        self.env.invalidate_all()

        migration("18.0.1.3.0", "end-migration.py")(self.env.cr, "18.0.1.2.0")
        migration("18.0.1.4.0", "end-migration.py")(self.env.cr, "18.0.1.2.0")  # nothing left to do
        self.env.invalidate_all()

        self.assertEqual({log.id: log.evidence_hash for log in logs}, digests, "a seal is never rewritten")
        self.assertEqual(logs.mapped("evidence_version"), [1, 1, 1])
        self.assertEqual(logs.mapped("evidence_sequence"), [1, 2, 3], "chained as they are, oldest first")
        self.assertEqual(third.evidence_previous_hash, second.evidence_ledger_hash)
        self.assertEqual(self.Contact._get_ledger_breaks(self.company), [], "the ledger covers the digests")
        self.assertEqual(logs.mapped("evidence_altered_before_upgrade"), [False, True, False])
        self.assertEqual(first.attachment_ids.res_model, self.Contact._name, "attachments frozen, digest kept")

        debtor = first.debtor_id
        params = self.verify(debtor)
        self.assertEqual(params["type"], "danger")
        self.assertIn(f"log #{second.id} ({second.display_name}) was altered before the upgrade", params["message"])
        self.assertNotIn("modified after it was recorded", params["message"])
        self.assertNotIn(f"log #{first.id} (", params["message"])
        self.assertNotIn(f"log #{third.id} (", params["message"])

        dossier = self.env["report.account_credit_recovery.report_dossier"]._get_dossier(debtor)
        self.assertEqual(dossier["altered"], {second.id})
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_dossier", debtor.ids)[0]
            .decode()
        )
        for log in logs:
            line = html.split(log.evidence_hash)[1][:400]
            self.assertIn("· digest version 1", line)
            self.assertEqual("ALTERED before the upgrade" in line, log == second, log.notes)

        # The logs recorded after the upgrade: the current payload, after the former ones.
        fourth = self.log(direction="inbound")
        self.assertEqual((fourth.evidence_version, fourth.evidence_sequence), (EVIDENCE_VERSION, 4))
        self.assertEqual(fourth.evidence_previous_hash, third.evidence_ledger_hash)
        self.assertEqual(self.Contact._get_ledger_breaks(self.company), [])

    @freeze_time(MONDAY_9H_SP)
    def test_an_intact_1_2_0_database_verifies_after_the_upgrade(self):
        logs = self.log() | self.log(notes="Will pay on Friday")
        digests = self.as_sealed_by_release_1_2_0(logs)
        migration("18.0.1.3.0", "end-migration.py")(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual({log.id: log.evidence_hash for log in logs}, digests)
        self.assertFalse(any(logs.mapped("evidence_altered_before_upgrade")))
        params = self.verify(logs[0].debtor_id)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("complete (2 entries)", params["message"])

    @freeze_time(MONDAY_9H_SP)
    def test_a_database_at_1_3_0_keeps_its_ledger_and_payload_2(self):
        """18.0.1.3.0 sealed and chained with payload 2 and stored no version."""
        logs = self.log() | self.log(notes="Will pay on Friday")
        self.env.flush_all()
        before = [(log.evidence_hash, log.evidence_ledger_hash) for log in logs]
        self.env.cr.execute(
            "UPDATE credit_recovery_contact SET evidence_version = NULL WHERE id IN %s", [tuple(logs.ids)]
        )
        migration("18.0.1.4.0", "pre-migration.py")(self.env.cr, "18.0.1.3.0")
        migration("18.0.1.4.0", "end-migration.py")(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(logs.mapped("evidence_version"), [2, 2])
        self.assertEqual([(log.evidence_hash, log.evidence_ledger_hash) for log in logs], before)
        self.assertEqual(self.verify(logs[0].debtor_id)["type"], "success")

    @freeze_time(MONDAY_9H_SP)
    def test_a_database_at_1_3_0_built_before_the_ledger_keeps_its_digests(self):
        """An 18.0.1.3.0 of before the ledger: payload 1, no ledger columns (so the pre-migration
        leaves the logs without a version), and 18.0.1.3.0's end-migration does not run."""
        logs = self.log() | self.log(notes="Will pay on Friday")
        digests = self.as_sealed_by_release_1_2_0(logs)
        migration("18.0.1.4.0", "end-migration.py")(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual({log.id: log.evidence_hash for log in logs}, digests)
        self.assertEqual(logs.mapped("evidence_version"), [1, 1])
        self.assertEqual(logs.mapped("evidence_sequence"), [1, 2])
        self.assertEqual(self.verify(logs[0].debtor_id)["type"], "success")

    @freeze_time(MONDAY_9H_SP)
    def test_each_log_is_verified_with_its_own_version(self):
        contact = self.log(notes="Lost her job")
        self.assertEqual(contact.evidence_version, EVIDENCE_VERSION)
        self.assertEqual(self.verify(contact.debtor_id)["type"], "success")
        # The version is part of the seal: read with another payload, the log no longer matches.
        self.env.cr.execute("UPDATE credit_recovery_contact SET evidence_version = 1 WHERE id = %s", [contact.id])
        self.env.invalidate_all()
        message = self.verify(contact.debtor_id)["message"]
        self.assertIn(f"log #{contact.id} ({contact.display_name}) was modified after it was recorded", message)
