"""SQL of the ledger that several reports and models read the same way: the open installments of
a day from the history alone, the aging bucket of a number of days, the credit sales and their
installments. Builders only (``odoo.tools.SQL``), no ORM."""

from odoo.tools import SQL

from .kpi import BUCKETS


def bucket_case_sql(days_sql):
    """SQL ``CASE`` giving the aging bucket code of ``days_sql`` days past due (tools.kpi.BUCKETS)."""
    whens = []
    for code, _low, high in BUCKETS:
        if high is None:
            whens.append(SQL("ELSE %s", code))
        else:
            whens.append(SQL("WHEN %s <= %s THEN %s", days_sql, high, code))
    return SQL("(CASE %s END)", SQL(" ").join(whens))


def open_lines_sql(company_id, day, user_id=None):
    """SQL of the installments open at the end of ``day`` for a company, from the history alone
    (with ``user_id``: of the debtors that user is responsible for).

    Columns: ``line_id, move_id, debtor_id, due, residual`` (company currency). An installment is
    a receivable debit line of a posted customer invoice or agreement entry dated on or before
    ``day``; its residual that day is its amount minus the partial reconciliations whose
    ``max_date`` (the later of the two lines' dates) is on or before ``day``. The same query
    gives today's snapshot and rebuilds a past one, so both agree by construction.
    """
    return SQL(
        """
        SELECT line.id AS line_id, line.move_id, move.recovery_debtor_id AS debtor_id,
               COALESCE(line.date_maturity, line.date) AS due,
               line.balance - COALESCE(paid.amount, 0) AS residual
          FROM account_move_line line
          JOIN account_move move ON move.id = line.move_id
          LEFT JOIN (
                SELECT partial.debit_move_id, SUM(partial.amount) AS amount
                  FROM account_partial_reconcile partial
                 WHERE partial.company_id = %(company)s AND partial.max_date <= %(day)s
                 GROUP BY partial.debit_move_id
          ) paid ON paid.debit_move_id = line.id
         WHERE line.company_id = %(company)s
           AND line.account_id IN (
                SELECT id FROM account_account WHERE account_type = 'asset_receivable')
           AND line.parent_state = 'posted'
           AND line.balance > 0
           AND line.date <= %(day)s
           AND move.recovery_debtor_id IS NOT NULL
           AND (move.move_type = 'out_invoice' OR move.recovery_agreement_id IS NOT NULL)
           AND line.balance - COALESCE(paid.amount, 0) > 0.0001
           AND (%(user)s::int IS NULL OR move.recovery_debtor_id IN (
                SELECT debtor.id FROM credit_recovery_debtor debtor WHERE debtor.user_id = %(user)s))
        """,
        company=company_id,
        day=day,
        user=user_id,
    )


def credit_sales_sql():
    """SQL of the credit sales: posted customer invoices (not an agreement's entry) with an
    installment due after the invoice date. A sale due on its own day is a cash sale. Columns:
    ``move_id, company_id, debtor_id, partner_id, user_id, journal_id, invoice_date``."""
    return SQL(
        """
        SELECT move.id AS move_id, move.company_id, move.recovery_debtor_id AS debtor_id,
               move.commercial_partner_id AS partner_id, move.invoice_user_id AS user_id, move.journal_id,
               move.invoice_date
          FROM account_move move
         WHERE move.move_type = 'out_invoice' AND move.state = 'posted' AND move.recovery_agreement_id IS NULL
           AND EXISTS (SELECT 1 FROM account_move_line term
                        WHERE term.move_id = move.id AND term.display_type = 'payment_term'
                          AND term.date_maturity > move.invoice_date)
        """
    )


def credit_sale_lines_sql():
    """SQL of the installments (receivable lines) of the credit sales: ``line_id, move_id,
    company_id, sale_month, due, amount`` (company currency), one row per installment."""
    return SQL(
        """
        SELECT line.id AS line_id, sale.move_id, sale.company_id,
               date_trunc('month', sale.invoice_date)::date AS sale_month,
               COALESCE(line.date_maturity, line.date) AS due, line.balance AS amount
          FROM (%s) sale
          JOIN account_move_line line ON line.move_id = sale.move_id
         WHERE line.display_type = 'payment_term' AND line.balance > 0
        """,
        credit_sales_sql(),
    )


def installments_sql():
    """``(assignment_id, line_id, move_id, days, due, is_agreement, balance, line_date)`` of the installments handed
    with each assignment of the CTE ``assigned``: the receivable items of its invoices overdue on
    the assignment day (``days`` overdue then), and the receivable items of an agreement entry
    signed while assigned on one of its invoices (``days`` of the oldest such invoice's item).
    Shared by the commission and the agency figures (``credit_recovery_kpi_agency``)."""
    return SQL(
        """
        SELECT assigned.assignment_id, line.id AS line_id, line.move_id,
               assigned.date_start - COALESCE(line.date_maturity, line.date) AS days,
               COALESCE(line.date_maturity, line.date) AS due, FALSE AS is_agreement, line.balance,
               line.date AS line_date
          FROM assigned
          JOIN credit_recovery_agency_assignment_move_rel rel ON rel.assignment_id = assigned.assignment_id
          JOIN account_move_line line ON line.move_id = rel.move_id
         WHERE line.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
           AND line.parent_state = 'posted' AND line.balance > 0
           AND COALESCE(line.date_maturity, line.date) < assigned.date_start
         UNION ALL
        SELECT assigned.assignment_id, line.id, line.move_id, oldest.days,
               COALESCE(line.date_maturity, line.date), TRUE, line.balance, line.date
          FROM assigned
          JOIN credit_recovery_agreement agreement ON agreement.debtor_id = assigned.debtor_id
               AND agreement.move_id IS NOT NULL AND agreement.negotiation_date >= assigned.date_start
               AND (assigned.recalled_on IS NULL OR agreement.negotiation_date <= assigned.recalled_on)
          JOIN LATERAL (
                SELECT MAX(assigned.date_start - COALESCE(settled.date_maturity, settled.date)) AS days
                  FROM credit_recovery_agreement_move_rel agreed
                  JOIN credit_recovery_agency_assignment_move_rel handed
                       ON handed.move_id = agreed.move_id AND handed.assignment_id = assigned.assignment_id
                  JOIN account_move_line settled ON settled.move_id = agreed.move_id AND settled.balance > 0
                       AND COALESCE(settled.date_maturity, settled.date) < assigned.date_start
                       AND settled.account_id IN (
                           SELECT id FROM account_account WHERE account_type = 'asset_receivable')
                 WHERE agreed.agreement_id = agreement.id
          ) oldest ON oldest.days IS NOT NULL
          JOIN account_move_line line ON line.move_id = agreement.move_id
         WHERE line.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
           AND line.parent_state = 'posted' AND line.balance > 0
        """
    )
