"""Benchmark: collection state of N overdue invoices over M debtors (stage assignment).

Run by `make bench` through `odoo shell` on a throwaway database. Data is cloned at
SQL level from one posted invoice (the ORM needs ~70 ms per invoice), then the daily
refresh runs exactly as the cron does: batches until nothing is left.
"""

import os
import resource
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
today = fields.Date.context_today(env.user)
account = env["account.account"].search(
    [("company_ids", "in", env.company.id), ("account_type", "=", "income")], limit=1
)
template_partner = env["res.partner"].create({"name": "Bench template", "country_id": env.ref("base.br").id})
template = env["account.move"].create(
    {
        "move_type": "out_invoice",
        "partner_id": template_partner.id,
        "invoice_date": today - timedelta(days=40),
        "invoice_date_due": today - timedelta(days=10),
        "invoice_line_ids": [
            Command.create({"name": "Item", "price_unit": 100, "account_id": account.id, "tax_ids": []})
        ],
    }
)
template.action_post()
env.flush_all()


def columns(table, skip):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> ALL(%s)",
            table,
            list(skip),
        )
    )
    return [row[0] for row in cr.fetchall()]


started = time.perf_counter()
partner_cols = columns("res_partner", ["id", "name", "complete_name", "commercial_partner_id"])
cr.execute(
    SQL(
        "INSERT INTO res_partner (name, complete_name, %s) "
        "SELECT 'Debtor ' || n, 'Debtor ' || n, %s FROM res_partner, generate_series(1, %s) n WHERE id = %s",
        SQL(", ".join(partner_cols)),
        SQL(", ".join(partner_cols)),
        DEBTORS,
        template_partner.id,
    )
)
cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL"))
cr.execute(SQL("SELECT array_agg(id ORDER BY id) FROM res_partner WHERE name LIKE %s", "Debtor %"))
partner_ids = cr.fetchone()[0]

move_skip = [
    "id",
    "name",
    "ref",
    "partner_id",
    "commercial_partner_id",
    "invoice_date_due",
    "sequence_number",
    "recovery_debtor_id",
    "recovery_stage_id",
    "recovery_refresh_date",
]
move_cols = columns("account_move", move_skip)
cr.execute(
    SQL(
        """INSERT INTO account_move
                  (name, ref, partner_id, commercial_partner_id, invoice_date_due, sequence_number, %s)
           SELECT 'BENCH/' || n, 'bench-' || n, p.pid, p.pid, %s - (mod(n, 120) + 1), n, %s
             FROM account_move m, generate_series(1, %s) n
             JOIN LATERAL (SELECT (%s::int[])[1 + mod(n, %s)] AS pid) p ON true
            WHERE m.id = %s""",
        SQL(", ".join(move_cols)),
        today,
        SQL(", ".join(f"m.{col}" for col in move_cols)),
        INVOICES,
        partner_ids,
        len(partner_ids),
        template.id,
    )
)
line_skip = ["id", "move_id", "partner_id", "date_maturity", "move_name", "ref"]
line_cols = columns("account_move_line", line_skip)
cr.execute(
    SQL(
        """INSERT INTO account_move_line (move_id, partner_id, date_maturity, move_name, ref, %s)
           SELECT m.id, m.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN m.invoice_date_due END,
                  m.name, m.ref, %s
             FROM account_move m
             JOIN account_move_line l ON l.move_id = %s
            WHERE m.ref LIKE %s""",
        SQL(", ".join(line_cols)),
        SQL(", ".join(f"l.{col}" for col in line_cols)),
        template.id,
        "bench-%",
    )
)
env.invalidate_all()
generated = time.perf_counter() - started

Move = env["account.move"]
queries_before = cr.sql_log_count
started = time.perf_counter()
batches = 0
while True:
    done, remaining = Move._recovery_refresh_batch()
    batches += 1
    env.invalidate_all()  # as between two cron calls: memory stays bounded
    if not remaining:
        break
env["credit.recovery.debtor"]._recovery_refresh_history()
elapsed = time.perf_counter() - started
queries = cr.sql_log_count - queries_before
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cr.execute(SQL("SELECT count(*) FROM account_move WHERE recovery_stage_id IS NOT NULL AND ref LIKE %s", "bench-%"))
staged = cr.fetchone()[0]
cr.execute(SQL("SELECT count(*) FROM credit_recovery_debtor WHERE amount_overdue > 0"))
debtors = cr.fetchone()[0]
print(f"refresh: {INVOICES} overdue invoices over {DEBTORS} debtors generated in {generated:.1f} s (SQL)")
print(
    f"refresh: stage assignment in {elapsed:.1f} s, {batches} batches, {queries} SQL queries, "
    f"peak RSS {peak:.0f} MiB; {staged} invoices staged, {debtors} debtors in collection"
)
cr.rollback()
