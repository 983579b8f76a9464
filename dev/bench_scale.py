"""Benchmark: the collection run at scale (`make bench-scale`), 1,000,000 invoices over 200,000 debtors.

Run through `odoo shell` twice per size on a throwaway database: ``BENCH_SCALE_STEP=generate``
clones the data (dev/bench_data.py, the generator of `make bench`) and commits it;
``BENCH_SCALE_STEP=run`` then drives the first run and the next day's run exactly as the cron
does, in a process of its own, so that its peak memory (``ru_maxrss``) is the run's and not the
generator's. The run step of the large size compares its time with the small size's
(``BENCH_SCALE_BASELINE``: a file the small size's run step wrote): ten times the data in at most
eleven times the time is linear.
"""

import os
import resource
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta

from freezegun import freeze_time

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import drive_runs, generate, prepare_collection
from bench_targets import MACHINE, check, rows_written, target

INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "200000"))
STEP = os.environ.get("BENCH_SCALE_STEP", "run")
RESULT_FILE = os.environ.get("BENCH_RESULT_FILE")
BASELINE_FILE = os.environ.get("BENCH_SCALE_BASELINE")
TARGET = float(os.environ.get("BENCH_SCALE_TARGET", "150"))

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
label = f"scale {INVOICES:,} invoices / {DEBTORS:,} debtors"


def bench_generate():
    started = time.perf_counter()
    prepare_collection(env, generate(env, INVOICES, DEBTORS))
    print(f"{label}: data generated in {time.perf_counter() - started:.1f} s (SQL)")


Run = env["credit.recovery.run"]


def run_until_done():
    """Drive the run as the cron does, one batch per call, until no run is left.

    Returns ``(seconds, cron calls, SQL queries, seconds per phase)``.
    """
    queries = cr.sql_log_count
    started = time.perf_counter()
    calls = drive_runs(env)
    elapsed = time.perf_counter() - started
    run = Run.search([], limit=1)
    phases = defaultdict(float)
    for batch in run.batch_ids:
        phases[batch.phase] += batch.duration
    # What the batches do not record: phase changes, ANALYZE, the last step (history, snapshot).
    phases["other"] = elapsed - sum(phases.values())
    return run, elapsed, calls, cr.sql_log_count - queries, phases


def phase_summary(phases):
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(phases.items()))


def bench_run():
    run, elapsed, calls, queries, phases = run_until_done()
    print(
        f"{label}: first run in {elapsed:.1f} s (target: {TARGET:.0f} s on {MACHINE}), {calls} batches, "
        f"{queries} SQL queries ({phase_summary(phases)}); {run.invoice_count} invoices evaluated, "
        f"{run.stage_change_count} stage actions, {run.dispatch_count} messages queued"
    )
    if RESULT_FILE:
        with open(RESULT_FILE, "w", encoding="utf-8") as result:
            result.write(f"{elapsed}\n")
    # tick: the clock runs from tomorrow's moment on, so that the timings (perf_counter) are real.
    with freeze_time(datetime.now() + timedelta(days=1), tick=True):
        next_run, next_elapsed, calls, queries, phases = run_until_done()
    states, open_states, debtors = rows_written(env, next_run.date)
    ratio = next_elapsed / elapsed
    print(
        f"{label}: next day's run in {next_elapsed:.1f} s, {calls} batches, {queries} SQL queries "
        f"({phase_summary(phases)}); {next_run.invoice_count} invoices evaluated, "
        f"{next_run.stage_change_count} stage actions, {next_run.dispatch_count} messages queued; "
        f"rows written: {states} of {open_states} open invoices' states, {debtors} debtors"
    )
    print(
        f"{label}: next day's run / first run {next_elapsed:.1f} s / {elapsed:.1f} s = {ratio:.2f} "
        f"({check('next day vs first run', ratio, target('next_day_ratio', 0.25), 'x', absolute=False)}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    if BASELINE_FILE and os.path.exists(BASELINE_FILE):
        with open(BASELINE_FILE, encoding="utf-8") as baseline:
            small = float(baseline.read())
        print(
            f"{label}: first run vs the 10x smaller one: {elapsed:.1f} s / {small:.1f} s = {elapsed / small:.1f}x "
            f"(target: 11x, linear)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: peak memory of the run process (ru_maxrss) {peak:.0f} MiB")


if STEP == "generate":
    bench_generate()
else:
    bench_run()
