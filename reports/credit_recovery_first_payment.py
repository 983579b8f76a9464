"""First-payment default (FPD): was the first installment of each credit sale paid on time, late,
or never? The one definition, in SQL (a read-only view); the invoice's field, the debtor's
*possible fraud* flag and the Reporting pivot all read it."""

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.common import FIRST_PAYMENT_STATES, FPD_DAYS
from ..tools.ledger_sql import credit_sale_lines_sql, credit_sales_sql


class CreditRecoveryFirstPayment(models.Model):
    """One row per credit sale: its first installment, when it was paid, and whether it was
    still unpaid 30, 60 and 90 days after its due date (100 = default, 0 = paid by then, empty =
    that day has not come yet: the average of a column is the FPD rate, in %, of the sales that
    can already tell). Paid means reconciled, as the aging reads it: a credit note counts.
    """

    _name = "credit.recovery.first.payment"
    _description = "First-payment Default"
    _auto = False
    _order = "invoice_date desc, id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Credit Sale", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    debtor_id = fields.Many2one("credit.recovery.debtor", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    journal_id = fields.Many2one(
        "account.journal", string="Sales Journal", readonly=True, help="The store, where each store has its own."
    )
    invoice_date = fields.Date(string="Sale Date", readonly=True)
    sale_month = fields.Date(string="Month of Sale", readonly=True)
    first_due = fields.Date(string="First Installment Due", readonly=True)
    first_amount = fields.Float(string="First Installment", readonly=True, aggregator="sum")
    paid_on = fields.Date(string="First Installment Paid On", readonly=True)
    days_late = fields.Integer(readonly=True, aggregator="avg")
    state = fields.Selection(FIRST_PAYMENT_STATES, string="First Payment", readonly=True)
    fpd30 = fields.Integer(string="FPD 30 (%)", readonly=True, aggregator="avg")
    fpd60 = fields.Integer(string="FPD 60 (%)", readonly=True, aggregator="avg")
    fpd90 = fields.Integer(string="FPD 90 (%)", readonly=True, aggregator="avg")
    sale_count = fields.Integer(string="Credit Sales", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        fpd_columns = SQL(", ").join(
            SQL(
                """CASE WHEN first.due + %(days)s > CURRENT_DATE THEN NULL
                        WHEN first.amount - COALESCE((SELECT SUM(partial.amount) FROM account_partial_reconcile partial
                                                       WHERE partial.debit_move_id = first.line_id
                                                         AND partial.max_date <= first.due + %(days)s), 0) > 0.0001
                        THEN 100 ELSE 0 END AS %(column)s""",
                days=days,
                column=SQL.identifier(f"fpd{days}"),
            )
            for days in FPD_DAYS
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(view)s AS (
                    WITH first AS (
                        SELECT DISTINCT ON (lines.move_id) lines.*
                          FROM (%(lines)s) lines
                         ORDER BY lines.move_id, lines.due, lines.line_id
                    ),
                    paid AS (
                        SELECT first.line_id, SUM(partial.amount) AS amount, MAX(partial.max_date) AS last_date
                          FROM first JOIN account_partial_reconcile partial ON partial.debit_move_id = first.line_id
                         GROUP BY first.line_id
                    )
                    SELECT sale.move_id AS id, sale.move_id, sale.company_id, sale.debtor_id, sale.partner_id,
                           sale.user_id, sale.journal_id, sale.invoice_date, first.sale_month,
                           first.due AS first_due, first.amount AS first_amount,
                           CASE WHEN first.amount - COALESCE(paid.amount, 0) <= 0.0001
                                THEN paid.last_date END AS paid_on,
                           CASE WHEN first.amount - COALESCE(paid.amount, 0) <= 0.0001
                                THEN GREATEST(paid.last_date - first.due, 0)
                                ELSE GREATEST(CURRENT_DATE - first.due, 0) END AS days_late,
                           CASE WHEN first.amount - COALESCE(paid.amount, 0) <= 0.0001
                                THEN CASE WHEN paid.last_date <= first.due THEN 'on_time' ELSE 'late' END
                                WHEN first.due >= CURRENT_DATE THEN 'not_due'
                                ELSE 'unpaid' END AS state,
                           %(fpd)s,
                           1 AS sale_count
                      FROM (%(sales)s) sale
                      JOIN first ON first.move_id = sale.move_id
                      LEFT JOIN paid ON paid.line_id = first.line_id
                )
                """,
                view=SQL.identifier(self._table),
                lines=credit_sale_lines_sql(),
                sales=credit_sales_sql(),
                fpd=fpd_columns,
            )
        )

    @api.model
    def _defaulted_debtor_ids(self, companies=None, days=FPD_DAYS[0]):
        """Debtors (of ``companies``, default all) with a credit sale whose first installment was
        still unpaid ``days`` after its due date (one query)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT debtor_id FROM %s WHERE %s AND debtor_id IS NOT NULL AND %s = 100",
                SQL.identifier(self._table),
                SQL("company_id = ANY(%s)", companies.ids) if companies is not None else SQL("TRUE"),
                SQL.identifier(f"fpd{days}"),
            )
        )
        return [row[0] for row in rows]
