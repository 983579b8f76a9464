"""What to do with a claim's dynamic PIX charge (no ORM here): reuse it, change its amount, replace
it or create one. One charge per claim: the claim's key names it (:func:`claim_key`)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

REUSE, UPDATE, REPLACE, CREATE = "reuse", "update", "replace", "create"

# A "pay today" charge this close to its expiry is replaced, not shown: the debtor needs time to pay.
EXPIRY_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class Wanted:
    """The charge a claim needs: ``kind`` ``cob`` (pay now, with an expiry) or ``cobv`` (an
    installment with its due date, the PSP adding fine and interest after it)."""

    key: str
    kind: str
    amount: Decimal
    line_ids: frozenset
    due: date | None = None


@dataclass(frozen=True)
class Existing:
    """A live charge as stored: its kind, amount, journal items, due date and expiry."""

    kind: str
    amount: Decimal
    line_ids: frozenset
    due: date | None = None
    expires_at: datetime | None = None
    pending: bool = True


def claim_key(kind, debtor_id, line_ids):
    """The claim's key: an installment's charge is its journal item's (``line-<id>``), whatever its
    kind; what the debtor is claimed today (a total) is the debtor's (``debtor-<id>``)."""
    if kind == "installment" and len(line_ids) == 1:
        return f"line-{next(iter(line_ids))}"
    return f"debtor-{debtor_id}"


def wanted_charge(
    kind, debtor_id, line_ids, amount, *, principal=None, due=None, has_tax_id=True, today=None, validity_days=None
):
    """The :class:`Wanted` charge of a claim (``credit.recovery.portal._pix_claim``).

    An installment is a ``cobv`` of its open amount with its due date (the bank adds the policy's
    fine and interest after it, so a later payment asks what the law allows). A ``cobv`` needs the
    debtor's CPF/CNPJ, and is payable ``validity_days`` after its due date only: an installment
    without them, or overdue too long, is a ``cob`` of today's total. What is claimed today is a
    ``cob`` of its total.
    """
    line_ids = frozenset(line_ids)
    key = claim_key(kind, debtor_id, line_ids)
    payable = validity_days is None or today is None or (due and (today - due).days < validity_days)
    if kind == "installment" and due and principal and has_tax_id and payable:
        return Wanted(key, "cobv", Decimal(str(principal)), line_ids, due)
    return Wanted(key, "cob", Decimal(str(amount)), line_ids)


def plan(existing, wanted, now, digits=2):
    """What to do: ``REUSE`` the live charge (same claim, same amount, still valid), ``UPDATE`` its
    amount (same claim, the amount changed), ``REPLACE`` it (another claim under the key, expired,
    or no longer pending) or ``CREATE`` one (none)."""
    if existing is None:
        return CREATE
    same_claim = (
        existing.kind == wanted.kind
        and existing.line_ids == wanted.line_ids
        and (wanted.kind != "cobv" or existing.due == wanted.due)
    )
    expired = existing.expires_at is not None and existing.expires_at <= now + EXPIRY_MARGIN
    if not same_claim or expired or not existing.pending:
        return REPLACE
    quantum = Decimal(1).scaleb(-digits)
    if existing.amount.quantize(quantum) == wanted.amount.quantize(quantum):
        return REUSE
    return UPDATE
