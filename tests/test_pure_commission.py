from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from ..tools import commission
from ..tools.commission import Rule
from .common import PureCase, cases


@tagged("post_install", "-at_install")
class TestPureCommission(PureCase):
    @cases(
        odd=(123.45, 12.5, "15.43"),  # 15.43125
        half_cent_up=(10.04, 12.5, "1.26"),  # 1.255 → 1.26, half up
        binary_float=(0.145, 100, "0.15"),  # 0.145 as written, not 0.14499…
        whole=(1000, 10, "100.00"),
        zero_rate=(500, 0, "0.00"),
    )
    def test_commission_rounds_to_the_cent_once_half_up(self, base, rate, expected):
        self.assertEqual(commission.commission(base, rate), Decimal(expected))

    def test_partial_payments_are_rounded_each_and_added(self):
        # Three partial payments of 100.01, 33.33 and 0.05 at 12.5 %: 12.50125, 4.16625 and
        # 0.00625 round to 12.50, 4.17 and 0.01 (16.68); the sum at once would give 16.67.
        lines = [commission.commission(base, 12.5) for base in (100.01, 33.33, 0.05)]
        self.assertEqual(lines, [Decimal("12.50"), Decimal("4.17"), Decimal("0.01")])
        self.assertEqual(sum(lines), Decimal("16.68"))

    def test_a_reversal_is_the_exact_opposite(self):
        line = commission.commission(33.33, 12.5)
        self.assertEqual(commission.reversal(line), Decimal("-4.17"))
        self.assertEqual(line + commission.reversal(line), 0)
        self.assertEqual(commission.commission(-33.33, 12.5), -line, "a negative base mirrors the positive one")

    def test_stage_at_replays_the_triggers(self):
        stages = [(-3, 1), (1, 2), (15, 3), (60, 4)]
        self.assertIsNone(commission.stage_at(stages, -5))
        self.assertEqual(commission.stage_at(stages, 0), 1)
        self.assertEqual(commission.stage_at(stages, 14), 2)
        self.assertEqual(commission.stage_at(stages, 15), 3)
        self.assertEqual(commission.stage_at(stages, 400), 4)

    def test_the_most_specific_rule_wins(self):
        rules = [
            Rule(1, None, 0, "10"),
            Rule(2, None, 90, "15"),
            Rule(3, 7, 0, "20"),
            Rule(4, 7, 120, "25"),
        ]
        self.assertEqual(commission.pick_rule(rules, 5, 30).rule_id, 1, "any stage, the age band it reached")
        self.assertEqual(commission.pick_rule(rules, 5, 90).rule_id, 2, "the higher minimum of days")
        self.assertEqual(commission.pick_rule(rules, 7, 100).rule_id, 3, "its stage over an age band")
        self.assertEqual(commission.pick_rule(rules, 7, 120).rule_id, 4, "its stage and the higher minimum")
        self.assertIsNone(commission.pick_rule([Rule(1, 7, 0, "10")], 5, 30), "no rule: no commission")
        tie = [Rule(9, None, 0, "12", sequence=20), Rule(8, None, 0, "11", sequence=10)]
        self.assertEqual(commission.pick_rule(tie, None, 0).rule_id, 8, "then the agency's order")

    @cases(
        before_start=(date(2026, 3, 31), None, False),
        on_start=(date(2026, 4, 1), None, True),
        still_assigned=(date(2027, 1, 1), None, True),
        on_recall=(date(2026, 5, 1), date(2026, 5, 1), True),
        last_day_of_tail=(date(2026, 5, 31), date(2026, 5, 1), True),
        after_tail=(date(2026, 6, 1), date(2026, 5, 1), False),
    )
    def test_window(self, paid_on, recalled_on, expected):
        self.assertEqual(commission.in_window(paid_on, date(2026, 4, 1), recalled_on, 30), expected)

    def test_bill_kind(self):
        self.assertEqual(commission.bill_kind([10.5, -4.17]), ("in_invoice", Decimal("6.33")))
        self.assertEqual(commission.bill_kind([1.0, -4.17]), ("in_refund", Decimal("-3.17")))
        self.assertEqual(commission.bill_kind([4.17, -4.17]), ("in_invoice", Decimal("0.00")))
