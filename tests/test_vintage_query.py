"""The vintage curves' view, rewritten for speed (issue #24), reads the same rows as before.

The view before the rewrite joined every installment of a sale month with every month end since
that month, valued its residual there (its amount minus its reconciliations dated on or before) and
summed; the rewrite sums, per sale month, what changes the overdue beyond each threshold (an
installment's amount from ``due + days + 1``, each reconciliation's amount off from the later of
that day and its date), per month from which a point sees it, and adds up for each point the
changes it sees. Hypothesis draws small ledgers (credit sales in one or two installments, issued
over the last 14 months and due up to 45 days later, cash sales, sales of this month, payments in
one or two parts on random days, some before the due date, some after today, some never); for
each, both queries must return the same rows, column by column. The view reads PostgreSQL's
clock (``CURRENT_DATE``): the ledgers are drawn around the real today.
"""

from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.common import FPD_DAYS
from ..tools.ledger_sql import credit_sale_lines_sql
from .common import CreditRecoveryCommon

TODAY = date.today()
PAY_DAYS = {"today": TODAY, "tomorrow": TODAY + timedelta(days=1)}

invoices = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "amount": st.integers(50, 3000),
        "issued_days_ago": st.integers(0, 430),
        "due_after": st.integers(0, 45),
        "split_terms": st.booleans(),
        # A payment's day: so many days after the sale (up to 15 days after today), or today, or tomorrow.
        "payments": st.lists(
            st.tuples(
                st.sampled_from([0.2, 0.5, 1.0]), st.one_of(st.integers(0, 200), st.sampled_from(sorted(PAY_DAYS)))
            ),
            max_size=2,
        ),
    }
)
ledgers = st.lists(invoices, min_size=1, max_size=6)


def credit_sale(issued_days_ago, due_after, payments, split_terms=False):
    return {
        "customer": 0,
        "amount": 1000,
        "issued_days_ago": issued_days_ago,
        "due_after": due_after,
        "split_terms": split_terms,
        "payments": payments,
    }


# Installments overdue beyond 30, 90 and 60 days from today on, half paid today, tomorrow, not at all.
TODAY_ON_THE_EDGES = [
    credit_sale(61, 30, [(0.5, "today")]),
    credit_sale(121, 30, [(0.5, "tomorrow")]),
    credit_sale(91, 30, []),
]
SETTINGS = {
    "max_examples": 12,
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate],
}


def reference_sql():
    """The view's body as it was before the rewrite (``credit.recovery.vintage``, 18.0.1.7.0)."""
    overdue_columns = SQL(", ").join(
        SQL("SUM(residual) FILTER (WHERE due < observed_on - %s) AS %s", days, SQL.identifier(f"overdue{days}"))
        for days in FPD_DAYS
    )
    thresholds = SQL(", ").join(
        SQL("(%s, COALESCE(overdue.%s, 0))", str(days), SQL.identifier(f"overdue{days}")) for days in FPD_DAYS
    )
    return SQL(
        """
        WITH lines AS (%(lines)s),
        cohorts AS (
            SELECT company_id, sale_month, SUM(amount) AS sold FROM lines GROUP BY company_id, sale_month
        ),
        points AS (
            SELECT cohorts.company_id, cohorts.sale_month, cohorts.sold, book.months_on_book,
                   LEAST((cohorts.sale_month + (book.months_on_book + 1) * INTERVAL '1 month')::date - 1,
                         CURRENT_DATE) AS observed_on
              FROM cohorts
              CROSS JOIN LATERAL generate_series(
                    0, ((EXTRACT(YEAR FROM CURRENT_DATE) - EXTRACT(YEAR FROM cohorts.sale_month)) * 12
                        + EXTRACT(MONTH FROM CURRENT_DATE) - EXTRACT(MONTH FROM cohorts.sale_month))::int
              ) AS book(months_on_book)
        ),
        partials AS (
            SELECT partial.debit_move_id AS line_id, partial.max_date, partial.amount
              FROM account_partial_reconcile partial
              JOIN lines ON lines.line_id = partial.debit_move_id
        ),
        residuals AS (
            SELECT points.company_id, points.sale_month, points.months_on_book, points.observed_on,
                   lines.due,
                   lines.amount - COALESCE(SUM(partials.amount)
                                           FILTER (WHERE partials.max_date <= points.observed_on), 0)
                       AS residual
              FROM points
              JOIN lines ON lines.company_id = points.company_id AND lines.sale_month = points.sale_month
                        AND lines.due < points.observed_on - %(smallest)s
              LEFT JOIN partials ON partials.line_id = lines.line_id
             GROUP BY points.company_id, points.sale_month, points.months_on_book, points.observed_on,
                      lines.line_id, lines.due, lines.amount
        ),
        overdue AS (
            SELECT company_id, sale_month, months_on_book, %(overdue_columns)s
              FROM residuals GROUP BY company_id, sale_month, months_on_book
        )
        SELECT ROW_NUMBER() OVER (ORDER BY points.company_id, points.sale_month, points.months_on_book,
                                           threshold.days) AS id,
               points.company_id, points.sale_month, points.months_on_book, points.observed_on,
               threshold.days AS threshold, points.sold AS amount_sold,
               ROUND(threshold.amount::numeric, 2) AS amount_overdue,
               CASE WHEN points.sold > 0 THEN ROUND((100 * threshold.amount / points.sold)::numeric, 1)
                    ELSE 0 END AS rate
          FROM points
          LEFT JOIN overdue ON overdue.company_id = points.company_id
                           AND overdue.sale_month = points.sale_month
                           AND overdue.months_on_book = points.months_on_book
          CROSS JOIN LATERAL (VALUES %(thresholds)s) AS threshold(days, amount)
        """,
        lines=credit_sale_lines_sql(),
        smallest=min(FPD_DAYS),
        overdue_columns=overdue_columns,
        thresholds=thresholds,
    )


COLUMNS = SQL("id, company_id, sale_month, months_on_book, observed_on, threshold, amount_sold, amount_overdue, rate")


@tagged("post_install", "-at_install")
class TestVintageQuery(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.env["res.partner"].create([{"name": "João Souza"}, {"name": "Ana Lima"}])

    def _post_ledger(self, ledger):
        for row in sorted(ledger, key=lambda row: -row["issued_days_ago"]):
            issued = TODAY - timedelta(days=row["issued_days_ago"])
            invoice = self.create_invoice(
                row["amount"],
                issued,
                due_date=issued + timedelta(days=row["due_after"]),
                partner=self.customers[row["customer"]],
                payment_term=self.pay_terms_split if row["split_terms"] else None,
            )
            left = invoice.amount_total
            for share, after in row["payments"]:
                amount = round(min(left, invoice.amount_total * share), 2)
                if amount >= 0.01:
                    # After today: a reconciliation the current month's point must not see yet.
                    day = PAY_DAYS.get(after) or min(issued + timedelta(days=after), TODAY + timedelta(days=15))
                    self.pay(invoice, amount, day)
                    left -= amount

    def _rows(self, query):
        return self.env.execute_query(
            SQL("SELECT %s FROM (%s) vintage WHERE company_id = %s ORDER BY id", COLUMNS, query, self.company.id)
        )

    @settings(**SETTINGS)
    @given(ledger=ledgers)
    @example(ledger=TODAY_ON_THE_EDGES)
    def test_rewritten_view_reads_the_same_rows(self, ledger):
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT vintage_query")
        try:
            self._post_ledger(ledger)
            self.env.flush_all()
            before = self._rows(reference_sql())
            after = self._rows(SQL("SELECT * FROM credit_recovery_vintage"))
            self.assertEqual(before, after, f"ledger {ledger}")
            credit_sales = [row for row in ledger if row["split_terms"] or row["due_after"]]
            if credit_sales:
                self.assertTrue(after, "a credit sale has its cells")
        finally:
            self.env.invalidate_all()
            self.env.cr.execute("ROLLBACK TO SAVEPOINT vintage_query")
            self.env.invalidate_all()
