"""The identity check of the self-service page: which digits of a CPF or CNPJ only its holder knows.

A CPF shown masked (the page itself, receipts, public lists) shows its 4th to 9th digits
(``***.456.789-**``): the first 3 and the 2 check digits are the private part. A CNPJ's first 8
digits are its public root (shared by every branch, printed on every invoice): the 4 branch
digits and the 2 check digits that follow are asked instead.
"""


def tax_id_digits(vat) -> str:
    return "".join(char for char in vat or "" if char.isdigit())


def private_digits(vat) -> str:
    """The digits of the CPF/CNPJ ``vat`` the debtor types (``""``: not a CPF nor a CNPJ)."""
    digits = tax_id_digits(vat)
    if len(digits) == 11:
        return digits[:3] + digits[9:]
    if len(digits) == 14:
        return digits[8:]
    return ""


def document_kind(vat) -> str | None:
    """``"cpf"``, ``"cnpj"`` or ``None``: what the page asks the digits of."""
    return {11: "cpf", 14: "cnpj"}.get(len(tax_id_digits(vat)))
