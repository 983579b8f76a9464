"""18.0.1.3.0: stage actions are owed per installment, and messages are rendered on themselves.

- ``credit_recovery_action`` gets the due date of the installment it chased (the invoice's
  oldest unpaid due date today, which is what the existing actions were planned for) and
  the amount it claims; the unique key becomes (invoice, stage, due date).
- The shipped stage e-mail and SMS templates move from the debtor to the collection
  message (``credit.recovery.dispatch``); post-migration loads them again.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column


def migrate(cr, version):
    if not version:
        return
    if not column_exists(cr, "credit_recovery_action", "due_date"):
        create_column(cr, "credit_recovery_action", "due_date", "date")
        create_column(cr, "credit_recovery_action", "amount", "numeric")
    cr.execute(
        SQL(
            """
            UPDATE credit_recovery_action a
               SET due_date = COALESCE(s.oldest_due_date, m.invoice_date_due, a.reached_date)
              FROM account_move m
              LEFT JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
             WHERE m.id = a.move_id AND a.due_date IS NULL
            """
        )
    )
    cr.execute(
        SQL("ALTER TABLE credit_recovery_action DROP CONSTRAINT IF EXISTS credit_recovery_action_move_stage_uniq")
    )
