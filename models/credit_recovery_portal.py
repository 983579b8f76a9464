import ast
import base64
import functools
import io
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, OrderedSet, float_round
from odoo.tools.misc import get_lang

from odoo.addons.base.models.res_lang import intersperse

from ..tools import identity, negotiation
from ..tools.late_fees import late_charges

_logger = logging.getLogger(__name__)


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
    digits = identity.ascii_digits(vat)
    if len(digits) == 11:
        return f"***.{digits[3:6]}.{digits[6:9]}-**"
    if len(digits) == 14:
        return f"**.{digits[2:5]}.{digits[5:8]}/****-**"
    return "*" * len(digits)


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
    def _pix_code(self, company, amount, reference="", claim=None):
        """The PIX code of ``amount`` to the company's first bank account able to make one."""
        return self._pix_codes(company, [(amount, reference)], [claim])[0]

    @api.model
    def _pix_claim(self, debtor, lines, kind="today", due=None, principal=None):
        """What a PIX code claims, for :meth:`_pix_codes`: ``debtor``'s receivable journal items
        ``lines`` (an invoice's or an agreement's installments), and ``kind``:

        - ``"today"``: their total of today (with today's fine and interest), to pay now;
        - ``"installment"``: one installment due on ``due``, its open amount ``principal``, the
          policy's fine and interest running after ``due``.
        """
        return {"debtor": debtor, "lines": lines, "kind": kind, "due": due, "principal": principal}

    @api.model
    def _pix_codes(self, company, charges, claims=None):  # pylint: disable=unused-argument
        """The PIX codes of ``charges`` (``[(amount, reference)]``, ``False`` where the amount is not
        positive) to the company's first bank account able to make them.

        ``claims``: for each charge, what it claims (:meth:`_pix_claim`, ``None`` when unknown). The
        static BR Code made here does not need it: it is the hook of a module that gives each claim
        a dynamic charge of its own (``account_credit_recovery_pix``) and falls back on this code."""
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
        money, day = self._formatters(currency)
        open_agreements = debtor.agreement_ids.filtered(lambda agreement: agreement.state in ("to_approve", "active"))
        # The one claimed amount of the day (the e-mail's, the SMS's, the letter's): the installments
        # already due that may be claimed, with their fine and interest. What is not due yet is
        # listed apart and never added to it.
        claim = debtor._get_claims(today)[debtor.id]
        rows = self._page_rows(debtor, claim, open_agreements, today)
        total = float(claim.total)
        pix_total = debtor._portal_pix_code(total, claim) if total > 0 else False
        agreement_next = self._page_agreement_next(open_agreements)
        providers = self._has_payment_providers(company)
        negotiable = self._negotiable_invoices(debtor, claim)
        templates = self._offer_templates(debtor) if negotiable else self.env["credit.recovery.proposal.template"]
        return self._agency_page_values(debtor) | {
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
            "claimed_rows": [row for row in rows if row["kind"] == "claimed"],
            "not_due_rows": [row for row in rows if row["kind"] == "not_due"],
            "other_rows": [row for row in rows if row["kind"] == "other"],
            "not_due_total": sum(row["principal"] for row in rows if row["kind"] == "not_due"),
            "total": total,
            "agreement_next": agreement_next,
            "agreement_qr": self._page_agreement_qr(open_agreements),
            "nothing_open": not rows
            and not any(agreement_next.values())
            and not debtor.promise_ids.filtered(lambda promise: promise.state == "open"),
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

    def _page_agreement_next(self, agreements):
        """``{agreement id: its next unpaid installment}`` (an empty recordset when all are paid)."""
        return {
            agreement.id: agreement.line_ids.filtered(lambda line: not line.paid).sorted(
                lambda line: (line.date_due, line.sequence, line.id)
            )[:1]
            for agreement in agreements
        }

    def _page_agreement_qr(self, agreements):
        """``{agreement id: QR image}`` of the PIX code of each active agreement's next installment."""
        return {
            agreement.id: self._qr_image(agreement.portal_pix_code)
            for agreement in agreements
            if agreement.state == "active" and agreement.portal_pix_code
        }

    def _page_rows(self, debtor, claim, open_agreements, today):
        """The page's installment rows: each open installment with its kind (``claimed`` today,
        ``not_due`` yet, or ``other``: disputed, under agreement, or due but not claimed today),
        its charges of today, whether it is payable and its PIX code."""
        company = debtor.company_id
        digits = company.currency_id.decimal_places
        claimed = claim.by_key()
        rows = []
        for line in self._open_installments(debtor, today):
            agreement = open_agreements.filtered(lambda agreement, line=line: agreement.id == line["agreement_id"])
            claim_line = claimed.get(line["line"].id)
            if claim_line:
                kind, charges = "claimed", claim_line.charges
            else:
                # Disputed, under agreement, not due yet, or due but not claimed today (a promise
                # to pay, excluded): its open amount only, never in the total claimed.
                charges = late_charges(line["residual"], today, today, 0, 0, digits=digits)
                overdue = line["due"] and line["due"] < today
                kind = "not_due" if not (overdue or line["disputed"] or agreement) else "other"
            rows.append(
                {
                    **line,
                    "kind": kind,
                    "days": charges.days,
                    "principal": float(charges.principal),
                    "fine": float(charges.fine),
                    "interest": float(charges.interest),
                    "total": float(charges.total),
                    "agreement": agreement or False,
                    "payable": not line["disputed"] and not agreement,
                    "pix": False,
                }
            )
        codes = self._pix_codes(
            company,
            [(row["total"] if row["payable"] else 0, row["name"]) for row in rows],
            [
                self._pix_claim(debtor, row["line"], "installment", row["due"], row["residual"])
                if row["payable"]
                else None
                for row in rows
            ],
        )
        for row, code in zip(rows, codes, strict=True):
            row["pix"] = code
        return rows

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
    def _negotiable_invoices(self, debtor, claim=None):
        """The debtor's invoices the page may offer to negotiate: those of the amount claimed today
        (``_get_claims``: overdue, not disputed, promised or excluded, not already under an
        agreement), accepted by the agreement's own checks. An invoice not due at all is not
        offered: it is not owed (it may be paid in advance)."""
        Agreement = self.env["credit.recovery.agreement"].sudo()
        claimed = (claim or debtor._get_claims()[debtor.id]).by_move()
        invoices = debtor.open_invoice_ids.filtered(
            lambda move: (
                move in claimed
                and move.move_type in ("out_invoice", "out_receipt")
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
