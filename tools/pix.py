"""PIX BR Code (static, "copia e cola"): EMV merchant-presented QR payload of the Banco Central.

Layout (Manual de Padrões para Iniciação do Pix, BR Code): TLV fields ``IIDDvalue`` (two-digit
id, two-digit length). ``00`` payload format ``01``; ``26`` merchant account (``00`` GUI
``br.gov.bcb.pix``, ``01`` PIX key); ``52`` category ``0000``; ``53`` currency ``986`` (BRL);
``54`` amount with two decimals; ``58`` country ``BR``; ``59`` merchant name (≤ 25);
``60`` merchant city (≤ 15); ``62``/``05`` reference (txid, ≤ 25, ``***`` when none); and last
``63`` CRC16-CCITT (polynomial 0x1021, initial 0xFFFF) over the payload including ``6304``.
"""

import functools
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

PIX_GUI = "br.gov.bcb.pix"
BRL = "986"


def _crc16_table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


# One entry per byte value: a page shows a code per installment, each checked (8x faster than bitwise).
CRC16_TABLE = _crc16_table()


def crc16(data: str) -> str:
    """CRC16-CCITT-FALSE of ``data`` (UTF-8), four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc = ((crc << 8) & 0xFFFF) ^ CRC16_TABLE[(crc >> 8) ^ byte]
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _clean(text: str, size: int, pattern=r"[^A-Za-z0-9 ]") -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(pattern, "", ascii_text).strip()[:size]


def build_payload(key: str, name: str, city: str, amount=None, reference: str = "") -> str:
    """The BR Code of a static PIX charge of ``amount`` (``None``: the payer types it) to ``key``."""
    if not key:
        raise ValueError("a PIX key is required")
    account = _tlv("00", PIX_GUI) + _tlv("01", key.strip())
    fields = [_tlv("00", "01"), _tlv("26", account), _tlv("52", "0000"), _tlv("53", BRL)]
    if amount is not None and Decimal(str(amount)) > 0:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        fields.append(_tlv("54", f"{value:.2f}"))
    fields += [
        _tlv("58", "BR"),
        _tlv("59", _clean(name, 25).upper() or "NA"),
        _tlv("60", _clean(city, 15).upper() or "NA"),
        _tlv("62", _tlv("05", _clean(reference, 25, r"[^A-Za-z0-9]") or "***")),
    ]
    payload = "".join(fields) + "6304"
    return payload + crc16(payload)


def parse(payload: str) -> dict:
    """``{tag: value}`` of a TLV string; raises ``ValueError`` when it is not well formed."""
    fields, index = {}, 0
    while index < len(payload):
        tag, size = payload[index : index + 2], payload[index + 2 : index + 4]
        if len(tag) < 2 or len(size) < 2 or any(char not in "0123456789" for char in size):
            raise ValueError(f"malformed field at position {index}")
        value = payload[index + 4 : index + 4 + int(size)]
        if len(value) != int(size):
            raise ValueError(f"field {tag} is truncated")
        fields[tag] = value
        index += 4 + int(size)
    return fields


def validate(payload: str) -> list:
    """Problems of a PIX BR Code (``[]``: valid): format, merchant account, amount, CRC."""
    try:
        fields = parse(payload or "")
    except ValueError as error:
        return [str(error)]
    errors = []
    if not payload.startswith("000201"):
        errors.append("payload format indicator 01 missing or not first")
    if list(fields)[-1:] != ["63"] or len(fields.get("63", "")) != 4:
        errors.append("CRC field 63 missing or not last")
    elif crc16(payload[:-4]) != fields["63"].upper():
        errors.append("wrong CRC16")
    accounts = [value for tag, value in fields.items() if "26" <= tag <= "51"]
    try:
        account = parse(accounts[0]) if accounts else {}
    except ValueError:
        account = {}
    if account.get("00", "").lower() != PIX_GUI or not account.get("01"):
        errors.append("merchant account br.gov.bcb.pix with a key missing")
    if fields.get("53") != BRL:
        errors.append("currency is not BRL (986)")
    if "54" in fields and not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", fields["54"]):
        errors.append("malformed amount")
    if fields.get("58") != "BR" or not fields.get("59") or not fields.get("60"):
        errors.append("country, merchant name or city missing")
    return errors


def amount_of(payload: str):
    """The amount of a BR Code as a ``Decimal`` (``None`` when the payer types it)."""
    value = parse(payload).get("54")
    return Decimal(value) if value else None


@functools.lru_cache(maxsize=4096)
def checked_payload(key: str, name: str, city: str, amount=None, reference: str = ""):
    """``(payload, problems)``: the BR Code of :func:`build_payload` and what :func:`validate`
    finds wrong with it. Memoised: the self-service page shows the same hundred codes at every
    visit of the day (the amounts change with the interest, daily)."""
    payload = build_payload(key, name, city, amount, reference)
    return payload, tuple(validate(payload))
