from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

DUE = date(2026, 9, 1)


@tagged("post_install", "-at_install")
class TestPromisesAndDisputes(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.tz = "America/Sao_Paulo"
        cls.invoice = cls.create_invoice(1000.0, date(2026, 8, 2), DUE)
        cls.outcome_promise = cls.env.ref("account_credit_recovery.outcome_promise")

    def promise_by_phone(self, amount, promise_date, moment=datetime(2026, 9, 10, 13, 0), invoices=None):
        """An agent logs a call in which the customer promises to pay (Thursday 10:00 in São Paulo)."""
        with freeze_time(moment):
            contact = (
                self.env["credit.recovery.contact"]
                .with_user(self.agent)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "invoice_ids": [Command.set((invoices or self.invoice).ids)],
                        "channel": "phone",
                        "outcome_id": self.outcome_promise.id,
                        "promise_amount": amount,
                        "promise_date": promise_date,
                    }
                )
            )
            self.env.flush_all()
        return contact.debtor_id.promise_ids.filtered(lambda promise: promise.contact_id == contact)

    def test_promise_kept_with_partial_payments_and_tolerance(self):
        promise = self.promise_by_phone(600.0, date(2026, 9, 15))
        self.assertEqual((promise.state, promise.amount, promise.residual_at_promise), ("open", 600.0, 1000.0))
        self.assertEqual(promise.deadline, date(2026, 9, 17), "two tolerance days by default")
        self.pay(self.invoice, 250.0, date(2026, 9, 14))
        self.pay(self.invoice, 350.0, date(2026, 9, 17))  # within the tolerance
        with self.on(date(2026, 9, 17)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.kept_rate, 100)
        self.assertFalse(self.invoice.recovery_paused_since)

    def test_promise_broken_after_the_tolerance(self):
        promise = self.promise_by_phone(600.0, date(2026, 9, 15))
        self.pay(self.invoice, 200.0, date(2026, 9, 15))
        with self.on(date(2026, 9, 17)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "open", "still within the tolerance")
        with self.on(date(2026, 9, 18)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.kept_rate, 0)
        debtor = promise.debtor_id
        self.assertEqual(debtor.broken_commitments, 1)
        self.assertEqual(debtor.profile_id, self.env.ref("account_credit_recovery.profile_recurrent"))
        activity = debtor.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("account_credit_recovery.activity_type_broken_promise")
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("Promise broken", debtor.message_ids[0].body)

    def test_daily_check_goes_through_every_open_promise_in_batches(self):
        second_invoice = self.create_invoice(500.0, date(2026, 8, 2), DUE)
        first = self.promise_by_phone(100.0, date(2026, 9, 30))
        second = self.promise_by_phone(
            100.0, date(2026, 9, 30), moment=datetime(2026, 9, 11, 13, 0), invoices=second_invoice
        )
        Promise = self.env["credit.recovery.promise"]
        with self.on(date(2026, 9, 20)):
            Promise._cron_check_promises(limit=1)
            Promise._cron_check_promises(limit=1)
        self.assertEqual((first | second).mapped("checked_date"), [date(2026, 9, 20)] * 2)
        self.assertEqual((first | second).mapped("state"), ["open", "open"])
        with self.on(date(2026, 10, 5)):
            Promise._cron_check_promises(limit=1)
            Promise._cron_check_promises(limit=1)
        self.assertEqual((first | second).mapped("state"), ["broken", "broken"])

    def test_escalation_pauses_while_a_promise_is_open(self):
        self.refresh_on(date(2026, 9, 10))
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_notice)
        promise = self.promise_by_phone(1000.0, date(2026, 10, 20))
        self.assertEqual(self.invoice.recovery_paused_since, date(2026, 9, 10))
        self.refresh_on(date(2026, 10, 1))  # 30 days overdue: Alert without the promise
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_notice)
        self.assertEqual(self.days_overdue_on(date(2026, 10, 1), self.invoice), 30)
        self.assertEqual(self.invoice.recovery_next_action_date, date(2026, 10, 20), "the promised date")
        with self.on(date(2026, 10, 23)):
            self.env["credit.recovery.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "broken")
        self.refresh_on(date(2026, 10, 23))
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_alert)

    def test_next_action_follows_the_promise_and_the_note_says_it(self):
        self.refresh_on(date(2026, 9, 10))
        self.assertLess(
            self.invoice.recovery_next_action_date, date(2026, 9, 25), "next stage (Alert), before the promise"
        )
        promise = self.promise_by_phone(600.0, date(2026, 9, 25))
        self.assertEqual(self.invoice.recovery_next_action_date, date(2026, 9, 25))
        self.assertEqual(promise.debtor_id.next_action_date, date(2026, 9, 25))
        self.refresh_on(date(2026, 9, 11))
        self.assertEqual(self.invoice.recovery_next_action_date, date(2026, 9, 25), "the daily refresh agrees")
        note = promise.debtor_id.message_ids.filtered(lambda message: "Promised" in (message.body or ""))[:1]
        self.assertIn("600.00", note.body)
        self.assertIn("09/25/2026", note.body)

    def test_promise_bad_input_is_refused(self):
        other_customer = self.env["res.partner"].create({"name": "Outro Cliente"})
        other_invoice = self.create_invoice(50.0, date(2026, 8, 2), DUE, partner=other_customer)
        cases = [
            (600.0, date(2026, 9, 9), None, "in the past"),
            (0.0, date(2026, 9, 15), None, "amount and the date"),
            (-10.0, date(2026, 9, 15), None, "more than zero"),
            (1500.0, date(2026, 9, 15), None, "more than the open amount"),
            # The log itself refuses another customer's invoice now (issue 12), before the promise does.
            (100.0, date(2026, 9, 15), self.invoice | other_invoice, "is not an invoice of"),
        ]
        for amount, promise_date, invoices, message in cases:
            with self.subTest(message=message), self.assertRaisesText(ValidationError, message):
                self.promise_by_phone(amount, promise_date, invoices=invoices)
        with self.assertRaisesText(ValidationError, "amount and the date"), freeze_time(datetime(2026, 9, 10, 13)):
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {"partner_id": self.customer.id, "outcome_id": self.outcome_promise.id}
            )

    def test_dispute_pauses_then_valid_stops_collection(self):
        self.refresh_on(date(2026, 9, 10))
        with self.on(date(2026, 9, 10)):
            action = self.invoice.with_user(self.agent).action_recovery_dispute()
            wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
            wizard.kind = "already_paid"
            wizard.note = "Paid in cash at the store on 30/08, has the receipt"
            wizard.save().action_confirm()
        self.assertEqual(self.invoice.recovery_dispute_state, "open")
        self.assertEqual(self.invoice.recovery_paused_since, date(2026, 9, 10))
        review = self.invoice.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("account_credit_recovery.activity_type_dispute_review")
        )
        self.assertEqual(len(review), 1)
        self.refresh_on(date(2026, 10, 20))
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_notice, "no escalation while disputed")

        resolve = self.invoice.action_recovery_resolve_dispute()
        with self.assertRaises(AccessError):
            self.env[resolve["res_model"]].with_user(self.agent).with_context(**resolve["context"]).create(
                {"decision": "valid", "note": "x"}
            ).action_confirm()
        with self.on(date(2026, 10, 20)):
            wizard = Form(self.env[resolve["res_model"]].with_user(self.manager).with_context(**resolve["context"]))
            wizard.decision = "valid"
            wizard.note = "Receipt checked: the payment was not recorded"
            wizard.save().action_confirm()
        self.assertEqual(self.invoice.recovery_dispute_state, "valid")
        self.assertFalse(self.invoice.recovery_stage_id, "never keep charging a valid dispute")
        self.assertIn("credit note", self.invoice.message_ids[0].body)
        self.assertFalse(
            self.invoice.activity_ids.filtered(lambda act: act.activity_type_id == review.activity_type_id)
        )

    def test_rejected_dispute_resumes_collection(self):
        with freeze_time(datetime(2026, 9, 10, 13, 0)):
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_dispute").id,
                    "notes": "Says he never bought this",
                }
            )
            self.env.flush_all()
        self.assertEqual(self.invoice.recovery_dispute_state, "open")
        self.assertEqual(self.invoice.recovery_dispute_kind, "not_recognised")
        with self.on(date(2026, 10, 1)):
            self.env["credit.recovery.dispute"].with_user(self.manager).create(
                {"mode": "resolve", "move_ids": self.invoice.ids, "decision": "invalid", "note": "Signed delivery note"}
            ).action_confirm()
        self.refresh_on(date(2026, 10, 1))
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_alert)
        self.assertFalse(self.invoice.recovery_paused_since)
