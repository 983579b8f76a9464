"""Vintage curves (*análise de safra*): for the credit sales of each month, the share of what was
sold that is overdue beyond 30, 60 and 90 days at the end of each month after the sale."""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.common import FPD_DAYS
from ..tools.ledger_sql import credit_sale_lines_sql


class CreditRecoveryVintage(models.Model):
    """One row per (company, month of sale, months on book, threshold): the month's credit sales
    (``amount_sold``: their installments), and what of them was overdue beyond ``threshold`` days
    at the end of the ``months_on_book``-th month after the month of sale (today for the current
    month), from the journal items' history as the aging snapshots read it: an installment's
    residual that day is its amount minus the reconciliations dated on or before it. ``rate`` is
    the percentage; one row per cell, so a pivot of sale month x months on book for one threshold
    shows the curves as they are.
    """

    _name = "credit.recovery.vintage"
    _description = "Vintage Curves"
    _auto = False
    _order = "sale_month desc, months_on_book, threshold"

    company_id = fields.Many2one("res.company", readonly=True)
    sale_month = fields.Date(string="Month of Sale", readonly=True)
    months_on_book = fields.Integer(string="Months after the Sale", readonly=True, aggregator=None)
    observed_on = fields.Date(readonly=True)
    threshold = fields.Selection(
        [(str(days), f"> {days} days") for days in FPD_DAYS], string="Overdue Beyond", readonly=True
    )
    amount_sold = fields.Float(string="Sold on Credit", readonly=True, aggregator="max")
    amount_overdue = fields.Float(string="Overdue", readonly=True, aggregator="sum")
    rate = fields.Float(string="Overdue (% of Sold)", readonly=True, aggregator="avg", digits=(16, 1))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(self._table), vintage_sql()))


def vintage_sql():
    """SQL of the curves' rows (the view's body).

    Each cell is a sum, so it is built from what changes it rather than by valuing every
    installment at every point: an installment adds its amount to its sale month's overdue beyond
    ``d`` days from the first point observed after ``due + d``, and each of its reconciliations
    takes its amount off from the first point observed on or after both that day and its own date
    (``max_date``). Such a change dated in a month is seen from that month's point on (today's for
    the current month, and only if not after today); a cell is the sum of the changes seen by its
    point. The installments are read once and summed per due date, their reconciliations per due
    date and date: a few thousand changes for a year of sales, joined with the year's points,
    instead of every installment joined with every point (tests/test_vintage_query.py proves the
    rows equal to the former query's).
    """
    thresholds = SQL("(VALUES %s) AS threshold(days)", SQL(", ").join(SQL("(%s)", days) for days in FPD_DAYS))
    overdue_columns = SQL(", ").join(
        SQL("SUM(amount) FILTER (WHERE days = %s) AS %s", days, SQL.identifier(f"overdue{days}")) for days in FPD_DAYS
    )
    point_columns = SQL(", ").join(
        SQL("SUM(changes.%s) AS %s", SQL.identifier(f"overdue{days}"), SQL.identifier(f"overdue{days}"))
        for days in FPD_DAYS
    )
    cells = SQL(", ").join(
        SQL("(%s, COALESCE(overdue.%s, 0))", str(days), SQL.identifier(f"overdue{days}")) for days in FPD_DAYS
    )
    return SQL(
        """
        WITH lines AS (%(lines)s),
        -- The installments summed per due date, and their reconciliations per due date and date.
        dues AS (
            SELECT company_id, sale_month, due, SUM(amount) AS amount FROM lines GROUP BY company_id, sale_month, due
        ),
        paid AS (
            SELECT lines.company_id, lines.sale_month, lines.due, partial.max_date, SUM(partial.amount) AS amount
              FROM lines
              JOIN account_partial_reconcile partial ON partial.debit_move_id = lines.line_id
             WHERE partial.max_date IS NOT NULL
             GROUP BY lines.company_id, lines.sale_month, lines.due, partial.max_date
        ),
        cohorts AS (
            SELECT company_id, sale_month, SUM(amount) AS sold FROM dues GROUP BY company_id, sale_month
        ),
        -- The month ends since each sale month (today for the current month). The months are
        -- unnested from an array: the planner then expects about 10 per sale month, where it expects
        -- 1000 from generate_series and costs the query high enough to compile it (JIT), which took
        -- longer than the query itself.
        points AS (
            SELECT cohorts.company_id, cohorts.sale_month, cohorts.sold, book.months_on_book,
                   (cohorts.sale_month + book.months_on_book * INTERVAL '1 month')::date AS month,
                   LEAST((cohorts.sale_month + (book.months_on_book + 1) * INTERVAL '1 month')::date - 1,
                         CURRENT_DATE) AS observed_on
              FROM cohorts
              CROSS JOIN LATERAL unnest(ARRAY(SELECT generate_series(
                    0, ((EXTRACT(YEAR FROM CURRENT_DATE) - EXTRACT(YEAR FROM cohorts.sale_month)) * 12
                        + EXTRACT(MONTH FROM CURRENT_DATE) - EXTRACT(MONTH FROM cohorts.sale_month))::int
              ))) AS book(months_on_book)
        ),
        -- What changes the overdue beyond each threshold, from which day on.
        dated AS (
            SELECT dues.company_id, dues.sale_month, threshold.days, dues.due + threshold.days + 1 AS since,
                   dues.amount
              FROM dues CROSS JOIN %(thresholds)s
             UNION ALL
            SELECT paid.company_id, paid.sale_month, threshold.days,
                   GREATEST(paid.due + threshold.days + 1, paid.max_date), -paid.amount
              FROM paid CROSS JOIN %(thresholds)s
        ),
        -- ... summed per month from which a point sees it.
        changes AS (
            SELECT company_id, sale_month, GREATEST(date_trunc('month', since)::date, sale_month) AS month,
                   %(overdue_columns)s
              FROM dated
             WHERE since <= CURRENT_DATE
             GROUP BY company_id, sale_month, GREATEST(date_trunc('month', since)::date, sale_month)
        ),
        overdue AS (
            SELECT points.company_id, points.sale_month, points.months_on_book, points.observed_on, points.sold,
                   %(point_columns)s
              FROM points
              LEFT JOIN changes ON changes.company_id = points.company_id AND changes.sale_month = points.sale_month
                               AND changes.month <= points.month
             GROUP BY points.company_id, points.sale_month, points.months_on_book, points.observed_on, points.sold
        )
        SELECT ROW_NUMBER() OVER (ORDER BY overdue.company_id, overdue.sale_month, overdue.months_on_book,
                                           threshold.days) AS id,
               overdue.company_id, overdue.sale_month, overdue.months_on_book, overdue.observed_on,
               threshold.days AS threshold, overdue.sold AS amount_sold,
               ROUND(threshold.amount::numeric, 2) AS amount_overdue,
               CASE WHEN overdue.sold > 0 THEN ROUND((100 * threshold.amount / overdue.sold)::numeric, 1)
                    ELSE 0 END AS rate
          FROM overdue
          CROSS JOIN LATERAL (VALUES %(cells)s) AS threshold(days, amount)
        """,
        lines=credit_sale_lines_sql(),
        thresholds=thresholds,
        overdue_columns=overdue_columns,
        point_columns=point_columns,
        cells=cells,
    )
