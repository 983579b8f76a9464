from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CreditRecoveryCommon

FIRST_DAY = date(2026, 9, 5)
LAST_DAY = date(2026, 10, 24)


@tagged("post_install", "-at_install")
class TestIncrementalState(CreditRecoveryCommon):
    """The daily refresh recomputes only the states whose day came (``next_change_date``) or that
    an event marked stale, and days overdue are computed when read: day after day, what it leaves
    must equal a recomputation of every state from scratch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.tz = "America/Sao_Paulo"
        cls.outcome_promise = cls.env.ref("account_credit_recovery.outcome_promise")
        # Crosses Reminder, Notice, Alert and is paused by a promise that is then broken.
        cls.promised = cls.create_invoice(1000.0, date(2026, 8, 2), date(2026, 9, 1))
        # Two installments: the second falls due (1 October) while the first is overdue.
        cls.split = cls.create_invoice(600.0, date(2026, 9, 1), payment_term=cls.pay_terms_split)
        # Paid in part on 20 September, in full on 5 October.
        cls.paid = cls.create_invoice(400.0, date(2026, 7, 1), date(2026, 7, 31))
        # Not due before 20 September: Reminder, then the post-due stages.
        cls.upcoming = cls.create_invoice(300.0, date(2026, 8, 20), date(2026, 9, 20))
        cls.invoices = cls.promised | cls.split | cls.paid | cls.upcoming

    def _promise(self):
        with freeze_time(datetime(2026, 9, 10, 13, 0)):  # Thursday 10:00 in São Paulo
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.promised.ids)],
                    "channel": "phone",
                    "outcome_id": self.outcome_promise.id,
                    "promise_amount": 1000.0,
                    "promise_date": date(2026, 9, 15),
                }
            )
            self.env.flush_all()

    def _states(self, day):
        """What is read on ``day``: each invoice's state (days overdue computed when read) and the debtor's."""
        self.env.invalidate_all()
        with freeze_time(day):
            invoices = {
                move.id: (
                    move.recovery_stage_id.id,
                    move.recovery_days_overdue,
                    move.recovery_amount_overdue,
                    move.recovery_oldest_due_date,
                    move.recovery_next_action_date,
                )
                for move in self.invoices
            }
            debtor = self.invoices.recovery_debtor_id
            debtors = (
                debtor.stage_id.id,
                debtor.days_overdue,
                debtor.amount_overdue,
                debtor.oldest_due_date,
                debtor.next_action_date,
            )
            # Filters read the same days overdue as the form.
            over_20 = self.env["account.move"].search(
                [("id", "in", self.invoices.ids), ("recovery_days_overdue", ">", 20)]
            )
        self.env.invalidate_all()
        return invoices, debtors, over_20

    def _debtor_days_by_sql(self, day, debtor):
        """The debtor's days overdue on ``day`` as searching and grouping read them (the SQL expression,
        also the one ``_order`` sorts by): the group's maximum, whether a search for exactly that many
        days finds the debtor, and whether a search for more finds nothing."""
        Debtor = self.env["credit.recovery.debtor"]
        with freeze_time(day):
            ((grouped,),) = Debtor._read_group([("id", "=", debtor.id)], [], ["days_overdue:max"])
            found = Debtor.search([("id", "=", debtor.id), ("days_overdue", "=", grouped)])
            later = Debtor.search([("id", "=", debtor.id), ("days_overdue", ">", grouped)])
        return grouped, found == debtor, not later

    def _days_from_scratch(self, day):
        """Days overdue of each invoice by the rule itself (``invoice_state``) from its open installments."""
        with freeze_time(day):
            State = self.env["credit.recovery.invoice"]
            calculate = State._state_calculator(self.company, day)
            installments = self.env["account.move"]._recovery_open_installments(self.invoices.ids)
            return {
                move.id: calculate(
                    self.company.id,
                    installments.get(move.id, []),
                    excluded=False,
                    dispute=False,
                    paused=False,
                    callback=None,
                )
                for move in self.invoices
            }

    def _recomputed_from_scratch(self, day):
        """The states read on ``day`` after every one of them was recomputed (rolled back)."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT from_scratch")
        try:
            self.env.cr.execute(
                "UPDATE credit_recovery_invoice SET refresh_date = NULL, next_change_date = NULL WHERE id = ANY(%s)",
                [self.invoices.recovery_invoice_id.ids],
            )
            # The debtor's stored aggregates too: the refresh computes them again from the states.
            self.env.cr.execute(
                "UPDATE credit_recovery_debtor SET amount_overdue = -1, oldest_due_date = '1900-01-01', "
                "stage_id = NULL, next_action_date = NULL WHERE id = ANY(%s)",
                [self.invoices.recovery_debtor_id.ids],
            )
            self.env.invalidate_all()
            self.refresh_on(day)
            return self._states(day)
        finally:
            self.env.invalidate_all()
            self.env.cr.execute("ROLLBACK TO SAVEPOINT from_scratch")
            self.env.invalidate_all()

    def _debtor_row_version(self):
        """The physical version of the debtor's row: any UPDATE of it (even to equal values) moves it."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT ctid::text FROM credit_recovery_debtor WHERE id = %s", [self.invoices.recovery_debtor_id.id]
        )
        return self.env.cr.fetchone()[0]

    def test_incremental_refresh_equals_full_recomputation_day_after_day(self):
        Promise = self.env["credit.recovery.promise"]
        debtor = self.invoices.recovery_debtor_id
        refreshed = 0
        quiet_days = 0
        stages_seen = set()
        day = FIRST_DAY
        while day <= LAST_DAY:
            if day == date(2026, 9, 10):
                self._promise()
            if day == date(2026, 9, 20):
                self.pay(self.paid, 150.0, day)
            if day == date(2026, 10, 5):
                self.pay(self.paid, 250.0, day)
            with self.on(day):
                Promise._cron_check_promises()
                stale = self.env["account.move"].search_count(self.env["account.move"]._recovery_refresh_domain())
            refreshed += stale
            before = self._debtor_row_version()
            self.refresh_on(day)
            incremental = self._states(day)
            with self.subTest(day=day):
                self.assertEqual(incremental, self._recomputed_from_scratch(day))
                from_scratch = self._days_from_scratch(day)
                self.assertEqual(
                    {move_id: state[1] for move_id, state in incremental[0].items()},
                    {move_id: state.days_overdue for move_id, state in from_scratch.items()},
                )
                # The debtor's days overdue, computed when read: the rule's days of its oldest overdue
                # invoice, and the same through the SQL expression (search, group).
                overdue = [state.days_overdue for state in from_scratch.values() if state.amount_overdue > 0]
                days = max(overdue, default=0)
                self.assertEqual(incremental[1][1], days)
                self.assertEqual(self._debtor_days_by_sql(day, debtor), (days, True, True))
                if not stale:
                    # Nothing of the debtor's changed today: its row is not written, its days grow when read.
                    self.assertEqual(self._debtor_row_version(), before)
                    quiet_days += 1
            stages_seen.update(state[0] for state in incremental[0].values())
            day += timedelta(days=1)
        # The promise paused the invoice, then broke; the stages were crossed on the way.
        self.assertEqual(Promise.search([("debtor_id", "=", self.invoices.recovery_debtor_id.id)]).state, "broken")
        self.assertTrue({self.stage_reminder.id, self.stage_notice.id, self.stage_alert.id} <= stages_seen)
        self.assertFalse(self.paid.recovery_amount_overdue)
        # Incremental: far fewer states recomputed than a daily rewrite of every open one (4 x 50 days).
        self.assertLess(refreshed, len(self.invoices) * 50 / 3)
        self.assertGreater(quiet_days, 10, "days with nothing to refresh, and a debtor with days overdue")
