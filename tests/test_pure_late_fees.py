"""Fine, interest and prescription figures checked against hand-computed values."""

from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from ..tools.late_fees import late_charges, late_charges_lines, prescription_date, prescription_status
from .common import PureCase


@tagged("post_install", "-at_install")
class TestLateFees(PureCase):
    def test_fine_and_pro_rata_interest(self):
        # 1,000.00 overdue 45 days: fine 2 % = 20.00; interest 1 %/30 per day * 45 = 1.5 % = 15.00
        charges = late_charges(1000, date(2026, 1, 10), date(2026, 2, 24), 2, 1)
        assert (charges.days, charges.fine, charges.interest, charges.total) == (
            45,
            Decimal("20.00"),
            Decimal("15.00"),
            Decimal("1035.00"),
        )

    def test_rounding_happens_once_per_amount(self):
        # 333.33 * 1 % / 30 * 7 = 0.77777 -> 0.78 ; fine 333.33 * 2 % = 6.6666 -> 6.67
        charges = late_charges("333.33", date(2026, 3, 1), date(2026, 3, 8), 2, 1)
        assert (charges.fine, charges.interest) == (Decimal("6.67"), Decimal("0.78"))

    def test_nothing_before_or_on_the_due_date(self):
        for on in (date(2026, 2, 28), date(2026, 3, 1)):
            charges = late_charges(500, date(2026, 3, 1), on, 2, 1)
            assert (charges.days, charges.fine, charges.interest) == (0, Decimal("0.00"), Decimal("0.00"))

    def test_interest_is_simple_never_compounded(self):
        year = late_charges(1000, date(2025, 1, 1), date(2026, 1, 1), 0, 1)
        assert year.interest == Decimal("121.67")  # 365 days * 1000 * 0.01 / 30, not (1.01^12 - 1)

    def test_prescription(self):
        assert prescription_date(date(2021, 3, 15)) == date(2026, 3, 15)
        assert prescription_date(date(2024, 2, 29)) == date(2029, 2, 28)
        assert prescription_status(date(2021, 3, 15), date(2026, 3, 15)) == "prescribed"
        assert prescription_status(date(2021, 3, 15), date(2026, 3, 14)) == "soon"
        assert prescription_status(date(2021, 9, 10), date(2026, 3, 15)) == "soon"
        assert prescription_status(date(2021, 9, 12), date(2026, 3, 15)) == "ok"

    def test_fine_cap_holds_on_the_total_to_the_cent(self):
        # R$ 5.400,00 in 7 installments (6 x 771,43 + 771,42): rounded per installment the fine
        # would be 7 x 15,43 = 108,01, one cent above 2 %.
        due, on = date(2026, 1, 10), date(2026, 2, 24)
        lines = [(Decimal("771.43"), due)] * 6 + [(Decimal("771.42"), due)]
        assert sum(late_charges(principal, d, on, 2, 1).fine for principal, d in lines) == Decimal("108.01")
        charges = late_charges_lines(lines, on, 2, 1)
        assert sum(c.fine for c in charges) == Decimal("108.00")
        assert sum(c.principal for c in charges) == Decimal("5400.00")
        assert all(c.fine in (Decimal("15.42"), Decimal("15.43")) for c in charges)

    def test_fine_cap_lines_not_yet_due_have_no_fine(self):
        lines = [(Decimal("100.00"), date(2026, 1, 10)), (Decimal("100.00"), date(2026, 3, 10))]
        charges = late_charges_lines(lines, date(2026, 2, 10), 2, 1)
        assert [c.fine for c in charges] == [Decimal("2.00"), Decimal("0.00")]
