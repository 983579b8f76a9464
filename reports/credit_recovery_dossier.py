from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import email_normalize
from odoo.tools.misc import format_datetime

from ..models.common import DOSSIER_DIGEST_MARK
from ..tools.evidence import evidence_hash, sha256_hex
from ..tools.late_fees import late_charges_lines, prescription_date, prescription_status
from ..tools.pdf_stamp import stamp_pages
from ..tools.phone import normalize_phone
from ..tools.timezone import contact_timezone


def _money(value):
    """A ``Decimal`` of the dossier as the ``float`` QWeb's monetary widget formats."""
    return float(value) if isinstance(value, Decimal) else value


class CreditRecoveryDossier(models.AbstractModel):
    """Values of the evidence dossier: everything a lawyer needs, and its digest.

    The same data feeds the QWeb template and the SHA-256 *dossier digest*, which
    covers the content only (not when or by whom it was printed), so regenerating
    an unchanged dossier gives the same digest.
    """

    _name = "report.account_credit_recovery.report_dossier"
    _description = "Collection Evidence Dossier"

    @api.model
    def _get_report_values(self, docids, data=None):
        debtors = self.env["credit.recovery.debtor"].browse(docids)
        # The dossier is built with sudo: whoever prints it must read the debtors (and the invoices
        # asked for) first, e.g. an agency's user asking /report/pdf/... for another debtor.
        debtors.check_access("read")
        invoice_ids = (data or {}).get("invoice_ids")
        if invoice_ids:
            self.env["account.move"].browse(invoice_ids).check_access("read")
        dossiers = {}
        for debtor in debtors:
            invoices = self.env["account.move"].browse(invoice_ids) if invoice_ids else None
            dossiers[debtor.id] = self._get_dossier(debtor, invoices)
        return {
            "doc_ids": debtors.ids,
            "doc_model": "credit.recovery.debtor",
            "docs": debtors,
            "dossiers": dossiers,
        }

    @api.model
    def _get_dossier(self, debtor, invoices=None):
        """The dossier's content for ``debtor`` (optionally only some of its invoices)."""
        debtor = debtor.sudo()
        partner = debtor.partner_id
        company = debtor.company_id
        lang = partner.lang or self.env.lang or "en_US"
        tz = partner._recovery_tz()
        env = self.with_context(lang=lang, tz=tz).env
        today = fields.Date.context_today(debtor)
        policy = env["credit.recovery.policy"]._get_company_policies(company).get(company.id)
        fine_percent = policy.fine_percent if policy else 0.0
        interest_percent = policy.interest_percent_month if policy else 0.0
        currency = company.currency_id
        invoices = self._dossier_invoices(debtor, invoices, today)
        debts, totals = self._dossier_debts(invoices, today, fine_percent, interest_percent, currency)
        contacts = debtor.contact_ids.sorted(lambda contact: (contact.date, contact.id))
        if invoices != debtor.invoice_ids:
            contacts = contacts.filtered(lambda contact: not contact.invoice_ids or contact.invoice_ids & invoices)
        rows = [row for debt in debts for row in debt["rows"]]
        dossier = {
            "debtor": debtor,
            "partner": partner,
            "company": company,
            "currency": currency,
            "lang": lang,
            "tz": tz,
            "tz_label": env["res.partner"]._recovery_tz_label(tz),
            "today": today,
            "fine_percent": fine_percent,
            "interest_percent": interest_percent,
            **self._dossier_contact_points(env, partner, company),
            "debts": debts,
            "totals": totals,
            "prescribed": any(row["prescription_status"] == "prescribed" for row in rows),
            "prescribing": any(row["prescription_status"] == "soon" for row in rows),
            "contacts": contacts,
            **self._dossier_evidence(contacts),
            "contact_times": {
                contact.id: format_datetime(env, contact.date, tz=tz, dt_format="short") for contact in contacts
            },
            "letters": contacts.filtered(lambda contact: contact.channel == "letter"),
            "promises": debtor.promise_ids.sorted(lambda promise: (promise.promised_on or today, promise.id)),
            "disputes": invoices.filtered("recovery_dispute_state"),
            "money": _money,
            # Not in the digest: the head moves with every log of the company, this dossier's content does not.
            "ledger": dict(
                zip(
                    ("entries", "head"),
                    env["credit.recovery.evidence.chain"]._get_heads(company)[company.id],
                    strict=True,
                )
            ),
        }
        dossier.update(self._get_dossier_agency(debtor))
        dossier["digest"] = evidence_hash(self._digest_payload(dossier))
        return dossier

    def _dossier_invoices(self, debtor, invoices, today):
        """The posted invoices of the dossier in date order: ``invoices`` or, when ``None``, the
        debtor's invoices in collection, open or ever chased. One paid by its due date never was a
        debt to collect: it is not the lawyer's business."""
        if invoices is None:
            currency = debtor.company_id.currency_id
            invoices = debtor.invoice_ids
            chased = self.env["credit.recovery.action"].sudo().search([("move_id", "in", invoices.ids)]).move_id
            invoices = invoices.filtered(
                lambda move: (
                    currency.compare_amounts(move.amount_residual, 0.0) > 0
                    or move in chased
                    or move.recovery_contact_ids
                    or move.recovery_agreement_id
                )
            )
        return invoices.filtered(lambda move: move.state == "posted").sorted(
            lambda move: (move.invoice_date or today, move.id)
        )

    def _dossier_debts(self, invoices, today, fine_percent, interest_percent, currency):
        """``(debts, totals)``: per invoice its installments with what was paid, what is open and the
        fine and interest of today, and the totals of those columns."""
        debts, totals = [], defaultdict(Decimal)
        invoice_lines = [
            (
                invoice,
                invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable" and line.debit).sorted(
                    lambda line: (line.date_maturity or today, line.id)
                ),
            )
            for invoice in invoices
        ]
        all_lines = [line for _invoice, lines in invoice_lines for line in lines]
        # One allocation over the whole debt: the fine's total holds the cap (CDC art. 52 §1).
        all_charges = late_charges_lines(
            [(line.amount_residual, line.date_maturity or line.move_id.invoice_date_due) for line in all_lines],
            today,
            fine_percent,
            interest_percent,
            digits=currency.decimal_places,
        )
        charges_by_line = dict(zip(all_lines, all_charges, strict=True))
        for invoice, lines in invoice_lines:
            rows = []
            for line in lines:
                due = line.date_maturity or invoice.invoice_date_due
                charges = charges_by_line[line]
                original = Decimal(str(line.debit))
                row = {
                    "due": due,
                    "original": original,
                    "paid": original - charges.principal,
                    "open": charges.principal,
                    "days": charges.days if charges.principal else 0,
                    "fine": charges.fine,
                    "interest": charges.interest,
                    "total": charges.total,
                    "prescription": prescription_date(due),
                    "prescription_status": prescription_status(due, today) if charges.principal else "ok",
                }
                rows.append(row)
                for key in ("original", "paid", "open", "fine", "interest", "total"):
                    totals[key] += row[key]
            debts.append({"invoice": invoice, "rows": rows})
        return debts, totals

    def _dossier_evidence(self, contacts):
        """The contact logs' evidence: each log's payload recomputed with its own payload version
        (the digests printed name what changed), the logs found altered, the attachments' digests."""
        payloads = {contact.id: contact._evidence_payload() for contact in contacts}
        altered = {
            contact.id
            for contact in contacts
            if contact.evidence_altered_before_upgrade
            or (contact.evidence_hash and contact.evidence_hash != evidence_hash(payloads[contact.id]))
        }
        attachments = [
            {"name": attachment.name, "sha256": sha256_hex(attachment.raw or b""), "contact": contact}
            for contact in contacts
            for attachment in contact.attachment_ids
        ]
        return {"payloads": payloads, "altered": altered, "attachments": attachments}

    def _dossier_contact_points(self, env, partner, company):
        """The debtor's addresses, phones (each checked, with its kind) and e-mails (each checked)."""
        kinds = dict(env["res.partner"]._fields["recovery_mobile_type"]._description_selection(env))
        phones = []
        for number in (partner.mobile, partner.phone):
            if number:
                info = normalize_phone(number, partner.country_id.code or company.country_id.code)
                phones.append({"number": number, "info": info, "kind": kinds.get(info.kind, info.kind)})
        addresses = partner | partner.child_ids.filtered(lambda child: child.type in ("invoice", "delivery", "other"))
        emails = [
            {"address": email, "valid": bool(email_normalize(email))} for email in addresses.mapped("email") if email
        ]
        return {"addresses": addresses, "phones": phones, "emails": emails}

    @api.model
    def _stamp_pdf(self, pdf, report_name, records, data=None):
        """Creditor identification on top of every page; generation, page x/y and digest below."""
        debtors = records
        company = records[:1].company_id
        address = ", ".join(part for part in (company.street, company.zip, company.city, company.state_id.code) if part)
        header = " · ".join(part for part in (company.name, company.vat and f"CNPJ {company.vat}", address) if part)
        page_label = self.env._("page %(page)s / %(pages)s")
        if report_name != "account_credit_recovery.report_dossier":
            return stamp_pages(pdf, header, [], page_label=page_label)
        # In the debtor's time zone, as the timeline of the dossier, with the zone said.
        tz = debtors[:1].partner_id._recovery_tz() if debtors else contact_timezone(None, None, self.env.user.tz)
        generated = self.env._(
            "Generated on %(when)s (%(zone)s) by %(user)s",
            when=format_datetime(self.env, fields.Datetime.now(), tz=tz),
            zone=self.env["res.partner"]._recovery_tz_label(tz),
            user=self.env.user.name,
        )
        lines = [generated]
        if len(debtors) == 1:
            digest = self.env.cr.precommit.data.get(DOSSIER_DIGEST_MARK, {}).get(debtors.id)
            if not digest:  # printed from the menu: compute it here
                invoices = self.env["account.move"].browse((data or {}).get("invoice_ids") or [])
                digest = self._get_dossier(debtors, invoices or None)["digest"]
            lines.append(self.env._("Dossier digest (SHA-256): %(digest)s", digest=digest))
        return stamp_pages(pdf, header, lines, page_label=page_label)

    @api.model
    def _digest_payload(self, dossier):
        """The canonical content the dossier digest covers."""
        partner, company = dossier["partner"], dossier["company"]
        return {
            "creditor": [company.name, company.vat or "", company.street or "", company.city or ""],
            "debtor": [partner.id, partner.name, partner.vat or "", partner.street or "", partner.city or ""],
            "as_of": str(dossier["today"]),
            "rates": [dossier["fine_percent"], dossier["interest_percent"]],
            "debts": [
                [debt["invoice"].name, [[str(value) for value in row.values()] for row in debt["rows"]]]
                for debt in dossier["debts"]
            ],
            "contacts": [
                [contact.id, contact.evidence_hash or "", dossier["payloads"][contact.id]]
                for contact in dossier["contacts"]
            ],
            "promises": [
                [promise.id, promise.amount, str(promise.date), promise.state, str(promise.closed_date or "")]
                for promise in dossier["promises"]
            ],
            "disputes": [
                [
                    move.name,
                    move.recovery_dispute_state,
                    move.recovery_dispute_kind or "",
                    move.recovery_dispute_note or "",
                ]
                for move in dossier["disputes"]
            ],
            "attachments": [[item["name"], item["sha256"]] for item in dossier["attachments"]],
        }
