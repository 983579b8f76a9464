"""A Brazilian bank account as Brazilians read it: *agência* and *conta*.

Odoo stores one account number (``res.partner.bank.acc_number``); with l10n_br it often holds
both, typed as ``0001 12345-6``, ``0001/12345-6`` or ``Ag. 0001 C/C 12345-6``. The agência is
read from it only when it is plainly there (a separate group of 3 to 5 digits, with an optional
check digit): a hyphen is a check digit, never a separator, and nothing is invented.
"""

import re

_AGENCY_ACCOUNT = re.compile(
    r"""^\s*
    (?:ag(?:[êe]ncia)?\.?\s*:?\s*)?                 # optional "Ag." / "Agência:"
    (?P<agency>\d{3,5}(?:-[\dxX])?)                 # 0001 or 0001-9
    \s*(?:/|\s)\s*                                  # a slash or a space between them
    (?:(?:c/c|cc|conta(?:\s+corrente)?)\.?\s*:?\s*)?  # optional "C/C" / "Conta:"
    (?P<account>\d[\d.]*(?:-[\dxX])?)               # 12345-6
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def split_agency_account(acc_number):
    """``(agência, conta)`` of a stored account number; ``(None, number)`` when the number does not
    plainly hold an agência (it is then printed as it is stored)."""
    number = (acc_number or "").strip()
    match = _AGENCY_ACCOUNT.match(number)
    if not match:
        return None, number
    return match["agency"].upper(), match["account"].upper()
