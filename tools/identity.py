"""The identity check of the self-service page: which digits of a CPF only its holder knows.

A CPF shown masked (the page itself, receipts, public lists) shows its 4th to 9th digits
(``***.456.789-**``): the first 3 and the 2 check digits are the private part. The check digits
follow from the first 9, so only the first 3 are really unknown (1,000 candidates): the page
stops asking the digits of a link after a few wrong tries (see ``credit.recovery.portal.token``).

A CNPJ has no private digits at all: its first 8 are its public root (printed on every invoice),
the next 4 almost always ``0001`` and the last 2 are check digits computed from the first 12. A
company never gets the digits check: it gets the one-time code.
"""

import ipaddress

ASCII_DIGITS = "0123456789"


def ascii_digits(text) -> str:
    """The ASCII digits 0-9 of ``text``, in order: never the digits of other scripts (Arabic-Indic,
    superscripts...), which ``str.isdigit`` keeps and which no CPF or code holds."""
    if not isinstance(text, str):
        return ""
    return "".join(char for char in text if char in ASCII_DIGITS)


def tax_id_digits(vat) -> str:
    return ascii_digits(vat)


def private_digits(vat) -> str:
    """The digits of the CPF ``vat`` the debtor types (``""``: not a CPF, the digits check does not apply)."""
    digits = tax_id_digits(vat)
    if len(digits) == 11:
        return digits[:3] + digits[9:]
    return ""


def document_kind(vat) -> str | None:
    """``"cpf"``, ``"cnpj"`` or ``None``."""
    return {11: "cpf", 14: "cnpj"}.get(len(tax_id_digits(vat)))


def client_key(ip) -> str:
    """Who a client is for the limits of the page: its IPv4 address, or the /64 network of its
    IPv6 address (one subscriber gets a whole /64: counting addresses would count nothing)."""
    text = (ip or "").strip()[:64]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
