"""Benchmark: the daily collection run over N overdue invoices and M debtors.

Run by `make bench` through `odoo shell` on a throwaway database. Data comes from
dev/bench_data.py (SQL cloning, shared with the OCA benchmark). The run is driven
exactly as the cron drives it: one batch per call, committed, until no run is left; it assigns the
stages, records the stage actions and queues one message per debtor. The delivery of
a sample of those messages (rendering, e-mail, SMS, activities, contact logs) is timed
apart: it is spread over the day by the delivery cron, within the contact window.
"""

import os
import resource
import sys
import time
import traceback
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_credit import measure as measure_credit_limits
from bench_data import drive_runs, generate, prepare_collection
from bench_targets import check, rows_written, target

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
DELIVERY_SAMPLE = int(os.environ.get("BENCH_DELIVERY_SAMPLE", "0")) or None  # default: every queued message
# Odoo's own mass mailing is timed on this many of the same messages (it takes ~25 ms each).
MASS_MAIL_SAMPLE = int(os.environ.get("BENCH_MASS_MAIL_SAMPLE", "1000"))
RESULT_FILE = os.environ.get("BENCH_RESULT_FILE")

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
started = time.perf_counter()
# Nearly every bench debtor ends at Legal action (over 60 days late), which ships with an e-mail
# only: it texts too here, so that every message is an e-mail and an SMS, as #15 measures.
env.ref("account_credit_recovery.stage_legal").sms_template_id = env.ref(
    "account_credit_recovery.sms_template_collection_stage"
)
# Mobiles, debtors (with their chatter, which the delivery posts to), links and stale states, committed.
prepare_collection(env, generate(env, INVOICES, DEBTORS), quiet=False)
generated = time.perf_counter() - started
# Issue 27: the planning phase with the credit limits following collection vs without (rolled back).
measure_credit_limits(env)

sql_times = {}
sql_counts = {}
if os.environ.get("BENCH_SQL_PROFILE"):
    # Where the time goes: wall time per SQL statement (first 100 characters), printed at the end.
    from odoo import sql_db

    execute = sql_db.Cursor.execute

    def timed_execute(self, query, params=None, log_exceptions=True):
        begin = time.perf_counter()
        try:
            return execute(self, query, params, log_exceptions)
        finally:
            key = " ".join(str(getattr(query, "code", query)).split())[:100]
            sql_times[key] = sql_times.get(key, 0.0) + time.perf_counter() - begin
            sql_counts[key] = sql_counts.get(key, 0) + 1
            trace = os.environ.get("BENCH_SQL_TRACE")
            if trace and trace in key and sql_counts[key] in (50, 51):
                traceback.print_stack(limit=14)

    sql_db.Cursor.execute = timed_execute

Run = env["credit.recovery.run"]


cpu_before = time.process_time()
queries_before = cr.sql_log_count
started = time.perf_counter()
calls = drive_runs(env)
elapsed = time.perf_counter() - started
cpu = time.process_time() - cpu_before
queries = cr.sql_log_count - queries_before
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
run = Run.search([], limit=1)
print(f"engine: {INVOICES} overdue invoices over {DEBTORS} debtors generated in {generated:.1f} s (SQL)")
print(
    f"engine: run (stage assignment + stage actions + messages queued) in {elapsed:.1f} s, {calls} batches, "
    f"{queries} SQL queries, {cpu:.1f} s of Python CPU, peak RSS {peak:.0f} MiB; "
    f"{run.invoice_count} invoices evaluated, "
    f"{run.stage_change_count} stage actions, {run.dispatch_count} messages queued"
)
for statement, seconds in sorted(sql_times.items(), key=lambda item: -item[1])[:12]:
    print(f"engine: SQL {seconds:6.2f} s  {statement}")
if RESULT_FILE:
    with open(RESULT_FILE, "w", encoding="utf-8") as result:
        result.write(f"{elapsed}\n")


# The next day's run: only the states whose day came (a stage starts, an installment falls due)
# are refreshed (days overdue follow when read), and only those invoices get new actions.
def table_writes():
    """``{table: rows inserted + updated + deleted}`` so far (PostgreSQL's statistics, flushed first)."""
    cr.commit()
    cr.execute("SELECT pg_stat_force_next_flush()")
    cr.commit()  # the backend flushes its statistics when it goes idle after this
    time.sleep(1.5)
    cr.execute("SELECT pg_stat_clear_snapshot()")
    cr.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")
    return dict(cr.fetchall())


tomorrow = datetime.now() + timedelta(days=1)
writes_before = table_writes()
queries_before = cr.sql_log_count
started = time.perf_counter()
with freeze_time(tomorrow):
    drive_runs(env)
next_elapsed = time.perf_counter() - started  # outside freeze_time: a real clock
writes_after = table_writes()
next_run = Run.search([], limit=1)
written_states, open_states, written_debtors = rows_written(env, next_run.date)
print(
    f"engine: next day's run in {next_elapsed:.1f} s, {cr.sql_log_count - queries_before} SQL queries; "
    f"{next_run.invoice_count} invoices evaluated, {next_run.stage_change_count} stage actions (added to the "
    f"messages still queued: {next_run.dispatch_count} new ones); rows written: {written_states} of "
    f"{open_states} open invoices' states, {written_debtors} debtors"
)
written = {table: rows - writes_before.get(table, 0) for table, rows in writes_after.items()}
print(
    "engine: next day's rows written per table (inserted + updated + deleted): "
    + ", ".join(f"{table} {rows}" for table, rows in sorted(written.items(), key=lambda item: -item[1]) if rows)
)
next_ratio = next_elapsed / elapsed
print(
    f"engine: next day's run / first run {next_elapsed:.1f} s / {elapsed:.1f} s = {next_ratio:.2f} "
    f"({check('next day vs first run', next_ratio, target('next_day_ratio', 0.25), 'x', absolute=False)}); "
    f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
)

if os.environ.get("BENCH_NEXT_DAY_ONLY"):  # the run's figures only: no delivery, no mass mail
    sys.stdout.flush()
    os._exit(0)

# Delivery of the queued messages at a moment inside the contact window (a Tuesday, 13:00 UTC,
# the bench debtors' time zone): the clock is fixed, so that the figure does not depend on when
# the bench runs, and every message is really sent.
Dispatch = env["credit.recovery.dispatch"]
moment = datetime.now().replace(hour=13, minute=0, second=0, microsecond=0)
moment += timedelta(days=(1 - moment.weekday()) % 7 or 7)
sample = Dispatch.search([("state", "=", "queued")], limit=DELIVERY_SAMPLE, order="id")
# The sample first in the queue (the others wait for their own moment).
cr.execute(
    SQL(
        "UPDATE credit_recovery_dispatch SET scheduled_at = %s WHERE id = ANY(%s)",
        moment - timedelta(days=30),  # before every other queued message: the sample goes first
        sample.ids,
    )
)
env.invalidate_all()
run_counts = dict(sql_counts)
queries_before = cr.sql_log_count
delivery_cpu_before = time.process_time()
profiler = None
# Where the delivery's Python CPU goes, by sampling (each stack every 0.5 ms of CPU time: the other
# processes of a shared machine do not skew the shares, nor does a profiler's own overhead).
SAMPLED = ("_render_batch", "_post_emails", "html_sanitize", "_post_sms", "_create_automatic_logs", "_seal")
SAMPLED += ("_schedule_stage_activities", "_check_contact_moment", "_get_claims", "default_get")
samples = []
if os.environ.get("BENCH_SAMPLE_DELIVERY"):
    import signal

    def sample_stack(_signum, frame):
        names = set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        samples.append(names)

    signal.signal(signal.SIGPROF, sample_stack)
    signal.setitimer(signal.ITIMER_PROF, 0.0005, 0.0005)
if os.environ.get("BENCH_PROFILE_DELIVERY"):
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
started = time.perf_counter()
with freeze_time(moment):
    delivered = 0
    while delivered < len(sample):
        done, _remaining = Dispatch._deliver_batch(limit=min(len(sample) - delivered, 200))
        delivered += done
        if not done:
            break
elapsed = time.perf_counter() - started
delivery_cpu = time.process_time() - delivery_cpu_before
if profiler:
    import pstats

    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ["BENCH_PROFILE_DELIVERY"]).print_stats(45)
if samples:
    signal.setitimer(signal.ITIMER_PROF, 0, 0)
    shares = ", ".join(
        f"{name} {100 * sum(name in names for names in samples) / len(samples):.0f} %" for name in SAMPLED
    )
    print(f"engine: delivery's Python CPU ({len(samples)} samples, a part counts in those it calls from): {shares}")
queries = cr.sql_log_count - queries_before
states = dict(Dispatch._read_group([("id", "in", sample.ids)], ["state"], ["__count"]))
sent = states.get("sent", 0)
errors = Dispatch.search([("id", "in", sample.ids), ("state", "=", "error")], limit=1)
if sql_counts:
    delivery_counts = {key: count - run_counts.get(key, 0) for key, count in sql_counts.items()}
    for statement, count in sorted(delivery_counts.items(), key=lambda item: -item[1])[:25]:
        print(f"engine: delivery SQL {count:6d}x  {statement}")
if errors:
    print(f"engine: delivery errors ({states.get('error')}), first: {errors.note}")
per_debtor = elapsed / max(len(sample), 1)
print(
    f"engine: delivery of {len(sample)} messages in {elapsed:.1f} s ({per_debtor * 1000:.1f} ms per debtor: e-mail, "
    f"SMS, activity, sealed contact logs, chatter), {queries} SQL queries, {delivery_cpu:.1f} s of Python CPU; "
    f"{sent} sent"
)

# Odoo's own mail composer in mass-mail mode, rendering the same template for the same messages
# (e-mail only: no SMS, no activity, no contact log); everything is rolled back at the end.
# Twice: as Odoo ships it (it compiles the template again for every debtor), and with this
# addon's batch rendering, which applies to the composer too for collection messages.
template = env.ref("account_credit_recovery.mail_template_collection_stage")
mass_sample = sample[:MASS_MAIL_SAMPLE]


def time_mass_mail():
    """``(seconds, Python CPU seconds)`` per debtor of the composer's mass mailing of ``mass_sample``,
    and the e-mails it queued; rolled back after."""
    savepoint = cr.savepoint()
    cpu_before = time.process_time()
    started = time.perf_counter()
    with freeze_time(moment):
        composer = (
            env["mail.compose.message"]
            .with_context(mail_notify_force_send=False)
            .create(
                {
                    "composition_mode": "mass_mail",
                    "model": "credit.recovery.dispatch",
                    "res_ids": str(mass_sample.ids),
                    "template_id": template.id,
                }
            )
        )
        composer._action_send_mail()
        env.flush_all()
    elapsed = time.perf_counter() - started  # outside freeze_time: a real clock
    cpu = time.process_time() - cpu_before
    with freeze_time(moment):
        mails = env["mail.mail"].search_count(
            [("model", "=", "credit.recovery.dispatch"), ("res_id", "in", mass_sample.ids)]
        )
    savepoint.close(rollback=True)
    env.invalidate_all()
    return elapsed / max(len(mass_sample), 1), cpu / max(len(mass_sample), 1), mails


batch_per_debtor, batch_cpu, batch_mails = time_mass_mail()
ours = sys.modules["odoo.addons.account_credit_recovery.models.mail_template"].MailTemplate
batch_rendering = ours.__dict__["_render_template_qweb"]


def stock_rendering(self, *args, **kwargs):
    return super(ours, self)._render_template_qweb(*args, **kwargs)


ours._render_template_qweb = stock_rendering
try:
    stock_per_debtor, _stock_cpu, stock_mails = time_mass_mail()
finally:
    ours._render_template_qweb = batch_rendering
print(
    f"engine: Odoo mass mail (mail.compose.message, mass_mail) of the same template to {len(mass_sample)} of the "
    f"same debtors, e-mail only: {stock_per_debtor * 1000:.1f} ms per debtor as Odoo ships it ({stock_mails} "
    f"e-mails queued), {batch_per_debtor * 1000:.1f} ms with this addon's batch rendering ({batch_mails} queued)"
)
print(f"delivery vs Odoo mass mail: {stock_per_debtor / per_debtor:.2f}x")
batch_ratio = batch_per_debtor / per_debtor
batch_goal = check(
    "delivery vs Odoo mass mail with batch rendering",
    batch_ratio,
    target("delivery_ratio", 1.0),
    "x",
    at_least=True,
    absolute=False,
)
delivery_cpu_per_debtor = delivery_cpu / max(len(sample), 1)
print(
    f"delivery vs Odoo mass mail with this addon's batch rendering: {batch_ratio:.2f}x ({batch_goal}); "
    f"in Python CPU per debtor {batch_cpu * 1000:.1f} / {delivery_cpu_per_debtor * 1000:.1f} ms = "
    f"{batch_cpu / max(delivery_cpu_per_debtor, 1e-9):.2f}x (without the database's time nor the waits for "
    f"a core); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
)
cr.rollback()
