"""18.0.1.2.0: the invoices' collection state moved from ``account_move`` columns to
``credit.recovery.invoice`` (see that model for why); stage actions no longer store their
debtor, company or log columns.

Creates the state of every posted invoice and computes it with the set-based refresh (as
the install hook does), then drops the columns nothing reads any more.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

OBSOLETE_COLUMNS = {
    "account_move": (
        "recovery_stage_id",
        "recovery_days_overdue",
        "recovery_amount_overdue",
        "recovery_oldest_due_date",
        "recovery_next_action_date",
        "recovery_refresh_date",
    ),
    "credit_recovery_action": ("debtor_id", "company_id", "create_uid", "create_date", "write_uid", "write_date"),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    moves = env["account.move"]
    moves._recovery_init_states()
    while moves._recovery_refresh_batch()[1]:
        pass
    env["credit.recovery.debtor"]._recovery_refresh_history()
    for table, columns in OBSOLETE_COLUMNS.items():
        cr.execute(
            SQL(
                "ALTER TABLE %s %s",
                SQL.identifier(table),
                SQL(", ").join(SQL("DROP COLUMN IF EXISTS %s", SQL.identifier(column)) for column in columns),
            )
        )
