import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.api_pix import PixApiError, parse_notification, parse_pix
from .payment_pix_received import RETRYABLE

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = "/payment/pix_api/webhook"
# The poll reads again this much before its last poll: a PIX the PSP lists late is still seen.
POLL_MARGIN = timedelta(minutes=10)
# The first poll of a provider reads this far back.
POLL_FIRST_WINDOW = timedelta(days=1)
# The cron runs every 5 minutes: a provider polled less than this ago is not due.
POLL_DUE_AFTER = timedelta(minutes=4)
# Sandbox endToEndIds: "E", a nonce, a MAC of nonce, txid and amount (32 characters, as the spec's).
SANDBOX_NONCE = 10
SANDBOX_MAC = 21


class PaymentProvider(models.Model):
    """Settlement of the PIX a ``pix_api`` provider receives: webhook, confirmation, polling."""

    _inherit = "payment.provider"  # pylint: disable=consider-merging-classes-inherited

    pix_webhook_secret = fields.Char(
        string="Webhook secret",
        groups="base.group_system",
        copy=False,
        readonly=True,
        default=lambda self: secrets.token_urlsafe(32),
        help="Part of the webhook URL: whoever does not know it cannot reach the provider's webhook.",
    )
    pix_webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_pix_webhook_url",
        groups="base.group_system",
        help="Registered at the PSP (PUT /webhook/{chave}); the PSP posts the PIX received to it + /pix.",
    )
    pix_webhook_registered_at = fields.Datetime(string="Webhook registered on", readonly=True, copy=False)
    pix_last_poll = fields.Datetime(
        string="Last poll", readonly=True, copy=False, help="End of the window the last poll of GET /pix read."
    )
    pix_poll_attempt_at = fields.Datetime(string="Last poll attempt", readonly=True, copy=False)
    pix_received_count = fields.Integer(compute="_compute_pix_received_count", string="Received PIX")

    def _compute_pix_webhook_url(self):
        for provider in self:
            secret = provider.sudo().pix_webhook_secret
            provider.pix_webhook_url = (
                f"{provider.get_base_url()}{WEBHOOK_ROUTE}/{secret}" if provider.code == "pix_api" and secret else False
            )

    def _compute_pix_received_count(self):
        counts = dict(
            self.env["payment.pix.received"]._read_group(
                [("provider_id", "in", self.ids)], ["provider_id"], ["__count"]
            )
        )
        for provider in self:
            provider.pix_received_count = counts.get(provider, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pix_register_webhook(self):
        """Register the webhook URL at the PSP for the provider's PIX key (``PUT /webhook/{chave}``)."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators register the webhook at the PSP."))
        provider = self.sudo()
        if provider.pix_psp == "sandbox":
            raise UserError(self.env._("A sandbox provider has no PSP: its PIX are marked as paid in Odoo."))
        url = provider.pix_webhook_url
        try:
            provider._pix_client().put_webhook(provider.pix_key, url)
        except (PixApiError, ValueError) as error:
            raise UserError(
                self.env._("The PSP refused the webhook %(url)s: %(error)s", url=url, error=str(error))
            ) from error
        provider.pix_webhook_registered_at = fields.Datetime.now()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Webhook registered at the PSP: %(url)s", url=url),
                "sticky": False,
            },
        }

    def action_pix_view_received(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Received PIX"),
            "res_model": "payment.pix.received",
            "view_mode": "list,form",
            "domain": [("provider_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Webhook and confirmation
    # ------------------------------------------------------------------

    @api.model
    def _pix_provider_from_secret(self, secret):
        """The ``pix_api`` provider whose webhook secret is ``secret`` (compared in constant time)."""
        if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
            return self.browse()
        providers = self.sudo().search([("code", "=", "pix_api"), ("state", "!=", "disabled")])
        for provider in providers:
            if provider.pix_webhook_secret and hmac.compare_digest(provider.pix_webhook_secret, secret):
                return provider
        return self.browse()

    def _pix_handle_notification(self, raw, source="webhook"):
        """Process a notification body ``raw`` (bytes) received by this provider: parse, confirm
        each PIX at the PSP, register what was confirmed. Returns ``(http_status, message)``.

        The body is hostile: malformed, it is refused (400, what is wrong); well-formed, every PIX
        is confirmed with ``GET /pix/{e2eid}`` and only the PSP's answer is registered (a forged
        PIX registers nothing). A failure after parsing is logged and answered 200: the poll
        reads the PSP again; a lost race is raised, for the request to be retried.
        """
        self.ensure_one()
        try:
            pixes = parse_notification(raw)
        except ValueError as error:
            _logger.info("PIX webhook of provider %s: malformed notification refused: %s", self.id, error)
            return 400, f"malformed notification: {error}"[:300]
        if not pixes:
            return 200, "no PIX"  # the PSPs' test call when the webhook is registered
        try:
            with self.env.cr.savepoint():
                confirmed = self._pix_confirm(pixes)
                self.env["payment.pix.received"].sudo()._pix_register(self, confirmed, source)
        except RETRYABLE:
            raise
        except Exception:
            _logger.exception("PIX webhook of provider %s: notification not processed (the poll will)", self.id)
            return 200, "accepted"
        return 200, "ok"

    def _pix_confirm(self, pixes):
        """The PIX of ``pixes`` (parsed notification items) as the PSP knows them: each read with
        ``GET /pix/{e2eid}``; the txid and amount must be the notification's. A PIX unknown to
        the PSP or different is left out and logged; one already registered whose notification
        carries no refund is left out unread (nothing to do). Sandbox: checked locally."""
        self.ensure_one()
        known = set(
            self.env["payment.pix.received"]
            .sudo()
            .search([("end_to_end_id", "in", [pix["end_to_end_id"] for pix in pixes])])
            .mapped("end_to_end_id")
        )
        pixes = [pix for pix in pixes if pix["end_to_end_id"] not in known or pix["refunds"]]
        if not pixes:
            return []
        if self.pix_psp == "sandbox":
            return [pix for pix in pixes if self._pix_sandbox_confirm(pix)]
        client = self._pix_client()
        confirmed = []
        for pix in pixes:
            e2e = pix["end_to_end_id"]
            try:
                answer = parse_pix(client.get_pix(e2e))
            except PixApiError as error:
                if error.status == 404:
                    _logger.warning("PIX %s notified to provider %s is unknown to the PSP: ignored", e2e, self.id)
                else:
                    _logger.warning("PIX %s: the PSP could not confirm it (%s): left to the poll", e2e, error)
                continue
            except ValueError as error:
                _logger.warning("PIX %s: the PSP's answer is malformed (%s): ignored", e2e, error)
                continue
            if (answer["end_to_end_id"], answer["txid"], answer["amount"]) != (e2e, pix["txid"], pix["amount"]):
                _logger.warning(
                    "PIX %s notified to provider %s as txid %s amount %s, the PSP says txid %s amount %s: ignored",
                    e2e,
                    self.id,
                    pix["txid"],
                    pix["amount"],
                    answer["txid"],
                    answer["amount"],
                )
                continue
            confirmed.append(answer)
        return confirmed

    # ------------------------------------------------------------------
    # Sandbox
    # ------------------------------------------------------------------

    def _pix_sandbox_e2eid(self, txid, amount, nonce=None):
        """A sandbox endToEndId for a payment of ``amount`` to ``txid``: a nonce and a MAC of
        them under the provider's webhook secret, so the sandbox confirms it without a PSP."""
        self.ensure_one()
        nonce = nonce or secrets.token_hex(SANDBOX_NONCE)[:SANDBOX_NONCE]
        message = f"{nonce}|{txid}|{amount:.2f}".encode()
        mac = hmac.new(self.sudo().pix_webhook_secret.encode(), message, hashlib.sha256).hexdigest()
        return f"E{nonce}{mac[:SANDBOX_MAC]}"

    def _pix_sandbox_confirm(self, pix):
        """The sandbox's answer to ``GET /pix/{e2eid}``: the PIX is one it made (see above)."""
        e2e = pix["end_to_end_id"]
        nonce = e2e[1 : 1 + SANDBOX_NONCE]
        if pix["txid"] and hmac.compare_digest(e2e, self._pix_sandbox_e2eid(pix["txid"], pix["amount"], nonce)):
            return True
        _logger.warning("sandbox PIX %s notified to provider %s was not made by the sandbox: ignored", e2e, self.id)
        return False

    def _pix_sandbox_notification(self, txid, amount):
        """The body the sandbox PSP would post for a PIX of ``amount`` paid to ``txid``."""
        now = fields.Datetime.now()
        item = {
            "endToEndId": self._pix_sandbox_e2eid(txid, amount),
            "txid": txid,
            "valor": f"{amount:.2f}",
            "horario": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "infoPagador": "Sandbox",
        }
        return json.dumps({"pix": [item]}).encode()

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------

    @api.model
    def _cron_pix_poll(self):
        """Read ``GET /pix`` of each enabled ``pix_api`` provider since its last poll (with a
        margin, every page) and register what it lists, as the webhook does: the PIX whose
        notification never came. One provider per call, locked (SKIP LOCKED: two runners never
        poll the same one); the cron runner calls again while some remain, and commits."""
        due = self.search(self._pix_poll_domain())
        if not due:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        self.env.flush_all()
        locked = self.env.execute_query(
            SQL(
                "SELECT id FROM payment_provider WHERE id = ANY(%s) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                due.ids,
            )
        )
        if not locked:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        provider = self.browse(locked[0][0])
        provider._pix_poll()
        self.env["ir.cron"]._notify_progress(done=1, remaining=len(due) - 1)

    @api.model
    def _pix_poll_domain(self):
        return [
            ("code", "=", "pix_api"),
            ("state", "in", ("enabled", "test")),
            ("pix_psp", "!=", "sandbox"),
            "|",
            ("pix_poll_attempt_at", "=", False),
            ("pix_poll_attempt_at", "<", fields.Datetime.now() - POLL_DUE_AFTER),
        ]

    def _pix_poll(self):
        """Poll this provider once (see ``_cron_pix_poll``); the PSP unreachable: the window stays
        open for the next poll. Returns the PIX registered."""
        self.ensure_one()
        end = fields.Datetime.now()
        start = (self.pix_last_poll or end - POLL_FIRST_WINDOW) - POLL_MARGIN
        self.pix_poll_attempt_at = end
        client = self._pix_client()
        received_model = self.env["payment.pix.received"].sudo()
        registered = received_model
        page = 0
        try:
            while True:
                answer = client.list_pix(start, end, page=page)
                items = answer.get("pix") if isinstance(answer, dict) else None
                pixes = []
                for item in items if isinstance(items, list) else []:
                    try:
                        pixes.append(parse_pix(item))
                    except ValueError as error:
                        _logger.warning("PIX poll of provider %s: an item of GET /pix is ignored: %s", self.id, error)
                registered |= received_model._pix_register(self, pixes, "poll")
                paging = ((answer.get("parametros") or {}).get("paginacao") or {}) if isinstance(answer, dict) else {}
                pages = paging.get("quantidadeDePaginas")
                page += 1
                if not isinstance(pages, int) or page >= pages or not items:
                    break
        except PixApiError as error:
            _logger.warning("PIX poll of provider %s: the PSP could not be read (%s): next poll", self.id, error)
            return registered
        self.pix_last_poll = end
        return registered
