"""When a sale is a cash sale: pure rules, no ORM."""

SAME_DAY_DELAY = "days_after"


def is_immediate(lines):
    """Whether payment terms made of ``lines`` ask for everything on the invoice date.

    ``lines`` are ``(delay_type, nb_days)`` pairs, the fields of ``account.payment.term.line``.
    A line is immediate only when it is due a number of days after the invoice date and that
    number is 0: every other delay type (end of month, end of next month, day of next month)
    moves the due date past the invoice date on most days, so it is credit. Terms without lines
    defer nothing: immediate."""
    return all(delay_type == SAME_DAY_DELAY and not nb_days for delay_type, nb_days in lines)
