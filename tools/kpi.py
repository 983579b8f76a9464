"""Collection KPIs as pure formulas (no ORM): the server method feeds them set-based sums.

Definitions: ``shared/domain/collection-kpis.md`` and the README's KPI section. Every function
returns ``None`` when its denominator is zero, rather than a misleading 0 or 100 %.
"""

import calendar
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

# Aging buckets: (code, lowest days past due, highest days past due); ``None`` is open-ended.
BUCKETS = (
    ("not_due", None, 0),
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("d91_180", 91, 180),
    ("d180_plus", 181, None),
)
BUCKET_CODES = tuple(code for code, _low, _high in BUCKETS)


def aging_bucket(days_past_due: int) -> str:
    """The bucket of an installment ``days_past_due`` days past its due date (0 or less: not due)."""
    for code, low, high in BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return code
    raise AssertionError("buckets cover every integer")


def ratio(numerator, denominator):
    """``numerator / denominator``, or ``None`` when the denominator is zero."""
    return numerator / denominator if denominator else None


def percent(numerator, denominator):
    value = ratio(numerator, denominator)
    return None if value is None else value * 100.0


def dso_standard(ar_end, credit_sales, days):
    """AR at period end / credit sales of the period x days in the period."""
    value = ratio(ar_end, credit_sales)
    return None if value is None else value * days


def dso_countback(ar_end, monthly_sales):
    """Countback DSO: ``monthly_sales`` are ``(days in month, credit sales)`` from the period's
    last month backwards. Whole months' days are counted while the AR left covers the month's
    sales, then the fraction of the month the rest covers. AR beyond the months given counts
    the months given (the history is too short to say more)."""
    remaining = ar_end
    total = 0.0
    for days, sales in monthly_sales:
        if remaining <= 0:
            break
        if sales <= 0:
            total += days
            continue
        if remaining >= sales:
            total += days
            remaining -= sales
        else:
            total += remaining / sales * days
            remaining = 0
    return total


def best_possible_dso(current_ar, credit_sales, days):
    """Not-yet-due AR / credit sales x days: the DSO if everyone paid on time."""
    return dso_standard(current_ar, credit_sales, days)


def average_days_delinquent(dso, bpdso):
    """DSO - best-possible DSO."""
    return None if dso is None or bpdso is None else dso - bpdso


def cei(opening_ar, credit_sales, closing_ar, closing_current_ar):
    """(opening AR + sales - closing AR) / (opening AR + sales - closing current AR) x 100."""
    return percent(opening_ar + credit_sales - closing_ar, opening_ar + credit_sales - closing_current_ar)


def roll_rates(flows, opening):
    """``{(from, to): rate %}`` from ``flows`` ``{(from bucket, to bucket): amount}`` (amount of
    installments in ``from`` at t-1 still open in ``to`` at t) and ``opening`` ``{bucket: amount
    at t-1}``. Pairs whose opening amount is zero are left out."""
    return {
        (source, target): percent(amount, opening.get(source, 0.0))
        for (source, target), amount in flows.items()
        if opening.get(source)
    }


def month_bounds(day: date):
    """First and last day of ``day``'s month."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_month_end(day: date) -> date:
    first, _last = month_bounds(day)
    return date.fromordinal(first.toordinal() - 1)


@dataclass(frozen=True)
class Proportion:
    """A rate with its 95 % Wilson interval (in %)."""

    successes: float
    trials: float
    rate: float | None
    low: float | None
    high: float | None


Z95 = 1.959963984540054


def wilson_interval(successes, trials, z=Z95) -> Proportion:
    """Rate and Wilson score interval, robust for small samples and rates near 0 or 100 %."""
    if not trials:
        return Proportion(successes, trials, None, None, None)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Proportion(successes, trials, p * 100, max(0.0, centre - half) * 100, min(1.0, centre + half) * 100)


def two_proportion_z(success_a, trials_a, success_b, trials_b):
    """z statistic of the difference of two proportions (pooled), or ``None`` without data.
    ``abs(z) > 1.96``: the difference is significant at the 5 % level."""
    if not trials_a or not trials_b:
        return None
    pooled = (success_a + success_b) / (trials_a + trials_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if not spread:
        return None
    return (success_a / trials_a - success_b / trials_b) / spread


@dataclass(frozen=True)
class ScoreFactors:
    """What the payment score looks at for one debtor."""

    days_overdue: int
    promises_kept: int
    promises_broken: int
    days_since_contact: int | None
    last_contact_reached: bool
    profile_severity: int
    contactable: bool


# Factor code -> default weight (points), overridden by the policy.
DEFAULT_WEIGHTS = {
    "days_late": 30,
    "promises_kept": 15,
    "promises_broken": 20,
    "recent_contact": 10,
    "reached": 10,
    "profile": 10,
    "contactable": 5,
}


def payment_score(factors: ScoreFactors, weights=None):
    """``(score 0..1, [(factor, points)])``: points per factor, transparent and additive.

    A neutral base of 50 points; the fresher the debt, the more kept promises, a recent contact
    that reached the debtor, a mild profile and a reachable debtor add points; broken promises
    and age remove them. The score is the points clamped to 0..100, divided by 100.
    """
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    age = min(max(factors.days_overdue, 0), 180) / 180.0
    points = [
        ("days_late", round(weights["days_late"] * (0.5 - age), 1)),
        ("promises_kept", round(weights["promises_kept"] * min(factors.promises_kept, 3) / 3, 1)),
        ("promises_broken", -round(weights["promises_broken"] * min(factors.promises_broken, 3) / 3, 1)),
        (
            "recent_contact",
            float(weights["recent_contact"])
            if factors.days_since_contact is not None and factors.days_since_contact <= 7
            else 0.0,
        ),
        ("reached", float(weights["reached"]) if factors.last_contact_reached else 0.0),
        ("profile", round(weights["profile"] * (0.5 - min(max(factors.profile_severity, 0), 100) / 100), 1)),
        ("contactable", float(weights["contactable"]) if factors.contactable else 0.0),
    ]
    total = 50 + sum(value for _code, value in points)
    return min(max(total, 0.0), 100.0) / 100.0, [(code, value) for code, value in points if value]


def pick_variant(debtor_id, stage_id):
    """``"a"`` or ``"b"``: a uniform pseudo-random draw, fixed per (debtor, stage) so that a debtor
    always receives the same variant of a stage, and independent of the ids' order or parity."""
    digest = hashlib.sha256(f"credit-recovery-variant:{stage_id}:{debtor_id}".encode()).digest()
    return "b" if digest[0] & 1 else "a"


REPURCHASE_DAYS = 90


@dataclass(frozen=True)
class Repurchase:
    """Repurchase after restoration: ``restored`` debtors, ``bought`` of them bought again within the
    window, ``rate`` (``bought / restored``, ``None`` without restorations) and ``amount`` they bought."""

    restored: int
    bought: int
    rate: float | None
    amount: float


def repurchase_rate(restorations, purchases, days=REPURCHASE_DAYS) -> Repurchase:
    """Share of the debtors restored in a period who bought again within ``days`` days of their
    restoration, and what they bought then.

    ``restorations``: ``{debtor: restoration date}`` (the debtor's latest restoration in the
    period); ``purchases``: ``(debtor, date, amount)`` of posted customer invoices and Point of
    Sale orders. A purchase counts from the day of the restoration (included) to ``days`` days
    after it (included); the amount is the sum of those purchases.
    """
    bought = set()
    amount = 0.0
    for debtor, day, value in purchases:
        restored_on = restorations.get(debtor)
        if restored_on is None or not restored_on <= day <= restored_on + timedelta(days=days):
            continue
        bought.add(debtor)
        amount += value
    return Repurchase(len(restorations), len(bought), ratio(len(bought), len(restorations)), round(amount, 2))


RECOVERY_DIMENSIONS = {"channel": "channel", "agent": "user_id", "stage": "stage_id", "template": "template"}


def fold_recovery(rows, unattributed):
    """The recovery figures from the rows of the recovery query (``kind``: ``entered``,
    ``entered:<dimension>`` with the value in ``template``, ``collected`` or
    ``collected:unattributed``; ``amount``, ``days``, ``n``): totals, rate, average days from first
    contact to payment, and per dimension ``{value: {entered, collected, rate}}``. A payment with no
    contact before it is credited to the value ``unattributed`` of every dimension."""
    dimensions = RECOVERY_DIMENSIONS
    sums = {name: defaultdict(lambda: [0.0, 0.0]) for name in dimensions}
    total = [0.0, 0.0]
    days_sum, days_n = 0.0, 0
    for row in rows:
        if row["kind"].startswith("entered:"):
            sums[row["kind"].split(":")[1]][row["template"] or "none"][0] += row["amount"] or 0.0
            continue
        index = 0 if row["kind"] == "entered" else 1
        if index:
            for name, column in dimensions.items():
                # A payment with no contact before it is credited to no real value, only ``unattributed``.
                key = unattributed if row["kind"] == "collected:unattributed" else str(row[column] or "none")
                sums[name][key][1] += row["amount"] or 0.0
        total[index] += row["amount"] or 0.0
        if index and row["n"]:
            days_sum += row["days"] or 0.0
            days_n += row["n"]
    result = {
        "amount_entered": total[0],
        "amount_collected": total[1],
        "recovery_rate": percent(total[1], total[0]),
        "avg_days_contact_to_payment": ratio(days_sum, days_n),
    }
    for name in dimensions:
        result[f"recovery_by_{name}"] = {
            str(key): {"entered": entered, "collected": collected, "rate": percent(collected, entered)}
            for key, (entered, collected) in sums[name].items()
        }
    return result
