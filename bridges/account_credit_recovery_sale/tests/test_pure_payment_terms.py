from odoo.addons.account_credit_recovery.tests.common import PureCase, cases

from ..tools.payment_terms import is_immediate


class TestPurePaymentTerms(PureCase):
    """Immediate terms: every line due on the invoice date; anything else is a credit sale."""

    @cases(
        no_lines=([],),
        one_line_day_0=([("days_after", 0)],),
        split_on_the_day=([("days_after", 0), ("days_after", 0)],),
    )
    def test_immediate(self, lines):
        self.assertTrue(is_immediate(lines))

    @cases(
        thirty_days=([("days_after", 30)],),
        down_payment_then_30_days=([("days_after", 0), ("days_after", 30)],),
        end_of_month=([("days_after_end_of_month", 0)],),
        end_of_next_month=([("days_after_end_of_next_month", 0)],),
        day_of_next_month=([("days_end_of_month_on_the", 0)],),
    )
    def test_credit(self, lines):
        self.assertFalse(is_immediate(lines))
