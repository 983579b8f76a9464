"""Targets of `make bench`: printed with the machine they hold for; a miss is recorded, never fatal.

Every bench script prints all its lines and, for each figure past its target, appends one line to
the file named by ``BENCH_MISSES_FILE``. ``make bench`` runs every step whatever the others gave,
then ``dev/bench_summary.py`` prints the ratios, the targets missed, and exits non-zero only then
(#29: one step's miss used to hide the OCA ratio). An absolute time only holds on the machine it
was set for: each says which. ``BENCH_TARGET_<NAME>`` overrides a target (e.g.
``BENCH_TARGET_KPIS=0.001`` to see how a miss is reported).
"""

import os

from odoo.tools import SQL

MACHINE = "the developers' 2-core machine"


def target(name, default):
    """The target ``name`` (seconds, milliseconds or a ratio), ``BENCH_TARGET_<NAME>`` when set."""
    return float(os.environ.get(f"BENCH_TARGET_{name.upper()}", default))


def check(what, value, limit, unit, *, at_least=False, absolute=True):
    """Text of the target of ``value`` (in ``unit``), "MISSED" appended and the miss recorded when past it.

    ``absolute``: a time, which says the machine it holds for; a ratio of the same run does not.
    """
    missed = value < limit if at_least else value > limit
    text = f"target {'≥' if at_least else '≤'} {limit:g}{'x' if unit == 'x' else ' ' + unit}"
    if absolute:
        text += f" on {MACHINE}"
    if missed:
        text += " — MISSED"
        shown = f"{value:.1f}x" if unit == "x" else f"{value:.2f} {unit}".replace(".00 ms", " ms")
        path = os.environ.get("BENCH_MISSES_FILE")
        if path:
            with open(path, "a", encoding="utf-8") as misses:
                misses.write(f"{what}: {shown}, {text.removesuffix(' — MISSED')}\n")
    return text


def rows_written(env, day):
    """``(state rows written, open states, debtor rows written)`` by the runs of ``day``: the states whose
    ``refresh_date`` is that day (the refresh rewrites only those), and the debtors it planned (the
    plan phase rewrites each one it plans: ``planned_run_id``; it plans only the debtors with something
    to plan, #29). The bench also prints every table's rows written, from PostgreSQL's statistics."""
    env.flush_all()
    ((states, open_states),) = env.execute_query(
        SQL(
            """SELECT COUNT(*) FILTER (WHERE refresh_date = %s),
                      COUNT(*) FILTER (WHERE oldest_due_date IS NOT NULL OR stage_id IS NOT NULL)
                 FROM credit_recovery_invoice""",
            day,
        )
    )
    ((debtors,),) = env.execute_query(
        SQL(
            """SELECT COUNT(*) FROM credit_recovery_debtor d JOIN credit_recovery_run r ON r.id = d.planned_run_id
                WHERE r.date = %s""",
            day,
        )
    )
    return states, open_states, debtors
