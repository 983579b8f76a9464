"""Benchmark of several Odoo servers (dev/bench_servers.sh): the data, in the template database.

Run once through `odoo shell` on a database where the addon and OCA queue_job are installed. It
generates the bench's data (dev/bench_data.py: BENCH_INVOICES over BENCH_DEBTORS), drives the
day's collection run as the cron does (queue_job switched off for the run only: the run is not
what is measured) and leaves one queued message per debtor, due now, and queue_job switched on:
each copy of this database then holds the same queue, which `make bench-servers` has one, then two
servers deliver through queue_job jobs.

The servers deliver at the real time of day, not at a frozen moment as `make bench` does: the
policy's contact window is opened to every hour of every day and the calendar's holidays are
removed, so that every message is allowed whenever the bench runs.
"""

import os
import sys
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import drive_runs, generate, prepare_collection

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
assert "queue.job" in env.registry, "OCA queue_job must be installed in this database"
queue_job = sys.modules["odoo.addons.account_credit_recovery.models.credit_recovery_queue_job"]
params = env["ir.config_parameter"].sudo()

started = time.perf_counter()
# As `make bench`: nearly every bench debtor ends at Legal action, which texts too here, so that
# every message is an e-mail and an SMS.
env.ref("account_credit_recovery.stage_legal").sms_template_id = env.ref(
    "account_credit_recovery.sms_template_collection_stage"
)
policy = env["credit.recovery.policy"].search([("company_id", "=", env.company.id)], limit=1)
policy.window_ids = [Command.clear()] + [
    Command.create({"dayofweek": str(day), "hour_from": 0.0, "hour_to": 24.0}) for day in range(7)
]
env["resource.calendar.leaves"].search([("resource_id", "=", False)]).unlink()
prepare_collection(env, generate(env, INVOICES, DEBTORS), quiet=False)
generated = time.perf_counter() - started

# The run by the cron's own code, in this process: with queue_job on, the cron would only enqueue.
params.set_param(queue_job.PARAM_ENABLED, "0")
cr.commit()
started = time.perf_counter()
drive_runs(env)
run_elapsed = time.perf_counter() - started
params.set_param(queue_job.PARAM_ENABLED, "1")
# Every queued message due now (the run scheduled each at its debtor's next allowed moment).
cr.execute(
    SQL(
        "UPDATE credit_recovery_dispatch SET scheduled_at = %s WHERE state = 'queued'",
        fields.Datetime.now() - timedelta(minutes=5),
    )
)
for table in ("credit_recovery_dispatch", "credit_recovery_action", "credit_recovery_debtor"):
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
cr.commit()
queued = env["credit.recovery.dispatch"].search_count([("state", "=", "queued")])
print(
    f"servers: {INVOICES} invoices over {DEBTORS} debtors generated in {generated:.1f} s, collection run in "
    f"{run_elapsed:.1f} s; {queued} messages queued for delivery"
)
