"""The bank account's PIX *copia e cola* codes (messages, page, agreements) and its agência and conta
(the agreement's terms)."""

import logging

from odoo import models

from ..tools import bank_account, pix

_logger = logging.getLogger(__name__)


class ResPartnerBankPortal(models.Model):
    """PIX codes of charges to this account, and its agência and conta, each checked, never invented."""

    _inherit = "res.partner.bank"

    def _recovery_agency_account(self):
        """``(agência, conta)`` as printed on the agreement's terms: the agência only when the stored
        account number plainly holds one (``tools.bank_account``), never invented."""
        self.ensure_one()
        return bank_account.split_agency_account(self.acc_number)

    def _recovery_pix_payload(self, amount, reference="", currency=None):
        """The PIX *copia e cola* code of ``amount`` to this account, or ``False``."""
        return self._recovery_pix_payloads([(amount, reference)], currency)[0]

    def _recovery_pix_payloads(self, charges, currency=None):
        """The PIX *copia e cola* codes of ``charges`` (``[(amount, reference)]``) to this account,
        ``False`` for each when the account cannot make one.

        Odoo's own EMV QR code (``account_qr_code_emv``, made a PIX code by ``l10n_br`` with the
        account's PIX key) when the account can make one; else, for a Brazilian account with a PIX
        key, the BR Code of ``tools.pix``. Either way each code is checked before it is shown. The
        account is checked once for all the charges (a page shows a code per installment).
        """
        self.ensure_one()
        currency = currency or self.company_id.currency_id or self.env.company.currency_id
        if not charges or currency.name != "BRL" or not self.proxy_value:
            return [False] * len(charges)
        partner = self.partner_id
        amount, reference = charges[0]
        emv = not (
            self._get_error_messages_for_qr("emv_qr", partner, currency)
            or self._check_for_qr_code_errors("emv_qr", amount, currency, partner, reference, reference)
        )
        if not emv and (partner.country_id.code or self.company_id.country_id.code) != "BR":
            return [False] * len(charges)
        codes = []
        key, name, city = self.proxy_value, partner.name, partner.city or ""
        for amount, reference in charges:
            if emv:
                payload = self._get_qr_vals("emv_qr", amount, currency, partner, reference, reference)
                problems = pix.validate(payload) if payload else []
            else:
                payload, problems = pix.checked_payload(key, name, city, amount, reference)
            if problems:
                _logger.warning("Invalid PIX code for bank account %s: %s", self.id, problems)
                payload = False
            codes.append(payload or False)
        return codes
