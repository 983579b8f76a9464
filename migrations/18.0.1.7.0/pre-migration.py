"""18.0.1.7.0: the collection state stores the day it next changes by itself, days overdue are
computed when read (#29).

The new column is created here, empty, so that Odoo does not recompute every state through the
ORM at upgrade time; the open states are marked stale instead, and the next collection run (or
the refresh cron) recomputes them set-based, in batches, with their ``next_change_date``. The
days overdue column, no longer stored, is dropped: nothing may read a stale copy of it."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE credit_recovery_invoice ADD COLUMN IF NOT EXISTS next_change_date date")
    cr.execute(
        """UPDATE credit_recovery_invoice SET refresh_date = NULL
            WHERE refresh_date IS NOT NULL AND (oldest_due_date IS NOT NULL OR stage_id IS NOT NULL)"""
    )
    cr.execute("ALTER TABLE credit_recovery_invoice DROP COLUMN IF EXISTS days_overdue")
