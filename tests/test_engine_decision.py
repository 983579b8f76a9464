"""The message is the decision: what a queued or sent message claims is exactly what the run kept."""

from datetime import date, datetime, timedelta
from urllib.parse import unquote_plus

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditRecoveryCommon

DUE = date(2026, 3, 2)  # a Monday
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)  # 10:00 in São Paulo: 5 business days of grace are over
ALERT_DAY = datetime(2026, 3, 17, 13, 0)


@tagged("post_install", "-at_install")
class TestMessageIsTheDecision(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "email": "maria@example.com",
                "mobile": "+55 11 91234-5678",
                "tz": "America/Sao_Paulo",
                "street": "Rua Augusta 100",
                "city": "São Paulo",
            }
        )

    def run_collection(self, moment):
        Run = self.env["credit.recovery.run"]
        with self.on(moment):
            for _call in range(50):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        return Run.search([("company_id", "=", self.company.id)], limit=1)

    def deliver(self, moment):
        with self.on(moment):
            while self.env["credit.recovery.dispatch"]._deliver_batch()[1]:
                pass

    def messages(self):
        return self.env["credit.recovery.dispatch"].search(
            [("debtor_id.partner_id", "=", self.customer.id)], order="id"
        )

    def test_a_disputed_invoice_is_never_claimed(self):
        disputed = self.create_invoice(700, date(2026, 1, 20), date(2026, 2, 20))
        plain = self.create_invoice(300, date(2026, 2, 1), DUE)
        with self.on(date(2026, 3, 9)):
            disputed._recovery_open_dispute("not_recognised", "Not mine")
        self.run_collection(NOTICE_DAY)
        message = self.messages()
        self.assertEqual(len(message), 1)
        self.assertEqual(message.invoice_ids, plain, "a queued message already lists what it will claim")
        # 300.00 overdue 8 days: fine 2 % 6.00, interest 1 %/month 0.80 (the debtor's claim of the day).
        with self.on(NOTICE_DAY):
            self.assertEqual(message.amount_due, 306.80)
            self.assertIn(plain.name, message.preview_body)
            self.assertNotIn(disputed.name, message.preview_body)
            self.assertIn("306.80", message.preview_sms)
            self.assertNotIn("1,0", message.preview_sms)
        self.assertEqual(message.stage_id, self.stage_notice, "the highest stage among the kept actions")
        self.assertEqual(disputed.recovery_debtor_id.stage_id, self.stage_alert, "the debtor stands higher")
        self.assertIn(self.stage_notice.name, message.display_name)

        self.deliver(NOTICE_DAY)
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.invoice_ids, plain)
        email = message.contact_ids.filtered(lambda log: log.channel == "email").message_id
        self.assertIn(plain.name, email.body)
        self.assertNotIn(disputed.name, email.body)
        sms = self.env["sms.sms"].search([("number", "=", "+5511912345678")])
        self.assertIn("306.80", sms.body)
        self.assertNotIn("1,0", sms.body)
        self.assertEqual(message.amount_due, 306.80, "a sent message keeps what it claimed that day")
        self.assertEqual(message.contact_ids.invoice_ids, plain, "the evidence names what was claimed")

    def test_whatsapp_and_letter_claim_only_what_may_be_claimed(self):
        disputed = self.create_invoice(700, date(2026, 1, 20), date(2026, 2, 20))
        plain = self.create_invoice(300, date(2026, 2, 1), DUE)
        with self.on(date(2026, 3, 9)):
            disputed._recovery_open_dispute("not_recognised", "Not mine")
        self.refresh_on(NOTICE_DAY)
        debtor = plain.recovery_debtor_id
        with self.on(NOTICE_DAY):
            self.assertEqual(debtor.claimable_invoice_ids, plain)
            self.assertEqual(debtor.amount_claimable, 306.80)
            action = self.env["credit.recovery.contact"].with_user(self.agent)._action_whatsapp(debtor)
            letter = self.env["report.account_credit_recovery.report_collection_letter"]._get_report_values(debtor.ids)
        text = unquote_plus(action["url"])
        self.assertIn("306.80", text)
        self.assertNotIn("1,0", text)
        self.assertEqual([debt["invoice"] for debt in letter["dossiers"][debtor.id]["debts"]], [plain])

    def test_a_payment_before_delivery_takes_the_invoice_out_of_the_message(self):
        first = self.create_invoice(300, date(2026, 2, 1), DUE)
        second = self.create_invoice(200, date(2026, 2, 1), DUE)
        self.run_collection(datetime(2026, 3, 10, 0, 30))  # 21:30 local the day before: queued for the morning
        message = self.messages()
        self.assertEqual((message.state, message.invoice_ids), ("queued", first | second))
        with self.on(NOTICE_DAY):  # 500.00 overdue 8 days: fine 10.00, interest 0.80 + 0.53
            self.assertEqual(message.amount_due, 511.33)
        self.pay(second, 200, date(2026, 3, 10))
        self.deliver(NOTICE_DAY)
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.invoice_ids, first)
        self.assertEqual(message.amount_due, 306.80)
        self.assertIn("306.80", self.env["sms.sms"].search([("number", "=", "+5511912345678")]).body)

    def test_each_installment_climbs_its_own_ladder(self):
        three = self.env["account.payment.term"].create(
            {
                "name": "3 monthly installments",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 34.0, "nb_days": 28}),
                    Command.create({"value": "percent", "value_amount": 33.0, "nb_days": 59}),
                    Command.create({"value": "percent", "value_amount": 33.0, "nb_days": 90}),
                ],
            }
        )
        invoice = self.create_invoice(300, date(2026, 2, 2), payment_term=three)
        dues = sorted(set(invoice.line_ids.filtered("date_maturity").mapped("date_maturity")))
        self.assertEqual(dues[:2], [DUE, date(2026, 4, 2)])
        self.run_collection(NOTICE_DAY)
        self.deliver(NOTICE_DAY)
        first = self.messages()
        # The installment of 102.00 overdue 8 days (fine 2.04, interest 0.27); the later ones are not due.
        self.assertEqual((first.stage_id, first.state, first.amount_due), (self.stage_notice, "sent", 104.31))
        self.pay(invoice, 102, date(2026, 3, 12))
        self.assertEqual(invoice.recovery_oldest_due_date, date(2026, 4, 2))

        self.run_collection(datetime(2026, 4, 14, 13, 0))
        second = self.messages() - first
        self.assertEqual(len(second), 1, "the second installment is chased too")
        with self.on(datetime(2026, 4, 14, 13, 0)):  # 99.00 overdue 12 days: fine 1.98, interest 0.40
            self.assertEqual((second.stage_id, second.amount_due), (self.stage_notice, 101.38))
        actions = self.env["credit.recovery.action"].search(
            [("move_id", "=", invoice.id), ("stage_id", "=", self.stage_notice.id)]
        )
        self.assertEqual(sorted(actions.mapped("due_date")), [DUE, date(2026, 4, 2)])

    def test_no_bureau_notice_until_one_went_out(self):
        self.customer.write({"email": False, "street": False, "city": False})
        invoice = self.create_invoice(300, date(2026, 2, 1), DUE)
        self.assertTrue(self.stage_alert.bureau_notice and self.stage_alert.letter_report_id)
        self.run_collection(ALERT_DAY)
        self.deliver(ALERT_DAY)
        debtor = invoice.recovery_debtor_id
        self.assertIn("no postal address", self.messages().note)
        self.assertFalse(debtor.bureau_state, "no e-mail, no letter: no prior notice (CDC art. 43 §2)")
        with self.assertRaisesText(Exception, "prior notice"):
            debtor.with_user(self.manager).action_bureau_listed()

        # With an address the letter is planned, and the notice counts once it is posted.
        self.customer.write({"street": "Rua Augusta 100", "city": "São Paulo"})
        self.create_invoice(100, date(2026, 2, 1), date(2026, 3, 3))
        self.run_collection(datetime(2026, 3, 18, 13, 0))
        self.deliver(datetime(2026, 3, 18, 13, 0))
        letter_type = self.env.ref("account_credit_recovery.activity_type_collection_letter")
        letter = debtor.activity_ids.filtered(lambda activity: activity.activity_type_id == letter_type)
        self.assertEqual(len(letter), 1)
        self.assertFalse(debtor.bureau_state, "planned is not posted")
        with self.on(datetime(2026, 3, 19, 13, 0)):
            letter.with_user(self.agent).action_feedback(feedback="Posted")
        self.assertEqual((debtor.bureau_state, debtor.bureau_notice_date), ("notified", date(2026, 3, 19)))


@tagged("post_install", "-at_install")
class TestRunControl(CreditRecoveryCommon):
    def test_a_stalled_run_is_flagged_and_managers_resume_or_cancel_it(self):
        Run = self.env["credit.recovery.run"]
        cron = self.env.ref("account_credit_recovery.ir_cron_run_collection")
        with self.on(NOTICE_DAY):
            run = Run._start(self.policy, trigger="manual")
            self.assertFalse(run.is_stalled)
        with self.on(NOTICE_DAY + timedelta(hours=2)):
            run.invalidate_recordset()
            self.assertTrue(run.is_stalled)
            self.assertIn(run, Run.search([("is_stalled", "=", True)]))
            self.assertIn("Resume", run.stall_reason)
            with self.assertRaises(AccessError):
                run.with_user(self.agent).action_resume()
            with self.assertRaises(AccessError):
                run.with_user(self.agent).action_cancel()
            triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
            cron.active = False
            run.with_user(self.manager).action_resume()
            self.assertTrue(cron.active, "resuming enables the run cron again")
            self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers)
            run.with_user(self.manager).action_cancel()
        self.assertEqual(run.state, "cancelled")
        self.assertIn(self.manager.name, run.cancel_reason)
        with self.on(NOTICE_DAY + timedelta(hours=3)):
            action = self.policy.with_user(self.manager).action_run_now()
        self.assertEqual(Run.browse(action["res_id"]).state, "refresh", "a cancelled run no longer blocks Run Now")
