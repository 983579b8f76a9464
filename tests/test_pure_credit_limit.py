from datetime import date

from odoo.tests import tagged

from ..tools import credit_limit as cl
from ..tools import kpi
from .common import PureCase

TODAY = date(2026, 12, 7)


@tagged("post_install", "-at_install")
class TestPureCreditLimit(PureCase):
    def decide(self, **kwargs):
        values = {
            "blocked": False,
            "applied": cl.LIMIT_NORMAL,
            "applied_limit": 0.0,
            "normal": 1000.0,
            "restored_until": None,
            "rule": cl.RestoredRule(),
            "today": TODAY,
        }
        values.update(kwargs)
        return cl.next_limit_state(**values)

    def test_default_rule_blocks_any_restricted_status(self):
        self.assertTrue(cl.credit_blocked("restricted", cl.BlockRule(), None, 1))
        self.assertTrue(cl.credit_blocked("agreement_pending", cl.BlockRule(days=90), None, 0))
        self.assertFalse(cl.credit_blocked("restored", cl.BlockRule(), None, 0))
        self.assertFalse(cl.credit_blocked("normal", cl.BlockRule(), None, 0))

    def test_stage_and_days_thresholds(self):
        rule = cl.BlockRule(stage_rank=(30, 30, 3), days=60)
        self.assertFalse(cl.credit_blocked("restricted", rule, (10, 5, 1), 20), "early stage, few days: may buy")
        self.assertTrue(cl.credit_blocked("restricted", rule, (30, 30, 3), 20), "the chosen stage blocks")
        self.assertTrue(cl.credit_blocked("restricted", rule, (40, 60, 4), 20), "a higher stage blocks")
        self.assertTrue(cl.credit_blocked("restricted", rule, None, 61), "above the days")
        self.assertFalse(cl.credit_blocked("restricted", cl.BlockRule(days=60), None, 60), "not above the days")

    def test_blocked_gets_the_tiny_positive_limit_not_zero(self):
        state = self.decide(blocked=True)
        self.assertEqual((state.state, state.limit, state.reason), (cl.LIMIT_BLOCKED, cl.BLOCKED_LIMIT, "blocked"))
        self.assertGreater(state.limit, 0, "0 is Odoo's 'no limit'")
        self.assertIsNone(self.decide(blocked=True, applied=cl.LIMIT_BLOCKED, applied_limit=0.01).reason)

    def test_restored_limit_of_the_profile_then_the_normal_one(self):
        rule = cl.RestoredRule(percent=50.0, days=90)
        state = self.decide(applied=cl.LIMIT_BLOCKED, applied_limit=0.01, rule=rule)
        self.assertEqual((state.state, state.limit, state.reason), (cl.LIMIT_RESTORED, 500.0, "restored"))
        self.assertEqual(state.restored_until, date(2027, 3, 6), "90 days, the restoration day included")
        kept = self.decide(applied=cl.LIMIT_RESTORED, applied_limit=500.0, restored_until=date(2027, 3, 6), rule=rule)
        self.assertIsNone(kept.reason, "nothing to write during the restored period")
        ended = self.decide(
            applied=cl.LIMIT_RESTORED,
            applied_limit=500.0,
            restored_until=date(2026, 12, 6),
            rule=rule,
        )
        self.assertEqual((ended.state, ended.limit, ended.reason), (cl.LIMIT_NORMAL, 1000.0, "restored_end"))

    def test_restored_at_once_gives_the_normal_limit_back_exactly(self):
        state = self.decide(applied=cl.LIMIT_BLOCKED, applied_limit=0.01, normal=1234.56)
        self.assertEqual((state.state, state.limit, state.reason), (cl.LIMIT_NORMAL, 1234.56, "restored"))

    def test_no_normal_limit_uses_the_profile_amount(self):
        self.assertEqual(cl.restored_limit(0.0, cl.RestoredRule(50.0, 30, 300.0)), 300.0)
        self.assertEqual(cl.restored_limit(0.0, cl.RestoredRule(50.0, 30)), 0.0, "no limit stays no limit")

    def test_override_wins_until_its_day_then_the_collection_limit(self):
        state = self.decide(blocked=True, override_limit=200.0, override_until=TODAY)
        self.assertEqual((state.state, state.limit, state.reason), (cl.LIMIT_OVERRIDE, 200.0, "override"))
        ended = self.decide(
            blocked=True,
            applied=cl.LIMIT_OVERRIDE,
            applied_limit=200.0,
            override_limit=200.0,
            override_until=date(2026, 12, 6),
        )
        self.assertEqual((ended.state, ended.reason), (cl.LIMIT_BLOCKED, "blocked"))
        freed = self.decide(applied=cl.LIMIT_OVERRIDE, applied_limit=200.0)
        self.assertEqual((freed.state, freed.limit, freed.reason), (cl.LIMIT_NORMAL, 1000.0, "override_end"))

    def test_unmanaged_customer_is_left_alone(self):
        self.assertIsNone(self.decide().reason)

    def test_only_leaving_blocked_by_payment_is_a_restoration(self):
        restored = self.decide(applied=cl.LIMIT_BLOCKED, applied_limit=0.01)
        self.assertTrue(cl.is_restoration(cl.LIMIT_BLOCKED, restored))
        overridden = self.decide(applied=cl.LIMIT_BLOCKED, applied_limit=0.01, override_limit=5.0, override_until=TODAY)
        self.assertFalse(cl.is_restoration(cl.LIMIT_BLOCKED, overridden), "a manager's override is no restoration")


@tagged("post_install", "-at_install")
class TestPureRepurchase(PureCase):
    def test_share_of_restored_debtors_who_bought_within_90_days(self):
        restorations = {1: date(2026, 11, 1), 2: date(2026, 11, 10), 3: date(2026, 11, 20), 4: date(2026, 11, 30)}
        purchases = [
            (1, date(2026, 11, 1), 100.0),  # the restoration day counts
            (1, date(2027, 1, 30), 50.0),  # day 90: counts
            (2, date(2027, 2, 9), 70.0),  # day 91: too late
            (2, date(2026, 11, 9), 40.0),  # before the restoration
            (3, date(2026, 12, 1), 25.5),
            (9, date(2026, 12, 1), 999.0),  # not restored in the period
        ]
        result = kpi.repurchase_rate(restorations, purchases)
        self.assertEqual((result.restored, result.bought), (4, 2))
        self.assertEqual(result.rate, 0.5)
        self.assertEqual(result.amount, 175.5)

    def test_no_restoration_no_rate(self):
        result = kpi.repurchase_rate({}, [(1, date(2026, 11, 1), 10.0)])
        self.assertEqual((result.restored, result.bought, result.rate, result.amount), (0, 0, None, 0.0))
