import base64
import contextlib
import hashlib
import logging
import os
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import config

from .. import const
from ..tools import api_pix
from ..tools.certificate import pem_bundle

_logger = logging.getLogger(__name__)

# One token cache per (database, provider): a token serves every call until it expires.
_TOKEN_CACHES = {}


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(selection_add=[("pix_api", "PIX (API Pix)")], ondelete={"pix_api": "set default"})
    pix_psp = fields.Selection(
        [
            ("efi", "Efí (Gerencianet)"),
            ("inter", "Banco Inter"),
            ("bcb", "API Pix (Banco Central) — generic"),
            ("sandbox", "Sandbox (no bank: simulated charges)"),
        ],
        string="PSP",
        default="sandbox",
        required_if_provider="pix_api",
        help="The payment institution that holds the PIX key. Efí and Banco Inter fill in their addresses; "
        "the generic entry takes the addresses your PSP gives. The sandbox calls no bank.",
    )
    pix_key = fields.Char(
        string="PIX Key", help="The key charges are paid to (CNPJ, e-mail, phone or random key) at this PSP."
    )
    pix_client_id = fields.Char(string="Client ID", groups="base.group_system")
    pix_client_secret = fields.Char(string="Client Secret", groups="base.group_system")
    pix_certificate = fields.Binary(
        string="Client Certificate",
        attachment=True,
        groups="base.group_system",
        help="The certificate the PSP issued for mutual TLS: a .p12 without password (Efí) or a PEM (.crt/.pem).",
    )
    pix_certificate_name = fields.Char(string="Certificate File Name", groups="base.group_system")
    pix_certificate_key = fields.Binary(
        string="Certificate Private Key",
        attachment=True,
        groups="base.group_system",
        help="The private key (.key, PEM) when it is not inside the certificate file (Banco Inter).",
    )
    pix_certificate_key_name = fields.Char(string="Private Key File Name", groups="base.group_system")
    pix_base_url = fields.Char(
        string="API Base URL",
        compute="_compute_pix_urls",
        store=True,
        readonly=False,
        help="Address of the API Pix, up to the version prefix (…/v2); filled in for Efí and Banco Inter "
        "from the state (Test Mode: the PSP's sandbox; Enabled: production).",
    )
    pix_token_url = fields.Char(string="Token URL", compute="_compute_pix_urls", store=True, readonly=False)
    pix_charge_expiry = fields.Integer(
        string="Immediate Charge Expiry (s)",
        default=86400,
        help="How long an immediate charge (cob) can be paid, in seconds (calendario.expiracao).",
    )
    pix_due_validity_days = fields.Integer(
        string="Payable Days After Due Date",
        default=30,
        help="How many days after its due date a charge with a due date (cobv) can still be paid, "
        "with the fine and interest (calendario.validadeAposVencimento).",
    )

    @api.depends("pix_psp", "state")
    def _compute_pix_urls(self):
        for provider in self:
            preset = const.PSP_URLS.get(provider.pix_psp)
            if preset:
                provider.pix_base_url, provider.pix_token_url = preset[
                    "enabled" if provider.state == "enabled" else "test"
                ]
            else:
                provider.pix_base_url = provider.pix_base_url
                provider.pix_token_url = provider.pix_token_url

    @api.constrains("pix_charge_expiry", "pix_due_validity_days")
    def _check_pix_durations(self):
        for provider in self.filtered(lambda p: p.code == "pix_api"):
            if provider.pix_charge_expiry <= 0 or provider.pix_due_validity_days < 0:
                raise ValidationError(
                    self.env._("The charge expiry must be positive and the days after the due date cannot be negative.")
                )

    @api.constrains("state", "pix_psp")
    def _check_pix_sandbox_not_enabled(self):
        if self.filtered(lambda p: p.code == "pix_api" and p.pix_psp == "sandbox" and p.state == "enabled"):
            raise ValidationError(
                self.env._("A sandbox PIX provider calls no bank: it can be in Test Mode only, never Enabled.")
            )

    def action_pix_test_connection(self):
        """Ask a token, then a harmless read (the PIX received in the last minute); say what to fix."""
        self.ensure_one()
        self._pix_check_configured()
        if self.pix_psp == "sandbox":
            return self._pix_notify("info", self.env._("Sandbox: no bank is called; charges are simulated in Odoo."))
        provider = self.sudo()
        try:
            client = provider._pix_client()
            client.token(force=True)
        except api_pix.PixApiError as error:
            return self._pix_notify("danger", self._pix_explain(error, step="token"))
        try:
            now = datetime.utcnow()
            client.list_pix(now - timedelta(minutes=1), now)
        except api_pix.PixApiError as error:
            return self._pix_notify("danger", self._pix_explain(error, step="read"))
        return self._pix_notify(
            "success",
            self.env._(
                "Connected to %(url)s: the PSP accepted the credentials and answered.", url=provider.pix_base_url
            ),
        )

    def _pix_notify(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("PIX connection test"),
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
            },
        }

    def _pix_explain(self, error, step):
        """A translated account of a failed call that says what to check."""
        if error.status is None:
            return self.env._(
                "The PSP could not be reached (%(error)s). Check the URLs, the network and, for mutual TLS, "
                "that the certificate is the one the PSP issued for this environment.",
                error=str(error),
            )
        if step == "token" and error.status in (400, 401, 403):
            return self.env._(
                "The PSP refused the client ID and secret (HTTP %(status)s). Check them, and that they belong "
                "to the environment selected (Test Mode: sandbox; Enabled: production).",
                status=error.status,
            )
        if error.status in (401, 403):
            return self.env._(
                "Authenticated, but the PSP refused to list received PIX (HTTP %(status)s): give the "
                "application the scopes cob.write, cobv.write, pix.read and webhook.write at the PSP.",
                status=error.status,
            )
        return self.env._("The PSP answered an error: %(error)s", error=str(error))

    def _pix_check_configured(self):
        """Raise a UserError naming what is missing for this provider to call its PSP."""
        provider = self.sudo()
        if provider.code != "pix_api":
            raise UserError(self.env._("This is not a PIX (API Pix) provider."))
        if provider.pix_psp == "sandbox":
            return
        missing = [
            label
            for label, value in (
                (self.env._("PIX Key"), provider.pix_key),
                (self.env._("Client ID"), provider.pix_client_id),
                (self.env._("Client Secret"), provider.pix_client_secret),
                (self.env._("API Base URL"), provider.pix_base_url),
                (self.env._("Token URL"), provider.pix_token_url),
            )
            if not value
        ]
        if missing:
            raise UserError(self.env._("Fill in the PIX provider's %(fields)s first.", fields=", ".join(missing)))

    def _pix_client(self):
        """The API client of this provider: its URLs, credentials, client certificate (mutual TLS)
        and a token cache that lives as long as the server process."""
        self.ensure_one()
        self._pix_check_configured()
        provider = self.sudo()
        if provider.pix_psp == "sandbox":
            raise UserError(self.env._("A sandbox PIX provider has no API to call."))
        cache = _TOKEN_CACHES.setdefault((self.env.cr.dbname, provider.id), {})
        try:
            certificate = provider._pix_certificate_path()
        except ValueError as error:
            # A certificate that cannot be used is a PSP that cannot be reached: callers fall back.
            raise api_pix.PixApiError(f"the client certificate cannot be used: {error}") from error
        return api_pix.PixApiClient(
            provider.pix_base_url,
            provider.pix_token_url,
            provider.pix_client_id,
            provider.pix_client_secret,
            cert=certificate,
            scope=const.PSP_SCOPES.get(provider.pix_psp),
            token_json=provider.pix_psp in const.TOKEN_JSON_PSPS,
            credentials_in_body=provider.pix_psp in const.CREDENTIALS_IN_BODY_PSPS,
            token_cache=cache,
        )

    def _pix_certificate_path(self):
        """Path of the PEM bundle (certificate + key) of the uploaded certificate, written once in
        the database's filestore, readable by the server's user only, and named by its hash, so a
        new upload takes effect at the next call; ``None`` without a certificate."""
        provider = self.sudo()
        if not provider.pix_certificate:
            return None
        certificate = base64.b64decode(provider.pix_certificate)
        key = base64.b64decode(provider.pix_certificate_key) if provider.pix_certificate_key else None
        folder = os.path.join(config.filestore(self.env.cr.dbname), "payment_pix_api")
        path = os.path.join(folder, f"{provider._pix_certificate_digest()}.pem")
        if not os.path.exists(path):
            bundle = pem_bundle(certificate, key)
            os.makedirs(folder, mode=0o700, exist_ok=True)
            descriptor = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as output:
                output.write(bundle)
            os.replace(path + ".tmp", path)
            self._pix_prune_certificate_bundles(folder)
        return path

    def _pix_certificate_digest(self):
        self.ensure_one()
        certificate = base64.b64decode(self.pix_certificate)
        key = base64.b64decode(self.pix_certificate_key) if self.pix_certificate_key else b""
        return hashlib.sha256(certificate + b"\0" + key).hexdigest()

    def _pix_prune_certificate_bundles(self, folder):
        """Delete the bundles (private keys) of certificates no provider holds any more: a replaced
        or removed certificate leaves no key on disk past the next one written."""
        providers = self.sudo().with_context(active_test=False).search([("code", "=", "pix_api")])
        kept = {f"{provider._pix_certificate_digest()}.pem" for provider in providers if provider.pix_certificate}
        for name in os.listdir(folder):
            if name.endswith(".pem") and name not in kept:
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(folder, name))

    def _get_supported_currencies(self):
        supported = super()._get_supported_currencies()
        if self.code == "pix_api":
            return supported.filtered(lambda currency: currency.name == "BRL")
        return supported

    def _get_default_payment_method_codes(self):
        codes = super()._get_default_payment_method_codes()
        if self.code != "pix_api":
            return codes
        return const.DEFAULT_PAYMENT_METHOD_CODES

    def _pix_create_charge(
        self,
        kind,
        amount,
        partner,
        invoices=None,
        *,
        due_date=None,
        fine=None,
        interest=None,
        expiry_seconds=None,
        reference=None,
        description=None,
    ):
        """A pending ``payment.transaction`` of ``amount`` for ``partner`` whose charge is live at
        the PSP under a new txid: ``kind`` ``cob`` (payable ``expiry_seconds``, the provider's
        default otherwise) or ``cobv`` (due on ``due_date``, ``fine`` % once and ``interest`` % a
        month, simple, pro rata die, after it; the debtor's CPF/CNPJ required).

        Raises ``PixApiError`` when the PSP is unreachable or refuses, and ``UserError`` when the
        charge cannot be asked (no CPF/CNPJ for a cobv…): then nothing is created, even when the
        caller catches the error and goes on (the transaction is made inside a savepoint).

        Server code calls it for whoever works (a collection agent, the public user of a page):
        providers and transactions are administrators' records, so it works as superuser; it is
        private, never reachable over RPC."""
        self.ensure_one()
        provider = self.sudo()
        if kind not in ("cob", "cobv"):
            raise ValueError(f"unknown PIX charge kind {kind!r}")
        if provider.state == "disabled":
            raise UserError(self.env._("The PIX provider %(name)s is disabled.", name=provider.name))
        if kind == "cobv" and not due_date:
            raise UserError(self.env._("A PIX charge with a due date needs the due date."))
        provider._pix_check_configured()
        currency = self.env.ref("base.BRL")
        invoices = invoices or self.env["account.move"]
        if any(invoice.currency_id != currency for invoice in invoices):
            raise UserError(self.env._("A PIX charge is in reais: these invoices are in another currency."))
        if provider.company_id and any(invoice.company_id != provider.company_id for invoice in invoices):
            raise UserError(self.env._("A PIX charge can only name invoices of the provider's company."))
        # What the PSP is asked (two decimals) is what the transaction keeps, so settlement matches it.
        amount = currency.round(amount)
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("A PIX charge is of a positive amount."))
        transactions = self.env["payment.transaction"].sudo()
        reference = transactions._compute_reference(
            provider.code, prefix=reference, invoice_ids=[fields.Command.set(invoices.ids)]
        )
        method = provider.payment_method_ids.filtered(lambda m: m.code == "pix")[:1] or self.env.ref(
            "payment.payment_method_pix"
        )
        with self.env.cr.savepoint():
            transaction = transactions.create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "reference": reference,
                    "amount": amount,
                    "currency_id": currency.id,
                    "partner_id": partner.id,
                    "operation": "offline",
                    "invoice_ids": [fields.Command.set(invoices.ids)],
                }
            )
            transaction._pix_put_charge(
                kind,
                due_date=due_date,
                fine=fine,
                interest=interest,
                expiry_seconds=expiry_seconds,
                description=description,
            )
            transaction._set_pending()
        return transaction
