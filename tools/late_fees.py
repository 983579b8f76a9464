"""Late fine, default interest and prescription: exact decimal arithmetic.

One rounding rule, everywhere: the fine is rounded DOWN to the cent on each overdue installment's
principal (so neither an installment's fine nor the debt's total ever exceeds the percentage: both
caps hold); the interest is rounded half-up to the cent per installment.

Brazilian defaults: fine at most 2 % of the overdue installment for consumers (CDC
art. 52 §1); default interest simple, pro rata die (monthly rate / 30 per day), never
compounded (STF Súmula 121); prescription 5 years after the due date (CC art. 206 §5 I).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

PRESCRIPTION_YEARS = 5
PRESCRIPTION_WARNING_DAYS = 180


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LateCharges:
    principal: Decimal
    days: int
    fine: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest


def late_charges(principal, due: date, on: date, fine_percent, interest_percent_month, *, digits=2) -> LateCharges:
    """Fine and simple interest on ``principal`` overdue since ``due``, as of ``on``.

    Nothing is charged before or on the due date. Each amount is rounded once, at
    the end, to ``digits`` decimals: the fine down (never above its cap), the interest half-up.
    For the installments of one debt use :func:`late_charges_lines`.
    """
    principal = _round(_dec(principal), digits)
    days = max((on - due).days, 0)
    if not days or principal <= 0:
        return LateCharges(principal, days, Decimal(0).quantize(principal), Decimal(0).quantize(principal))
    fine = (principal * _dec(fine_percent) / 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN)
    interest = _round(principal * _dec(interest_percent_month) / 100 / 30 * days, digits)
    return LateCharges(principal, days, fine, interest)


def prescription_date(due: date) -> date:
    """Five years after the due date (29 February falls back to 28 February)."""
    try:
        return due.replace(year=due.year + PRESCRIPTION_YEARS)
    except ValueError:
        return due.replace(year=due.year + PRESCRIPTION_YEARS, day=28)


def prescription_status(due: date, today: date) -> str:
    """``"prescribed"``, ``"soon"`` (within 180 days) or ``"ok"``."""
    limit = prescription_date(due)
    if limit <= today:
        return "prescribed"
    if (limit - today).days <= PRESCRIPTION_WARNING_DAYS:
        return "soon"
    return "ok"


def last_prescribed_due(today: date) -> date:
    """The latest due date prescribed on ``today``: a debt is prescribed when its due date is on or
    before it (``prescription_date`` never decreases), so that SQL can compare a column with it."""
    due = today.replace(year=today.year - PRESCRIPTION_YEARS, day=1) + timedelta(days=today.day - 1)
    while prescription_date(due) > today:
        due -= timedelta(days=1)
    while prescription_date(due + timedelta(days=1)) <= today:
        due += timedelta(days=1)
    return due


def late_charges_lines(lines, on: date, fine_percent, interest_percent_month, *, digits=2):
    """:func:`late_charges` of each ``(principal, due)`` of one debt: both caps of the fine hold.

    CDC art. 52 §1 caps the fine at 2 % of each installment ("do valor da prestação"): each
    line's fine is rounded down on its own principal, so it never exceeds its own cap (two
    installments of R$ 100,25 are fined R$ 2,00 each, never R$ 2,00 and R$ 2,01). A sum of
    amounts rounded down never exceeds the rounded-down sum: the debt's total fine holds the cap
    on the total principal too (R$ 5.400,00 in 7 installments: 7 x 15,42 = 107,94 <= 108,00).
    The page, the PIX codes, the letter, the messages and the agreement all use this function.
    """
    return [
        late_charges(principal, due, on, fine_percent, interest_percent_month, digits=digits)
        for principal, due in lines
    ]
