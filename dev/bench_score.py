"""Benchmark: the monthly fit of the payment model over a year of history of N invoices and M debtors.

Run by `make bench` through `odoo shell`, after the KPI benchmark and before *Contact now* on the
same database (its invoices are reused; generated here when absent). The history, written in SQL
and rolled back at the end, follows a known rule:

- the invoices are spread over the last 12 months (invoice ``i`` due ``i mod 365`` days ago, sold 30
  days before), 5 per debtor, of 50 to 525 (``50 + 25 x (i mod 20)``);
- debtor ``d`` is of kind ``d mod 4``, whose monthly chance of paying an installment still owed is
  55 %, 30 %, 15 % or 5 %: an installment is paid ``30 x j + r`` days after its due date, ``j``
  geometric with that chance (drawn from a hash of the installment), ``r`` from 1 to 28, in full,
  unless that day is still to come.

The model never sees the kind: it learns it from what the history shows (days late, past late
payments, installments, tenure...). Times ``credit.recovery.policy._fit_score_model`` (target: 60 s
on the developers' 2-core machine) and its peak memory (the process's peak resident size, target
1 GiB), and prints the hold-out's calibration table (target: every decile within 5 points). The
fitted model is then stored on the company's policy (committed) so that *Contact now*'s benchmark,
next, ranks with it.
"""

import os
import resource
import sys
import time

from odoo import fields
from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import generate, year_of_history
from bench_targets import check, target

from odoo.addons.account_credit_recovery.tools.score import calibration_gap

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
TARGET = target("score_fit", 60)
MEMORY_TARGET = target("score_fit_mib", 1024)
CALIBRATION_TARGET = target("score_calibration", 5)

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
today = fields.Date.context_today(env.user)
cr.execute(SQL("SELECT COUNT(*) FROM account_move WHERE ref LIKE %s", "bench-%"))
if not cr.fetchone()[0]:
    partner_ids = generate(env, INVOICES, DEBTORS)
    env["credit.recovery.debtor"]._get_or_create({(partner, env.company.id) for partner in partner_ids})
    env.flush_all()
    cr.execute(
        SQL(
            """UPDATE account_move m SET recovery_debtor_id = d.id FROM credit_recovery_debtor d
                WHERE d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id AND m.ref LIKE %s""",
            "bench-%",
        )
    )
    cr.commit()
payments = year_of_history(env, today)
for table in ("account_partial_reconcile", "account_move_line", "account_move", "credit_recovery_debtor"):
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
policy = env["credit.recovery.policy"]._get_company_policies(env.company)[env.company.id]
env.invalidate_all()
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
model = policy._fit_score_model(today)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if not model:
    print(f"score: no model fitted ({policy.score_model_rows} debtor-months) — MISSED")
    sys.exit(1)
metrics = model["metrics"]
gap = calibration_gap(model["calibration"])
print(
    f"score: monthly fit over {INVOICES} invoices, {DEBTORS} debtors, {payments} payments, "
    f"{policy.score_model_rows} debtor-months ({model['history']['from']} to {model['history']['to']}) "
    f"in {elapsed:.1f} s ({check('score fit', elapsed, TARGET, 's')}: the history's query "
    f"{model['seconds']['history']:.1f} s, the fit {model['seconds']['fit']:.1f} s); peak memory {peak:.0f} MiB "
    f"(the process, {rss_before:.0f} MiB before the fit; {check('score fit memory', peak, MEMORY_TARGET, 'MiB')})"
)
print(
    f"score: hold-out {metrics['test_rows']} debtor-months (trained on {metrics['train_rows']}), "
    f"AUC {metrics['auc']:.3f}, Brier {metrics['brier']:.4f}, paid within 30 days {metrics['base_rate']:.1f} %"
)
print(
    "score: calibration (decile: predicted -> observed) "
    + ", ".join(f"{row['decile']}: {row['predicted']:.1f} -> {row['observed']:.1f} %" for row in model["calibration"])
    + f"; largest gap {gap:.1f} points "
    + f"({check('score calibration', gap, CALIBRATION_TARGET, 'points', absolute=False)})"
)
# The bench history goes; the model fitted on it stays, for Contact now's benchmark.
stored = {key: policy[key] for key in ("score_model_date", "score_model_rows", "score_model_from", "score_model_to")}
cr.rollback()
env.invalidate_all()
policy.write(
    {
        **stored,
        "score_model": model,
        "score_model_state": "fitted",
        "score_model_auc": metrics["auc"],
        "score_model_brier": metrics["brier"],
    }
)
cr.commit()
