"""First-payment default and vintage curves, computed by hand on a small ledger.

The two reports are SQL views on PostgreSQL's own clock (``CURRENT_DATE``): the ledger is built
around the real today, not a frozen one.
"""

from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditRecoveryCommon

TODAY = date.today()
ISSUED = TODAY - timedelta(days=200)
DUE = ISSUED + timedelta(days=30)


@tagged("post_install", "-at_install")
class TestCreditQuality(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.joao, cls.ana, cls.cash_customer = cls.env["res.partner"].create(
            [{"name": "João Souza"}, {"name": "Ana Lima"}, {"name": "Carlos Pereira"}]
        )
        # Never paid: a first-payment default at 30, 60 and 90 days.
        cls.never = cls.create_invoice(1000.0, ISSUED, DUE)
        # Paid before its due date.
        cls.on_time = cls.create_invoice(1000.0, ISSUED, DUE, partner=cls.joao)
        cls.pay(cls.on_time, 1000.0, DUE - timedelta(days=5))
        # Paid 40 days late: a default at 30 days, not at 60.
        cls.late = cls.create_invoice(1000.0, ISSUED, DUE, partner=cls.ana)
        cls.paid_late_on = DUE + timedelta(days=40)
        cls.pay(cls.late, 1000.0, cls.paid_late_on)
        # A cash sale (due on its own day) is no credit sale; a recent one is not due yet.
        cls.cash = cls.create_invoice(500.0, ISSUED, ISSUED, partner=cls.cash_customer)
        cls.recent = cls.create_invoice(700.0, TODAY - timedelta(days=10), TODAY + timedelta(days=20))
        cls.env.flush_all()

    def _rows(self):
        return self.env["credit.recovery.first.payment"].search([("company_id", "=", self.company.id)])

    def test_first_payment_of_each_credit_sale(self):
        rows = {row.move_id: row for row in self._rows()}
        self.assertEqual(
            set(rows), {self.never, self.on_time, self.late, self.recent}, "the cash sale is no credit sale"
        )
        expected = {
            self.never: ("unpaid", False, (TODAY - DUE).days),
            self.on_time: ("on_time", DUE - timedelta(days=5), 0),
            self.late: ("late", self.paid_late_on, 40),
            self.recent: ("not_due", False, 0),
        }
        for move, (state, paid_on, days_late) in expected.items():
            self.assertEqual((rows[move].state, rows[move].paid_on, rows[move].days_late), (state, paid_on, days_late))
            self.assertEqual(move.recovery_first_payment, state)
        self.assertFalse(self.cash.recovery_first_payment)

    def test_fpd_rates_count_only_the_sales_whose_day_has_come(self):
        # FPD 30: never (100), on time (0), late (100); the recent sale cannot tell yet (not 0).
        Report = self.env["credit.recovery.first.payment"]
        [(fpd30, fpd60, fpd90, count)] = Report._read_group(
            [("company_id", "=", self.company.id)], [], ["fpd30:avg", "fpd60:avg", "fpd90:avg", "sale_count:sum"]
        )
        self.assertAlmostEqual(fpd30, 200 / 3, places=6)
        self.assertAlmostEqual(fpd60, 100 / 3, places=6)
        self.assertAlmostEqual(fpd90, 100 / 3, places=6)
        self.assertEqual(count, 4)

    def test_vintage_curve_by_hand(self):
        rows = self.env["credit.recovery.vintage"].search(
            [("company_id", "=", self.company.id), ("sale_month", "=", ISSUED.replace(day=1))]
        )
        months = (TODAY.year - ISSUED.year) * 12 + TODAY.month - ISSUED.month
        self.assertEqual(len(rows), 3 * (months + 1), "one row per month on book and threshold")
        for row in rows:
            limit = row.observed_on - timedelta(days=int(row.threshold))
            # What was sold on credit that month: three sales of 1000 (the cash sale is not).
            self.assertEqual(row.amount_sold, 3000.0)
            overdue = 0.0
            if limit > DUE:
                overdue += 1000.0  # never paid
                if row.observed_on < self.paid_late_on:
                    overdue += 1000.0  # not yet paid
            self.assertAlmostEqual(row.amount_overdue, overdue, places=2, msg=f"{row.threshold} on {row.observed_on}")
            self.assertAlmostEqual(row.rate, round(100 * overdue / 3000, 1), places=1)
        self.assertEqual(max(rows.mapped("observed_on")), TODAY)

    def test_possible_fraud_flag_for_a_manager_to_judge(self):
        Debtor = self.env["credit.recovery.debtor"]
        flagged = Debtor._recovery_flag_first_payment_defaults(self.company)
        self.assertEqual(flagged.partner_id, self.customer | self.ana)
        self.assertEqual(set(flagged.mapped("fraud_state")), {"suspected"})
        self.assertFalse(Debtor._recovery_flag_first_payment_defaults(self.company), "flagged once")
        maria = flagged.filtered(lambda debtor: debtor.partner_id == self.customer)
        # An agent can neither judge it nor write it directly, whatever the context.
        with self.assertRaises(AccessError):
            maria.with_user(self.agent).action_confirm_fraud()
        with self.assertRaises(AccessError):
            maria.with_user(self.agent).with_context(tracking_disable=True).write({"fraud_state": "dismissed"})
        maria.with_user(self.manager).action_confirm_fraud()
        self.assertEqual(maria.fraud_state, "confirmed")
        self.assertIn(
            "Possible fraud", maria.message_ids.mapped("body")[-1] + "".join(maria.message_ids.mapped("body"))
        )

    def test_agents_see_their_own_debtors_sales_only(self):
        rows = self._rows()
        self.assertFalse(rows.with_user(self.agent).search([("id", "in", rows.ids)]))
        self.never.recovery_debtor_id.sudo().write({"user_id": self.agent.id})
        # Maria's two credit sales, nobody else's.
        self.assertEqual(rows.with_user(self.agent).search([("id", "in", rows.ids)]).move_id, self.never | self.recent)
