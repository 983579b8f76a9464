from datetime import date, datetime

from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

# São Paulo is UTC-3 all year: 13:00 UTC is 10:00 local.
DUE = date(2026, 3, 2)  # a Monday
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)  # Tuesday: 5 business days of grace are over
ALERT_DAY = datetime(2026, 3, 17, 13, 0)  # 15 days overdue
SATURDAY_EVENING = datetime(2026, 3, 14, 19, 0)  # 16:00 local: the Saturday window (8 to 14) is closed


@tagged("post_install", "-at_install")
class TestCollectionEngine(CreditRecoveryCommon):
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
        cls.other = cls.env["res.partner"].create(
            {
                "name": "João Souza",
                "email": "joao@example.com",
                "tz": "America/Sao_Paulo",
                "country_id": cls.env.ref("base.br").id,
            }
        )

    def run_collection(self, moment, manual=False):
        """Run the collection cron on ``moment`` until no run is left; returns the company's last run."""
        Run = self.env["credit.recovery.run"]
        with self.on(moment):
            if manual:
                self.policy.with_user(self.manager).action_run_now()
            for _call in range(100):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        domain = [("company_id", "=", self.company.id)]
        return Run.search(domain + ([("trigger", "=", "manual")] if manual else []), limit=1)

    def deliver(self, moment):
        with self.on(moment):
            while self.env["credit.recovery.dispatch"]._deliver_batch()[1]:
                pass

    def dispatches(self, partner=None, stage=None):
        domain = [("debtor_id.partner_id", "=", (partner or self.customer).id)]
        if stage:
            domain.append(("stage_id", "=", stage.id))
        return self.env["credit.recovery.dispatch"].search(domain, order="id")

    def test_stages_over_time_and_once_per_stage(self):
        invoice = self.create_invoice(300, date(2026, 2, 1), DUE)
        # Friday: still in the grace period, the pre-due reminder stage (3 days before) goes out.
        run = self.run_collection(datetime(2026, 3, 6, 13, 0))
        self.assertEqual(invoice.recovery_stage_id, self.stage_reminder)
        self.assertEqual(run.invoice_count, 1)
        reminder = self.dispatches()
        self.assertEqual(reminder.stage_id, self.stage_reminder)
        self.deliver(datetime(2026, 3, 6, 13, 0))
        self.assertEqual((reminder.state, reminder.email_sent, reminder.sms_sent), ("sent", 1, 0))

        run = self.run_collection(NOTICE_DAY)
        self.assertEqual(invoice.recovery_stage_id, self.stage_notice)
        message = self.dispatches(stage=self.stage_notice)
        self.assertEqual((message.state, message.stage_id), ("queued", self.stage_notice))
        self.assertEqual(message.scheduled_at, NOTICE_DAY, "inside the window: due at once")
        self.assertEqual((run.stage_change_count, run.dispatch_count), (1, 1))

        self.deliver(NOTICE_DAY)
        self.assertEqual(message.state, "sent")
        self.assertEqual((message.email_sent, message.sms_sent), (1, 1))
        self.assertEqual(message.invoice_ids, invoice)
        logs = message.contact_ids
        self.assertEqual(sorted(logs.mapped("channel")), ["email", "sms"])
        self.assertTrue(all(logs.mapped("is_automatic")))
        self.assertEqual(set(logs.mapped("delivery_state")), {"sent"})
        self.assertTrue(all(logs.mapped("evidence_hash")))
        self.assertEqual(logs.filtered(lambda log: log.channel == "sms").phone_number, "+5511912345678")
        email = logs.filtered(lambda log: log.channel == "email").message_id
        mails = self.env["mail.mail"].search([("mail_message_id", "=", email.id)])
        self.assertEqual(mails.recipient_ids, self.customer, "queued in Odoo's mail queue")
        sms = self.env["sms.sms"].search([("number", "=", "+5511912345678")])
        self.assertEqual(len(sms), 1, "the SMS is queued in Odoo's SMS queue")
        self.assertIn(invoice.name, email.body)

        # Re-running the same day, again the next day, or delivering again sends nothing more.
        self.run_collection(NOTICE_DAY, manual=True)
        self.run_collection(datetime(2026, 3, 11, 13, 0))
        self.deliver(datetime(2026, 3, 11, 13, 0))
        self.assertEqual(self.dispatches(), reminder | message)
        self.assertEqual(len(self.env["sms.sms"].search([("number", "=", "+5511912345678")])), 1)

        # The alert stage: a new message, a call for the responsible, the credit-bureau prior notice.
        self.run_collection(ALERT_DAY)
        self.deliver(ALERT_DAY)
        alert = self.dispatches(stage=self.stage_alert)
        self.assertEqual((alert.stage_id, alert.state), (self.stage_alert, "sent"))
        debtor = invoice.recovery_debtor_id
        self.assertEqual(debtor.bureau_state, "notified")
        self.assertEqual(debtor.bureau_notice_date, ALERT_DAY.date())
        call = debtor.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.stage_alert.activity_type_id
        )
        self.assertEqual(len(call), 1)
        self.assertEqual(call.user_id, debtor._get_collection_responsible())
        self.assertTrue(debtor.activity_ids.filtered(lambda activity: "letter" in (activity.summary or "").lower()))
        actions = self.env["credit.recovery.action"].search([("move_id", "=", invoice.id)])
        self.assertEqual(sorted(actions.mapped("stage_id.name")), ["Alert", "Notice", "Reminder"])
        self.assertEqual(set(actions.mapped("state")), {"done"})

    def test_next_day_leaves_a_debtor_with_nothing_new_alone(self):
        """The daily cost follows the day's changes (#29): the day after the Notice, nothing of the
        debtor's changes but its days overdue, which are computed when read: the run plans nothing
        for it and does not rewrite its row; on the Alert day it is planned again."""
        invoice = self.create_invoice(300, date(2026, 2, 1), DUE)
        run = self.run_collection(NOTICE_DAY)
        debtor = invoice.recovery_debtor_id
        self.assertEqual((run.debtor_count, debtor.stage_id, debtor.oldest_due_date), (1, self.stage_notice, DUE))
        self.deliver(NOTICE_DAY)

        def row_version():
            self.env.flush_all()
            self.env.cr.execute("SELECT ctid::text FROM credit_recovery_debtor WHERE id = %s", [debtor.id])
            return self.env.cr.fetchone()[0]

        version = row_version()
        run = self.run_collection(datetime(2026, 3, 11, 13, 0))
        self.assertEqual((run.state, run.debtor_count, run.invoice_count), ("done", 0, 0))
        self.assertEqual(row_version(), version, "the debtor's row is not written")
        self.assertEqual(self.days_overdue_on(date(2026, 3, 11), debtor, "days_overdue"), 9)
        self.assertEqual(self.days_overdue_on(date(2026, 3, 16), debtor, "days_overdue"), 14)

        run = self.run_collection(ALERT_DAY)
        self.assertEqual((run.debtor_count, run.dispatch_count, debtor.stage_id), (1, 1, self.stage_alert))
        self.assertEqual(self.dispatches(stage=self.stage_alert).debtor_id, debtor)

    def test_one_message_per_debtor_at_the_highest_stage(self):
        old = self.create_invoice(500, date(2026, 1, 15), date(2026, 2, 20))
        recent = self.create_invoice(200, date(2026, 2, 1), DUE)
        self.run_collection(ALERT_DAY)
        self.assertEqual(old.recovery_stage_id, self.stage_alert)
        self.assertEqual(recent.recovery_stage_id, self.stage_alert)
        later = self.create_invoice(100, date(2026, 2, 5), date(2026, 3, 9))
        self.run_collection(datetime(2026, 3, 18, 13, 0))
        self.deliver(datetime(2026, 3, 18, 13, 0))
        self.assertEqual(later.recovery_stage_id, self.stage_notice)
        messages = self.dispatches()
        self.assertEqual(len(messages), 1, "the new invoice joins the debtor's queued message")
        self.assertEqual(messages.stage_id, self.stage_alert)
        self.assertEqual(messages.invoice_ids, old | recent | later)
        self.assertEqual(messages.email_sent, 1)
        body = messages.contact_ids.filtered(lambda log: log.channel == "email").message_id.body
        for invoice in old | recent | later:
            self.assertIn(invoice.name, body)

    def test_skip_rules(self):
        disputed = self.create_invoice(100, date(2026, 2, 1), DUE, partner=self.other)
        promised = self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(datetime(2026, 3, 9, 13, 0))
        with self.on(datetime(2026, 3, 9, 14, 0)):
            disputed._recovery_open_dispute("already_paid", "Paid in cash at the shop")
            self.env["credit.recovery.contact"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [(6, 0, promised.ids)],
                    "channel": "phone",
                    "direction": "inbound",
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_promise").id,
                    "promise_amount": 100,
                    "promise_date": date(2026, 3, 20),
                }
            )
        reminders = self.dispatches() | self.dispatches(self.other)
        self.assertEqual(
            reminders.stage_id, self.stage_reminder, "queued on Monday, before the dispute and the promise"
        )
        run = self.run_collection(NOTICE_DAY)
        self.assertEqual(promised.recovery_stage_id, self.stage_reminder, "escalation paused by the promise")
        self.assertEqual(disputed.recovery_stage_id, self.stage_reminder, "escalation paused by the dispute")
        self.assertFalse(run.dispatch_count)
        self.assertEqual(self.dispatches() | self.dispatches(self.other), reminders)
        # Checked again at delivery: what was queued before the promise and the dispute is cancelled.
        self.deliver(NOTICE_DAY)
        self.assertEqual(self.dispatches().mapped("cancel_reason"), ["promise"])
        self.assertEqual(self.dispatches(self.other).mapped("cancel_reason"), ["dispute"])
        self.assertFalse(reminders.contact_ids)

        # A do-not-contact debtor reaching a stage: the action is skipped, with its reason.
        third = self.env["res.partner"].create({"name": "Ana Lima", "email": "ana@example.com"})
        stopped = self.create_invoice(100, date(2026, 2, 1), DUE, partner=third)
        third.recovery_do_not_contact = True
        run = self.run_collection(datetime(2026, 3, 11, 13, 0))
        action = self.env["credit.recovery.action"].search([("move_id", "=", stopped.id)])
        self.assertEqual((action.state, action.skip_reason), ("skipped", "do_not_contact"))
        self.assertEqual(action.run_id, run)
        self.assertIn("Do not contact: 1", run.skip_summary)
        self.assertFalse(self.dispatches(third))

    def test_promise_made_after_planning_cancels_the_message(self):
        invoice = self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(SATURDAY_EVENING)
        message = self.dispatches()
        self.assertEqual(message.state, "queued")
        with self.on(datetime(2026, 3, 15, 12, 0)):
            self.env["credit.recovery.contact"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [(6, 0, invoice.ids)],
                    "channel": "phone",
                    "direction": "inbound",
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_promise").id,
                    "promise_amount": 100,
                    "promise_date": date(2026, 3, 20),
                }
            )
        self.deliver(datetime(2026, 3, 16, 11, 0))
        self.assertEqual((message.state, message.cancel_reason), ("cancelled", "promise"))
        self.assertFalse(message.contact_ids)

    def test_window_holiday_and_caps_schedule_the_next_allowed_moment(self):
        self.add_holiday(date(2026, 3, 16))  # Monday
        self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(SATURDAY_EVENING)
        message = self.dispatches()
        # Sunday never, Monday is a holiday: Tuesday 08:00 in São Paulo, 11:00 UTC.
        self.assertEqual(message.scheduled_at, datetime(2026, 3, 17, 11, 0))
        self.deliver(datetime(2026, 3, 16, 13, 0))
        self.assertEqual(message.state, "queued", "not before its moment")
        self.deliver(datetime(2026, 3, 17, 11, 0))
        self.assertEqual(message.state, "sent")

        # The daily cap (1) is used by a call today: tomorrow's window opens next.
        other_invoice = self.create_invoice(100, date(2026, 2, 1), DUE, partner=self.other)
        with self.on(datetime(2026, 3, 11, 12, 0)):
            self.env["credit.recovery.contact"].create(
                {"partner_id": self.other.id, "channel": "phone", "direction": "outbound", "notes": "No answer"}
            )
        self.run_collection(datetime(2026, 3, 11, 13, 0))
        self.assertEqual(other_invoice.recovery_stage_id, self.stage_notice)
        self.assertEqual(self.dispatches(self.other).scheduled_at, datetime(2026, 3, 12, 11, 0))

    def test_opt_outs_and_missing_channels(self):
        self.customer.write({"recovery_optout_email": True, "recovery_optout_sms": True})
        self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(NOTICE_DAY)
        self.deliver(NOTICE_DAY)
        message = self.dispatches()
        self.assertEqual((message.state, message.cancel_reason), ("cancelled", "opt_out"))
        self.assertIn("refused collection e-mails", message.note)
        self.assertFalse(message.contact_ids)

    def test_bounce_marks_the_log_failed_and_flags_the_partner(self):
        self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(NOTICE_DAY)
        self.deliver(NOTICE_DAY)
        log = self.dispatches().contact_ids.filtered(lambda contact: contact.channel == "email")
        self.env["mail.thread"]._routing_handle_bounce(
            False,
            {
                "bounced_email": "maria@example.com",
                "bounced_partner": self.customer,
                "bounced_msg_ids": [log.message_id.message_id],
                "bounced_message": log.message_id,
                "body": "550 Mailbox unavailable",
                "email_from": "MAILER-DAEMON@example.com",
                "to": "bounce@example.com",
                "message_id": "<bounce@example.com>",
            },
        )
        self.assertEqual(log.delivery_state, "failed")
        self.assertIn("550", log.delivery_failure)
        self.assertTrue(self.customer.recovery_email_bounced)
        self.assertFalse(log._get_tampered(), "the delivery status is not part of the sealed evidence")
        # No more e-mails to that address until it changes; the SMS goes on.
        self.run_collection(ALERT_DAY)
        self.deliver(ALERT_DAY)
        alert = self.dispatches()[-1]
        self.assertEqual((alert.email_sent, alert.sms_sent), (0, 1))
        self.customer.email = "maria.silva@example.com"
        self.assertFalse(self.customer.recovery_email_bounced)

    def test_mail_server_failure_is_not_blamed_on_the_customer(self):
        self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(NOTICE_DAY)
        self.deliver(NOTICE_DAY)
        log = self.dispatches().contact_ids.filtered(lambda contact: contact.channel == "email")
        notification = log.message_id.notification_ids.filtered(lambda n: n.res_partner_id == self.customer)
        notification.sudo().write(
            {"notification_status": "exception", "failure_type": "mail_smtp", "failure_reason": "Connection refused"}
        )
        self.assertEqual((log.delivery_state, log.delivery_failure), ("failed", "Connection refused"))
        self.assertFalse(self.customer.recovery_email_bounced, "our mail server failed, not the address")

    def test_sms_failure_flags_the_number(self):
        self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(NOTICE_DAY)
        self.deliver(NOTICE_DAY)
        log = self.dispatches().contact_ids.filtered(lambda contact: contact.channel == "sms")
        sms = self.env["sms.sms"].search([("mail_message_id", "=", log.message_id.id)])
        sms.sudo()._update_sms_state_and_trackers("error", failure_type="sms_number_format")
        self.assertEqual(log.delivery_state, "failed")
        self.assertTrue(self.customer.recovery_sms_failed)

    def test_prescribed_debts_are_never_contacted(self):
        invoice = self.create_invoice(100, date(2020, 12, 1), date(2021, 1, 4))
        self.run_collection(datetime(2026, 1, 6, 13, 0))
        self.assertEqual(invoice.recovery_stage_id, self.stage_legal)
        action = self.env["credit.recovery.action"].search([("move_id", "=", invoice.id)])
        self.assertEqual((action.state, action.skip_reason), ("skipped", "prescribed"))
        self.assertFalse(self.dispatches())

    def test_bureau_removal_deadline_after_full_payment(self):
        invoice = self.create_invoice(100, date(2026, 2, 1), DUE)
        self.run_collection(ALERT_DAY)
        self.deliver(ALERT_DAY)
        debtor = invoice.recovery_debtor_id
        with self.on(ALERT_DAY):
            debtor.with_user(self.manager).action_bureau_listed()
        self.assertEqual(debtor.bureau_state, "listed")
        self.pay(invoice, 100, date(2026, 3, 19))  # Thursday
        self.run_collection(datetime(2026, 3, 19, 13, 0))
        self.assertEqual(debtor.bureau_state, "removal_requested")
        self.assertEqual(debtor.bureau_removal_deadline, date(2026, 3, 26), "5 business days (STJ Súmula 548)")
        removal = debtor.activity_ids.filtered(
            lambda activity: (
                activity.activity_type_id == self.env.ref("account_credit_recovery.activity_type_bureau_removal")
            )
        )
        self.assertEqual(removal.date_deadline, date(2026, 3, 26))
        with self.on(date(2026, 3, 27)):
            self.assertTrue(debtor.bureau_removal_late)
            self.assertIn(debtor, debtor.search([("bureau_removal_late", "=", True)]))
            debtor.with_user(self.manager).action_bureau_removed()
        self.assertEqual(debtor.bureau_state, "removed")
        self.assertFalse(debtor.bureau_removal_late)

    def test_an_interrupted_run_resumes_without_duplicates(self):
        for day in (20, 21, 22, 23):
            self.create_invoice(100, date(2026, 1, day), DUE, partner=self.other)
        invoices = self.create_invoice(100, date(2026, 2, 1), DUE)
        Run = self.env["credit.recovery.run"]
        with self.on(NOTICE_DAY):
            run = Run._start(self.policy)
            Move = self.env["account.move"]
            done, remaining = Move._recovery_refresh_batch(limit=2, companies=self.company)
            self.assertEqual(done, 2)
            self.assertTrue(remaining, "a full batch: the cron calls again")
            # The worker dies here: its next batches never happen. The cron resumes the run.
        self.run_collection(NOTICE_DAY)
        self.assertEqual(run.state, "done")
        self.assertEqual(invoices.recovery_stage_id, self.stage_notice)
        self.assertEqual(len(self.dispatches(self.other)), 1)
        self.assertEqual(len(self.dispatches()), 1)
        actions = self.env["credit.recovery.action"].search(
            [("debtor_id.partner_id", "in", (self.customer | self.other).ids)]
        )
        self.assertEqual(len(actions), 5)

    def test_run_now_is_for_managers_and_shows_its_results(self):
        self.create_invoice(100, date(2026, 2, 1), DUE)
        with self.assertRaisesText(Exception, "Only a Collection Manager"):
            self.policy.with_user(self.agent).action_run_now()
        run = self.run_collection(NOTICE_DAY, manual=True)
        self.assertEqual(run.trigger, "manual")
        form = Form(run.with_user(self.agent))
        self.assertEqual(form.dispatch_count, 1)
        self.assertEqual(form.invoice_count, 1)
        self.assertEqual(form.state, "done")


@tagged("post_install", "-at_install")
class TestCollectionEngineMultiCompany(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]

    def test_each_company_runs_its_own_policy(self):
        self.customer.email = "maria@example.com"
        mine = self.create_invoice(100, date(2026, 2, 1), DUE)
        theirs = self.create_invoice(100, date(2026, 2, 1), DUE, company=self.company_2)
        policy_2 = self.env["credit.recovery.policy"].search([("company_id", "=", self.company_2.id)])
        policy_2.grace_days = 10
        with self.on(NOTICE_DAY):
            Run = self.env["credit.recovery.run"]
            for _call in range(50):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        self.assertEqual(mine.recovery_stage_id.policy_id, self.policy)
        self.assertEqual(theirs.recovery_stage_id.policy_id, policy_2)
        self.assertEqual(theirs.recovery_stage_id.trigger_days, -3, "its grace period of 10 business days runs")
        runs = self.env["credit.recovery.run"].search([("company_id", "in", (self.company | self.company_2).ids)])
        self.assertEqual(set(runs.mapped("company_id")), {self.company, self.company_2})
        dispatches = self.env["credit.recovery.dispatch"].search([("debtor_id.partner_id", "=", self.customer.id)])
        for dispatch in dispatches:
            self.assertEqual(dispatch.stage_id.policy_id.company_id, dispatch.company_id)
            self.assertEqual(dispatch.debtor_id.company_id, dispatch.company_id)
        self.assertEqual(dispatches.filtered(lambda d: d.company_id == self.company_2).stage_id.trigger_days, -3)
        self.assertEqual(mine.recovery_debtor_id.company_id, self.company)
        self.assertNotEqual(mine.recovery_debtor_id, theirs.recovery_debtor_id)
