"""Stage and profile selection rules, shared by the ORM batch code and the tests."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from .business_days import BusinessCalendar


@dataclass(frozen=True)
class StageRule:
    """One stage of a policy: ``trigger_days`` relative to the due date (negative = before)."""

    stage_id: int
    trigger_days: int


@dataclass(frozen=True)
class StageResult:
    stage_id: int | None
    next_action_date: date | None


def stage_for_due_date(due: date, today: date, rules, grace_days: int, calendar: BusinessCalendar) -> StageResult:
    """The stage reached today by an installment due on ``due``, and when the next one starts.

    ``rules`` are sorted by increasing ``trigger_days``. A stage with a trigger
    before or on the due date (``trigger_days <= 0``) starts ``trigger_days``
    calendar days from the due date. Post-due stages wait for the grace
    period too: they start no earlier than the first day after ``grace_days``
    business days have elapsed since the due date.
    """
    grace_end = calendar.add_business_days(due, grace_days)

    def start_of(rule):
        start = due + timedelta(days=rule.trigger_days)
        if rule.trigger_days > 0:
            start = max(start, grace_end + timedelta(days=1))
        return start

    current = None
    next_date = None
    for rule in rules:
        start = start_of(rule)
        if start <= today:
            current = rule.stage_id
        elif next_date is None or start < next_date:
            next_date = start
    return StageResult(current, next_date)


@dataclass(frozen=True)
class InvoiceState:
    """Collection state of one invoice (``credit.recovery.invoice``); empty when nothing is open."""

    stage_id: int | None = None
    days_overdue: int = 0
    amount_overdue: float = 0.0
    oldest_due_date: date | None = None
    next_action_date: date | None = None
    # The day this state next changes by itself (a stage starts, an installment falls due, a callback
    # passes); days overdue follow from ``oldest_due_date`` and are not such a change. Not compared:
    # two states are the same state whatever day they were computed on.
    change_date: date | None = field(default=None, compare=False)


def invoice_state(installments, *, rounding, digits, tolerance, stage_of, paused, callback, today) -> InvoiceState:
    """Collection state of an invoice from its open ``(due date, residual)`` installments.

    ``rounding`` and ``digits`` are the company currency's: the residuals are already rounded
    to it, so their sum is brought back to it without Odoo's slower general-purpose rounding.
    Below ``tolerance`` (``None``: no policy) the overdue rest is ignored, upcoming
    installments still count. ``stage_of(oldest due, as of)`` gives the :class:`StageResult`,
    or is ``None`` when the invoice takes no stage (excluded, valid dispute, no policy); a
    ``paused`` invoice (open promise or dispute, since that date) keeps the stage of that day
    and has no next stage date. ``callback`` is the agents' next callback date, if any.
    """
    upcoming = [due for due, _residual in installments if due >= today]
    # An upcoming installment counts as overdue the day after its due date.
    falls_due = min(upcoming) + timedelta(days=1) if upcoming else None
    overdue = [(due, residual) for due, residual in installments if due < today]
    amount = round(round(sum(residual for _due, residual in overdue) / rounding) * rounding, digits) if overdue else 0.0
    if overdue and tolerance is not None and round((amount - tolerance) / rounding) < 0:
        installments = [item for item in installments if item[0] >= today]
        overdue, amount = [], 0.0
    if not installments:
        return InvoiceState()
    oldest = min(due for due, _residual in installments)
    days = (today - oldest).days if overdue else 0
    if not stage_of:
        return InvoiceState(None, days, amount, oldest, None, falls_due)
    result = stage_of(oldest, min(paused or today, today))
    next_stage = (not paused and result.next_action_date) or None
    next_action = next_stage
    if callback and (not next_action or callback < next_action):
        next_action = callback
    # A callback stops being the next action the day after it.
    changes = [day for day in (falls_due, next_stage, callback and callback + timedelta(days=1)) if day]
    return InvoiceState(result.stage_id, days, amount, oldest, next_action, min(changes, default=None))


@dataclass(frozen=True)
class ProfileRule:
    """A debtor profile's thresholds: it applies from ``min_episodes`` overdue episodes
    or ``min_broken`` broken promises/agreements (0 = threshold not used). A profile
    with no threshold is a baseline that always applies."""

    profile_id: int
    severity: int
    min_episodes: int = 0
    min_broken: int = 0

    def matches(self, episodes: int, broken: int) -> bool:
        if not self.min_episodes and not self.min_broken:
            return True
        return bool(
            (self.min_episodes and episodes >= self.min_episodes) or (self.min_broken and broken >= self.min_broken)
        )


def select_profile(rules, episodes: int, broken: int):
    """The most severe matching profile id, or ``None`` when none matches."""
    matching = [rule for rule in rules if rule.matches(episodes, broken)]
    if not matching:
        return None
    return max(matching, key=lambda rule: (rule.severity, rule.profile_id)).profile_id


CREDIT_RESTRICTED = "restricted"
CREDIT_AGREEMENT_PENDING = "agreement_pending"
CREDIT_RESTORED = "restored"
CREDIT_NORMAL = "normal"

# When an agreement gives the customer's credit back (the policy's ``credit_restore_on``).
RESTORE_FIRST_PAYMENT = "first_payment"
RESTORE_INSTALLMENTS = "installments"
RESTORE_FULL = "full"


def payments_to_restore(count: int, restore_on: str, installments: int = 1) -> int:
    """How many of an agreement's ``count`` payments (down payment included) give the customer's
    credit back: the first one (``first_payment``), ``installments`` of them (``installments``,
    never more than the agreement has) or all of them (``full``)."""
    required = {
        RESTORE_FIRST_PAYMENT: 1,
        RESTORE_INSTALLMENTS: max(installments, 1),
        RESTORE_FULL: count,
    }.get(restore_on, 1)
    return max(min(required, count), 0)


def agreement_awaits_payment(paid: int, count: int, restore_on: str, installments: int = 1) -> bool:
    """Whether an agreement with ``paid`` of its ``count`` payments made still holds the customer's
    credit back (:func:`payments_to_restore`). Settling the invoices in the books is no payment:
    the store's trust comes back with money."""
    return paid < payments_to_restore(count, restore_on, installments)


def credit_status(overdue: bool, episodes: int, agreement_pending: bool = False) -> str:
    """Restricted while something is ``overdue``; still restricted, awaiting payment, while an
    agreement has not yet received the payments the policy asks for (``agreement_pending``, see
    :func:`agreement_awaits_payment`); restored once a debtor with late payments in the last
    12 months (``episodes``) has settled everything: the customer may buy again."""
    if overdue:
        return CREDIT_RESTRICTED
    if agreement_pending:
        return CREDIT_AGREEMENT_PENDING
    return CREDIT_RESTORED if episodes else CREDIT_NORMAL


# Why a planned stage action is not carried out, in the order the rules are checked.
SKIP_PRESCRIBED = "prescribed"
SKIP_PAID = "paid"
SKIP_SUPERSEDED = "superseded"
SKIP_EXCLUDED = "excluded"
SKIP_DISPUTE = "dispute"
SKIP_PROMISE = "promise"
SKIP_AGREEMENT = "agreement"
SKIP_DO_NOT_CONTACT = "do_not_contact"
SKIP_OPT_OUT = "opt_out"
SKIP_AGENCY = "agency"
SKIP_NO_ACTION = "no_action"
SKIP_CONDITION = "condition"


@dataclass(frozen=True)
class ActionFacts:
    """What the skip rules look at for one (invoice, stage) action."""

    action_stage_id: int
    current_stage_id: int | None
    installment_paid: bool = False
    excluded: bool = False
    dispute_state: str | None = None
    paused: bool = False
    debtor_has_active_agreement: bool = False
    is_agreement_entry: bool = False
    do_not_contact: bool = False
    prescribed: bool = False
    with_agency: bool = False


def skip_reason(facts: ActionFacts):
    """The reason an action must not be carried out, or ``None`` when it may be.

    Prescribed debts are never contacted again (CC art. 206 §5 I); an invoice that
    left the stage (paid, or further on), or whose installment the action chased is
    paid (the next one has a ladder of its own), no longer calls for it; exclusions,
    disputes, open promises and active agreements pause the chase; a debtor who
    asked not to be contacted is not contacted; nor is a debtor handed to a collection
    agency, unless the policy says the run keeps messaging them (``with_agency`` is false then).
    """
    rules = (
        (facts.prescribed, SKIP_PRESCRIBED),
        (facts.excluded, SKIP_EXCLUDED),
        (facts.dispute_state in ("open", "valid"), SKIP_DISPUTE),
        (not facts.current_stage_id or facts.installment_paid, SKIP_PAID),
        (facts.current_stage_id != facts.action_stage_id, SKIP_SUPERSEDED),
        (facts.paused, SKIP_PROMISE),
        (facts.debtor_has_active_agreement and not facts.is_agreement_entry, SKIP_AGREEMENT),
        (facts.do_not_contact, SKIP_DO_NOT_CONTACT),
        (facts.with_agency, SKIP_AGENCY),
    )
    return next((reason for applies, reason in rules if applies), None)


def highest_stage_id(ladder, stage_ids):
    """The highest of ``stage_ids`` on the ladder (``ladder``: ``{stage id: stage._ladder_key()}``,
    built once per batch: this runs for every debtor)."""
    return max(stage_ids, key=ladder.__getitem__)
