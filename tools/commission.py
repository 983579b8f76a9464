"""Agency commission as pure arithmetic (no ORM): which rule applies, whether a payment is inside
the assignment's window, the commission of a payment to the cent, its reversal, and the kind of
bill a set of commission lines makes.

Money is ``Decimal``: a commission is ``base * rate / 100`` rounded to the cent once, half up
(R$ 0.005 → R$ 0.01), on each payment; a bill adds the rounded lines, it never rounds a sum again.
A reversal is the exact opposite of the line it reverses, so a reversed payment nets to zero.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rule:
    """A commission rule: ``stage_id`` ``None`` matches any stage; ``min_days`` the least days
    overdue; ``rate`` a percentage; ``sequence`` and ``rule_id`` break ties (the agency's order)."""

    rule_id: int
    stage_id: int | None
    min_days: int
    rate: Decimal | float | str
    sequence: int = 10


def to_cents(amount) -> Decimal:
    """``amount`` (float, str or Decimal) rounded half up to the cent; a float goes through its
    shortest repr first, so 0.145 is 0.15 as written, not 0.14 as the binary float would give."""
    value = amount if isinstance(amount, Decimal) else Decimal(repr(amount) if isinstance(amount, float) else amount)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def commission(base, rate) -> Decimal:
    """The commission of a payment of ``base`` at ``rate`` %: rounded to the cent once, half up.

    The base is the amount the payment applied to the installment (a partial payment counts for
    what it paid, pro rata), itself a cent amount; a negative base (a reversal) gives the opposite
    of the positive one, never a cent more or less."""
    base = to_cents(base)
    value = (abs(base) * Decimal(str(rate)) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return -value if base < 0 else value


def reversal(amount) -> Decimal:
    """The line that cancels a commission of ``amount``: its exact opposite."""
    return -to_cents(amount)


def stage_at(stages, days_overdue):
    """The stage an installment ``days_overdue`` days past due had reached: the one with the
    highest trigger (days after the due date) at or below it, as the aging snapshots replay it
    (calendar days). ``stages``: ``[(trigger_days, stage_id)]``. ``None`` before the first."""
    reached = [(trigger, stage_id) for trigger, stage_id in stages if trigger <= days_overdue]
    return max(reached, key=lambda item: (item[0], -item[1]))[1] if reached else None


def pick_rule(rules, stage_id, days_overdue):
    """The most specific rule matching an installment in ``stage_id``, ``days_overdue`` days past
    due when assigned: a rule of its stage over a rule of any stage, then the highest minimum of
    days, then the agency's order (sequence, id). ``None`` when no rule matches (no commission)."""
    matching = [
        rule for rule in rules if (rule.stage_id is None or rule.stage_id == stage_id) and rule.min_days <= days_overdue
    ]
    if not matching:
        return None
    return min(matching, key=lambda rule: (rule.stage_id is None, -rule.min_days, rule.sequence, rule.rule_id))


def in_window(paid_on: date, date_start: date, recalled_on: date | None, tail_days: int) -> bool:
    """Whether a payment on ``paid_on`` earns the commission of an assignment started on
    ``date_start``: on or after the start, and while assigned (``recalled_on`` ``None``) or at
    most ``tail_days`` after the recall."""
    if paid_on < date_start:
        return False
    return recalled_on is None or paid_on <= recalled_on + timedelta(days=max(tail_days, 0))


def bill_kind(amounts) -> tuple[str, Decimal]:
    """``(move_type, total)`` of the bill of commission lines ``amounts``: a vendor bill
    (``in_invoice``) when they add up to zero or more (reversals are negative lines on it), a
    vendor refund (``in_refund``, its lines with the sign turned) when reversals outweigh the
    new commission."""
    total = sum((to_cents(amount) for amount in amounts), Decimal(0))
    return ("in_refund" if total < 0 else "in_invoice"), total
