import math
import re
from datetime import date, datetime, timedelta

import numpy as np
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.credit_recovery_policy_score import history_month_ends
from ..tools import score
from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)
# 2026-11-23 is a Monday; 12:00 UTC is 09:00 in São Paulo, inside the contact window.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
# The hand-built history: ten classes of debtors, each owing one installment of its class's amount;
# at each month end, of a class's debtors still owing, the share h = sigmoid(A + B x ln(1 + amount))
# pays within the next 30 days (exactly, the rounding carried over): the true probability is known.
A, B = -6.34, 0.843
CLASSES, PER_CLASS = 10, 120


def class_amount(index):
    return round(100 * 1.5**index, 2)


def class_probability(index):
    return 1 / (1 + math.exp(-(A + B * math.log(1 + class_amount(index)))))


def simulate(month_ends):
    """``(debtors, rows)``: per debtor ``(class, due, paid on or None)``; ``rows`` the debtor-months
    with something overdue at a month end (the fit's history, counted by hand)."""
    debtors = []
    for index in range(CLASSES * PER_CLASS):
        cohort = index % 6  # due on the 15th of one of six months, Oct 2025 to Mar 2026
        due = date(2025 + (9 + cohort) // 12, (9 + cohort) % 12 + 1, 15)
        debtors.append([index // PER_CLASS, due, None, index])
    rows = 0
    carry = [0.0] * CLASSES
    by_class = [[debtor for debtor in debtors if debtor[0] == klass] for klass in range(CLASSES)]
    for month_end in month_ends:
        for klass in range(CLASSES):
            owing = [debtor for debtor in by_class[klass] if debtor[1] < month_end and not debtor[2]]
            rows += len(owing)
            carry[klass] += class_probability(klass) * len(owing)
            paying = int(carry[klass] + 0.5)
            carry[klass] -= paying
            # Which of them pay: a fixed shuffle, unrelated to the due month.
            owing.sort(key=lambda debtor: (debtor[3] * 7919) % 1201)
            for debtor in owing[:paying]:
                debtor[2] = month_end + timedelta(days=10)
    return debtors, rows


@tagged("post_install", "-at_install")
class TestScoreModel(CreditRecoveryCommon):
    """The model fitted on a hand-built history whose answer is known."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.month_ends = history_month_ends(TODAY)
        cls.debtors, cls.rows = simulate(cls.month_ends)
        cls.build_history(cls.debtors)

    @classmethod
    def build_history(cls, debtors):
        """The invoices and payments of ``debtors`` written in SQL (an invoice posted through the ORM
        is cloned: 1,200 invoices through the ORM would take minutes)."""
        env, cr = cls.env, cls.env.cr
        template = cls.create_invoice(100.0, date(2025, 9, 15), date(2025, 10, 15))
        cr.execute(SQL("UPDATE account_move SET recovery_debtor_id = NULL WHERE id = %s", template.id))
        quiet = env["res.partner"].with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        partners = quiet.create([{"name": f"History debtor {n}"} for n in range(len(debtors))])
        debtor_ids = quiet.env["credit.recovery.debtor"]._get_or_create({(p.id, cls.company.id) for p in partners})
        env.flush_all()

        def columns(table, skip):
            cr.execute(
                SQL(
                    """SELECT column_name FROM information_schema.columns
                        WHERE table_name = %s AND column_name <> ALL(%s)""",
                    table,
                    skip,
                )
            )
            return [row[0] for row in cr.fetchall()]

        move_skip = ["id", "name", "ref", "partner_id", "commercial_partner_id", "invoice_date", "invoice_date_due"]
        move_skip += ["date", "sequence_number", "recovery_debtor_id"]
        move_cols = columns("account_move", move_skip)
        cr.execute(
            SQL(
                """INSERT INTO account_move (name, ref, partner_id, commercial_partner_id, invoice_date,
                                             invoice_date_due, date, sequence_number, recovery_debtor_id, %s)
                   SELECT 'HIST/' || n, 'hist-' || n, d.partner, d.partner, d.due - 30, d.due, d.due - 30, 100000 + n,
                          d.debtor, %s
                     FROM account_move m,
                          unnest(%s::int[], %s::int[], %s::date[]) WITH ORDINALITY AS d(partner, debtor, due, n)
                    WHERE m.id = %s""",
                SQL(", ".join(move_cols)),
                SQL(", ".join(f"m.{col}" for col in move_cols)),
                partners.ids,
                [debtor_ids[partner.id, cls.company.id] for partner in partners],
                [debtor[1] for debtor in debtors],
                template.id,
            )
        )
        line_cols = columns("account_move_line", ["id", "move_id", "partner_id", "date_maturity", "date", "balance"])
        amounts = {f"hist-{n + 1}": class_amount(debtor[0]) for n, debtor in enumerate(debtors)}
        cr.execute(
            SQL(
                """INSERT INTO account_move_line (move_id, partner_id, date_maturity, date, balance, %s)
                   SELECT m.id, m.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN m.invoice_date_due END,
                          m.date, SIGN(l.balance) * a.amount, %s
                     FROM account_move m
                     JOIN unnest(%s::text[], %s::numeric[]) AS a(ref, amount) ON a.ref = m.ref
                     JOIN account_move_line l ON l.move_id = %s""",
                SQL(", ".join(line_cols)),
                SQL(", ".join(f"l.{col}" for col in line_cols)),
                list(amounts),
                list(amounts.values()),
                template.id,
            )
        )
        paid = [(f"hist-{n + 1}", debtor[2]) for n, debtor in enumerate(debtors) if debtor[2]]
        cr.execute(
            SQL(
                """INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount, debit_amount_currency,
                                                          credit_amount_currency, company_id, max_date)
                   SELECT debit.id, credit.id, debit.balance, debit.balance, debit.balance, debit.company_id, p.day
                     FROM unnest(%s::text[], %s::date[]) AS p(ref, day)
                     JOIN account_move m ON m.ref = p.ref
                     JOIN account_move_line debit ON debit.move_id = m.id AND debit.balance > 0
                                                 AND debit.date_maturity IS NOT NULL
                     JOIN LATERAL (SELECT id FROM account_move_line c WHERE c.move_id = m.id AND c.balance < 0 LIMIT 1)
                          credit ON TRUE""",
                [ref for ref, _day in paid],
                [day for _ref, day in paid],
            )
        )
        env.invalidate_all()

    def fit(self):
        with freeze_time(TODAY):
            self.policy.with_user(self.manager).action_fit_score_model()
        return self.policy.score_model

    def test_history_is_read_as_built(self):
        day, debtor, matrix, outcome = self.env["credit.recovery.score"]._features(
            self.company.id, self.month_ends, TODAY
        )
        self.assertEqual(len(day), self.rows, "one row per debtor and month end with something overdue")
        self.assertFalse(np.isnan(outcome).any(), "every month end of the history has its 30 days passed")
        # The amount feature is the class's amount; paying is the class's share, month after month.
        amount = matrix[:, score.FEATURES.index("amount")]
        for klass in (0, 9):
            rows = np.isclose(amount, math.log(1 + class_amount(klass)))
            self.assertAlmostEqual(outcome[rows].mean(), class_probability(klass), delta=0.02)
        first = day == np.datetime64(self.month_ends[0])
        days_late = matrix[first, score.FEATURES.index("days_late")]
        self.assertEqual(set(days_late), {(self.month_ends[0] - date(2025, 10, 15)).days})
        self.assertEqual(len(set(debtor[first])), CLASSES * PER_CLASS // 6, "the first cohort only, at first")

    def test_fit_ranks_and_is_calibrated_on_the_latest_months(self):
        model = self.fit()
        policy = self.policy
        self.assertEqual(policy.score_model_state, "fitted")
        self.assertEqual(policy.score_model_rows, self.rows)
        self.assertEqual((policy.score_model_from, policy.score_model_to), (date(2025, 10, 31), date(2026, 9, 30)))
        self.assertTrue(policy.score_model_date)
        metrics = model["metrics"]
        self.assertEqual(metrics["train_rows"] + metrics["test_rows"], self.rows)
        self.assertEqual(len(model["calibration"]), 10)
        for row in model["calibration"]:
            self.assertAlmostEqual(row["predicted"], row["observed"], delta=5, msg=f"decile {row['decile']}")
        observed = [row["observed"] for row in model["calibration"]]
        self.assertGreater(observed[-1], observed[0] + 20, "it ranks: the top decile pays far more often")
        self.assertGreater(metrics["auc"], 0.6, "it ranks")
        self.assertAlmostEqual(policy.score_model_auc, metrics["auc"], places=3)
        self.assertLess(policy.score_model_brier, 0.25)
        self.assertGreater(model["coef"][score.FEATURES.index("amount")], 0, "the larger, the likelier, as built")
        self.assertIn("Observed (%)", policy.score_model_report)
        self.assertIn("o_score_calibration", policy.score_model_report)

    def test_below_the_minimum_history_hand_weights_stay_and_the_tab_says_so(self):
        self.policy.score_min_history = self.rows + 1
        self.assertFalse(self.fit())
        self.assertEqual(self.policy.score_model_state, "insufficient")
        self.assertEqual(self.policy.score_model_rows, self.rows)
        self.assertIn("History too short", self.policy.score_model_report)
        self.assertIn(f"{self.rows + 1} needed", self.policy.score_model_report)
        self.assertIsNone(self.policy._get_score_model())
        self.assertEqual(self.policy._score_debtors([1, 2], TODAY), {})

    def test_only_a_manager_fits(self):
        with self.assertRaises(AccessError):
            self.policy.with_user(self.agent).action_fit_score_model()

    def test_monthly_cron_fits_each_company(self):
        """Through Odoo's cron runner (``ir.cron._process_job``), its cursor the test's."""
        cron = self.env.ref("account_credit_recovery.ir_cron_fit_score_models")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "months"))
        cron.active = True
        job = {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0}
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with freeze_time(TODAY), self.registry.cursor() as cron_cr:
                self.registry["ir.cron"]._process_job(self.env.cr.dbname, cron_cr, job)
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()
        self.assertEqual(self.policy.score_model_state, "fitted")
        self.assertEqual(self.policy.score_model_rows, self.rows)
        env = api.Environment(self.env.cr, SUPERUSER_ID, {})
        remaining = env["credit.recovery.policy"].search(
            [("company_id", "!=", False), ("score_model_date", "=", False)]
        )
        self.assertFalse(remaining, "every active policy fitted (or told its history is too short)")


@tagged("post_install", "-at_install")
class TestScoreContactNow(CreditRecoveryCommon):
    """*Contact now* ranks by amount x calibrated probability and says why."""

    MODEL = {
        "features": list(score.FEATURES),
        "means": [60.0, 6.0] + [0.0] * (len(score.FEATURES) - 2),
        "scales": [30.0, 1.0] + [1.0] * (len(score.FEATURES) - 2),
        # The later, the much less likely; the amount a little likelier; nothing else.
        "coef": [-1.5, 0.2] + [0.0] * (len(score.FEATURES) - 2),
        "intercept": -1.0,
        "metrics": {"auc": 0.7, "brier": 0.2, "train_rows": 800, "test_rows": 200, "base_rate": 20.0},
        "calibration": [],
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        br, tz = cls.env.ref("base.br").id, "America/Sao_Paulo"
        cls.customers = {}
        # (name, amount, days late): a large old debt, a middle one, a small fresh one.
        for name, amount, late in (("Old", 3000.0, 150), ("Middle", 1500.0, 75), ("Fresh", 800.0, 12)):
            partner = cls.env["res.partner"].create(
                {"name": name, "country_id": br, "tz": tz, "mobile": f"+55 11 98765-{int(amount):04d}"}
            )
            due = TODAY - timedelta(days=late)
            cls.create_invoice(amount, due - timedelta(days=30), due, partner=partner)
            cls.customers[name] = partner
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtors = {name: p.with_company(cls.company).recovery_debtor_id for name, p in cls.customers.items()}

    def fitted(self):
        self.policy.sudo().write({"score_model": self.MODEL, "score_model_state": "fitted"})

    @freeze_time(MONDAY_9H_SP)
    def test_ranked_by_amount_times_probability_with_each_factor_s_contribution(self):
        self.fitted()
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertEqual(len(rows), 3)
        expected = {}
        for row in rows:
            late = (TODAY - (TODAY - timedelta(days=row.days_overdue))).days
            matrix = np.zeros((1, len(score.FEATURES)))
            matrix[0, 0] = row.debtor_id.days_overdue
            matrix[0, 1] = math.log(1 + row.amount_claimable)
            logit = float(score.logits(matrix, self.MODEL)[0])
            expected[row.partner_id.name] = (row.amount_claimable * score.sigmoid(logit), logit, late)
            self.assertAlmostEqual(row.expected_recovery, expected[row.partner_id.name][0], places=2)
            # Why: each factor's contribution, adding up (with the intercept) to the logit.
            parts = [float(value) for value in re.findall(r"([+-]\d+\.\d+)", row.reasons)]
            self.assertIn("days late", row.reasons)
            self.assertAlmostEqual(self.MODEL["intercept"] + sum(parts), logit, delta=0.02)
        order = sorted(expected, key=lambda name: -expected[name][0])
        self.assertEqual(rows.mapped("partner_id.name"), order)
        self.assertEqual(order[-1], "Old", "3,000 at 150 days is worth less than 800 fresh: not by amount alone")

    @freeze_time(MONDAY_9H_SP)
    def test_without_a_fitted_model_the_hand_weights_rank(self):
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertEqual(rows.mapped("partner_id.name")[0], "Old", "the hand weights favour the amount")
        self.assertIn("days late", rows[0].reasons)
        self.assertRegex(rows[0].reasons, r"days late [+-]\d+(\.\d)?(,|$)")

    @freeze_time(MONDAY_9H_SP)
    def test_a_manager_reviews_and_overrides_with_a_logged_reason(self):
        self.fitted()
        old = self.debtors["Old"]
        self.assertRegex(old.with_user(self.manager).score_explanation, r"^1 %: days late -4\.50, amount \+0\.40$")
        with self.assertRaises(AccessError):
            old.with_user(self.agent).write(
                {"score_overridden": True, "score_override": 90, "score_override_reason": "x"}
            )
        with self.assertRaises(ValidationError):
            old.with_user(self.manager).write({"score_overridden": True, "score_override": 90})
        # The tests' environment disables tracking; the app's does not.
        old.with_user(self.manager).with_context(tracking_disable=False, mail_notrack=False).write(
            {"score_overridden": True, "score_override": 90, "score_override_reason": "Paid at the store, not booked"}
        )
        self.env.flush_all()
        self.env.cr.flush()  # the tracking is written by a pre-commit hook
        tracked = old.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "score_override")
        self.assertEqual(tracked.new_value_integer, 90, "the override is logged on the debtor")
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertEqual(rows[0].debtor_id, old, "3,000 at 90 %: first")
        self.assertEqual(rows[0].score, 90)
        self.assertIn("manager override: Paid at the store, not booked", rows[0].reasons)
