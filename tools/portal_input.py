"""What the debtor's self-service page receives, parsed at the edge.

Every form field of a public page is hostile text until parsed here: a date that is not a
calendar date, a number of installments in the thousands, an id that is not a number. Each
parser returns the value or raises ``InputRefusedError`` with a code the controller turns into a
translated message; nothing is computed on a value out of range.
"""

import re
from datetime import date

from markupsafe import Markup, escape

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What an ``<input type="number">`` or a hidden id sends: digits only, and not a novel.
INTEGER = re.compile(r"[0-9]{1,9}")

# The most installments the page computes a schedule for (five years of monthly installments):
# beyond the profile's limits the debtor may still ask the team, up to this; beyond it, no
# schedule is built at all.
MAX_INSTALLMENTS = 60
# How far ahead a first due date may be asked for (beyond the profile's limits, the team decides).
MAX_FIRST_DUE_DAYS = 365
# The longest note the debtor may type (a dispute, "already paid"), a name, a signature (base64).
MAX_NOTE_CHARS = 2000
MAX_NAME_CHARS = 200
# The longest message the debtor may send the team from the page.
MAX_MESSAGE_CHARS = 1000
# The longest file name kept for a receipt (a longer one is cut, keeping its extension).
MAX_FILE_NAME_CHARS = 200
MAX_SIGNATURE_CHARS = 2 * 1024 * 1024
# The most invoice ids one form may tick (a page lists a few hundred at most).
MAX_IDS = 1000

# What a receipt may be: a photo or a PDF, recognised by its content, never by its name.
RECEIPT_MIMETYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")


class InputRefusedError(ValueError):
    """A value the page refuses; ``code`` says why (``missing``, ``unreadable``, ``range``)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def parse_date(value, today: date, max_days: int, required=True) -> date | None:
    """``value`` as an ISO date (what ``<input type="date">`` sends), from ``today`` to
    ``today`` + ``max_days`` days; ``None`` when empty and not ``required``."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise InputRefusedError("missing")
        return None
    if not ISO_DATE.fullmatch(text):
        raise InputRefusedError("unreadable")
    try:
        parsed = date.fromisoformat(text)
    except ValueError as error:
        raise InputRefusedError("unreadable") from error
    if parsed < today or (parsed - today).days > max_days:
        raise InputRefusedError("range")
    return parsed


def parse_int(value, minimum: int, maximum: int, required=True) -> int | None:
    """``value`` as a whole number from ``minimum`` to ``maximum``; ``None`` when empty and not
    ``required``. Only plain digits are read (no sign, exponent or thousands of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise InputRefusedError("missing")
        return None
    if not INTEGER.fullmatch(text):
        raise InputRefusedError("unreadable")
    number = int(text)
    if number < minimum or number > maximum:
        raise InputRefusedError("range")
    return number


def parse_ids(values, limit=MAX_IDS) -> set[int]:
    """The whole positive numbers among ``values`` (the rest is ignored: a forged id reaches
    nothing); more than ``limit`` values is refused."""
    values = list(values or [])
    if len(values) > limit:
        raise InputRefusedError("range")
    ids = set()
    for value in values:
        try:
            ids.add(parse_int(value, 1, 2**31 - 1))
        except InputRefusedError:
            continue
    return ids


def parse_text(value, max_chars: int) -> str:
    """``value`` stripped, as plain text (the caller shows it as text everywhere), at most
    ``max_chars`` characters; control characters other than line breaks and tabs are dropped."""
    text = value if isinstance(value, str) else ""
    text = "".join(char for char in text if char in "\n\t" or char.isprintable()).strip()
    if len(text) > max_chars:
        raise InputRefusedError("range")
    return text


def parse_file_name(value, max_chars=MAX_FILE_NAME_CHARS) -> str:
    """The file name ``value`` as plain text, cut to ``max_chars`` characters keeping its
    extension (a phone names a photo as it likes: a long name is no reason to refuse a receipt)."""
    text = value if isinstance(value, str) else ""
    text = "".join(char for char in text if char.isprintable()).strip()
    if len(text) <= max_chars:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return text[:max_chars].strip()
    return stem[: max_chars - len(extension) - 1].strip() + "." + extension


def text_html(text) -> Markup:
    """``text`` as HTML that shows it as typed: escaped, its lines kept, no link made of a URL
    (``plaintext2html`` turns URLs into links: a phishing link in the team's to-do list)."""
    lines = str(text or "").split("\n")
    return Markup("<p>%s</p>") % Markup("<br/>").join(escape(line) for line in lines)
