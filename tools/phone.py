"""Phone normalisation to E.164 with ``phonenumbers``.

Never raises on bad input: junk gives an invalid :class:`PhoneInfo`, so a typo in
a customer's phone can flag the customer without breaking a batch.

Letters are refused before parsing: ``phonenumbers`` reads them as keypad digits
(``"11 9ABC-DEFG"`` would become ``+55 11 9222-3334``), which turns a typo or a vanity
number into somebody else's number. A number is digits only, or it is flagged.
"""

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

MOBILE = "mobile"
LANDLINE = "landline"
UNKNOWN = "unknown"

# Why a number filled in is not valid (``PhoneInfo.problem``).
LETTERS = "letters"
INVALID = "invalid"

_TYPES = {
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE: LANDLINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: UNKNOWN,
}


@dataclass(frozen=True)
class PhoneInfo:
    raw: str
    e164: str = ""
    valid: bool = False
    kind: str = UNKNOWN
    problem: str = ""  # LETTERS or INVALID when ``raw`` is filled in but not valid


def has_letters(raw) -> bool:
    """Whether ``raw`` holds a letter (any alphabet): a phone number is never spelled."""
    return any(char.isalpha() for char in raw or "")


def normalize_phone(raw, country_code=None) -> PhoneInfo:
    """Parse ``raw`` in the context of ``country_code`` (ISO 3166 alpha-2, e.g. ``"BR"``).

    A number written with a leading ``+`` keeps its own country. An empty number
    gives an invalid result with an empty ``raw``; a number with letters (vanity
    numbers, ``ext.``, a note) is invalid with the problem :data:`LETTERS`, never
    read as keypad digits.
    """
    raw = (raw or "").strip()
    if not raw:
        return PhoneInfo(raw="")
    if has_letters(raw):
        return PhoneInfo(raw=raw, problem=LETTERS)
    region = (country_code or "").upper() or None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return PhoneInfo(raw=raw, problem=INVALID)
    if not phonenumbers.is_valid_number(number):
        return PhoneInfo(raw=raw, problem=INVALID)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    kind = _TYPES.get(phonenumbers.number_type(number), UNKNOWN)
    return PhoneInfo(raw=raw, e164=e164, valid=True, kind=kind)


def best_phone(*infos: PhoneInfo) -> PhoneInfo | None:
    """The number to call first: a valid mobile, else any valid number, else ``None``."""
    valid = [info for info in infos if info and info.valid]
    for info in valid:
        if info.kind == MOBILE:
            return info
    return valid[0] if valid else None


def display_phone(e164, home_country=None) -> str:
    """``e164`` as people write it: national form at home (``(61) 99234-5678`` in Brazil),
    international form abroad (``+351 912 345 678``); junk is returned as given.

    The E.164 form stays the one for links (``tel:``, WhatsApp) and storage.
    """
    if not e164:
        return ""
    if has_letters(e164):
        return e164
    try:
        number = phonenumbers.parse(e164, (home_country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return e164
    if home_country and phonenumbers.region_code_for_number(number) == home_country.upper():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def example_phone(country_code) -> str:
    """An example mobile number of ``country_code`` in national form (``(11) 96123-4567`` in
    Brazil), to show how to type one; ``""`` for no or an unknown country."""
    region = (country_code or "").upper()
    number = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE) if region else None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if number else ""
