"""The customer's credit limit following collection: which limit the store sees, and why.

Odoo reads a partner's ``credit_limit`` of 0 as *no limit* (``account.move``:
``_build_credit_warning_message`` returns no warning when the limit is falsy). A customer
whose credit is blocked therefore gets :data:`BLOCKED_LIMIT`, the smallest positive amount
of a cent-based currency: any new credit sale exceeds it, Odoo's own warnings on invoices and
sales orders fire, and the debtor's ``credit_limit_state`` (``blocked``) is the flag the
bridges read, never the number alone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from .collection import CREDIT_AGREEMENT_PENDING, CREDIT_RESTRICTED

BLOCKED_LIMIT = 0.01

LIMIT_NORMAL = "normal"
LIMIT_BLOCKED = "blocked"
LIMIT_RESTORED = "restored"
LIMIT_OVERRIDE = "override"

# Why the limit changed (the debtor's log and its chatter say it in words).
REASON_BLOCKED = "blocked"
REASON_RESTORED = "restored"
REASON_RESTORED_END = "restored_end"
REASON_OVERRIDE = "override"
REASON_OVERRIDE_END = "override_end"
REASON_NORMAL = "normal"


@dataclass(frozen=True)
class BlockRule:
    """A policy's definition of *restricted* for new credit sales. ``stage_rank``: the ladder
    key of the stage from which credit is blocked (``None``: not used); ``days``: blocked above
    this many days overdue (0: not used). Neither: any restricted status blocks."""

    stage_rank: tuple | None = None
    days: int = 0


def credit_blocked(status: str, rule: BlockRule, stage_rank: tuple | None, days_overdue: int) -> bool:
    """Whether a debtor with credit ``status``, standing at a stage of ladder key ``stage_rank``
    and ``days_overdue`` days late, may not buy on credit now. An agreement awaiting its payment
    always blocks: the store's trust comes back with money."""
    if status == CREDIT_AGREEMENT_PENDING:
        return True
    if status != CREDIT_RESTRICTED:
        return False
    if rule.stage_rank is None and not rule.days:
        return True
    by_stage = rule.stage_rank is not None and stage_rank is not None and tuple(stage_rank) >= tuple(rule.stage_rank)
    by_days = bool(rule.days) and days_overdue > rule.days
    return by_stage or by_days


@dataclass(frozen=True)
class RestoredRule:
    """A profile's restored limit: ``percent`` of the normal limit (or ``amount`` when the customer
    had no limit; 0: none) for ``days`` days after the restoration (0: the normal limit at once)."""

    percent: float = 100.0
    days: int = 0
    amount: float = 0.0


def restored_limit(normal: float, rule: RestoredRule) -> float:
    """The limit of a customer just restored whose normal limit is ``normal`` (0: no limit)."""
    if normal > 0:
        return round(normal * rule.percent / 100.0, 2)
    return rule.amount or 0.0


@dataclass(frozen=True)
class LimitState:
    """What collection applies to the customer's limit: ``state`` (``LIMIT_*``), ``limit`` (the
    partner's ``credit_limit``), ``restored_until`` (last day of the restored limit) and the
    ``reason`` of a change (``REASON_*``, ``None``: nothing changed)."""

    state: str
    limit: float
    restored_until: date | None = None
    reason: str | None = None


def next_limit_state(
    *,
    blocked: bool,
    applied: str,
    applied_limit: float,
    normal: float,
    restored_until: date | None,
    rule: RestoredRule,
    today: date,
    override_limit: float = 0.0,
    override_until: date | None = None,
) -> LimitState:
    """The limit state of one debtor today, from the one applied so far (``applied``, its
    ``applied_limit`` and ``restored_until``) and ``normal``, the customer's own limit
    remembered before collection changed it.

    A manager's override wins until its end date (included); then a blocked customer is blocked;
    a customer leaving *blocked* gets the profile's restored limit for its days (or the normal one
    at once); the restored limit ends after ``restored_until``; then the normal limit, exactly.
    """
    if override_until and override_until >= today:
        state = LimitState(LIMIT_OVERRIDE, override_limit, restored_until)
        reason = REASON_OVERRIDE
    elif blocked:
        state = LimitState(LIMIT_BLOCKED, BLOCKED_LIMIT, None)
        reason = REASON_BLOCKED
    elif applied == LIMIT_BLOCKED and rule.days > 0:
        until = today + timedelta(days=rule.days - 1)
        state = LimitState(LIMIT_RESTORED, restored_limit(normal, rule), until)
        reason = REASON_RESTORED
    elif applied == LIMIT_BLOCKED:
        state = LimitState(LIMIT_NORMAL, normal, None)
        reason = REASON_RESTORED
    elif applied == LIMIT_RESTORED and restored_until and restored_until >= today:
        state = LimitState(LIMIT_RESTORED, applied_limit, restored_until)
        reason = REASON_RESTORED
    elif applied == LIMIT_RESTORED:
        state = LimitState(LIMIT_NORMAL, normal, None)
        reason = REASON_RESTORED_END
    elif applied == LIMIT_OVERRIDE:
        state = LimitState(LIMIT_NORMAL, normal, None)
        reason = REASON_OVERRIDE_END
    else:
        state = LimitState(LIMIT_NORMAL, normal, None)
        reason = REASON_NORMAL
    if (state.state, round(state.limit, 2)) == (applied, round(applied_limit, 2)) and state.state != LIMIT_OVERRIDE:
        return state
    if state.state == LIMIT_OVERRIDE and applied == LIMIT_OVERRIDE and round(state.limit, 2) == round(applied_limit, 2):
        return state
    if state.state == LIMIT_NORMAL and applied == LIMIT_NORMAL:
        # Not managed: the customer's own limit is the store's business, nothing to write.
        return state
    return LimitState(state.state, state.limit, state.restored_until, reason)


def is_restoration(applied: str, state: LimitState) -> bool:
    """Whether a change gives a blocked customer's credit back (the welcome back, *Customers recovered*)."""
    return applied == LIMIT_BLOCKED and state.reason == REASON_RESTORED
