import logging

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.payment_provider_settlement import WEBHOOK_ROUTE
from ..tools.api_pix import MAX_NOTIFICATION_BYTES

_logger = logging.getLogger(__name__)


class PixApiController(http.Controller):
    """The PSP's webhook (a public route: the secret in the URL names the provider; what it
    posts is confirmed at the PSP before anything is registered) and the sandbox's payment."""

    @http.route(
        [f"{WEBHOOK_ROUTE}/<string:secret>", f"{WEBHOOK_ROUTE}/<string:secret>/pix"],
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def pix_webhook(self, secret, **_query):
        """``<webhookUrl>/pix``: the PIX received, ``{"pix": [...]}``. 200 once processed (or left
        to the poll), 400 with a short reason when malformed, 404 for an unknown secret."""
        provider = request.env["payment.provider"].sudo()._pix_provider_from_secret(secret)
        if not provider:
            return self._answer(404, "unknown webhook")
        length = request.httprequest.content_length
        if length is not None and length > MAX_NOTIFICATION_BYTES:
            return self._answer(413, "notification too large")
        # Cached: a request retried after losing a race (two deliveries at once) reads it again.
        raw = request.httprequest.get_data()
        status, message = provider._pix_handle_notification(raw, source="webhook")
        return self._answer(status, message)

    @http.route("/payment/pix_api/sandbox/pay", type="http", auth="public", methods=["POST"], csrf=True)
    def pix_sandbox_pay(self, reference=None, access_token=None, redirect_url=None, **_kwargs):
        """The debtor's "I paid" of a sandbox charge (sandbox providers only): the sandbox PSP's
        notification, processed as the webhook's. ``access_token``: the transaction's
        ``_pix_sandbox_access_token``; ``redirect_url``: a local path to go back to."""
        if not isinstance(reference, str) or not isinstance(access_token, str):
            raise NotFound()
        tx = request.env["payment.transaction"].sudo().search([("reference", "=", reference)], limit=1)
        if not tx or tx.provider_code != "pix_api" or not tx.pix_is_sandbox or not tx.pix_txid:
            raise NotFound()
        if not tx._pix_sandbox_check_access_token(access_token):
            raise Forbidden()
        try:
            tx._pix_sandbox_pay()
            paid = True
        except UserError as error:
            _logger.info("sandbox payment of %s refused: %s", tx.reference, error)
            paid = False
        if isinstance(redirect_url, str) and redirect_url.startswith("/") and not redirect_url.startswith("//"):
            return request.redirect(redirect_url, local=True)
        return request.make_json_response({"paid": paid, "state": tx.state})

    @staticmethod
    def _answer(status, message):
        return request.make_json_response(
            {"status": "ok" if status == 200 else "error", "message": message}, status=status
        )
