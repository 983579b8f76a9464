from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

DUE = date(2026, 4, 17)  # a Friday; Tuesday 21 April is a holiday in these tests


@tagged("post_install", "-at_install")
class TestInvoiceCollectionState(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.add_holiday(date(2026, 4, 21))

    def test_not_yet_due_invoice_has_no_stage_until_reminder(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 4, 13))
        self.assertFalse(invoice.recovery_stage_id)
        self.assertEqual(self.days_overdue_on(date(2026, 4, 13), invoice), 0)
        self.assertEqual(invoice.recovery_next_action_date, date(2026, 4, 14))
        self.refresh_on(date(2026, 4, 14))
        self.assertEqual(invoice.recovery_stage_id, self.stage_reminder)
        self.assertEqual(invoice.recovery_amount_overdue, 0.0)

    def test_grace_counts_business_days_across_holiday(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        # 5 business days after Friday 17: Mon 20, Wed 22, Thu 23, Fri 24, Mon 27 (Tue 21 is a holiday).
        self.refresh_on(date(2026, 4, 27))
        self.assertEqual(invoice.recovery_stage_id, self.stage_reminder)
        self.assertEqual(self.days_overdue_on(date(2026, 4, 27), invoice), 10)
        self.assertEqual(invoice.recovery_next_action_date, date(2026, 4, 28))
        self.refresh_on(date(2026, 4, 28))
        self.assertEqual(invoice.recovery_stage_id, self.stage_notice)

    def test_grace_without_the_holiday_ends_a_day_earlier(self):
        self.env["resource.calendar.leaves"].search([("calendar_id", "=", self.calendar.id)]).unlink()
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 4, 25))
        self.assertEqual(invoice.recovery_stage_id, self.stage_notice)

    def test_stage_boundaries_day_before_and_on_trigger(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        expectations = [
            (date(2026, 5, 1), self.stage_notice, 14),
            (date(2026, 5, 2), self.stage_alert, 15),
            (date(2026, 6, 15), self.stage_alert, 59),
            (date(2026, 6, 16), self.stage_legal, 60),
        ]
        for day, stage, days in expectations:
            with self.subTest(day=day):
                self.refresh_on(day)
                self.assertEqual(invoice.recovery_stage_id, stage)
                self.assertEqual(self.days_overdue_on(day, invoice), days)
                self.assertEqual(invoice.recovery_amount_overdue, 500.0)

    def test_installments_and_partial_payments(self):
        invoice = self.create_invoice(1000.0, date(2026, 3, 2), payment_term=self.pay_terms_split)
        dues = sorted(
            invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable").mapped("date_maturity")
        )
        self.assertEqual(dues, [date(2026, 3, 2), date(2026, 4, 1)])
        self.assertEqual(invoice.invoice_date_due, date(2026, 4, 1))

        self.refresh_on(date(2026, 3, 12))
        self.assertEqual(
            self.days_overdue_on(date(2026, 3, 12), invoice), 10, "counted from the first unpaid installment"
        )
        self.assertEqual(invoice.recovery_amount_overdue, 300.0, "only the installment past due")
        self.assertEqual(invoice.recovery_oldest_due_date, date(2026, 3, 2))

        self.pay(invoice, 300.0, date(2026, 3, 12))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.recovery_amount_overdue, 0.0)
        self.assertEqual(self.days_overdue_on(date(2026, 3, 12), invoice), 0)
        self.assertEqual(invoice.recovery_oldest_due_date, date(2026, 4, 1))
        self.assertFalse(invoice.recovery_stage_id)

        self.pay(invoice, 100.0, date(2026, 4, 5))
        self.refresh_on(date(2026, 4, 6))
        self.assertEqual(invoice.recovery_amount_overdue, 600.0)
        self.assertEqual(self.days_overdue_on(date(2026, 4, 6), invoice), 5)

        self.pay(invoice, 600.0, date(2026, 4, 7))
        self.assertEqual(invoice.recovery_amount_overdue, 0.0)
        self.assertFalse(invoice.recovery_stage_id)
        self.assertFalse(invoice.recovery_oldest_due_date)

    def test_payment_updates_state_without_waiting_for_the_cron(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 5, 10))
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)
        self.pay(invoice, 500.0, date(2026, 5, 10))
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(invoice.recovery_stage_id)
        self.assertEqual(invoice.recovery_amount_overdue, 0.0)

    def test_amount_below_tolerance_is_ignored(self):
        self.policy.tolerance_amount = 5.0
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.pay(invoice, 496.0, date(2026, 4, 1))
        self.refresh_on(date(2026, 5, 10))
        self.assertEqual(invoice.recovery_amount_overdue, 0.0)
        self.assertFalse(invoice.recovery_stage_id)
        with self.on(date(2026, 5, 11)):
            self.policy.tolerance_amount = 4.0
        self.refresh_on(date(2026, 5, 11))
        self.assertEqual(invoice.recovery_amount_overdue, 4.0)
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)

    def test_excluded_invoice_has_no_stage(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 5, 10))
        with self.on(date(2026, 5, 10)):
            action = invoice.with_user(self.manager).action_recovery_exclude()
            wizard = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
            wizard.reason = "Customer in judicial recovery"
            wizard.save().action_confirm()
        self.assertTrue(invoice.recovery_excluded)
        self.assertEqual(invoice.recovery_exclusion_reason, "Customer in judicial recovery")
        self.assertFalse(invoice.recovery_stage_id)
        self.assertEqual(invoice.recovery_amount_overdue, 500.0, "the debt itself stays visible")
        with self.on(date(2026, 5, 10)):
            invoice.with_user(self.manager).action_recovery_include()
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)

    def test_refresh_batches_resume_where_they_stopped(self):
        invoices = self.create_invoice(100.0, date(2026, 3, 18), DUE) | self.create_invoice(
            200.0, date(2026, 3, 18), DUE
        )
        Move = self.env["account.move"]
        with freeze_time(date(2026, 5, 10)):
            stale = Move.search_count(Move._recovery_refresh_domain())
            self.assertGreaterEqual(stale, 2)
            done, remaining = Move._recovery_refresh_batch(limit=1)
            self.assertEqual((done, remaining), (1, stale - 1))
            while remaining:
                done, remaining = Move._recovery_refresh_batch(limit=1)
            self.assertEqual(Move.search_count(Move._recovery_refresh_domain()), 0)
        self.env.invalidate_all()
        self.assertEqual(self.days_overdue_on(date(2026, 5, 10), invoices), [23, 23])

    def test_configuration_change_schedules_a_refresh(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 5, 10))
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)
        with self.on(date(2026, 5, 10)):
            self.stage_alert.trigger_days = 30
        self.assertFalse(invoice.recovery_refresh_date)
        self.refresh_on(date(2026, 5, 10))
        self.assertEqual(invoice.recovery_stage_id, self.stage_notice)

    def test_state_record_created_at_posting_and_kept(self):
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        state = invoice.recovery_invoice_id
        self.assertTrue(state, "posting creates the invoice's collection state")
        self.assertEqual((state.move_id, state.company_id), (invoice, invoice.company_id))
        self.refresh_on(date(2026, 5, 10))
        self.assertEqual(state.stage_id, self.stage_alert)
        with self.on(date(2026, 5, 10)):
            invoice.button_draft()
            self.env.flush_all()
        self.assertEqual(invoice.recovery_invoice_id, state, "reset to draft keeps the record")
        self.assertFalse(invoice.recovery_stage_id, "a draft is not in collection")
        self.assertFalse(invoice.recovery_amount_overdue)
        with self.on(date(2026, 5, 10)):
            invoice.action_post()
            self.env.flush_all()
        self.assertEqual(invoice.recovery_invoice_id, state, "posting again reuses it")
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)
        self.assertEqual(self.env["credit.recovery.invoice"].search_count([("move_id", "=", invoice.id)]), 1)

    def test_invoice_list_searches_sorts_and_groups_by_collection_state(self):
        """The state is stored apart from account_move: the invoice list must still filter,
        sort and group by it (related fields read through the state table)."""
        old = self.create_invoice(300.0, date(2026, 2, 1), date(2026, 3, 2))
        recent = self.create_invoice(200.0, date(2026, 3, 18), DUE)
        self.refresh_on(date(2026, 5, 10))
        Move = self.env["account.move"].with_user(self.agent)
        mine = [("id", "in", (old | recent).ids)]
        with freeze_time(date(2026, 5, 10)):  # days overdue are computed when read: on that day
            self.assertEqual(Move.search([*mine, ("recovery_days_overdue", ">", 30)]), old)
            self.assertEqual(Move.search([*mine, ("recovery_days_overdue", "<=", 23)]), recent)
            self.assertEqual(Move.search(mine, order="recovery_days_overdue desc").ids, [old.id, recent.id])
            days = dict(Move._read_group(mine, ["recovery_days_overdue"], ["__count"]))
            self.assertEqual(days, {69: 1, 23: 1}, "grouped by days overdue, computed on the day")
        self.assertEqual(Move.search([*mine, ("recovery_stage_id", "=", self.stage_alert.id)]), recent)
        groups = dict(Move._read_group(mine, ["recovery_stage_id"], ["recovery_amount_overdue:sum"]))
        self.assertEqual(groups, {old.recovery_stage_id: 300.0, self.stage_alert: 200.0})
        self.assertNotEqual(old.recovery_stage_id, self.stage_alert)

    def test_install_creates_states_of_existing_invoices(self):
        """Invoices posted before the addon was installed get their state from the install hook."""
        invoice = self.create_invoice(500.0, date(2026, 3, 18), DUE)
        state = invoice.recovery_invoice_id
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET recovery_invoice_id = NULL WHERE id = %s", [invoice.id])
        self.env.cr.execute("DELETE FROM credit_recovery_invoice WHERE id = %s", [state.id])
        self.env.invalidate_all()
        self.assertFalse(invoice.recovery_invoice_id)
        with self.on(date(2026, 5, 10)):
            self.env["account.move"]._recovery_init_states()
            self.assertIn(invoice, self.env["account.move"].search(self.env["account.move"]._recovery_refresh_domain()))
        self.refresh_on(date(2026, 5, 10))
        self.assertTrue(invoice.recovery_invoice_id)
        self.assertEqual(invoice.recovery_stage_id, self.stage_alert)
        self.assertEqual(self.days_overdue_on(date(2026, 5, 10), invoice), 23)
