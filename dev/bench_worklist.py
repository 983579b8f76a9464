"""Benchmark: *Contact now* over N invoices and M debtors, for a manager and for an agent.

Run by `make bench` through `odoo shell`, after the other benchmarks on the same database (their
invoices are reused; generated here when absent, with ``dev/bench_data.py``). The debtors get a
valid mobile (``prepare_collection``) and the numbers' derived columns; an agent is responsible
for one debtor in ten. The list is opened next week on Wednesday at 15:00 UTC (12:00 in Brasília,
in the contact window; the other benchmarks' runs used this week's caps). Times
``credit.recovery.worklist._rebuild`` (the debtors' payment scores stored first, as the daily cron
stores them, when the payment model is fitted): a first (cold) call after the ORM's caches are emptied,
then a second (warm) one, for the manager and then the agent (target: 1 s each on the developers' 2-core
machine; a miss is recorded, dev/bench_targets.py). Everything is rolled back.
"""

import os
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from odoo import fields
from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import bench_users, generate, prepare_collection
from bench_targets import check, target

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
TARGET = target("contact_now", 1)

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
cr.execute(SQL("SELECT COUNT(*) FROM account_move WHERE ref LIKE %s", "bench-%"))
if not cr.fetchone()[0]:
    prepare_collection(env, generate(env, INVOICES, DEBTORS))
    while env["account.move"]._recovery_refresh_batch()[1]:
        cr.commit()
    env["credit.recovery.debtor"]._recovery_refresh_history()
    cr.commit()
# The number to call, as the partner's compute derives it from the mobile set by prepare_collection.
cr.execute(
    SQL(
        """UPDATE res_partner SET recovery_best_phone = recovery_mobile_e164, recovery_no_valid_phone = FALSE
            WHERE name LIKE %s AND recovery_mobile_valid""",
        "Debtor %",
    )
)
# The debtors' payment probabilities stored by the fitted model, as the daily cron leaves them
# (committed: the night's state; the next step, dev/bench_screens.py, finds them).
started, scored = time.perf_counter(), 0
while True:
    done, remaining = env["credit.recovery.debtor"]._refresh_payment_scores()
    scored += done
    if not remaining:
        break
cr.commit()
if scored:
    print(f"contact now: {scored} debtors' payment scores stored in {time.perf_counter() - started:.1f} s (daily cron)")
# As autovacuum would after the refresh: the planner needs statistics.
for table in ("res_partner", "credit_recovery_debtor", "credit_recovery_invoice", "account_move"):
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
manager, agent, debtor_count, agent_debtors = bench_users(env, "worklist")
# Wednesday of next week: the runs of the other benchmarks used this week's caps.
today = fields.Date.context_today(env.user)
now = datetime.combine(today + timedelta(days=9 - today.weekday()), dtime(15, 0))

figures = []
for user in (manager, agent):
    Worklist = env["credit.recovery.worklist"].with_user(user)
    times = []
    for _call in ("cold", "warm"):
        if not times:
            env.invalidate_all()
            env.registry.clear_cache()
        started = time.perf_counter()
        Worklist._rebuild(now)
        env.flush_all()
        times.append(time.perf_counter() - started)
    rows = Worklist.search_count([("create_uid", "=", user.id)])
    figures.append((user, times, rows))
print(
    f"contact now: {INVOICES} invoices, {debtor_count} debtors in collection ({agent_debtors} the agent's); "
    + "; ".join(
        f"{'manager' if user == manager else 'agent'} {times[0]:.2f} s cold, {times[1]:.2f} s warm ({rows} rows)"
        for user, times, rows in figures
    )
    + f" ({check('contact now (slowest opening)', max(max(times) for _u, times, _r in figures), TARGET, 's')})"
)
cr.rollback()
