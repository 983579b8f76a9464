"""Negotiation arithmetic, tested without a database."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import tagged

from ..tools.business_days import BusinessCalendar
from ..tools.negotiation import (
    DISCOUNT_CHARGES,
    DISCOUNT_PRINCIPAL,
    DOWN_PAYMENT,
    FIRST_DUE,
    INSTALLMENTS,
    MIN_INSTALLMENT,
    Limits,
    Proposal,
    add_period,
    down_payment_for,
    input_errors,
    limit_violations,
    schedule,
    split,
)
from .common import PureCase, cases

TODAY = date(2026, 4, 1)
CALENDAR = BusinessCalendar(holidays=frozenset({date(2026, 4, 21), date(2026, 5, 1)}))
OCCASIONAL = Limits(Decimal(100), Decimal(10), 12, Decimal(50), Decimal(0), 30)
HIGH_RISK = Limits(Decimal(20), Decimal(0), 3, Decimal(100), Decimal(30), 7)


@tagged("post_install", "-at_install")
class TestNegotiation(PureCase):
    def test_split_puts_the_remainder_on_the_last_installment(self):
        assert split(Decimal("100.00"), 3) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
        assert split(Decimal("0.05"), 2) == [Decimal("0.02"), Decimal("0.03")]
        assert split(Decimal("10"), 1) == [Decimal("10")]
        with self.assertRaises(ValueError):
            split(Decimal(10), 0)

    @given(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2),
        st.integers(min_value=1, max_value=60),
    )
    def test_split_always_sums_to_the_total(self, amount, count):
        parts = split(amount, count)
        assert sum(parts) == amount
        assert len(parts) == count
        assert max(parts) - min(parts) < Decimal("0.01") * count

    def test_negotiated_total_and_discounts(self):
        proposal = Proposal(Decimal("1000.00"), Decimal("35.00"), Decimal(100), Decimal(10))
        assert proposal.discounts() == (Decimal("35.00"), Decimal("100.00"))
        assert proposal.total() == Decimal("900.00")

    def test_schedule_over_a_holiday_and_a_weekend(self):
        proposal = Proposal(
            Decimal("1000.00"),
            Decimal("35.00"),
            down_payment=Decimal("235.00"),
            installments=3,
            first_due=date(2026, 4, 21),
        )
        lines = schedule(proposal, TODAY, CALENDAR)
        assert lines == [
            (TODAY, Decimal("235.00")),
            (date(2026, 4, 22), Decimal("266.66")),  # 21 April is a holiday
            (date(2026, 5, 21), Decimal("266.66")),
            (date(2026, 6, 22), Decimal("266.68")),  # 21 June 2026 is a Sunday
        ]
        assert sum(amount for _due, amount in lines) == proposal.total()

    def test_periods(self):
        assert add_period(date(2026, 1, 31), 1, "monthly") == date(2026, 2, 28)
        assert add_period(date(2026, 11, 30), 3, "monthly") == date(2027, 2, 28)
        assert add_period(date(2026, 4, 1), 2, "biweekly") == date(2026, 4, 29)
        assert add_period(date(2026, 4, 1), 1, "weekly") == date(2026, 4, 8)

    @cases(
        inside=({}, OCCASIONAL, []),
        charges_discount_at=({"discount_charges_percent": Decimal(20)}, HIGH_RISK, []),  # exactly at the limit
        charges_discount_above=({"discount_charges_percent": Decimal("20.01")}, HIGH_RISK, [DISCOUNT_CHARGES]),
        principal_discount_at=({"discount_principal_percent": Decimal(10)}, OCCASIONAL, []),
        principal_discount_above=({"discount_principal_percent": Decimal(11)}, OCCASIONAL, [DISCOUNT_PRINCIPAL]),
        installments_at=({"installments": 12}, OCCASIONAL, []),
        installments_above=({"installments": 13}, OCCASIONAL, [INSTALLMENTS]),
        installments_too_small=({"installments": 25}, OCCASIONAL, [INSTALLMENTS, MIN_INSTALLMENT]),
        first_due_at=({"first_due": date(2026, 5, 1)}, OCCASIONAL, []),  # 30 days
        first_due_above=({"first_due": date(2026, 5, 2)}, OCCASIONAL, [FIRST_DUE]),
    )
    def test_limits_inside_at_and_above(self, changes, limits, expected):
        proposal = Proposal(Decimal("1000.00"), Decimal("35.00"), **{"installments": 2, **changes})
        if limits is HIGH_RISK:
            proposal = Proposal(
                Decimal("1000.00"),
                Decimal("35.00"),
                down_payment=Decimal("310.50"),
                **{"installments": 3, "first_due": date(2026, 4, 8), **changes},
            )
        assert limit_violations(proposal, limits, TODAY) == expected

    def test_high_risk_requires_a_down_payment(self):
        base = {"installments": 3, "first_due": date(2026, 4, 8)}
        total = Proposal(Decimal("1000.00"), Decimal("35.00")).total()  # 1,035.00; 30 % = 310.50
        assert limit_violations(Proposal(Decimal("1000.00"), Decimal("35.00"), **base), HIGH_RISK, TODAY) == [
            DOWN_PAYMENT
        ]
        exact = Proposal(Decimal("1000.00"), Decimal("35.00"), down_payment=total * Decimal("0.3"), **base)
        assert limit_violations(exact, HIGH_RISK, TODAY) == []
        short = Proposal(Decimal("1000.00"), Decimal("35.00"), down_payment=Decimal("310.49"), **base)
        assert limit_violations(short, HIGH_RISK, TODAY) == [DOWN_PAYMENT]

    def test_input_errors(self):
        good = Proposal(Decimal(100), Decimal(5), installments=2, first_due=TODAY)
        assert input_errors(good, TODAY) == []
        assert "first_due_past" in input_errors(Proposal(Decimal(100), Decimal(5), first_due=date(2026, 3, 31)), TODAY)
        assert "installments" in input_errors(Proposal(Decimal(100), Decimal(5), installments=0), TODAY)
        assert "negative" in input_errors(Proposal(Decimal(100), Decimal(5), down_payment=Decimal(-1)), TODAY)
        assert "percent" in input_errors(
            Proposal(Decimal(100), Decimal(5), discount_principal_percent=Decimal(101)), TODAY
        )
        assert "total" in input_errors(Proposal(Decimal(0), Decimal(0)), TODAY)
        assert "down_payment_total" in input_errors(
            Proposal(Decimal(100), Decimal(5), down_payment=Decimal(200)), TODAY
        )

    def test_full_down_payment_is_taken_after_the_discount(self):
        # Charges 35.01, half waived: 17.505 rounds to 17.51, the total is 1017.50 and 100 % of it is the whole total.
        proposal = Proposal(Decimal("1000.00"), Decimal("35.01"), discount_charges_percent=Decimal(50))
        down = down_payment_for(proposal, 100)
        assert down == proposal.total() == Decimal("1017.50")
        paid_today = Proposal(
            Decimal("1000.00"), Decimal("35.01"), discount_charges_percent=Decimal(50), down_payment=down
        )
        assert input_errors(paid_today, date(2026, 11, 23)) == []
        assert schedule(paid_today, date(2026, 11, 23), CALENDAR) == [(date(2026, 11, 23), down)]
        assert down_payment_for(proposal, 20) == Decimal("203.50")

    def test_down_payment_of_a_template_is_never_below_its_percent(self):
        # 10 % of 3,377.32 is 337.732: rounded half up (337.73) it was below a profile's 10 % minimum.
        proposal = Proposal(Decimal("3240.00"), Decimal("137.32"))
        down = down_payment_for(proposal, 10)
        assert down == Decimal("337.74")
        assert down * 100 >= 10 * proposal.total()

    def test_everything_paid_today_is_inside_the_limits(self):
        """A small debt (R$ 97,79) under a profile asking R$ 100 installments and a 10 % down payment:
        paying it all today, as a 100 % down payment or as its one installment due today, is inside
        every limit; one installment later on is not (no down payment, below R$ 100)."""
        recurrent = Limits(Decimal(50), Decimal(5), 6, Decimal(100), Decimal(10), 15)
        debt = {"principal": Decimal("95.00"), "charges": Decimal("2.79")}
        full_down = Proposal(**debt, down_payment=Decimal("97.79"))
        assert limit_violations(full_down, recurrent, TODAY) == []
        for first_due in (TODAY, None):
            assert limit_violations(Proposal(**debt, first_due=first_due), recurrent, TODAY) == []
        later = Proposal(**debt, first_due=date(2026, 4, 10))
        assert limit_violations(later, recurrent, TODAY) == [MIN_INSTALLMENT, DOWN_PAYMENT]
        two_today = Proposal(**debt, installments=2, first_due=TODAY)
        assert limit_violations(two_today, recurrent, TODAY) == [MIN_INSTALLMENT, DOWN_PAYMENT]
