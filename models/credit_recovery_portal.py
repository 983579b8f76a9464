import ast
import base64
import functools
import io
import logging
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, OrderedSet, float_round
from odoo.tools.misc import get_lang

from odoo.addons.base.models.res_lang import intersperse

from ..tools import negotiation, pix
from ..tools.late_fees import late_charges

_logger = logging.getLogger(__name__)

# How many leading digits of the CPF/CNPJ the debtor types before any amount is shown.
TAX_ID_PREFIX_DIGITS = 5
SIGNATURE_FIELDS = {"portal_signature", "portal_signed_by", "portal_signed_on", "portal_signed_ip"}
RECEIPT_MAX_BYTES = 10 * 1024 * 1024


@functools.lru_cache(maxsize=512)
def _qr_png(payload):
    """PNG of the QR code of ``payload`` with the ``qrcode`` library (``None`` without it).

    Drawing a QR code takes a quarter of a second, and the same code is shown at every visit of
    the day (its amount changes with the interest, daily): the last codes drawn are kept.
    """
    try:
        import qrcode  # noqa: PLC0415 - optional

    except ImportError:
        return None
    buffer = io.BytesIO()
    qrcode.make(payload, box_size=6, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def mask_tax_id(vat):
    """The CPF/CNPJ with only its middle digits visible (LGPD): ``***.456.789-**``."""
    digits = "".join(char for char in vat or "" if char.isdigit())
    if len(digits) == 11:
        return f"***.{digits[3:6]}.{digits[6:9]}-**"
    if len(digits) == 14:
        return f"**.{digits[2:5]}.{digits[5:8]}/****-**"
    return "*" * len(digits)


class CreditRecoveryContactPortal(models.Model):
    _inherit = "credit.recovery.contact"

    channel = fields.Selection(selection_add=[("portal", "Self-service page")], ondelete={"portal": "set default"})


class CreditRecoveryPolicyPortal(models.Model):
    _inherit = "credit.recovery.policy"

    portal_identity_check = fields.Boolean(
        string="Ask for the CPF/CNPJ on the Page",
        default=True,
        help="The debtor types the first digits of their CPF/CNPJ before the self-service page shows any amount.",
    )
    portal_max_attempts = fields.Integer(string="Wrong Attempts Allowed", default=5)
    portal_lock_minutes = fields.Integer(string="Lock After Wrong Attempts (minutes)", default=30)


class ResCompanyPortal(models.Model):
    _inherit = "res.company"

    recovery_payment_instructions = fields.Text(
        string="Payment Instructions",
        translate=True,
        help="Shown on the debtor's self-service page when neither a PIX code nor online payment is available.",
    )


class ResPartnerBankPortal(models.Model):
    _inherit = "res.partner.bank"

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
        for agreement in self:
            first = agreement.line_ids.filtered(lambda line: not line.paid).sorted("date_due")[:1]
            agreement.portal_pix_code = (
                self.env["credit.recovery.portal"]._pix_code(agreement.company_id, first.amount, agreement.name)
                if first
                else False
            )

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

    def _portal_tax_id_prefix(self):
        self.ensure_one()
        digits = "".join(char for char in self.partner_id.vat or "" if char.isdigit())
        return digits[:TAX_ID_PREFIX_DIGITS]


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


class CreditRecoveryPortal(models.AbstractModel):
    """What the debtor's self-service page shows and does, for the debtor of a personal link.

    The controller only finds the link (``credit.recovery.portal.token._find``) and passes the
    form's values: every amount, limit and permission is decided here, on the server, with the
    same code as the back office (the agreement's own debt and limits, the contact logs'
    outcomes). The caller is the public user: each method works on the link's own debtor only,
    with ``sudo`` after its checks.
    """

    _name = "credit.recovery.portal"
    _description = "Debtor Self-service Page"

    # ------------------------------------------------------------------
    # What the page shows
    # ------------------------------------------------------------------

    @api.model
    def _pix_code(self, company, amount, reference=""):
        """The PIX code of ``amount`` to the company's first bank account able to make one."""
        return self._pix_codes(company, [(amount, reference)])[0]

    @api.model
    def _pix_codes(self, company, charges):
        """The PIX codes of ``charges`` (``[(amount, reference)]``, ``False`` where the amount is not
        positive) to the company's first bank account able to make them."""
        wanted = [index for index, (amount, _reference) in enumerate(charges) if amount and amount > 0]
        codes = [False] * len(charges)
        if not company or not wanted:
            return codes
        for bank in company.sudo().partner_id.bank_ids:
            payloads = bank._recovery_pix_payloads([charges[index] for index in wanted], company.currency_id)
            if any(payloads):
                for index, payload in zip(wanted, payloads, strict=True):
                    codes[index] = payload
                return codes
        return codes

    @api.model
    def _qr_image(self, payload):
        """``data:`` URI of the QR code of ``payload`` (PNG), or ``False`` when no QR library works
        (the *copia e cola* code is enough to pay)."""
        png = _qr_png(payload)
        if png is None:
            try:
                png = self.env["ir.actions.report"].barcode("QR", payload, width=240, height=240, quiet=True)
            except Exception:  # reportlab without a renderer: the copia e cola code is enough
                return False
        return "data:image/png;base64," + base64.b64encode(png).decode()

    @api.model
    def _formatters(self, currency):
        """``(money, day)``: amounts and dates written as the ``monetary`` and ``date`` widgets
        write them, in the page's language. The page shows hundreds of them: the language and the
        currency are read once here, where each widget reads them again (a third of the page's time)."""
        lang = get_lang(self.env)
        grouping = ast.literal_eval(lang.grouping)
        thousands, point = lang.thousands_sep or "", lang.decimal_point
        template = (
            Markup('%s\N{NO-BREAK SPACE}<span class="oe_currency_value">{0}</span>') % (currency.symbol or "")
            if currency.position == "before"
            else Markup('<span class="oe_currency_value">{0}</span>\N{NO-BREAK SPACE}%s') % (currency.symbol or "")
        )
        fmt = f"%.{currency.decimal_places}f"

        def money(value):
            integer, _point, decimals = (fmt % value).partition(".")
            amount = intersperse(integer, grouping, thousands)[0] + (point + decimals if decimals else "")
            return template.format(
                amount.replace(" ", "\N{NO-BREAK SPACE}").replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )

        def day(value):
            return value.strftime(lang.date_format) if value else ""

        return money, day

    @api.model
    def _get_policy(self, company):
        return self.env["credit.recovery.policy"].sudo()._get_company_policies(company).get(company.id)

    @api.model
    def _page_values(self, link, today=None):
        """Everything the page shows for ``link``'s debtor, computed as of ``today``."""
        link = link.sudo()
        debtor = link.debtor_id
        company, partner = debtor.company_id, debtor.partner_id
        currency = company.currency_id
        policy = self._get_policy(company)
        today = today or fields.Date.context_today(self)
        digits = currency.decimal_places
        money, day = self._formatters(currency)
        fine_percent = policy.fine_percent if policy else 0
        interest_percent = policy.interest_percent_month if policy else 0
        open_agreements = debtor.agreement_ids.filtered(lambda agreement: agreement.state in ("to_approve", "active"))
        rows, total = [], Decimal(0)
        for line in self._open_installments(debtor, today):
            # The calculation of ``credit.recovery.agreement._prepare_agreement_vals``.
            charges = late_charges(
                line["residual"],
                line["due"] or today,
                today,
                fine_percent,
                interest_percent,
                digits=digits,
            )
            agreement = open_agreements.filtered(lambda agreement, line=line: agreement.id == line["agreement_id"])
            payable = not line["disputed"] and not agreement
            rows.append(
                {
                    **line,
                    "days": charges.days,
                    "principal": float(charges.principal),
                    "fine": float(charges.fine),
                    "interest": float(charges.interest),
                    "total": float(charges.total),
                    "agreement": agreement or False,
                    "payable": payable,
                    "pix": False,
                }
            )
            if payable:
                total += charges.total
        codes = self._pix_codes(company, [(row["total"] if row["payable"] else 0, row["name"]) for row in rows])
        for row, code in zip(rows, codes, strict=True):
            row["pix"] = code
        total = float(total)
        pix_total = debtor._portal_pix_code(total) if total > 0 else False
        providers = self._has_payment_providers(company)
        negotiable = self._negotiable_invoices(debtor)
        templates = self._offer_templates(debtor) if negotiable else self.env["credit.recovery.proposal.template"]
        return {
            "link": link,
            "debtor": debtor,
            "company": company,
            "partner": partner,
            "currency": currency,
            "policy": policy,
            "today": today,
            "masked_tax_id": mask_tax_id(partner.vat),
            "money": money,
            "day": day,
            "rows": rows,
            "total": total,
            "pix_total": pix_total,
            "pix_total_qr": self._qr_image(pix_total) if pix_total else False,
            "pay_links": {
                row["move"].id: row["move"].get_portal_url()
                for row in rows
                if providers and row["payable"] and not pix_total
            },
            "payment_instructions": company.recovery_payment_instructions,
            "promises": debtor.promise_ids.filtered(lambda promise: promise.state == "open"),
            "agreements": open_agreements,
            "feedback_due": self._feedback_due(debtor),
            "negotiable": negotiable,
            "templates": templates,
            "first_due_defaults": {
                template.id: today + timedelta(days=template.first_due_days) for template in templates
            },
            "profile": debtor.profile_id,
        }

    @api.model
    def _open_installments(self, debtor, today):
        """The open receivable installments of the debtor's invoices, by due date, in one query
        (``[{move, line, name, due, residual, disputed, agreement_id}]``): the page lists a hundred
        of them, and reading the wide invoice and journal item records for that is most of its time."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT m.id, l.id, m.name, l.date_maturity, l.amount_residual,
                          m.recovery_dispute_state = 'open', m.recovery_agreement_id
                     FROM account_move m
                     JOIN account_move_line l ON l.move_id = m.id
                     JOIN account_account a ON a.id = l.account_id
                    WHERE m.recovery_debtor_id = %(debtor)s AND m.state = 'posted'
                      AND m.move_type IN ('out_invoice', 'out_receipt')
                      AND a.account_type = 'asset_receivable' AND NOT l.reconciled AND l.amount_residual > 0
                 ORDER BY COALESCE(m.invoice_date_due, %(today)s), m.id, COALESCE(l.date_maturity, %(today)s), l.id""",
                debtor=debtor.id,
                today=today,
            )
        )
        moves = self.env["account.move"].browse(OrderedSet(row[0] for row in rows))
        lines = self.env["account.move.line"].browse(row[1] for row in rows)
        move_of, line_of = {move.id: move for move in moves}, {line.id: line for line in lines}
        return [
            {
                "move": move_of[move_id],
                "line": line_of[line_id],
                "name": name,
                "due": due,
                "residual": residual,
                "disputed": bool(disputed),
                "agreement_id": agreement_id,
            }
            for move_id, line_id, name, due, residual, disputed, agreement_id in rows
        ]

    @api.model
    def _has_payment_providers(self, company):
        if "payment.provider" not in self.env:
            return False
        return bool(
            self.env["payment.provider"]
            .sudo()
            .search_count([("state", "in", ("enabled", "test")), ("company_id", "=", company.id)], limit=1)
        )

    @api.model
    def _negotiable_invoices(self, debtor):
        """The debtor's invoices the page may offer to negotiate: overdue, not disputed, not
        already under an agreement, accepted by the agreement's own checks."""
        Agreement = self.env["credit.recovery.agreement"].sudo()
        invoices = debtor.open_invoice_ids.filtered(
            lambda move: (
                move.move_type in ("out_invoice", "out_receipt")
                and move.recovery_dispute_state != "open"
                and not move.recovery_excluded
                and not (move.recovery_agreement_id and move.recovery_agreement_id.state in ("to_approve", "active"))
                and move.currency_id == move.company_id.currency_id
            )
        )
        if not invoices.filtered("recovery_amount_overdue"):
            return invoices.browse()
        try:
            Agreement._check_negotiable_invoices(invoices, debtor.partner_id)
            Agreement._check_no_open_agreement(invoices)
        except UserError:
            return invoices.browse()
        return invoices

    @api.model
    def _offer_templates(self, debtor):
        return (
            self.env["credit.recovery.proposal.template"]
            .sudo()
            .search([("profile_id", "=", debtor.profile_id.id)], order="sequence, id")
        )

    @api.model
    def _feedback_due(self, debtor):
        """``[(agreement, moment)]`` the debtor has not rated yet."""
        given = {(feedback.agreement_id.id, feedback.moment) for feedback in debtor.portal_feedback_ids}
        due = []
        for agreement in debtor.agreement_ids.filtered(lambda agreement: agreement.portal_signed_on):
            moment = "done" if agreement.state == "done" else "accepted"
            if agreement.state in ("active", "done") and (agreement.id, moment) not in given:
                due.append((agreement, moment))
        return due

    # ------------------------------------------------------------------
    # Negotiation
    # ------------------------------------------------------------------

    @api.model
    def _prepare_offer(self, link, template_id, installments=None, first_due=None):
        """A draft agreement in memory (``new``) on the debtor's negotiable invoices, with the
        template's terms and the debtor's installments and first due date. Its debt, totals,
        schedule and limits are the agreement's own computations, as in the wizard."""
        debtor = link.sudo().debtor_id
        invoices = self._negotiable_invoices(debtor)
        if not invoices:
            raise UserError(self.env._("There is nothing to negotiate on this page today: contact us."))
        template = self._offer_templates(debtor).filtered(lambda template: template.id == template_id)
        if not template:
            raise UserError(self.env._("Choose one of the offers on the page."))
        Agreement = self.env["credit.recovery.agreement"].sudo()
        vals = Agreement._prepare_agreement_vals(invoices)
        today = vals["negotiation_date"]
        try:
            installments = int(installments) if installments not in (None, "") else template.installments
        except (TypeError, ValueError):
            installments = template.installments
        try:
            first_due = fields.Date.to_date(first_due) if first_due else None
        except ValueError:
            first_due = None
        first_due = first_due or today + timedelta(days=template.first_due_days)
        principal, charges = vals["principal"], vals["fine"] + vals["interest"]
        currency = debtor.company_id.currency_id
        total = (
            principal
            + charges
            - charges * template.discount_charges_percent / 100
            - principal * template.discount_principal_percent / 100
        )
        vals.update(
            discount_charges_percent=template.discount_charges_percent,
            discount_principal_percent=template.discount_principal_percent,
            # Rounded up: rounded to the cent, 10 % of R$ 3,377.32 would be below the profile's 10 % minimum.
            down_payment=float_round(
                total * template.down_payment_percent / 100, precision_rounding=currency.rounding, rounding_method="UP"
            ),
            installments=installments,
            periodicity=template.periodicity,
            first_due=first_due,
        )
        return Agreement.new(vals), vals, invoices

    @api.model
    def _offer_problems(self, offer):
        """Why ``offer`` cannot be accepted online (``[]``: it can): input errors and limits."""
        problems = []
        if negotiation.input_errors(offer._get_proposal(), offer.negotiation_date):
            problems.append(self.env._("These terms are not possible: check the number of installments and the date."))
        if not offer.within_limits:
            problems.extend(offer._violation_messages(offer._get_violations()))
        return problems

    @api.model
    def _accept_offer(self, link, *, template_id, installments, first_due, name, signature, ip=None, user_agent=None):
        """Create, confirm and sign the agreement the debtor accepted: only inside the profile's
        limits (checked again here, whatever the browser sent). Returns the agreement."""
        link = link.sudo()
        debtor = link.debtor_id
        name = (name or "").strip()
        if not name or not signature:
            raise UserError(self.env._("Type your full name and sign to accept the agreement."))
        try:
            signature_bytes = base64.b64decode(signature, validate=True)
        except (ValueError, TypeError) as error:
            raise UserError(self.env._("The signature could not be read: sign again.")) from error
        if not signature_bytes:
            raise UserError(self.env._("Type your full name and sign to accept the agreement."))
        offer, vals, invoices = self._prepare_offer(link, template_id, installments, first_due)
        problems = self._offer_problems(offer)
        if problems:
            raise AccessError(
                self.env._(
                    "These terms are beyond what can be accepted online: %(problems)s", problems="; ".join(problems)
                )
            )
        now = fields.Datetime.now()
        # The public user's company is not the creditor's: the accounting runs in the creditor's.
        agreement = (
            self.env["credit.recovery.agreement"]
            .sudo()
            .with_company(debtor.company_id)
            .create(
                {
                    "invoice_ids": [Command.set(invoices.ids)],
                    "user_id": (debtor.user_id or self.env.ref("base.user_root")).id,
                    **{
                        key: vals[key]
                        for key in (
                            "discount_charges_percent",
                            "discount_principal_percent",
                            "down_payment",
                            "installments",
                            "periodicity",
                            "first_due",
                        )
                    },
                }
            )
        )
        if not agreement.within_limits:  # the stored agreement's own verdict, after create
            raise AccessError(self.env._("These terms are beyond what can be accepted online."))
        agreement.action_confirm()
        agreement.write(
            {
                "portal_signature": signature,
                "portal_signed_by": name,
                "portal_signed_on": now,
                "portal_signed_ip": (ip or "")[:64],
            }
        )
        pdf = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("account_credit_recovery.action_report_agreement_terms", agreement.ids)[0]
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Signed terms %(name)s.pdf", name=agreement.name),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": agreement._name,
                    "res_id": agreement.id,
                }
            )
        )
        agreement.message_post(
            body=self.env._("Accepted and signed online by %(name)s.", name=name),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        self._log_action(
            link,
            "account_credit_recovery.outcome_agreement",
            self.env._(
                "Agreement %(agreement)s accepted and signed on the self-service page by %(name)s.",
                agreement=agreement.name,
                name=name,
            ),
            invoices,
            ip=ip,
            user_agent=user_agent,
            attachments=attachment,
        )
        return agreement

    @api.model
    def _request_offer(self, link, *, template_id, installments, first_due, ip=None, user_agent=None):
        """Terms beyond the limits: the team gets an activity with them; nothing is created."""
        link = link.sudo()
        debtor = link.debtor_id
        offer, vals, _invoices = self._prepare_offer(link, template_id, installments, first_due)
        problems = self._offer_problems(offer)
        note = self.env._(
            "The debtor asked on the self-service page for %(installments)s installments from %(date)s "
            "(offer %(offer)s, total %(total)s). Beyond the limits: %(problems)s",
            installments=vals["installments"],
            date=fields.Date.to_string(vals["first_due"]),
            offer=self._offer_templates(debtor).filtered(lambda template: template.id == template_id).name,
            total=debtor.currency_id.format(offer.total),
            problems="; ".join(problems) or "-",
        )
        debtor.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Negotiation requested on the self-service page"),
            note=note,
            user_id=(debtor._get_collection_responsible() or self.env.ref("base.user_admin")).id,
        )
        link._log_visit("offer_refused", ip, user_agent, note=note[:250])
        return problems

    # ------------------------------------------------------------------
    # Other actions: each a sealed inbound contact log (channel "portal")
    # ------------------------------------------------------------------

    @api.model
    def _log_action(self, link, outcome_xmlid, notes, invoices, *, ip=None, user_agent=None, attachments=None, **extra):
        """Record what the debtor did as a sealed inbound contact log, with the moment, IP and browser."""
        link = link.sudo()
        debtor = link.debtor_id
        now = fields.Datetime.now()
        vals = {
            "partner_id": debtor.partner_id.id,
            "company_id": debtor.company_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "channel": "portal",
            "direction": "inbound",
            "date": now,
            "user_id": (debtor.user_id or self.env.ref("base.user_root")).id,
            "outcome_id": self.env.ref(outcome_xmlid).id if outcome_xmlid else False,
            "notes": self.env._(
                "%(notes)s\nOn the self-service page, %(moment)s UTC, IP %(ip)s, browser: %(agent)s",
                notes=notes,
                moment=fields.Datetime.to_string(now),
                ip=ip or "-",
                agent=user_agent or "-",
            ),
            **extra,
        }
        if attachments:
            vals["attachment_ids"] = [Command.set(attachments.ids)]
        contact = self.env["credit.recovery.contact"].sudo().create(vals)
        link._log_visit("action", ip, user_agent, note=notes[:250])
        return contact

    @api.model
    def _own_invoices(self, link, invoice_ids):
        """The debtor's open invoices among ``invoice_ids`` (other ids are ignored): ids typed in a
        form never reach another debtor's or company's data."""
        debtor = link.sudo().debtor_id
        ids = set()
        for value in invoice_ids or []:
            try:
                ids.add(int(value))
            except (TypeError, ValueError):
                continue
        return debtor.open_invoice_ids.filtered(
            lambda move: move.id in ids and move.move_type in ("out_invoice", "out_receipt")
        )

    @api.model
    def _promise(self, link, date, ip=None, user_agent=None):
        """ "I will pay on ``date``": a promise of the page's total, as an agent would log it."""
        values = self._page_values(link)
        date = fields.Date.to_date(date) if date else None
        today = values["today"]
        if not date or date < today or (date - today).days > 30:
            raise UserError(self.env._("Choose a payment date within the next 30 days."))
        payable = self.env["account.move"].union(*[row["move"] for row in values["rows"] if row["payable"]])
        if not payable or values["total"] <= 0:
            raise UserError(self.env._("There is nothing to promise on this page today."))
        # A promise covers the open amount of the invoices (the late charges follow the payment).
        amount = sum(row["principal"] for row in values["rows"] if row["payable"])
        return self._log_action(
            link,
            "account_credit_recovery.outcome_promise",
            self.env._("The debtor promised on the self-service page to pay on %(date)s.", date=date),
            payable,
            ip=ip,
            user_agent=user_agent,
            promise_amount=amount,
            promise_date=date,
        )

    @api.model
    def _already_paid(self, link, invoice_ids, note, *, receipt_name=None, receipt_data=None, ip=None, user_agent=None):
        """ "I have already paid", with the receipt: the invoices are put under review (kind
        *already paid*) exactly as when an agent logs it."""
        invoices = self._own_invoices(link, invoice_ids).filtered(lambda move: move.recovery_dispute_state != "open")
        if not invoices:
            raise UserError(self.env._("Tick the invoices you have already paid."))
        attachments = self.env["ir.attachment"]
        if receipt_data:
            if len(receipt_data) > RECEIPT_MAX_BYTES:
                raise UserError(self.env._("The receipt is too large: send a file of at most 10 MB."))
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create({"name": receipt_name or "receipt", "raw": receipt_data, "res_model": "credit.recovery.debtor"})
            )
        return self._log_action(
            link,
            "account_credit_recovery.outcome_already_paid",
            (note or "").strip() or self.env._("The debtor says these invoices are already paid."),
            invoices,
            ip=ip,
            user_agent=user_agent,
            attachments=attachments,
        )

    @api.model
    def _dispute(self, link, invoice_ids, note, ip=None, user_agent=None):
        """ "I do not recognise this debt": the invoices are disputed as from the back office."""
        invoices = self._own_invoices(link, invoice_ids).filtered(lambda move: move.recovery_dispute_state != "open")
        if not invoices:
            raise UserError(self.env._("Tick the invoices you do not recognise."))
        return self._log_action(
            link,
            "account_credit_recovery.outcome_dispute",
            (note or "").strip() or self.env._("The debtor does not recognise this debt."),
            invoices,
            ip=ip,
            user_agent=user_agent,
        )

    @api.model
    def _optout(self, link, channels, ip=None, user_agent=None):
        """Stop collection messages on ``channels`` at once (collection only, not marketing)."""
        allowed = {"email", "sms", "phone", "whatsapp"}
        channels = [channel for channel in channels or [] if channel in allowed]
        if not channels:
            raise UserError(self.env._("Tick the channels you no longer want to be contacted on."))
        partner = link.sudo().debtor_id.partner_id
        partner.sudo().write({f"recovery_optout_{channel}": True for channel in channels})
        return self._log_action(
            link,
            None,
            self.env._("The debtor opted out of collection contacts by: %(channels)s.", channels=", ".join(channels)),
            self.env["account.move"],
            ip=ip,
            user_agent=user_agent,
        )

    @api.model
    def _feedback(self, link, agreement_id, rating, comment):
        debtor = link.sudo().debtor_id
        due = {(agreement.id, moment): agreement for agreement, moment in self._feedback_due(debtor)}
        key = next((key for key in due if key[0] == agreement_id), None)
        if not key:
            raise UserError(self.env._("Thank you: your feedback was already recorded."))
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            rating = 0
        return (
            self.env["credit.recovery.portal.feedback"]
            .sudo()
            .create(
                {
                    "debtor_id": debtor.id,
                    "agreement_id": agreement_id,
                    "moment": key[1],
                    "rating": rating,
                    "comment": (comment or "").strip()[:2000],
                }
            )
        )
