"""Benchmark: the run's planning phase with the customers' credit limits following collection vs
without (issue 27), on the same data in the same process: the debtors enter collection (their credit
status changes to restricted, and their limit is blocked and logged; the run posts no chatter note).

Called by dev/bench_engine.py right after the data is generated (``measure(env)``), before its own
run; each measurement is rolled back (the customers' own limits, committed before the rounds, are put
back after them). ``BENCH_CREDIT_ROUNDS`` rounds (default 5: with 3, on the idle machine, one round
20-25 % faster without the limits than the two others decided the verdict alone), each printing its
ratio. Alone, on a small size (``odoo shell < dev/bench_credit.py`` with ``BENCH_INVOICES``/``BENCH_DEBTORS``), it
generates its data first.
"""

import json
import os
import statistics
import sys
import time

from odoo import sql_db
from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_targets import check, target

TARGET = target("credit_limits_ratio", 1.10)
ROUNDS = int(os.environ.get("BENCH_CREDIT_ROUNDS", "5"))


def _vacuum(env):
    """VACUUM the database, outside the measured transaction (its own autocommit connection): every
    round is rolled back, and a rolled-back round leaves all the rows it wrote behind as dead rows,
    with their index entries (20,000 partners, log rows and notes for a round with the limits; the
    stage actions, messages and debtors for both). A production server's autovacuum clears them
    between two nights; this machine's PostgreSQL runs with ``autovacuum = off``, so each round would
    pay for the ones before it (the partners' UPDATE took 3 times as long after four rounds). Returns
    the seconds it took (not counted)."""
    started = time.perf_counter()
    with sql_db.db_connect(env.cr.dbname).cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("VACUUM"))
    return time.perf_counter() - started


def _plan_once(env, follow, profile=None):
    """Refresh then plan one run of the company with ``credit_limit_follow`` = ``follow``; returns
    ``(plan seconds, debtors planned, limits changed)``. Rolled back by the caller."""
    _vacuum(env)
    policy = env["credit.recovery.policy"].search([("company_id", "=", env.company.id)])
    policy.credit_limit_follow = follow
    run = env["credit.recovery.run"]._start(policy)
    while run._refresh_batch()[0]:
        pass
    run._move_to("plan")
    env.cr.execute(SQL("ANALYZE credit_recovery_invoice"))
    env.cr.execute(SQL("SET LOCAL jit = off"))
    debtors = 0
    if profile:
        profile.enable()
    started = time.perf_counter()
    while True:
        count, _changes, _dispatches, _last = run._plan_batch()
        if not count:
            break
        debtors += count
    seconds = time.perf_counter() - started
    if profile:
        profile.disable()
    changed = env.execute_query(SQL("SELECT COUNT(*) FROM credit_recovery_credit_change"))[0][0]
    return seconds, debtors, changed


def _give_limits(env):
    """The customers have a credit limit of their own (1,500), given back exactly once they pay:
    committed before the rounds, as a store's customers have it before the night's run (written in
    the measured transaction, every partner row would be one this transaction created, whose foreign
    keys PostgreSQL checks again on the planning's UPDATE: a cost no real run has). Returns the
    limits it replaced, for :func:`_restore_limits`."""
    previous = env.execute_query(
        SQL(
            """SELECT p.id, p.credit_limit FROM res_partner p
                 JOIN credit_recovery_debtor d ON d.partner_id = p.id AND d.company_id = %s""",
            env.company.id,
        )
    )
    env.cr.execute(
        SQL(
            """UPDATE res_partner p SET credit_limit = jsonb_build_object(%s::text, 1500.0)
                 FROM credit_recovery_debtor d WHERE d.partner_id = p.id AND d.company_id = %s""",
            env.company.id,
            env.company.id,
        )
    )
    env.cr.commit()
    return previous


def _restore_limits(env, previous):
    env.cr.execute(
        SQL(
            """UPDATE res_partner p SET credit_limit = v.lim
                 FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::jsonb[]) AS lim) v WHERE p.id = v.id""",
            [row[0] for row in previous],
            [json.dumps(row[1]) if row[1] is not None else None for row in previous],
        )
    )
    env.cr.commit()
    env.invalidate_all()


def measure(env, rounds=ROUNDS):
    """Print the planning phase without and with the limits following collection, each round's ratio and
    the ratio of the best of ``rounds`` each (alternated); returns that ratio."""
    env.cr.commit()
    previous = _give_limits(env)
    best = {False: None, True: None}
    details = {}
    ratios = []
    try:
        for number in range(1, rounds + 1):
            times = {}
            for follow in (False, True):
                seconds, debtors, changed = _plan_once(env, follow)
                env.cr.rollback()
                env.invalidate_all()
                times[follow] = seconds
                if best[follow] is None or seconds < best[follow]:
                    best[follow] = seconds
                    details[follow] = (debtors, changed)
            ratios.append(times[True] / times[False])
            if rounds > 1:
                print(
                    f"credit limits, round {number}/{rounds}: {times[True]:.1f} s with vs {times[False]:.1f} s "
                    f"without, {times[True] / times[False]:.2f}x (load average {os.getloadavg()[0]:.1f})"
                )
    finally:
        _restore_limits(env, previous)
    ratio = best[True] / best[False]
    print(
        f"credit limits: planning with limits {best[True]:.1f} s vs without {best[False]:.1f} s, ratio {ratio:.2f} "
        f"({check('credit limits in planning', ratio, TARGET, 'x', absolute=False)}; {details[True][0]} debtors "
        f"entering collection, {details[True][1]} limits blocked and logged; best of {rounds} round(s) "
        f"alternated, median of the rounds' ratios {statistics.median(ratios):.2f}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    return ratio


if __name__ == "__main__" and "env" in globals():
    from bench_data import generate, prepare_collection

    env = env  # noqa: F821, PLW0127 - provided by odoo shell
    if not env.execute_query(SQL("SELECT 1 FROM account_move WHERE ref LIKE 'bench-%%' LIMIT 1")):
        invoices = int(os.environ.get("BENCH_INVOICES", "5000"))
        prepare_collection(env, generate(env, invoices, int(os.environ.get("BENCH_DEBTORS", "1000"))))
    if os.environ.get("BENCH_CREDIT_PROFILE"):
        import cProfile
        import pstats

        from odoo import sql_db

        sql_times = {}
        execute = sql_db.Cursor.execute

        def timed_execute(self, query, params=None, log_exceptions=True):
            begin = time.perf_counter()
            try:
                return execute(self, query, params, log_exceptions)
            finally:
                key = " ".join(str(getattr(query, "code", query)).split())[:90]
                sql_times[key] = sql_times.get(key, 0.0) + time.perf_counter() - begin

        sql_db.Cursor.execute = timed_execute
        profiler = cProfile.Profile()
        previous = _give_limits(env)
        _plan_once(env, True, profiler)
        env.cr.rollback()
        _restore_limits(env, previous)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        for statement, seconds in sorted(sql_times.items(), key=lambda item: -item[1])[:15]:
            print(f"SQL {seconds:6.2f} s  {statement}")
    else:
        measure(env)
    env.cr.rollback()
