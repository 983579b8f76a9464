"""Fine, interest and prescription figures checked against hand-computed values."""

from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..tools.claim import build_claim
from ..tools.late_fees import (
    last_prescribed_due,
    late_charges,
    late_charges_lines,
    prescription_date,
    prescription_status,
)
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
        # 333.33 * 1 % / 30 * 7 = 0.77777 -> 0.78 (half-up); fine 333.33 * 2 % = 6.6666 -> 6.66 (down:
        # 6.67 would be above 2 % of the principal, CDC art. 52 §1)
        charges = late_charges("333.33", date(2026, 3, 1), date(2026, 3, 8), 2, 1)
        assert (charges.fine, charges.interest) == (Decimal("6.66"), Decimal("0.78"))

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

    def test_last_prescribed_due_by_hand(self):
        assert last_prescribed_due(date(2026, 3, 15)) == date(2021, 3, 15)
        # 29 February 2024 prescribes on 28 February 2029, with 28 February 2024.
        assert last_prescribed_due(date(2029, 2, 28)) == date(2024, 2, 29)
        assert last_prescribed_due(date(2029, 3, 1)) == date(2024, 3, 1)

    @given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
    def test_last_prescribed_due_splits_prescribed_from_not(self, today):
        """The Contact now query compares due dates with it: the same split as ``prescription_status``."""
        cutoff = last_prescribed_due(today)
        assert prescription_status(cutoff, today) == "prescribed"
        assert prescription_status(date.fromordinal(cutoff.toordinal() + 1), today) != "prescribed"

    def test_fine_cap_holds_on_the_total_to_the_cent(self):
        # R$ 5.400,00 in 7 installments (6 x 771,43 + 771,42): rounded per installment the fine
        # would be 7 x 15,43 = 108,01, one cent above 2 %.
        due, on = date(2026, 1, 10), date(2026, 2, 24)
        lines = [(Decimal("771.43"), due)] * 6 + [(Decimal("771.42"), due)]
        half_up = sum((p * 2 / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for p, _d in lines)
        assert half_up == Decimal("108.01")
        assert sum(late_charges(principal, d, on, 2, 1).fine for principal, d in lines) <= Decimal("108.00")
        charges = late_charges_lines(lines, on, 2, 1)
        # 2 % of each installment (15,4286 / 15,4284) rounded down: 15,42 each, 107,94 <= 108,00.
        assert sum(c.fine for c in charges) == Decimal("107.94")
        assert sum(c.principal for c in charges) == Decimal("5400.00")
        assert all(c.fine == Decimal("15.42") for c in charges)

    def test_fine_of_one_installment_holds_its_own_cap(self):
        # Two installments of R$ 100,25: 2 % is 2,005 each. The cumulated allocation gave 2,00 and
        # 2,01 (4,01 on 200,50 minus 2,00): the second above its own cap, and the page's PIX code
        # of that installment charged it.
        on = date(2026, 3, 10)
        lines = [(Decimal("100.25"), date(2026, 1, 10)), (Decimal("100.25"), date(2026, 2, 10))]
        charges = late_charges_lines(lines, on, 2, 1)
        assert [c.fine for c in charges] == [Decimal("2.00"), Decimal("2.00")]
        claim = build_claim([(i, "INV", p, d) for i, (p, d) in enumerate(lines)], on, 2, 1)
        assert [line.charges.fine for line in claim.lines] == [Decimal("2.00"), Decimal("2.00")]

    def test_fine_cap_lines_not_yet_due_have_no_fine(self):
        lines = [(Decimal("100.00"), date(2026, 1, 10)), (Decimal("100.00"), date(2026, 3, 10))]
        charges = late_charges_lines(lines, date(2026, 2, 10), 2, 1)
        assert [c.fine for c in charges] == [Decimal("2.00"), Decimal("0.00")]

    def test_issue_28_example_page_offer_and_cap_agree(self):
        # Issue 28: R$ 1.450,15 in three installments. Rounded half-up per installment the fine was
        # 3 x 9,67 = 29,01, above 2 % of the principal (29,003); the page (per installment) and the
        # offer (on the total) then asked amounts a cent apart. One rule: 2 % of each installment
        # rounded down (9,66 x 3 = 28,98), everywhere.
        on = date(2026, 3, 10)
        lines = [
            (Decimal("483.38"), date(2026, 1, 10)),
            (Decimal("483.38"), date(2026, 2, 10)),
            (Decimal("483.39"), date(2026, 2, 20)),
        ]
        half_up = sum((p * 2 / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for p, _d in lines)
        assert half_up == Decimal("29.01")
        charges = late_charges_lines(lines, on, 2, 1)
        assert sum(c.fine for c in charges) == Decimal("28.98")
        claim = build_claim([(i, "INV", p, d) for i, (p, d) in enumerate(lines)], on, 2, 1)
        assert (claim.principal, claim.fine) == (Decimal("1450.15"), Decimal("28.98"))
        assert claim.total == sum(c.total for c in charges)
        assert all(late_charges(p, d, on, 2, 1).fine <= p * 2 / 100 for p, d in lines)

    @settings(deadline=None)  # speed is the benchmarks' business, never a timed test (a loaded machine)
    @given(
        st.lists(
            st.tuples(
                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
                st.integers(min_value=-60, max_value=400),
            ),
            min_size=1,
            max_size=30,
        ),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("2"), places=2),
    )
    def test_fine_never_exceeds_its_cap(self, installments, fine_percent):
        on = date(2026, 6, 1)
        lines = [(principal, date.fromordinal(on.toordinal() - days)) for principal, days in installments]
        overdue = [principal for principal, due in lines if due < on]
        charges = late_charges_lines(lines, on, fine_percent, 1)
        cent = Decimal("0.01")
        total_fine = sum(c.fine for c in charges)
        total_cap = (sum(overdue, Decimal(0)) * fine_percent / 100).quantize(cent, rounding=ROUND_DOWN)
        assert total_fine <= total_cap, "the total fine holds the cap on the total principal"
        for charge, (principal, due) in zip(charges, lines, strict=True):
            line_cap = (principal * fine_percent / 100).quantize(cent, rounding=ROUND_DOWN)
            assert 0 <= charge.fine <= line_cap, "each installment's fine holds its own cap"
            if due < on:
                assert charge.fine == line_cap, "rounded down once per installment: never less than that"
        assert all(not c.fine for c, (_p, due) in zip(charges, lines, strict=True) if due >= on)
        for principal, due in lines:
            assert late_charges(principal, due, on, fine_percent, 1).fine <= principal * fine_percent / 100

    def test_claim_leaves_out_what_is_not_due(self):
        on = date(2026, 3, 10)
        installments = [
            ("a", "INV/1", Decimal("200.00"), date(2026, 2, 10)),
            ("b", "INV/1", Decimal("200.00"), date(2026, 3, 10)),  # due today: not overdue yet
            ("c", "INV/2", Decimal("433.00"), date(2026, 3, 1)),
            ("d", "INV/3", Decimal("1097.45"), date(2026, 4, 10)),
        ]
        claim = build_claim(installments, on, 2, 1)
        assert [line.key for line in claim.lines] == ["a", "c"]
        assert claim.principal == Decimal("633.00")
        assert claim.oldest_due == date(2026, 2, 10)
        assert set(claim.by_move()) == {"INV/1", "INV/2"}
        assert sum(claim.by_move().values()) == claim.total
        assert build_claim([], on, 2, 1).total == 0
