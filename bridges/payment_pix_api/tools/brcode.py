"""PIX BR Code (EMV merchant-presented QR payload of the Banco Central), static and dynamic.

TLV fields ``IIDDvalue``: ``00`` payload format ``01``; ``01`` point of initiation ``12`` (a
dynamic code is for one payment); ``26`` merchant account (``00`` GUI ``br.gov.bcb.pix``, then
``01`` the PIX key of a *static* code or ``25`` the location URL, without scheme, of a *dynamic*
one); ``52`` ``0000``; ``53`` ``986`` (BRL); ``54`` amount (optional); ``58`` ``BR``; ``59`` name
(≤ 25); ``60`` city (≤ 15); ``62``/``05`` reference (≤ 25 characters, ``***`` for a dynamic code,
whose txid is at the location); last ``63`` CRC16-CCITT-FALSE over the payload including ``6304``.

This module has no dependency on the collection addon: the payment provider stands on its own.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

PIX_GUI = "br.gov.bcb.pix"
BRL = "986"


def crc16(data: str) -> str:
    """CRC16-CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of ``data`` (UTF-8), 4 hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"BR Code field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _clean(text: str, size: int, pattern=r"[^A-Za-z0-9 ]") -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(pattern, "", ascii_text).strip()[:size]


def _payload(account: str, name: str, city: str, amount, reference: str, *, dynamic: bool) -> str:
    fields = [_tlv("00", "01")]
    if dynamic:
        fields.append(_tlv("01", "12"))
    fields += [_tlv("26", account), _tlv("52", "0000"), _tlv("53", BRL)]
    if amount is not None and Decimal(str(amount)) > 0:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        fields.append(_tlv("54", f"{value:.2f}"))
    fields += [
        _tlv("58", "BR"),
        _tlv("59", _clean(name, 25).upper() or "NA"),
        _tlv("60", _clean(city, 15).upper() or "NA"),
        _tlv("62", _tlv("05", reference)),
    ]
    payload = "".join(fields) + "6304"
    return payload + crc16(payload)


def build_static(key: str, name: str, city: str, amount=None, reference: str = "") -> str:
    """A static BR Code of ``amount`` to ``key``; ``reference`` (the txid) is cut to 25 characters."""
    if not (key or "").strip():
        raise ValueError("a PIX key is required")
    account = _tlv("00", PIX_GUI) + _tlv("01", key.strip())
    reference = _clean(reference, 25, r"[^A-Za-z0-9]") or "***"
    return _payload(account, name, city, amount, reference, dynamic=False)


def build_dynamic(location: str, name: str, city: str, amount=None) -> str:
    """A dynamic BR Code whose charge (and txid) the payer's bank reads at ``location``."""
    location = re.sub(r"^https?://", "", (location or "").strip())
    if not location:
        raise ValueError("a location is required")
    account = _tlv("00", PIX_GUI) + _tlv("25", location)
    return _payload(account, name, city, amount, "***", dynamic=True)


def parse(payload: str) -> dict:
    """``{tag: value}`` of a TLV string; raises ``ValueError`` when it is not well formed."""
    fields, index = {}, 0
    while index < len(payload):
        tag, size = payload[index : index + 2], payload[index + 2 : index + 4]
        if len(tag) < 2 or not size.isdigit() or len(size) < 2:
            raise ValueError(f"malformed field at position {index}")
        value = payload[index + 4 : index + 4 + int(size)]
        if len(value) != int(size):
            raise ValueError(f"field {tag} is truncated")
        fields[tag] = value
        index += 4 + int(size)
    return fields


def validate(payload: str) -> list:
    """Problems of a BR Code, static or dynamic (``[]``: valid)."""
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
    try:
        account = parse(fields.get("26", ""))
    except ValueError:
        account = {}
    if account.get("00", "").lower() != PIX_GUI or not (account.get("01") or account.get("25")):
        errors.append("merchant account br.gov.bcb.pix with a key or a location missing")
    if fields.get("53") != BRL:
        errors.append("currency is not BRL (986)")
    if "54" in fields and not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", fields["54"]):
        errors.append("malformed amount")
    if fields.get("58") != "BR" or not fields.get("59") or not fields.get("60"):
        errors.append("country, merchant name or city missing")
    return errors


def is_dynamic(payload: str) -> bool:
    """Whether a (valid) BR Code points at a location, i.e. was issued by a PSP for one charge."""
    return "25" in parse(parse(payload).get("26", ""))
