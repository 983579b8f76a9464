from datetime import date

from odoo.tests import tagged

from ..tools import kpi
from .common import PureCase


@tagged("post_install", "-at_install")
class TestPureKpi(PureCase):
    def test_buckets_cover_the_edges(self):
        self.assertEqual(kpi.aging_bucket(-5), "not_due")
        self.assertEqual(kpi.aging_bucket(0), "not_due")
        self.assertEqual(kpi.aging_bucket(1), "d1_30")
        self.assertEqual(kpi.aging_bucket(30), "d1_30")
        self.assertEqual(kpi.aging_bucket(31), "d31_60")
        self.assertEqual(kpi.aging_bucket(90), "d61_90")
        self.assertEqual(kpi.aging_bucket(180), "d91_180")
        self.assertEqual(kpi.aging_bucket(181), "d180_plus")

    def test_dso_standard_best_possible_and_add(self):
        # AR 2,900 of which 2,000 not due; 2,300 sold in a 31-day month.
        dso = kpi.dso_standard(2900, 2300, 31)
        bpdso = kpi.best_possible_dso(2000, 2300, 31)
        self.assertAlmostEqual(dso, 39.0870, places=3)
        self.assertAlmostEqual(bpdso, 26.9565, places=3)
        self.assertAlmostEqual(kpi.average_days_delinquent(dso, bpdso), 12.1304, places=3)
        self.assertIsNone(kpi.dso_standard(100, 0, 30), "no sales: no DSO rather than a division by zero")

    def test_dso_countback_walks_back_the_months(self):
        # 2,900 of AR: March's 2,300 (31 d), February's 500 (29 d), then 100 of January's 1,000 (31 d).
        self.assertAlmostEqual(kpi.dso_countback(2900, [(31, 2300), (29, 500), (31, 1000)]), 63.1)
        self.assertAlmostEqual(kpi.dso_countback(1150, [(30, 2300)]), 15.0)
        self.assertEqual(kpi.dso_countback(0, [(30, 100)]), 0.0)

    def test_cei(self):
        self.assertAlmostEqual(kpi.cei(1500, 2300, 2900, 2000), 50.0)
        self.assertAlmostEqual(kpi.cei(1000, 0, 0, 0), 100.0)
        self.assertIsNone(kpi.cei(0, 0, 0, 0))

    def test_roll_rates(self):
        flows = {("d1_30", "d31_60"): 600.0, ("not_due", "d1_30"): 0.0}
        opening = {"d1_30": 1000.0, "not_due": 500.0, "d31_60": 0.0}
        rates = kpi.roll_rates(flows | {("d31_60", "d61_90"): 0.0}, opening)
        self.assertEqual(rates[("d1_30", "d31_60")], 60.0)
        self.assertEqual(rates[("not_due", "d1_30")], 0.0)
        self.assertNotIn(("d31_60", "d61_90"), rates, "nothing was in 31-60 at the opening")

    def test_months(self):
        self.assertEqual(kpi.month_bounds(date(2024, 2, 10)), (date(2024, 2, 1), date(2024, 2, 29)))
        self.assertEqual(kpi.previous_month_end(date(2024, 3, 15)), date(2024, 2, 29))

    def test_wilson_interval_and_significance(self):
        # 40 successes out of 100: p = 0.4, Wilson 95 % interval 30.94 %-49.80 %.
        prop = kpi.wilson_interval(40, 100)
        self.assertAlmostEqual(prop.rate, 40.0)
        self.assertAlmostEqual(prop.low, 30.94, places=2)
        self.assertAlmostEqual(prop.high, 49.80, places=2)
        self.assertIsNone(kpi.wilson_interval(0, 0).rate)
        # 40/100 against 60/100: pooled p 0.5, z = -0.2 / sqrt(0.25 x 0.02) = -2.828.
        self.assertAlmostEqual(kpi.two_proportion_z(40, 100, 60, 100), -2.8284, places=3)
        self.assertLess(abs(kpi.two_proportion_z(48, 100, 52, 100)), kpi.Z95, "4 points on 100 each: not significant")

    def test_payment_score_is_transparent(self):
        fresh = kpi.ScoreFactors(0, 3, 0, 2, True, 0, True)
        old = kpi.ScoreFactors(180, 0, 3, None, False, 100, False)
        score, reasons = kpi.payment_score(fresh)
        # 50 + 15 (fresh) + 15 (kept) + 10 (recent) + 10 (reached) + 5 (profile) + 5 (contactable) = 110 -> 100.
        self.assertEqual(score, 1.0)
        self.assertIn(("promises_kept", 15.0), reasons)
        score, reasons = kpi.payment_score(old)
        # 50 - 15 (old) - 20 (broken) - 5 (profile) = 10.
        self.assertAlmostEqual(score, 0.10)
        self.assertEqual(dict(reasons), {"days_late": -15.0, "promises_broken": -20.0, "profile": -5.0})
        score, _reasons = kpi.payment_score(old, {"promises_broken": 0})
        self.assertAlmostEqual(score, 0.30, msg="weights come from the policy")

    def test_variants_are_balanced_and_stable(self):
        draws = [kpi.pick_variant(debtor_id, 7) for debtor_id in range(1, 2001)]
        # 2,000 fair draws: 1,000 +/- 3 standard deviations (67) for each variant.
        self.assertLess(abs(draws.count("a") - 1000), 67)
        self.assertEqual(draws, [kpi.pick_variant(debtor_id, 7) for debtor_id in range(1, 2001)], "stable")
        other_stage = [kpi.pick_variant(debtor_id, 8) for debtor_id in range(1, 2001)]
        self.assertNotEqual(draws, other_stage, "each stage draws anew")
        # Not a parity of ids: even and odd debtors are split alike.
        self.assertLess(abs(draws[1::2].count("a") - 500), 48)

    def test_fold_recovery_credits_each_payment_to_its_contact_or_to_none(self):
        def row(kind, amount, channel=None, user_id=None, stage_id=None, template=None, days=None, n=0):
            return {
                "kind": kind,
                "amount": amount,
                "channel": channel,
                "user_id": user_id,
                "stage_id": stage_id,
                "template": template,
                "days": days,
                "n": n,
            }

        rows = [
            row("entered", 1000.0),
            row("entered:channel", 600.0, template="email"),
            row("entered:channel", 400.0, template="sms"),
            row("entered:agent", 1000.0, template="7"),
            row("collected", 150.0, channel="email", user_id=7, stage_id=3, days=12.0, n=2),
            row("collected", 50.0, channel="sms", user_id=7, stage_id=None, days=4.0, n=1),
            row("collected:unattributed", 25.0),
        ]
        result = kpi.fold_recovery(rows, "unattributed")
        self.assertEqual((result["amount_entered"], result["amount_collected"]), (1000.0, 225.0))
        self.assertAlmostEqual(result["recovery_rate"], 22.5)
        self.assertAlmostEqual(result["avg_days_contact_to_payment"], 16.0 / 3)
        self.assertEqual(result["recovery_by_channel"]["email"], {"entered": 600.0, "collected": 150.0, "rate": 25.0})
        self.assertEqual(result["recovery_by_channel"]["unattributed"]["collected"], 25.0)
        self.assertEqual(result["recovery_by_agent"]["7"]["collected"], 200.0)
        self.assertEqual(result["recovery_by_stage"]["none"]["collected"], 50.0, "a contact without a stage")
        self.assertIsNone(kpi.fold_recovery([], "unattributed")["recovery_rate"], "nothing entered: no rate")
