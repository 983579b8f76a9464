"""Late fine, default interest and prescription: exact decimal arithmetic, rounded per line.

Brazilian defaults: fine at most 2 % of the overdue installment for consumers (CDC
art. 52 §1); default interest simple, pro rata die (monthly rate / 30 per day), never
compounded (STF Súmula 121); prescription 5 years after the due date (CC art. 206 §5 I).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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
    the end, to ``digits`` decimals.
    """
    principal = _round(_dec(principal), digits)
    days = max((on - due).days, 0)
    if not days or principal <= 0:
        return LateCharges(principal, days, Decimal(0).quantize(principal), Decimal(0).quantize(principal))
    fine = _round(principal * _dec(fine_percent) / 100, digits)
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
