import base64
import functools
import io
import logging
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import pytz

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const
from ..tools import api_pix, brcode

_logger = logging.getLogger(__name__)

REMOVED_STATUSES = ("REMOVIDA_PELO_USUARIO_RECEBEDOR", "REMOVIDA_PELO_PSP")
# The sandbox's codes carry this key, never a real one: nobody can pay them.
SANDBOX_KEY = "sandbox@example.com"
# API Pix due dates are days on Brazil's official clock.
BRAZIL_TZ = pytz.timezone("America/Sao_Paulo")


@functools.lru_cache(maxsize=256)
def _qr_png(payload):
    """PNG of the QR code of ``payload`` drawn with ``qrcode`` (an Odoo dependency); ``None``
    without it. The status page is polled: the same code is drawn once."""
    try:
        import qrcode  # noqa: PLC0415 - optional: Odoo's /report/barcode is the fallback
    except ImportError:
        return None
    buffer = io.BytesIO()
    qrcode.make(payload, box_size=6, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    _sql_constraints = [
        ("pix_txid_unique", "UNIQUE(pix_txid)", "A PIX txid identifies one charge: it cannot be used twice."),
    ]

    pix_txid = fields.Char(string="PIX txid", readonly=True, copy=False, index="btree_not_null")
    pix_kind = fields.Selection(
        [("cob", "Immediate (cob)"), ("cobv", "With due date (cobv)")], string="PIX Charge Kind", readonly=True
    )
    pix_due_date = fields.Date(string="PIX Due Date", readonly=True)
    pix_expires_at = fields.Datetime(
        string="PIX Payable Until",
        readonly=True,
        help="Immediate charge: its expiry. Charge with a due date: the last day it can be paid.",
    )
    pix_copy_paste = fields.Char(string="PIX Code (copy and paste)", readonly=True, copy=False)
    pix_status = fields.Selection(const.CHARGE_STATUSES, string="PIX Charge Status", readonly=True, copy=False)
    pix_error = fields.Char(
        string="PIX Error", readonly=True, copy=False, help="The last failure of a call to the PSP."
    )

    def _get_specific_rendering_values(self, processing_values):
        """Odoo's own flows (Pay now, portal): the charge is asked to the PSP when the customer
        confirms, the status page then shows its code until the payment arrives."""
        values = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "pix_api":
            return values
        if not self.pix_txid:
            try:
                self._pix_put_charge("cob", description=self.reference)
            except (api_pix.PixApiError, UserError, ValueError) as error:
                _logger.warning("PIX charge of transaction %s refused: %s", self.reference, error)
                # The PSP's or TLS's own text (host names, certificate problems) is for the log, not the payer.
                raise ValidationError(
                    self.env._(
                        "PIX is not available right now. Please try again in a few minutes or choose another "
                        "payment method."
                    )
                ) from error
            self._set_pending()
        return {"api_url": "/payment/status", "reference": self.reference}

    def _pix_qr_src(self):
        """The ``src`` of the QR image of the charge's code: a ``data:`` PNG, or Odoo's
        ``/report/barcode`` when the ``qrcode`` library is missing (that one needs reportlab's
        renderer)."""
        self.ensure_one()
        png = _qr_png(self.pix_copy_paste) if self.pix_copy_paste else None
        if png:
            return "data:image/png;base64," + base64.b64encode(png).decode()
        query = {"barcode_type": "QR", "value": self.pix_copy_paste or "", "width": 220, "height": 220}
        return "/report/barcode/?" + urlencode(query)

    def _pix_debtor(self, required):
        """``(document, name)`` of the payer for the charge; ``UserError`` when ``required`` and the
        partner has no CPF/CNPJ (taken from the commercial entity's tax id)."""
        partner = self.partner_id.commercial_partner_id
        document = re.sub(r"\D", "", partner.vat or "")
        if len(document) not in (11, 14):
            if required:
                raise UserError(
                    self.env._(
                        "%(partner)s has no CPF or CNPJ: a PIX charge with a due date requires the debtor's.",
                        partner=partner.display_name,
                    )
                )
            return None, None
        return document, partner.name or self.partner_name

    def _pix_put_charge(self, kind, *, due_date=None, fine=None, interest=None, expiry_seconds=None, description=None):
        """Create this transaction's charge (a new txid) at the PSP, or locally in the sandbox,
        and keep its code; ``PixApiError`` (kept in ``pix_error``) when the PSP fails."""
        self.ensure_one()
        provider = self.provider_id.sudo()
        txid = api_pix.new_txid()
        document, name = self._pix_debtor(required=kind == "cobv")
        key = provider.pix_key or ""
        if kind == "cob":
            expiry = int(expiry_seconds or provider.pix_charge_expiry or 86400)
            body = api_pix.cob_body(
                key or "sandbox",
                self.amount,
                expiry_seconds=expiry,
                debtor_document=document,
                debtor_name=name,
                description=description,
            )
            expires_at = fields.Datetime.now() + timedelta(seconds=expiry)
        else:
            validity = provider.pix_due_validity_days
            body = api_pix.cobv_body(
                key or "sandbox",
                self.amount,
                due_date,
                debtor_document=document,
                debtor_name=name,
                validity_days=validity,
                fine_percent=fine,
                interest_percent_month=interest,
                description=description,
            )
            # The end of the last payable day on Brazil's clock (where API Pix dates are), in UTC.
            last_day = datetime.combine(due_date + timedelta(days=validity), time.max).replace(microsecond=0)
            expires_at = BRAZIL_TZ.localize(last_day).astimezone(pytz.utc).replace(tzinfo=None)
        if provider.pix_psp == "sandbox":
            answer = {"status": "ATIVA", "pixCopiaECola": self._pix_sandbox_code(txid)}
        else:
            client = provider._pix_client()
            try:
                answer = client.put_cob(txid, body) if kind == "cob" else client.put_cobv(txid, body)
            except api_pix.PixApiError as error:
                self.pix_error = str(error)
                raise
        self.write(
            {
                "pix_txid": txid,
                "pix_kind": kind,
                "pix_due_date": due_date if kind == "cobv" else False,
                "pix_expires_at": expires_at,
                "pix_copy_paste": answer.get("pixCopiaECola") or False,
                "pix_status": answer.get("status") or "ATIVA",
                "pix_error": False,
                "provider_reference": txid,
            }
        )

    def _pix_sandbox_code(self, txid, amount=None):
        """A static-format BR Code of the sandbox: a placeholder key (never a real one), the
        amount, the company's name and city, and the txid (its first 25 characters) as reference."""
        company = self.company_id or self.env.company
        # Never the provider's real key: a sandbox code must not be payable (the page says no bank
        # receives it, and a test-mode provider may be published to customers).
        return brcode.build_static(
            SANDBOX_KEY,
            company.name or "",
            company.city or "",
            self.amount if amount is None else amount,
            txid,
        )

    def _pix_update_amount(self, amount):
        """Change the amount of this live charge (``PATCH valor.original``); same txid. As superuser,
        as :meth:`payment.provider._pix_create_charge`."""
        self.ensure_one()
        self = self.sudo()  # noqa: PLW0642 - transactions are administrators' records
        self._pix_check_live()
        provider = self.provider_id.sudo()
        amount = self.currency_id.round(amount)
        if self.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("A PIX charge is of a positive amount."))
        if provider.pix_psp == "sandbox":
            self.write({"amount": amount, "pix_copy_paste": self._pix_sandbox_code(self.pix_txid, amount)})
            return
        body = {"valor": {"original": api_pix.format_amount(amount)}}
        client = provider._pix_client()
        try:
            answer = (client.patch_cob if self.pix_kind == "cob" else client.patch_cobv)(self.pix_txid, body)
        except api_pix.PixApiError as error:
            self.pix_error = str(error)
            raise
        self.write(
            {
                "amount": amount,
                "pix_status": answer.get("status") or self.pix_status,
                "pix_copy_paste": answer.get("pixCopiaECola") or self.pix_copy_paste,
                "pix_error": False,
            }
        )

    def _pix_check_live(self):
        if self.provider_code != "pix_api" or not self.pix_txid:
            raise UserError(self.env._("%(reference)s is not a PIX charge.", reference=self.reference))
        if self.pix_status != "ATIVA" or self.state not in ("draft", "pending"):
            raise UserError(self.env._("The PIX charge %(reference)s is no longer active.", reference=self.reference))

    def _pix_remove(self):
        """Remove these charges at the PSP (``REMOVIDA_PELO_USUARIO_RECEBEDOR``) and cancel the
        transactions; idempotent: a charge already removed is left as it is, a charge the PSP
        reports paid is kept for settlement (its status CONCLUIDA). ``PixApiError`` when the PSP
        cannot be reached (kept in ``pix_error``). As superuser, as the charge's creation."""
        for transaction in self.sudo().filtered(lambda tx: tx.provider_code == "pix_api" and tx.pix_txid):
            if transaction.pix_status in REMOVED_STATUSES or transaction.state == "cancel":
                continue
            if transaction.pix_status == "CONCLUIDA" or transaction.state == "done":
                continue
            status = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
            provider = transaction.provider_id.sudo()
            if provider.pix_psp != "sandbox":
                status = transaction._pix_remove_at_psp(provider._pix_client())
            transaction.write({"pix_status": status, "pix_error": False})
            if status in REMOVED_STATUSES:
                transaction._set_canceled(state_message=self.env._("PIX charge removed."))

    def _pix_remove_at_psp(self, client):
        """The charge's status after asking the PSP to remove it: when the PSP refuses, what it
        says the charge is (already removed, or paid meanwhile)."""
        patch, get = (
            (client.patch_cob, client.get_cob) if self.pix_kind == "cob" else (client.patch_cobv, client.get_cobv)
        )
        try:
            return patch(self.pix_txid, {"status": api_pix.REMOVED_BY_RECEIVER}).get("status") or (
                api_pix.REMOVED_BY_RECEIVER
            )
        except api_pix.PixApiError as error:
            if error.status not in (400, 409, 422):
                self.pix_error = str(error)
                raise
            try:
                status = get(self.pix_txid).get("status")
            except api_pix.PixApiError as second:
                self.pix_error = str(second)
                raise second from error
            if status == "ATIVA":
                self.pix_error = str(error)
                raise
            return status
