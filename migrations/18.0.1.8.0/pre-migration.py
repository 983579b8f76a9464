"""18.0.1.8.0: the debtor stores the due date of its oldest overdue installment, its days overdue
are computed when read (#29), as the invoice's collection state since 18.0.1.7.0.

The new column is created and filled here from the invoices' stored states, in one statement, so
that Odoo does not recompute every debtor through the ORM at upgrade time (the same rule as the
compute: the oldest unpaid due date among the invoices with an amount overdue). The days overdue
column, no longer stored, is dropped: nothing may read a stale copy of it."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE credit_recovery_debtor ADD COLUMN IF NOT EXISTS oldest_due_date date")
    cr.execute(
        """UPDATE credit_recovery_debtor d SET oldest_due_date = a.oldest
             FROM (SELECT m.recovery_debtor_id AS id, MIN(s.oldest_due_date) AS oldest
                     FROM account_move m
                     JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                    WHERE m.recovery_debtor_id IS NOT NULL AND s.amount_overdue > 0
                    GROUP BY m.recovery_debtor_id) a
            WHERE d.id = a.id"""
    )
    cr.execute("ALTER TABLE credit_recovery_debtor DROP COLUMN IF EXISTS days_overdue")
