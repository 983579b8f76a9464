"""Client of Banco Central's API Pix (the contract Efí, Banco Inter, Sicoob, BB… publish), no ORM.

- Authentication: OAuth2 client credentials (HTTP basic auth with the client id and secret) at the
  PSP's token URL; the token is cached until shortly before it expires and fetched again once when
  the PSP answers 401. Every call goes over mutual TLS when a client certificate is given
  (``cert``: a PEM path holding certificate and key, or a ``(cert_path, key_path)`` pair, as
  ``requests`` takes them).
- Calls answer the parsed JSON body; any failure raises :class:`PixApiError` whose ``status`` is
  the HTTP status, or ``None`` when the PSP could not be reached (refused, timeout, TLS).
- Builders (:func:`cob_body`, :func:`cobv_body`) and parsers (:func:`parse_notification`,
  :func:`parse_pix`) are pure: what comes from outside is refused with a clear ``ValueError``.
"""

import json
import re
import secrets
import string
import threading
import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import requests

TXID_RE = re.compile(r"[a-zA-Z0-9]{26,35}")
E2EID_RE = re.compile(r"[a-zA-Z0-9]{32}")
AMOUNT_RE = re.compile(r"\d{1,10}\.\d{2}")
REFUND_ID_RE = re.compile(r"[a-zA-Z0-9]{1,35}")
CHARGE_STATUSES = ("ATIVA", "CONCLUIDA", "REMOVIDA_PELO_USUARIO_RECEBEDOR", "REMOVIDA_PELO_PSP")
REMOVED_BY_RECEIVER = "REMOVIDA_PELO_USUARIO_RECEBEDOR"

# valor.multa.modalidade (API Pix): 1 fixed value, 2 percentage of the amount, charged once.
FINE_PERCENT = 2
# valor.juros.modalidade (API Pix): 1 value a day, 2 % a day, 3 % a month, 4 % a year (calendar
# days); 5-8 the same on business days. A simple monthly rate charged pro rata die over calendar
# days ("1 % a month, simple, pro rata die", CC art. 406 / CDC art. 52 §1) is modalidade 3: the
# PSP adds rate/30 a calendar day after the due date, without compounding.
INTEREST_PERCENT_MONTH_CALENDAR_DAYS = 3

MAX_NOTIFICATION_BYTES = 1_000_000
MAX_NOTIFICATION_ITEMS = 1000
TOKEN_MARGIN_SECONDS = 30
_ALPHANUMERIC = string.ascii_letters + string.digits


class PixApiError(Exception):
    """A call to the PSP failed. ``status``: the HTTP status, ``None`` when unreachable;
    ``body``: the answer (parsed JSON when it was JSON, else text), ``None`` when there was none."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


def new_txid(size=32):
    """A new txid: ``size`` (26-35) random characters ``[a-zA-Z0-9]``, ours to choose, unique."""
    if not 26 <= size <= 35:
        raise ValueError("a txid has 26 to 35 characters")
    return "".join(secrets.choice(_ALPHANUMERIC) for _index in range(size))


def check_txid(txid):
    """``txid`` when it is 26-35 characters ``[a-zA-Z0-9]``; ``ValueError`` otherwise."""
    if not isinstance(txid, str) or not TXID_RE.fullmatch(txid):
        raise ValueError(f"invalid txid {txid!r}: 26 to 35 characters a-z, A-Z, 0-9 expected")
    return txid


def format_amount(amount):
    """``"123.45"``: the API's amount format (two decimals, rounded half up); it must be positive."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValueError(f"invalid amount {amount!r}") from error
    if value <= 0:
        raise ValueError(f"the amount must be positive, got {amount!r}")
    if value >= Decimal("1e10"):
        raise ValueError(f"amount too large: {amount!r}")
    return f"{value:.2f}"


def _percent(value, what):
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValueError(f"invalid {what} {value!r}") from error
    if number < 0 or number > 100:
        raise ValueError(f"the {what} must be between 0 and 100 %, got {value!r}")
    return number


def debtor(document, name):
    """``devedor``: ``cpf`` (11 digits) or ``cnpj`` (14 digits) and ``nome``; punctuation ignored."""
    digits = re.sub(r"\D", "", document or "")
    if len(digits) == 11:
        result = {"cpf": digits}
    elif len(digits) == 14:
        result = {"cnpj": digits}
    else:
        raise ValueError(f"the debtor's CPF (11 digits) or CNPJ (14 digits) is required, got {document!r}")
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValueError("the debtor's name is required")
    result["nome"] = name
    return result


def _common(key, amount, description, info):
    if not (key or "").strip():
        raise ValueError("the receiver's PIX key (chave) is required")
    body = {"valor": {"original": format_amount(amount)}, "chave": key.strip()}
    if description:
        body["solicitacaoPagador"] = " ".join(description.split())[:140]
    if info:
        body["infoAdicionais"] = [
            {"nome": str(name)[:50], "valor": str(value)[:200]} for name, value in list(info.items())[:50]
        ]
    return body


def cob_body(key, amount, *, expiry_seconds=86400, debtor_document=None, debtor_name=None, description=None, info=None):
    """Body of ``PUT /cob/{txid}``: an immediate charge of ``amount`` to ``key``, payable for
    ``expiry_seconds`` (``calendario.expiracao``); the debtor is optional (both or neither)."""
    expiry = int(expiry_seconds)
    if expiry <= 0:
        raise ValueError("the expiry must be a positive number of seconds")
    body = {"calendario": {"expiracao": expiry}}
    if debtor_document or debtor_name:
        body["devedor"] = debtor(debtor_document, debtor_name)
    body.update(_common(key, amount, description, info))
    return body


def cobv_body(
    key,
    amount,
    due_date,
    *,
    debtor_document,
    debtor_name,
    validity_days=30,
    fine_percent=None,
    interest_percent_month=None,
    description=None,
    info=None,
):
    """Body of ``PUT /cobv/{txid}``: a charge of ``amount`` due on ``due_date``, payable
    ``validity_days`` after it (``calendario.validadeAposVencimento``), the debtor required.

    ``fine_percent``: a fine of that percentage of the amount, once, after the due date
    (``multa`` modalidade 2). ``interest_percent_month``: simple interest of that percentage a
    month, pro rata per calendar day after the due date (``juros`` modalidade 3). The PSP computes
    the amount due on the day of payment from them; zero or ``None`` leaves them out."""
    if isinstance(due_date, datetime):
        due_date = due_date.date()
    if not isinstance(due_date, date):
        due_date = date.fromisoformat(str(due_date))
    validity = int(validity_days)
    if validity < 0:
        raise ValueError("the validity after the due date cannot be negative")
    body = {
        "calendario": {"dataDeVencimento": due_date.isoformat(), "validadeAposVencimento": validity},
        "devedor": debtor(debtor_document, debtor_name),
    }
    body.update(_common(key, amount, description, info))
    if fine_percent and _percent(fine_percent, "fine"):
        body["valor"]["multa"] = {"modalidade": FINE_PERCENT, "valorPerc": f"{_percent(fine_percent, 'fine'):.2f}"}
    if interest_percent_month and _percent(interest_percent_month, "interest"):
        body["valor"]["juros"] = {
            "modalidade": INTEREST_PERCENT_MONTH_CALENDAR_DAYS,
            "valorPerc": f"{_percent(interest_percent_month, 'interest'):.2f}",
        }
    return body


def parse_time(value):
    """An RFC 3339 time of the API (``2026-12-07T10:00:00.123Z``, ``…-03:00``) as naive UTC."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"invalid time {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as error:
        raise ValueError(f"invalid time {value!r}") from error
    if moment.tzinfo is None:
        raise ValueError(f"time without a time zone: {value!r}")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _amount_of(value, what):
    if not isinstance(value, str) or not AMOUNT_RE.fullmatch(value):
        raise ValueError(f"invalid {what} {value!r}: \\d{{1,10}}.\\d{{2}} expected")
    return Decimal(value)


def _parse_refund(refund):
    if not isinstance(refund, dict):
        raise ValueError("a refund (devolucao) must be an object")
    refund_id = refund.get("id")
    if not isinstance(refund_id, str) or not REFUND_ID_RE.fullmatch(refund_id):
        raise ValueError(f"invalid refund id {refund_id!r}")
    moments = refund.get("horario") or {}
    if not isinstance(moments, dict):
        raise ValueError("invalid refund horario")
    return {
        "id": refund_id,
        "rtr_id": str(refund.get("rtrId") or ""),
        "amount": _amount_of(refund.get("valor"), "refund amount"),
        "status": str(refund.get("status") or ""),
        "requested_at": parse_time(moments["solicitacao"]) if moments.get("solicitacao") else None,
        "settled_at": parse_time(moments["liquidacao"]) if moments.get("liquidacao") else None,
    }


def parse_pix(item):
    """A received PIX of the API (webhook item, ``GET /pix`` entry or ``GET /pix/{e2eid}``) as
    ``{end_to_end_id, txid, amount (Decimal), paid_at (naive UTC), payer_info, payer_document,
    payer_name, refunds: [{id, rtr_id, amount, status, requested_at, settled_at}], raw}``."""
    if not isinstance(item, dict):
        raise ValueError("a PIX must be an object")
    e2eid = item.get("endToEndId")
    if not isinstance(e2eid, str) or not E2EID_RE.fullmatch(e2eid):
        raise ValueError(f"invalid endToEndId {e2eid!r}: 32 characters a-z, A-Z, 0-9 expected")
    txid = item.get("txid")
    if txid is not None and (not isinstance(txid, str) or not re.fullmatch(r"[a-zA-Z0-9]{1,35}", txid)):
        raise ValueError(f"invalid txid {txid!r}")
    payer = item.get("pagador") or {}
    if not isinstance(payer, dict):
        raise ValueError("invalid pagador")
    refunds = item.get("devolucoes") or []
    if not isinstance(refunds, list):
        raise ValueError("devolucoes must be a list")
    payer_info = item.get("infoPagador")
    return {
        "end_to_end_id": e2eid,
        "txid": txid or None,
        "amount": _amount_of(item.get("valor"), "amount"),
        "paid_at": parse_time(item.get("horario")),
        "payer_info": str(payer_info)[:140] if payer_info else "",
        "payer_document": re.sub(r"\D", "", str(payer.get("cpf") or payer.get("cnpj") or "")),
        "payer_name": str(payer.get("nome") or "")[:200],
        "refunds": [_parse_refund(refund) for refund in refunds],
        "raw": item,
    }


def parse_notification(raw):
    """The PIX of a webhook body (bytes or str): ``{"pix": [...]}`` as the spec says, or a bare
    list as Banco Inter sends it; a list of :func:`parse_pix` dicts. Anything malformed (not JSON,
    too large, wrong shape, a bad field in any item) raises ``ValueError`` saying what."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, bytes | bytearray):
        raise ValueError("the notification body must be bytes")
    if len(raw) > MAX_NOTIFICATION_BYTES:
        raise ValueError(f"notification larger than {MAX_NOTIFICATION_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the notification is not JSON: {error}") from error
    items = data.get("pix") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('the notification carries no "pix" list')
    if len(items) > MAX_NOTIFICATION_ITEMS:
        raise ValueError(f"more than {MAX_NOTIFICATION_ITEMS} PIX in one notification")
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(parse_pix(item))
        except (ValueError, KeyError) as error:
            raise ValueError(f"pix[{index}]: {error}") from error
    return parsed


def describe_error(status, body):
    """A one-line account of an error answer: the spec's problem details (``title``, ``detail``,
    ``violacoes``), an OAuth error, or the start of the text."""
    if isinstance(body, dict):
        parts = [
            str(body[key]) for key in ("title", "detail", "error", "error_description", "mensagem") if body.get(key)
        ]
        for violation in body.get("violacoes") or []:
            if isinstance(violation, dict):
                parts.append(f"{violation.get('propriedade', '')}: {violation.get('razao', '')}".strip(": "))
        if parts:
            return f"HTTP {status}: " + "; ".join(parts)
    text = str(body or "").strip()
    return f"HTTP {status}: {text[:200]}" if text else f"HTTP {status}"


class PixApiClient:
    """One PSP account. ``token_cache``: a dict shared between clients of the same credentials
    (the server keeps one per provider) so that a token serves until it expires; ``scope``: the
    OAuth scopes some PSPs require (Banco Inter); ``token_json``: send the token request as JSON
    (Efí) rather than the standard form encoding; ``credentials_in_body``: send the client id and
    secret as form fields (OAuth's ``client_secret_post``, Banco Inter) instead of HTTP basic."""

    def __init__(
        self,
        base_url,
        token_url,
        client_id,
        client_secret,
        *,
        cert=None,
        verify=True,
        timeout=10,
        scope=None,
        token_json=False,
        credentials_in_body=False,
        token_cache=None,
        session=None,
    ):
        if not base_url or not token_url:
            raise ValueError("the API's base URL and token URL are required")
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id or ""
        self._client_secret = client_secret or ""
        self.cert = cert
        self.verify = verify
        self.timeout = timeout
        self.scope = scope
        self.token_json = token_json
        self.credentials_in_body = credentials_in_body
        self._cache = token_cache if token_cache is not None else {}
        self._cache_key = (self.token_url, self.client_id)
        self._lock = threading.Lock()
        self.session = session or requests.Session()

    def __repr__(self):
        return f"<PixApiClient {self.base_url} client_id={self.client_id!r}>"

    # --- transport ---------------------------------------------------------------------------
    def _send(self, method, url, **kwargs):
        try:
            return self.session.request(method, url, cert=self.cert, verify=self.verify, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as error:
            raise PixApiError(f"TLS handshake with the PSP failed (certificate?): {error}") from error
        except requests.RequestException as error:
            raise PixApiError(f"the PSP could not be reached: {error}") from error

    @staticmethod
    def _body(response):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def token(self, force=False):
        """The access token, from the cache while it is valid."""
        with self._lock:
            cached = self._cache.get(self._cache_key)
            if cached and not force and cached[1] > time.monotonic():
                return cached[0]
            data = {"grant_type": "client_credentials"}
            if self.scope:
                data["scope"] = self.scope
            if self.credentials_in_body:
                data.update(client_id=self.client_id, client_secret=self._client_secret)
                auth = None
            else:
                auth = (self.client_id, self._client_secret)
            payload = {"json": data} if self.token_json else {"data": data}
            response = self._send("POST", self.token_url, auth=auth, **payload)
            body = self._body(response)
            if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
                self._cache.pop(self._cache_key, None)
                raise PixApiError(
                    "authentication refused: " + describe_error(response.status_code, body), response.status_code, body
                )
            try:
                expires_in = int(body.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires_in = 3600
            self._cache[self._cache_key] = (
                body["access_token"],
                time.monotonic() + max(expires_in - TOKEN_MARGIN_SECONDS, 0),
            )
            return body["access_token"]

    def _call(self, method, path, body=None, params=None):
        url = self.base_url + path
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(force=attempt == 2)}"}
            response = self._send(method, url, json=body, params=params, headers=headers)
            if response.status_code != 401:
                break
        answer = self._body(response)
        if not 200 <= response.status_code < 300:
            raise PixApiError(describe_error(response.status_code, answer), response.status_code, answer)
        return answer if answer is not None else {}

    # --- charges -----------------------------------------------------------------------------
    def put_cob(self, txid, body):
        return self._call("PUT", f"/cob/{check_txid(txid)}", body)

    def put_cobv(self, txid, body):
        return self._call("PUT", f"/cobv/{check_txid(txid)}", body)

    def patch_cob(self, txid, body):
        return self._call("PATCH", f"/cob/{check_txid(txid)}", body)

    def patch_cobv(self, txid, body):
        return self._call("PATCH", f"/cobv/{check_txid(txid)}", body)

    def get_cob(self, txid):
        return self._call("GET", f"/cob/{check_txid(txid)}")

    def get_cobv(self, txid):
        return self._call("GET", f"/cobv/{check_txid(txid)}")

    # --- received PIX, webhook, refunds -------------------------------------------------------
    def list_pix(self, start, end, page=0):
        """``GET /pix``: the PIX received between ``start`` and ``end`` (datetimes, naive = UTC)."""

        def rfc3339(moment):
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        params = {"inicio": rfc3339(start), "fim": rfc3339(end), "paginacao.paginaAtual": int(page)}
        return self._call("GET", "/pix", params=params)

    def get_pix(self, e2eid):
        if not isinstance(e2eid, str) or not E2EID_RE.fullmatch(e2eid):
            raise ValueError(f"invalid endToEndId {e2eid!r}")
        return self._call("GET", f"/pix/{e2eid}")

    def put_webhook(self, key, url):
        """``PUT /webhook/{chave}``: the PSP will POST the PIX paid to ``key`` to ``<url>/pix``."""
        if not (key or "").strip():
            raise ValueError("a PIX key is required")
        return self._call("PUT", f"/webhook/{requests.utils.quote(key.strip(), safe='')}", {"webhookUrl": url})

    def refund(self, e2eid, refund_id, amount):
        """``PUT /pix/{e2eid}/devolucao/{id}``: give back ``amount`` of a received PIX; ``refund_id``
        (1-35 ``[a-zA-Z0-9]``) is ours, so asking twice is asking once."""
        if not isinstance(e2eid, str) or not E2EID_RE.fullmatch(e2eid):
            raise ValueError(f"invalid endToEndId {e2eid!r}")
        if not isinstance(refund_id, str) or not REFUND_ID_RE.fullmatch(refund_id):
            raise ValueError(f"invalid refund id {refund_id!r}")
        return self._call("PUT", f"/pix/{e2eid}/devolucao/{refund_id}", {"valor": format_amount(amount)})
