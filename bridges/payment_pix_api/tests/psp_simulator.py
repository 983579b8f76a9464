"""A simulated PSP that follows Banco Central's published API Pix, on loopback, for the tests.

Endpoints (under ``/v2``, as Efí prefixes them): ``POST /oauth/token`` (client credentials in HTTP
basic auth, form or JSON body; wrong credentials → 401), ``PUT``/``PATCH``/``GET /cob/{txid}`` and
``/cobv/{txid}`` (txid and body validated as the spec says; answers ``status``, ``loc``,
``location`` and a dynamic ``pixCopiaECola``), ``GET /pix`` (paged), ``GET /pix/{e2eid}``,
``PUT``/``GET /webhook/{chave}``, ``PUT /pix/{e2eid}/devolucao/{id}``. Errors are the spec's
problem details (``type``, ``title``, ``status``, ``detail``, ``violacoes``).

Test helpers: ``.url``, ``.token_url``, ``.charges`` (txid → dict with ``kind``, ``body``,
``status``, ``revisao``, ``pixCopiaECola``…), ``.received`` (e2eid → PIX), ``.pay()``,
``.refund_received()``, ``.flush_notifications()``, ``.down``, ``.requests`` (one dict per call),
``.notifications`` (what was POSTed to webhooks and the answers).

``PspSimulator(tls=True)`` serves HTTPS and *requires* a client certificate signed by its own
throwaway CA (``cryptography``): ``.ca_path`` to verify the server, ``.client_cert_path`` and
``.client_key_path`` (or ``.client_pem_path``, both in one file) to present — mutual TLS really
exercised; ``.client_pem`` / ``.client_p12`` give the bytes an administrator would upload.
"""

import base64
import json
import os
import re
import secrets
import shutil
import ssl
import tempfile
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from ..tools import brcode

API_PREFIX = "/v2"
TOKEN_PATH = "/oauth/token"
PROBLEM = "https://pix.bcb.gov.br/api/v2/error/"
TXID_RE = re.compile(r"[a-zA-Z0-9]{26,35}")
AMOUNT_RE = re.compile(r"\d{1,10}\.\d{2}")
PERCENT_RE = re.compile(r"\d{1,10}\.\d{2}")


class _ProblemError(Exception):
    def __init__(self, status, kind, title, detail="", violations=None):
        super().__init__(detail or title)
        self.status = status
        self.body = {"type": PROBLEM + kind, "title": title, "status": status, "detail": detail}
        if violations:
            self.body["violacoes"] = [{"razao": reason, "propriedade": prop} for prop, reason in violations]


def _now():
    return datetime.now(UTC)


def _rfc3339(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_moment(value):
    moment = datetime.fromisoformat(value.replace("z", "Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_e2eid(moment=None):
    """An endToEndId: ``E``, the payer bank's ISPB (8 digits), ``yyyyMMddHHmm``, 11 characters."""
    moment = moment or _now()
    tail = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _index in range(11))
    return f"E18236120{moment:%Y%m%d%H%M}{tail}"[:32]


class PspSimulator:
    """Context manager: ``with PspSimulator() as psp: client = PixApiClient(psp.url, psp.token_url, …)``."""

    def __init__(
        self, client_id="sim-client-id", client_secret="sim-client-secret", tls=False, token_ttl=3600, page_size=100
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.tls = tls
        self.token_ttl = token_ttl
        self.page_size = page_size
        self.receiver_name = "LOJA SIMULADA LTDA"
        self.receiver_city = "SAO PAULO"
        # True: every call answers 503; "refused": every connection is dropped without an answer.
        self.down = False
        self.charges = {}
        self.received = {}
        self.webhooks = {}
        self.tokens = {}
        self.requests = []
        self.notifications = []
        self.pending_notifications = []
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        self._tmpdir = None

    def reset(self):
        """Forget everything (charges, received PIX, webhooks, tokens, logs) and come back up."""
        with self._lock:
            self.down = False
            for store in (self.charges, self.received, self.webhooks, self.tokens):
                store.clear()
            for log in (self.requests, self.notifications, self.pending_notifications):
                log.clear()

    # --- lifecycle ------------------------------------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        simulator = self

        class Handler(_Handler):
            psp = simulator

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls:
            self._tmpdir = tempfile.mkdtemp(prefix="psp-simulator-")
            self._make_certificates()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._path("server.pem"), self._path("server.key"))
            context.load_verify_locations(self.ca_path)
            context.verify_mode = ssl.CERT_REQUIRED
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="psp-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    @property
    def origin(self):
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    @property
    def url(self):
        return self.origin + API_PREFIX

    @property
    def token_url(self):
        return self.origin + TOKEN_PATH

    # --- certificates (tls=True) ------------------------------------------------------------------
    def _path(self, name):
        return os.path.join(self._tmpdir, name)

    @property
    def ca_path(self):
        return self._path("ca.pem")

    @property
    def client_cert_path(self):
        return self._path("client.pem")

    @property
    def client_key_path(self):
        return self._path("client.key")

    @property
    def client_pem_path(self):
        return self._path("client-bundle.pem")

    @property
    def client_pem(self):
        with open(self.client_pem_path, "rb") as bundle:
            return bundle.read()

    def _make_certificates(self):
        import ipaddress  # noqa: PLC0415

        from cryptography import x509  # noqa: PLC0415 - only the TLS tests need it
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
        from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: PLC0415
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415

        now = _now()

        def name(common_name):
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

        def certificate(subject, key, issuer, issuer_key, *, is_ca=False, usage=None, san=None):
            builder = (
                x509.CertificateBuilder()
                .subject_name(subject)
                .issuer_name(issuer)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5))
                .not_valid_after(now + timedelta(days=2))
                .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            )
            if usage:
                builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            if san:
                builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
            return builder.sign(issuer_key, hashes.SHA256())

        def key_pem(key):
            return key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )

        def cert_pem(cert):
            return cert.public_bytes(serialization.Encoding.PEM)

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = certificate(name("PSP simulator CA"), ca_key, name("PSP simulator CA"), ca_key, is_ca=True)
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = certificate(
            name("127.0.0.1"),
            server_key,
            ca_cert.subject,
            ca_key,
            usage=ExtendedKeyUsageOID.SERVER_AUTH,
            san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
        )
        client_key = ec.generate_private_key(ec.SECP256R1())
        client_cert = certificate(
            name(self.client_id), client_key, ca_cert.subject, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH
        )
        files = {
            "ca.pem": cert_pem(ca_cert),
            "server.pem": cert_pem(server_cert),
            "server.key": key_pem(server_key),
            "client.pem": cert_pem(client_cert),
            "client.key": key_pem(client_key),
            "client-bundle.pem": cert_pem(client_cert) + key_pem(client_key),
            "client.p12": pkcs12.serialize_key_and_certificates(
                b"client", client_key, client_cert, None, serialization.NoEncryption()
            ),
        }
        for file_name, content in files.items():
            with open(self._path(file_name), "wb") as output:
                output.write(content)
        self.client_p12 = files["client.p12"]

    # --- behaviour of the endpoints --------------------------------------------------------------
    def _issue_token(self, authorization, body):
        """OAuth2 client credentials, in HTTP basic auth or as form fields (client_secret_post)."""
        try:
            scheme, _space, encoded = (authorization or "").partition(" ")
            user, _colon, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            scheme = user = password = ""
        if scheme.lower() != "basic":
            user, password = body.get("client_id"), body.get("client_secret")
        if (user, password) != (self.client_id, self.client_secret):
            raise _ProblemError(401, "AcessoNegado", "Acesso Negado", "invalid client credentials")
        if body.get("grant_type") != "client_credentials":
            raise _ProblemError(
                400, "RequisicaoInvalida", "Requisição inválida", "grant_type must be client_credentials"
            )
        token = secrets.token_urlsafe(24)
        self.tokens[token] = _now() + timedelta(seconds=self.token_ttl)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": "cob.write cob.read cobv.write cobv.read pix.write pix.read webhook.write webhook.read",
        }

    def _check_token(self, authorization):
        scheme, _space, token = (authorization or "").partition(" ")
        expiry = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if not expiry or expiry <= _now():
            raise _ProblemError(401, "AcessoNegado", "Acesso Negado", "missing, unknown or expired access token")

    @classmethod
    def _validate_charge(cls, kind, body, partial=False):
        """Raise the spec's problem (400, ``violacoes``) when ``body`` does not respect the schema
        of a ``cob``/``cobv`` (``partial``: a PATCH, where every field is optional)."""
        if not isinstance(body, dict):
            raise _ProblemError(400, "CobOperacaoInvalida", "Cobrança inválida.", "the body must be a JSON object")
        violations = cls._value_violations(kind, body.get("valor"), partial)
        violations += cls._calendar_violations(kind, body.get("calendario"), partial)
        violations += cls._debtor_violations(body.get("devedor"), required=kind == "cobv" and not partial)
        if not partial and not (isinstance(body.get("chave"), str) and body["chave"].strip()):
            violations.append(("chave", "campo obrigatório"))
        if "solicitacaoPagador" in body and len(str(body["solicitacaoPagador"])) > 140:
            violations.append(("solicitacaoPagador", "no máximo 140 caracteres"))
        status = body.get("status")
        if partial and status is not None and status != "REMOVIDA_PELO_USUARIO_RECEBEDOR":
            violations.append(("status", "só REMOVIDA_PELO_USUARIO_RECEBEDOR é aceito"))
        if violations:
            problem = "CobOperacaoInvalida" if kind == "cob" else "CobVOperacaoInvalida"
            raise _ProblemError(400, problem, "Cobrança inválida.", "a requisição não respeita o schema", violations)

    @staticmethod
    def _value_violations(kind, value, partial):
        if partial and value is None:
            return []
        if not isinstance(value, dict):
            return [("valor", "campo obrigatório")]
        violations = []
        original = value.get("original")
        if (not partial or original is not None) and (
            not isinstance(original, str) or not AMOUNT_RE.fullmatch(original) or Decimal(original) <= 0
        ):
            violations.append(("valor.original", r"não respeita o schema \d{1,10}\.\d{2} ou não é positivo"))
        for field, top in (("multa", 2), ("juros", 8), ("desconto", 6), ("abatimento", 2)):
            entry = value.get(field)
            if entry is None:
                continue
            if kind == "cob":
                violations.append((f"valor.{field}", "não permitido numa cobrança imediata"))
            elif not isinstance(entry, dict) or entry.get("modalidade") not in range(1, top + 1):
                violations.append((f"valor.{field}.modalidade", f"obrigatória, no domínio 1-{top}"))
            elif field != "desconto" and not PERCENT_RE.fullmatch(str(entry.get("valorPerc", ""))):
                violations.append((f"valor.{field}.valorPerc", r"não respeita o schema \d{1,10}\.\d{2}"))
        return violations

    @staticmethod
    def _calendar_violations(kind, calendar, partial):
        if calendar is not None and not isinstance(calendar, dict):
            return [("calendario", "objeto esperado")]
        calendar = calendar or {}
        if kind == "cob":
            expiry = calendar.get("expiracao")
            if expiry is not None and (not isinstance(expiry, int) or expiry <= 0):
                return [("calendario.expiracao", "inteiro positivo esperado")]
            return []
        if partial and not calendar:
            return []
        violations = []
        try:
            datetime.strptime(calendar.get("dataDeVencimento") or "", "%Y-%m-%d")
        except (TypeError, ValueError):
            violations.append(("calendario.dataDeVencimento", "data YYYY-MM-DD obrigatória"))
        validity = calendar.get("validadeAposVencimento", 30)
        if not isinstance(validity, int) or validity < 0:
            violations.append(("calendario.validadeAposVencimento", "inteiro não negativo esperado"))
        return violations

    @staticmethod
    def _debtor_violations(debtor, required):
        if debtor is None and not required:
            return []
        if not isinstance(debtor, dict):
            return [("devedor", "campo obrigatório")]
        violations = []
        cpf, cnpj = debtor.get("cpf"), debtor.get("cnpj")
        if bool(cpf) == bool(cnpj):
            violations.append(("devedor", "informe cpf ou cnpj, um só"))
        elif cpf and not re.fullmatch(r"\d{11}", str(cpf)):
            violations.append(("devedor.cpf", r"não respeita o schema \d{11}"))
        elif cnpj and not re.fullmatch(r"\d{14}", str(cnpj)):
            violations.append(("devedor.cnpj", r"não respeita o schema \d{14}"))
        if not (isinstance(debtor.get("nome"), str) and debtor["nome"].strip()):
            violations.append(("devedor.nome", "campo obrigatório com cpf ou cnpj"))
        return violations

    def _charge_answer(self, charge):
        body = charge["body"]
        answer = {
            "calendario": dict(body.get("calendario") or {}, criacao=_rfc3339(charge["created"])),
            "txid": charge["txid"],
            "revisao": charge["revisao"],
            "loc": charge["loc"],
            "location": charge["loc"]["location"],
            "status": charge["status"],
            "valor": body["valor"],
            "chave": body["chave"],
            "pixCopiaECola": charge["pixCopiaECola"],
        }
        for field in ("devedor", "solicitacaoPagador", "infoAdicionais"):
            if field in body:
                answer[field] = body[field]
        if charge["pix"]:
            answer["pix"] = [self.received[e2eid] for e2eid in charge["pix"]]
        return answer

    def _put_charge(self, kind, txid, body):
        if not TXID_RE.fullmatch(txid):
            raise _ProblemError(
                400, "CobOperacaoInvalida", "Cobrança inválida.", "txid: 26 a 35 caracteres [a-zA-Z0-9]"
            )
        self._validate_charge(kind, body)
        if txid in self.charges:
            raise _ProblemError(400, "CobOperacaoInvalida", "Cobrança inválida.", "txid já utilizado")
        loc_id = len(self.charges) + 1
        location = f"pix.simulador.example/qr/v2/{'cobv/' if kind == 'cobv' else ''}{uuid.uuid4().hex}"
        self.charges[txid] = {
            "txid": txid,
            "kind": kind,
            "body": body,
            "status": "ATIVA",
            "revisao": 0,
            "created": _now(),
            "loc": {"id": loc_id, "location": location, "tipoCob": kind, "criacao": _rfc3339(_now())},
            "pixCopiaECola": brcode.build_dynamic(location, self.receiver_name, self.receiver_city),
            "pix": [],
        }
        return self._charge_answer(self.charges[txid])

    def _charge(self, kind, txid):
        charge = self.charges.get(txid)
        if not charge or charge["kind"] != kind:
            raise _ProblemError(
                404, "CobNaoEncontrado" if kind == "cob" else "CobVNaoEncontrada", "Não encontrada.", txid
            )
        return charge

    def _patch_charge(self, kind, txid, body):
        charge = self._charge(kind, txid)
        self._validate_charge(kind, body, partial=True)
        if charge["status"] != "ATIVA":
            raise _ProblemError(
                400, "CobOperacaoInvalida", "Cobrança inválida.", f"a cobrança está {charge['status']}, não ATIVA"
            )
        for field, value in body.items():
            if field == "status":
                charge["status"] = value
            elif isinstance(value, dict) and isinstance(charge["body"].get(field), dict):
                charge["body"][field] = dict(charge["body"][field], **value)
            else:
                charge["body"][field] = value
        charge["revisao"] += 1
        return self._charge_answer(charge)

    def _list_pix(self, query):
        try:
            start = _parse_moment(query["inicio"][0])
            end = _parse_moment(query["fim"][0])
            page = int(query.get("paginacao.paginaAtual", ["0"])[0])
            size = int(query.get("paginacao.itensPorPagina", [str(self.page_size)])[0])
        except (KeyError, ValueError, IndexError) as error:
            raise _ProblemError(
                400, "ConsultaPixInvalida", "Consulta inválida.", f"inicio e fim obrigatórios: {error}"
            ) from error
        items = sorted(
            (pix for pix in self.received.values() if start <= _parse_moment(pix["horario"]) <= end),
            key=lambda pix: pix["horario"],
        )
        pages = max((len(items) + size - 1) // size, 1)
        return {
            "parametros": {
                "inicio": query["inicio"][0],
                "fim": query["fim"][0],
                "paginacao": {
                    "paginaAtual": page,
                    "itensPorPagina": size,
                    "quantidadeDePaginas": pages,
                    "quantidadeTotalDeItens": len(items),
                },
            },
            "pix": items[page * size : (page + 1) * size],
        }

    def _refund(self, e2eid, segment, refund_id, body):
        if segment != "devolucao":
            raise _ProblemError(404, "NaoEncontrado", "Não encontrado", segment)
        pix = self.received.get(e2eid)
        if not pix:
            raise _ProblemError(404, "PixNaoEncontrado", "Pix não encontrado.", e2eid)
        if not re.fullmatch(r"[a-zA-Z0-9]{1,35}", refund_id):
            raise _ProblemError(400, "DevolucaoInvalida", "Devolução inválida.", "id: 1 a 35 caracteres [a-zA-Z0-9]")
        existing = next((refund for refund in pix["devolucoes"] if refund["id"] == refund_id), None)
        if existing:
            return existing
        amount = body.get("valor") if isinstance(body, dict) else None
        if not isinstance(amount, str) or not AMOUNT_RE.fullmatch(amount) or Decimal(amount) <= 0:
            raise _ProblemError(400, "DevolucaoInvalida", "Devolução inválida.", "valor", [("valor", "valor inválido")])
        refunded = sum(Decimal(refund["valor"]) for refund in pix["devolucoes"])
        if refunded + Decimal(amount) > Decimal(pix["valor"]):
            raise _ProblemError(400, "DevolucaoInvalida", "Devolução inválida.", "valor acima do que resta a devolver")
        return self._add_refund(pix, refund_id, amount)

    def _add_refund(self, pix, refund_id, amount):
        now = _rfc3339(_now())
        refund = {
            "id": refund_id,
            "rtrId": "D" + pix["endToEndId"][1:],
            "valor": f"{Decimal(amount):.2f}",
            "horario": {"solicitacao": now, "liquidacao": now},
            "status": "DEVOLVIDO",
        }
        pix["devolucoes"].append(refund)
        self.pending_notifications.append(pix["endToEndId"])
        return refund

    # --- test helpers ----------------------------------------------------------------------------
    def pay(self, txid, amount=None, e2eid=None, notify=True, *, payer=None, when=None):
        """The debtor pays charge ``txid`` (its current amount unless ``amount``): the PIX is
        recorded (``GET /pix`` sees it), the charge CONCLUIDA, and when ``notify`` and a webhook is
        registered for its key, ``{"pix": [...]}`` is POSTed to ``<webhookUrl>/pix`` now (the answer
        is in ``.notifications``). A txid unknown here is paid too (as a static code may be)."""
        with self._lock:
            charge = self.charges.get(txid)
            if amount is None:
                if not charge:
                    raise ValueError(f"unknown charge {txid}: give the amount")
                amount = charge["body"]["valor"]["original"]
            moment = when or _now()
            e2eid = e2eid or new_e2eid(moment)
            debtor = (charge or {}).get("body", {}).get("devedor") or {}
            pix = {
                "endToEndId": e2eid,
                "txid": txid,
                "valor": f"{Decimal(str(amount)):.2f}",
                "chave": charge["body"]["chave"] if charge else "",
                "horario": _rfc3339(moment),
                "infoPagador": "pagamento simulado",
                "pagador": payer or {key: value for key, value in debtor.items() if key in ("cpf", "cnpj", "nome")},
                "devolucoes": [],
            }
            self.received[e2eid] = pix
            if charge:
                charge["pix"].append(e2eid)
                charge["status"] = "CONCLUIDA"
        if notify:
            self.notify([pix])
        return e2eid

    def refund_received(self, e2eid, amount, notify=True, refund_id=None):
        """A refund of ``amount`` of a received PIX made at the bank; notified like a payment."""
        with self._lock:
            pix = self.received[e2eid]
            refund = self._add_refund(pix, refund_id or secrets.token_hex(8), amount)
            self.pending_notifications.remove(e2eid)
        if notify:
            self.notify([pix])
        return refund

    def flush_notifications(self):
        """POST now what refunds asked through the API left to notify (kept for the test to
        decide when: the PSP answers the API call first, and notifies later)."""
        with self._lock:
            pending = [self.received[e2eid] for e2eid in dict.fromkeys(self.pending_notifications)]
            self.pending_notifications.clear()
        if pending:
            self.notify(pending)

    def notify(self, pix_list):
        """POST ``{"pix": pix_list}`` to the webhook of each one's key, synchronously."""
        by_url = {}
        for pix in pix_list:
            url = self.webhooks.get(pix.get("chave"))
            if url:
                by_url.setdefault(url, []).append(pix)
        for url, items in by_url.items():
            target = url.rstrip("/") + "/pix"
            body = json.dumps({"pix": items})
            try:
                response = requests.post(target, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                status = response.status_code
            except requests.RequestException as error:
                status = f"error: {error}"
            self.notifications.append({"url": target, "body": body, "status": status})

    # --- HTTP dispatch ---------------------------------------------------------------------------
    def handle(self, method, path, query, headers, raw):
        """``(status, body)`` of one request; records it in ``.requests``."""
        self.requests.append(
            {
                "method": method,
                "path": path,
                "query": query,
                "headers": dict(headers.items()),
                "body": raw.decode("utf-8", "replace"),
            }
        )
        if self.down:
            raise _ProblemError(503, "ServicoIndisponivel", "Serviço Indisponível", "PSP simulado fora do ar")
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            if path == TOKEN_PATH:
                body = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            else:
                raise _ProblemError(400, "RequisicaoInvalida", "Requisição inválida", "JSON inválido") from None
        if path == TOKEN_PATH and method == "POST":
            return 200, self._issue_token(headers.get("Authorization"), body)
        if not path.startswith(API_PREFIX + "/"):
            raise _ProblemError(404, "NaoEncontrado", "Não encontrado", path)
        self._check_token(headers.get("Authorization"))
        parts = [unquote(part) for part in path[len(API_PREFIX) + 1 :].split("/")]
        route = self._route(method, parts)
        if not route:
            raise _ProblemError(404, "NaoEncontrado", "Não encontrado", f"{method} {path}")
        with self._lock:
            return route(parts, query, body)

    def _route(self, method, parts):
        charge_kind = parts[0] in ("cob", "cobv") and len(parts) == 2
        routes = {
            ("PUT", True): lambda p, q, b: (201, self._put_charge(p[0], p[1], b)),
            ("PATCH", True): lambda p, q, b: (200, self._patch_charge(p[0], p[1], b)),
            ("GET", True): lambda p, q, b: (200, self._charge_answer(self._charge(p[0], p[1]))),
        }
        if charge_kind:
            return routes.get((method, True))
        shape = (method, parts[0], len(parts))
        return {
            ("GET", "pix", 1): lambda p, q, b: (200, self._list_pix(q)),
            ("GET", "pix", 2): lambda p, q, b: (200, self._get_pix(p[1])),
            ("PUT", "pix", 4): lambda p, q, b: (201, self._refund(p[1], p[2], p[3], b)),
            ("PUT", "webhook", 2): lambda p, q, b: (200, self._put_webhook(p[1], b)),
            ("GET", "webhook", 2): lambda p, q, b: (200, self._get_webhook(p[1])),
        }.get(shape)

    def _get_pix(self, e2eid):
        if e2eid not in self.received:
            raise _ProblemError(404, "PixNaoEncontrado", "Pix não encontrado.", e2eid)
        return self.received[e2eid]

    def _put_webhook(self, key, body):
        url = body.get("webhookUrl") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _ProblemError(400, "WebhookOperacaoInvalida", "Webhook inválido.", "webhookUrl obrigatória")
        self.webhooks[key] = url
        return {"webhookUrl": url, "chave": key, "criacao": _rfc3339(_now())}

    def _get_webhook(self, key):
        if key not in self.webhooks:
            raise _ProblemError(404, "WebhookNaoEncontrado", "Webhook não encontrado.", key)
        return {"webhookUrl": self.webhooks[key], "chave": key}


class _Handler(BaseHTTPRequestHandler):
    psp = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        return

    def _serve(self):
        if self.psp.down == "refused":
            self.close_connection = True  # no answer at all: the client sees the connection drop
            return
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, body = self.psp.handle(self.command, url.path, parse_qs(url.query), self.headers, raw)
        except _ProblemError as problem:
            status, body = problem.status, problem.body
        except Exception as error:  # pylint: disable=broad-exception-caught  # a PSP answers 500
            status, body = 500, {"title": "Erro interno", "status": 500, "detail": repr(error)}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 400 else "application/problem+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    def do_POST(self):
        self._serve()
