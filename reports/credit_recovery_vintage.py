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
        overdue_columns = SQL(", ").join(
            SQL(
                "SUM(residual) FILTER (WHERE due < observed_on - %s) AS %s",
                days,
                SQL.identifier(f"overdue{days}"),
            )
            for days in FPD_DAYS
        )
        thresholds = SQL(", ").join(
            SQL("(%s, COALESCE(overdue.%s, 0))", str(days), SQL.identifier(f"overdue{days}")) for days in FPD_DAYS
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
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
                    -- The reconciliations of the sales' installments, read once (hashed, not looked up
                    -- for every installment at every point).
                    partials AS (
                        SELECT partial.debit_move_id AS line_id, partial.max_date, partial.amount
                          FROM account_partial_reconcile partial
                          JOIN lines ON lines.line_id = partial.debit_move_id
                    ),
                    -- Each installment past due by the smallest threshold at a point: its residual then, once.
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
                )
                """,
                view=SQL.identifier(self._table),
                lines=credit_sale_lines_sql(),
                smallest=min(FPD_DAYS),
                overdue_columns=overdue_columns,
                thresholds=thresholds,
            )
        )
