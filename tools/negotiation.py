"""Negotiation arithmetic: negotiated total, installment schedule, profile limits.

Exact decimals; the schedule always sums to the negotiated total to the cent (the
remainder goes on the last installment) and its due dates fall on business days.
"""

import calendar as calendar_module
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from .business_days import BusinessCalendar

PERIODS = {"monthly": None, "biweekly": 14, "weekly": 7}

# Codes of the limits a proposal can exceed (the ORM turns them into messages).
DISCOUNT_CHARGES = "discount_charges"
DISCOUNT_PRINCIPAL = "discount_principal"
INSTALLMENTS = "installments"
MIN_INSTALLMENT = "min_installment"
DOWN_PAYMENT = "down_payment"
FIRST_DUE = "first_due"


def _dec(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _quant(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


@dataclass(frozen=True)
class Limits:
    """A debtor profile's negotiation limits."""

    max_discount_charges_percent: Decimal
    max_discount_principal_percent: Decimal
    max_installments: int
    min_installment_amount: Decimal
    min_down_payment_percent: Decimal
    max_first_installment_days: int


@dataclass(frozen=True)
class Proposal:
    principal: Decimal  # open principal of the invoices
    charges: Decimal  # fine + interest up to the negotiation date
    discount_charges_percent: Decimal = Decimal(0)
    discount_principal_percent: Decimal = Decimal(0)
    down_payment: Decimal = Decimal(0)
    installments: int = 1
    first_due: date | None = None
    periodicity: str = "monthly"

    @classmethod
    def from_terms(cls, terms):
        """The proposal of an object carrying the negotiation's terms as attributes (the wizard and
        the agreement share the field names): floats become exact decimals through their text."""
        return cls(
            principal=Decimal(str(terms.principal)),
            charges=Decimal(str(terms.fine)) + Decimal(str(terms.interest)),
            discount_charges_percent=Decimal(str(terms.discount_charges_percent)),
            discount_principal_percent=Decimal(str(terms.discount_principal_percent)),
            down_payment=Decimal(str(terms.down_payment)),
            installments=terms.installments,
            first_due=terms.first_due,
            periodicity=terms.periodicity,
        )

    def discounts(self, digits=2):
        """``(discount on charges, discount on principal)``, each rounded once."""
        on_charges = (_dec(self.charges) * _dec(self.discount_charges_percent) / 100).quantize(
            _quant(digits), ROUND_HALF_UP
        )
        on_principal = (_dec(self.principal) * _dec(self.discount_principal_percent) / 100).quantize(
            _quant(digits), ROUND_HALF_UP
        )
        return on_charges, on_principal

    def total(self, digits=2) -> Decimal:
        on_charges, on_principal = self.discounts(digits)
        return _dec(self.principal) + _dec(self.charges) - on_charges - on_principal


def down_payment_for(proposal: Proposal, percent, digits=2) -> Decimal:
    """The down payment of ``percent`` of the negotiated total, taken *after* the discounts.

    Computed on the rounded total the agreement itself will have, so that 100 % is exactly
    the total (never one cent above it), and rounded up to the cent: 10 % of 3,377.32 rounded
    half up (337.73) is below a profile's 10 % minimum, so a template's own offer was refused.
    """
    total = proposal.total(digits)
    down = (total * _dec(percent) / 100).quantize(_quant(digits), ROUND_UP)
    return min(max(down, Decimal(0)), max(total, Decimal(0)))


def split(amount, count: int, digits=2):
    """``count`` equal parts of ``amount`` rounded down to the cent, the remainder on the last one."""
    if count < 1:
        raise ValueError("count must be at least 1")
    amount = _dec(amount)
    part = (amount / count).quantize(_quant(digits), ROUND_DOWN)
    return [part] * (count - 1) + [amount - part * (count - 1)]


def add_period(start: date, index: int, periodicity: str) -> date:
    days = PERIODS[periodicity]
    if days:
        return start + timedelta(days=days * index)
    month = start.month - 1 + index
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar_module.monthrange(year, month)[1]))


def schedule(proposal: Proposal, today: date, calendar: BusinessCalendar, digits=2):
    """``[(due date, amount)]``: the down payment (due today) then the installments.

    A down payment of the whole total is the only line (paid today, nothing left to split).

    Installment due dates follow the periodicity from the first due date and are moved
    to the next business day of ``calendar``.
    """
    total = proposal.total(digits)
    down = _dec(proposal.down_payment)
    lines = [(today, down)] if down else []
    if down and down == total:
        # Everything paid today (a 100 % down payment): no installment of zero.
        return lines
    first_due = proposal.first_due or today
    for index, amount in enumerate(split(total - down, proposal.installments, digits)):
        lines.append((calendar.next_business_day(add_period(first_due, index, proposal.periodicity)), amount))
    return lines


def input_errors(proposal: Proposal, today: date, digits=2):
    """Codes of values no proposal may have (whatever the profile)."""
    errors = []
    values = (
        proposal.discount_charges_percent,
        proposal.discount_principal_percent,
        proposal.down_payment,
    )
    if any(_dec(value) < 0 for value in values):
        errors.append("negative")
    if any(_dec(value) > 100 for value in values[:2]):
        errors.append("percent")
    if proposal.installments < 1:
        errors.append("installments")
    if proposal.first_due and proposal.first_due < today:
        errors.append("first_due_past")
    total = proposal.total(digits)
    if total <= 0:
        errors.append("total")
    elif _dec(proposal.down_payment) > total:
        errors.append("down_payment_total")
    return errors


def paid_up_front(proposal: Proposal, today: date, digits=2) -> Decimal:
    """What the proposal has paid on the negotiation date: the down payment, or the whole total
    when it is one installment due that day (paying everything today is a 100 % down payment)."""
    down = _dec(proposal.down_payment)
    if not down and proposal.installments == 1 and (proposal.first_due is None or proposal.first_due <= today):
        return proposal.total(digits)
    return down


def limit_violations(proposal: Proposal, limits: Limits, today: date, digits=2):
    """Codes of the profile limits the proposal exceeds (exactly at a limit is inside).

    Money paid on the negotiation date is a down payment (:func:`paid_up_front`): the whole total
    today is inside every limit on the down payment and the installments, whatever the debt.
    """
    violations = []
    if _dec(proposal.discount_charges_percent) > _dec(limits.max_discount_charges_percent):
        violations.append(DISCOUNT_CHARGES)
    if _dec(proposal.discount_principal_percent) > _dec(limits.max_discount_principal_percent):
        violations.append(DISCOUNT_PRINCIPAL)
    if proposal.installments > limits.max_installments:
        violations.append(INSTALLMENTS)
    total = proposal.total(digits)
    down = paid_up_front(proposal, today, digits)
    if (
        proposal.installments
        and (total - down) / proposal.installments < _dec(limits.min_installment_amount)
        and (total - down) > 0
    ):
        violations.append(MIN_INSTALLMENT)
    if total > 0 and down * 100 < _dec(limits.min_down_payment_percent) * total:
        violations.append(DOWN_PAYMENT)
    if proposal.first_due and (proposal.first_due - today).days > limits.max_first_installment_days:
        violations.append(FIRST_DUE)
    return violations
