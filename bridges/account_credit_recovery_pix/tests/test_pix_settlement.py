"""A PIX paid at the (simulated) PSP and notified: collection reacts at once, as if a person had
registered the payment (once the settlement cron the webhook triggers has run); a refund gives the
debt back and collection resumes."""

import json
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import PixCollectionCommon


@tagged("post_install", "-at_install")
class TestPixSettlement(PixCollectionCommon):
    def notify(self, e2eid):
        """The PSP's notification of the PIX ``e2eid`` to the provider's webhook handling (which
        confirms it at the PSP with ``GET /pix/{e2eid}`` before it registers anything)."""
        raw = json.dumps({"pix": [self.psp.received[e2eid]]}).encode()
        status, message = self.provider.sudo()._pix_handle_notification(raw, source="webhook")
        self.assertEqual(status, 200, message)
        # Recorded and answered; the settlement cron, triggered, makes the payment: run it.
        self.env["payment.pix.received"]._cron_pix_settle()
        self.env.invalidate_all()

    def pay_pix(self, code, amount=None):
        """The debtor pays the dynamic charge of ``code`` at the PSP (its amount unless ``amount``)."""
        charge = self.at_psp(code)
        self.assertTrue(charge, "a dynamic charge")
        return self.psp.pay(charge["txid"], amount=amount, notify=False)

    def logs(self):
        return self.env["credit.recovery.contact"].search([("debtor_id", "=", self.debtor.id), ("channel", "=", "pix")])

    def thanks(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "credit.recovery.debtor"),
                ("res_id", "=", self.debtor.id),
                ("subject", "like", "payment received, thank you"),
            ]
        )

    def test_paid_by_pix_collection_reacts_at_once(self):
        promise = (
            self.env["credit.recovery.promise"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "debtor_id": self.debtor.id,
                    "invoice_ids": [Command.set(self.long_overdue.ids)],
                    "amount": 433.0,
                    "residual_at_promise": 433.0,
                    "date": self.today + timedelta(days=3),
                    "deadline": self.today + timedelta(days=5),
                }
            )
        )
        self.env["account.move"]._cron_refresh_recovery_state()
        message = self.queued_message(self.overdue)
        values = self.page_values()

        # The promised invoice paid by its own code: reconciled, the promise kept now.
        e2eid = self.pay_pix(self.row_of(values, self.long_overdue)["pix"])
        self.notify(e2eid)
        self.assertIn(self.long_overdue.payment_state, ("paid", "in_payment"))
        self.assertEqual(promise.state, "kept")
        self.assertEqual(message.state, "queued", "the message claims another invoice, still due")
        log = self.logs()
        self.assertEqual(len(log), 1)
        self.assertEqual((log.direction, log.state), ("inbound", "logged"))
        self.assertIn(e2eid, log.notes)
        self.assertTrue(log.evidence_hash, "sealed, in the evidence chain")
        self.assertFalse(self.thanks(), "something is still overdue")

        # The total claimed today paid: the message is withdrawn, the debt settled, thanked once.
        values = self.page_values()
        e2eid = self.pay_pix(values["pix_total"])
        for _time in range(3):  # the same notification three times
            self.notify(e2eid)
        self.assertIn(self.overdue.payment_state, ("paid", "in_payment"))
        self.assertEqual(message.state, "cancelled")
        self.assertEqual(len(self.logs()), 2)
        self.assertEqual(self.debtor.amount_overdue, 0.0)
        self.assertEqual(len(self.thanks()), 1)
        charge = self.charges(key=f"debtor-{self.debtor.id}")
        self.assertEqual(charge.state, "paid")
        # Its dossier lists the payment among the contacts.
        dossier = self.env["report.account_credit_recovery.report_dossier"]._get_dossier(self.debtor)
        self.assertIn(e2eid, str(dossier))

    def test_the_agreement_s_last_installment_paid_by_pix_the_agreement_is_done(self):
        agreement = self.accept_occasional_3x()
        lines = agreement.line_ids.sorted(lambda line: (line.date_due, line.sequence))
        for line in lines[:-1]:
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=line.move_line_id.ids
            ).create({"payment_date": self.today, "amount": line.amount_residual})._create_payments()
        agreement.invalidate_recordset(["portal_pix_code"])
        code = agreement.with_context(recovery_pix_charge=True).portal_pix_code
        self.notify(self.pay_pix(code))
        self.assertTrue(lines[-1].paid)
        self.assertEqual(agreement.state, "done", "at once, not at the next daily check")
        self.assertFalse(self.thanks(), "the agreement's own thank-you, not a second one")

    def test_a_refund_gives_the_debt_back_and_collection_resumes(self):
        values = self.page_values()
        e2eid = self.pay_pix(values["pix_total"])
        self.notify(e2eid)
        self.assertEqual(self.debtor.amount_overdue, 0.0)
        amount = self.psp.received[e2eid]["valor"]
        self.psp.refund_received(e2eid, amount, notify=False)
        self.notify(e2eid)
        self.assertEqual(self.overdue.payment_state, "not_paid")
        self.assertGreater(self.debtor.amount_overdue, 0.0, "due again, today")
        refunded = self.logs().filtered(lambda log: "refunded" in (log.notes or ""))
        self.assertEqual(len(refunded), 1)
        self.assertTrue(refunded.evidence_hash)
        # Collection claims it again: the page has a new total to pay.
        self.assertGreater(self.page_values()["total"], 0.0)
