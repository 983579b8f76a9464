"""Benchmark: OCA ``account_credit_control`` 18.0 generating credit lines on the data of `make bench`.

Run by dev/bench_oca.sh through `odoo shell` on a throwaway database where OCA's module
is installed instead of this addon. The data is the same as dev/bench_refresh.py's
(dev/bench_data.py); the policy mirrors three reminder levels: 5, 15 and 60 days after
the due date, by email. Only OCA's generation step (a credit control run) is timed.
"""

import os
import resource
import sys
import time

from odoo import Command, fields
from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import generate

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
LEVELS = [(1, 5, "First reminder"), (2, 15, "Second reminder"), (3, 60, "Last reminder")]

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
company = env.company
today = fields.Date.context_today(env.user)

started = time.perf_counter()
generate(env, INVOICES, DEBTORS)
cr.commit()  # as for the engine (dev/bench_engine.py): the data exists before the timed step
generated = time.perf_counter() - started

# The policy: OCA selects the receivable move lines of the policy's accounts, for the
# company's default policy (partners and invoices may override it; the clones carry the
# template's empty credit_policy_id, so the company default applies to all of them).
receivable = env["account.account"].search(
    [("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")]
)
template = env.ref("account_credit_control.email_template_credit_control_base")
policy = env["credit.control.policy"].create(
    {
        "name": "Bench: 5, 15, 60 days",
        "company_id": company.id,
        "account_ids": [Command.set(receivable.ids)],
        "level_ids": [
            Command.create(
                {
                    "name": name,
                    "level": level,
                    "computation_mode": "net_days",
                    "delay_days": delay,
                    "email_template_id": template.id,
                    "channel": "email",
                    "custom_text": f"{name}: your invoice is overdue.",
                    "custom_mail_text": f"<p>{name}: your invoices are overdue.</p>",
                    "mail_show_invoice_detail": True,
                }
            )
            for level, delay, name in LEVELS
        ],
    }
)
company.credit_policy_id = policy
env.flush_all()

# What OCA should find: open receivable lines of posted invoices, due since the first delay.
cr.execute(
    SQL(
        """SELECT count(*) FILTER (WHERE l.date_maturity <= %s),
                  count(*) FILTER (WHERE l.date_maturity + %s <= %s),
                  count(*) FILTER (WHERE m.credit_policy_id IS NOT NULL)
             FROM account_move_line l
             JOIN account_move m ON m.id = l.move_id
            WHERE l.account_id = ANY(%s) AND NOT l.reconciled AND l.parent_state = 'posted'
              AND l.company_id = %s AND l.partner_id IS NOT NULL""",
        today,
        LEVELS[0][1],
        today,
        receivable.ids,
        company.id,
    )
)
due, expected, overridden = cr.fetchone()
assert due >= INVOICES, f"only {due} due receivable lines for {INVOICES} invoices"
assert not overridden, "cloned invoices carry a credit policy of their own"

run = env["credit.control.run"].create({"date": today, "policy_ids": [Command.set(policy.ids)]})
env.flush_all()

queries_before = cr.sql_log_count
started = time.perf_counter()
run.generate_credit_lines()
env.flush_all()
elapsed = time.perf_counter() - started
queries = cr.sql_log_count - queries_before
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

cr.execute(SQL("SELECT count(*), count(DISTINCT level) FROM credit_control_line WHERE run_id = %s", run.id))
lines, levels = cr.fetchone()
print(f"oca: {INVOICES} overdue invoices over {DEBTORS} debtors generated in {generated:.1f} s (SQL)")
print(
    f"oca: account_credit_control 18.0 generation: {INVOICES} invoices over {DEBTORS} debtors in {elapsed:.1f} s, "
    f"{queries} SQL queries, peak RSS {peak:.0f} MiB; {lines} credit lines"
)
print(f"oca: {due} due receivable lines, {expected} due {LEVELS[0][1]} days or more; lines at {levels} level(s)")
if os.environ.get("BENCH_RESULT_FILE"):
    with open(os.environ["BENCH_RESULT_FILE"], "w", encoding="utf-8") as result:
        result.write(f"{elapsed}")
cr.rollback()
