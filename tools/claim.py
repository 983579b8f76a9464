"""The amount claimed from a debtor on a day: one rule, used by every channel and the page.

What is claimed is the open installments already due (due date before the day) of the invoices
that may be claimed, with the late fine and interest of :func:`late_fees.late_charges_lines` (each
installment's fine rounded down on its own, so neither it nor the claim's total fine exceeds the
cap of CDC art. 52 §1). An
installment not due yet is never part of it: it may be paid in advance, it is not owed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .late_fees import LateCharges, late_charges_lines


@dataclass(frozen=True)
class ClaimLine:
    key: object  # the receivable journal item
    move: object  # its invoice
    due: date
    charges: LateCharges


@dataclass(frozen=True)
class Claim:
    on: date
    lines: tuple = ()

    @property
    def principal(self) -> Decimal:
        return sum((line.charges.principal for line in self.lines), Decimal(0))

    @property
    def fine(self) -> Decimal:
        return sum((line.charges.fine for line in self.lines), Decimal(0))

    @property
    def interest(self) -> Decimal:
        return sum((line.charges.interest for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest

    @property
    def oldest_due(self):
        return min((line.due for line in self.lines), default=None)

    def by_move(self) -> dict:
        """``{move: updated total}`` of the claimed installments, per invoice."""
        totals = {}
        for line in self.lines:
            totals[line.move] = totals.get(line.move, Decimal(0)) + line.charges.total
        return totals

    def by_key(self) -> dict:
        return {line.key: line for line in self.lines}


def build_claim(installments, on: date, fine_percent, interest_percent_month, *, digits=2) -> Claim:
    """The :class:`Claim` of ``installments`` (``[(key, move, open amount, due date)]``) on ``on``.

    Only the installments due before ``on`` are claimed, in due-date order (then as given); the
    others are left out, whatever their amount.
    """
    overdue = sorted(
        (item for item in installments if item[3] and item[3] < on and Decimal(str(item[2])) > 0),
        key=lambda item: item[3],
    )
    charges = late_charges_lines(
        [(principal, due) for _key, _move, principal, due in overdue],
        on,
        fine_percent,
        interest_percent_month,
        digits=digits,
    )
    return Claim(
        on,
        tuple(
            ClaimLine(key, move, due, line_charges)
            for (key, move, _principal, due), line_charges in zip(overdue, charges, strict=True)
        ),
    )
