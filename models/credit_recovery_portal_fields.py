"""What the debtor's self-service page adds to the other models: the portal channel of the
contact logs, the page's settings, the PIX code of agreements and messages, the debtor's link."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import bank_account, pix

_logger = logging.getLogger(__name__)

SIGNATURE_FIELDS = {"portal_signature", "portal_signed_by", "portal_signed_on", "portal_signed_ip"}


class CreditRecoveryContactPortal(models.Model):
    _inherit = "credit.recovery.contact"

    channel = fields.Selection(selection_add=[("portal", "Self-service page")], ondelete={"portal": "set default"})


class CreditRecoveryPolicyPortal(models.Model):
    _inherit = "credit.recovery.policy"

    portal_identity_check = fields.Boolean(
        string="Check the Debtor's Identity on the Page",
        default=True,
        help="The debtor proves who they are before the self-service page shows any amount.",
    )
    portal_identity_method = fields.Selection(
        [
            ("digits", "CPF/CNPJ digits that are not public"),
            ("code", "One-time code sent by SMS and e-mail"),
        ],
        string="Identity Check",
        default="digits",
        required=True,
        help="CPF/CNPJ digits that are not public: the first 3 and the last 2 digits of a CPF (those a masked "
        "CPF hides). A company gets the one-time code (a CNPJ has no digits that cannot be found out), and so "
        "does a link after twice the wrong attempts allowed in 24 hours, from any devices, for 24 hours. "
        "One-time code: 6 digits sent to the customer's registered mobile and e-mail, valid 10 minutes. A "
        "debtor without a CPF gets the code when they have a mobile or an e-mail; a company without either is "
        "asked to call.",
    )
    portal_max_attempts = fields.Integer(
        string="Wrong Attempts Allowed",
        default=5,
        help="Wrong tries a client (an IP address; an IPv6 /64 network) may make before it waits: only that client "
        "waits, not the debtor.",
    )
    portal_lock_minutes = fields.Integer(string="Lock After Wrong Attempts (minutes)", default=30)
    portal_alert_lockouts = fields.Integer(
        string="Alert the Team After Lock-outs",
        default=2,
        help="Lock-outs of the identity check in 24 hours after which the debtor's collection responsible gets "
        "an activity (once a day): someone else may hold the personal link. 0: no alert.",
    )
    portal_team_requests_per_day = fields.Integer(
        string="Requests to the Team per Day",
        default=1,
        help="How many times a day a debtor may send the team terms beyond the limits from the page.",
    )


class ResCompanyPortal(models.Model):
    _inherit = "res.company"

    recovery_payment_instructions = fields.Text(
        string="Payment Instructions",
        translate=True,
        help="Shown on the debtor's self-service page when neither a PIX code nor online payment is available.",
    )


class ResPartnerBankPortal(models.Model):
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


class CreditRecoveryAgreementPortal(models.Model):
    _inherit = "credit.recovery.agreement"

    portal_signature = fields.Image(string="Signature", readonly=True, copy=False, attachment=True, max_width=1024)
    portal_signed_by = fields.Char(string="Signed By", readonly=True, copy=False)
    portal_signed_on = fields.Datetime(string="Signed On", readonly=True, copy=False)
    portal_signed_ip = fields.Char(string="Signed From (IP)", readonly=True, copy=False)
    portal_pix_code = fields.Char(string="PIX Code", compute="_compute_portal_pix_code")

    def _compute_portal_pix_code(self):
        """The PIX code of the next unpaid installment, for what is still due on it (after a partial
        payment, the rest: never its full amount again)."""
        for agreement in self:
            first = agreement.line_ids.filtered(lambda line: not line.paid).sorted(
                lambda line: (line.date_due, line.sequence, line.id)
            )[:1]
            agreement.portal_pix_code = (
                self.env["credit.recovery.portal"]._pix_code(
                    agreement.company_id, first.amount_residual, agreement.name
                )
                if first
                else False
            )

    def _portal_not_due_principal(self):
        """The part of the principal not due yet on the negotiation date: an agreement settles whole
        invoices, so an invoice's later installments come with its overdue ones (shown apart)."""
        self.ensure_one()
        on = self.negotiation_date or fields.Date.context_today(self)
        lines = self.invoice_ids.line_ids.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and not line.reconciled
                and line.amount_residual > 0
                and (line.date_maturity or on) >= on
            )
        )
        return sum(lines.mapped("amount_residual"))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(SIGNATURE_FIELDS & set(vals) for vals in vals_list):
            raise UserError(self.env._("The debtor signs the agreement on the self-service page."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and SIGNATURE_FIELDS & set(vals):
            raise UserError(self.env._("The debtor signs the agreement on the self-service page."))
        return super().write(vals)


class CreditRecoveryDebtorPortal(models.Model):
    _inherit = "credit.recovery.debtor"

    portal_token_ids = fields.One2many("credit.recovery.portal.token", "debtor_id", string="Personal Links")
    portal_url = fields.Char(string="Personal Link", compute="_compute_portal_url")
    portal_pix_code = fields.Char(
        string="PIX Code", compute="_compute_portal_pix_code", help="PIX copia e cola of the amount claimable."
    )
    portal_feedback_ids = fields.One2many("credit.recovery.portal.feedback", "debtor_id", string="Feedback")

    def _compute_portal_url(self):
        links = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self._origin)
        for debtor in self:
            debtor.portal_url = links[debtor._origin.id].url if debtor._origin.id in links else False

    def _compute_portal_pix_code(self):
        for debtor in self:
            debtor.portal_pix_code = debtor._portal_pix_code(debtor.amount_claimable)

    def _portal_pix_code(self, amount):
        """The PIX code of ``amount`` with the reference the self-service page gives its total."""
        self.ensure_one()
        return self.env["credit.recovery.portal"]._pix_code(
            self.company_id, amount, self.partner_id.ref or self.display_name
        )


class CreditRecoveryDispatchPortal(models.Model):
    _inherit = "credit.recovery.dispatch"

    portal_url = fields.Char(string="Personal Link", compute="_compute_portal_values")
    portal_pix_code = fields.Char(string="PIX Code", compute="_compute_portal_values")

    @api.depends("debtor_id", "amount_due")
    def _compute_portal_values(self):
        """The debtor's personal link and the PIX code of the amount the message claims."""
        links = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self.debtor_id._origin)
        Portal = self.env["credit.recovery.portal"]
        for dispatch in self:
            link = links.get(dispatch.debtor_id._origin.id)
            dispatch.portal_url = link.url if link else False
            dispatch.portal_pix_code = Portal._pix_code(dispatch.company_id, dispatch.amount_due, dispatch.name or "")
