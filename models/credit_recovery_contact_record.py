from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.misc import format_datetime

from ..tools.phone import display_phone, normalize_phone

FUTURE_TOLERANCE = timedelta(minutes=5)


class CreditRecoveryContact(models.Model):
    """Recording a contact log: the checks of a new log (invoices, dates, contact rules), its
    debtor, the seal, the chatter notes, and what its outcome calls for (promise, dispute,
    wrong number, do-not-contact)."""

    _inherit = "credit.recovery.contact"

    def _check_company(self, fnames=None):
        """Odoo's company check, for a batch of logs at once (a delivery batch records hundreds).

        Odoo filters each log's customer, invoices… by the log's company, one ``filtered_domain``
        per log and field (for a delivery batch, 3 % of its time). A record's match of that domain
        does not depend on the other records filtered with it: here the values of the logs of one
        company are filtered together, once per field. Logs with a value outside their company
        go through Odoo's own check, which raises its usual error; company-dependent fields too.
        """
        if len(self) < 2:
            return super()._check_company(fnames)
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        names = [name for name in fnames if self._fields[name].relational and self._fields[name].check_company]
        if any(self._fields[name].company_dependent for name in names):
            return super()._check_company(fnames)
        by_company = defaultdict(list)
        for record in self:
            by_company[record.company_id].append(record)
        suspects = set()
        for name in names:
            for companies, records in by_company.items():
                values = {record.id: record.sudo()[name] for record in records}
                corecords = (
                    self.env[self._fields[name].comodel_name]
                    .sudo()
                    .browse({corecord_id for value in values.values() for corecord_id in value._ids})
                )
                domain = corecords._check_company_domain(companies) if corecords else None
                if not domain:
                    continue
                compatible = set(corecords.with_context(active_test=False).filtered_domain(domain)._ids)
                suspects.update(
                    record_id for record_id, value in values.items() if not compatible.issuperset(value._ids)
                )
        if suspects:
            super(CreditRecoveryContact, self.browse(sorted(suspects)))._check_company(fnames)

    @api.model
    def _normalize_phone_numbers(self, vals_list):
        """The number typed in Log Contact, recorded in E.164 form; refused (nothing is recorded)
        when it is not a valid number, letters above all: the log is sealed as evidence of the
        number called."""
        for vals in vals_list:
            number = (vals.get("phone_number") or "").strip()
            if not number:
                continue
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            info, country = self._read_phone_number(
                number, company, self.env["res.partner"].browse(vals.get("partner_id"))
            )
            if not info.valid:
                raise ValidationError(self.env["res.partner"]._recovery_phone_error(info, country))
            vals["phone_number"] = info.e164

    @api.model
    def _read_phone_number(self, number, company, partner):
        """``number`` as typed in Log Contact, read in the company's national form first (as the
        dialog proposes it), else in the customer's: ``(PhoneInfo, country code)``, the valid
        reading if any, else the first one and its country (to say how to type the number)."""
        codes = (company.country_id.code, partner.country_id.code)
        countries = list(dict.fromkeys(code for code in codes if code)) or [None]
        readings = [(normalize_phone(number, country), country) for country in countries]
        return next((reading for reading in readings if reading[0].valid), readings[0])

    def _check_new_logs(self, automatic):
        """Invoices, dates and contact rules of logs just created; flag them (backdated, over the cap).

        The run's messages (``automatic``) were checked against the rules before they were sent.
        """
        now = fields.Datetime.now()
        self._check_invoices()
        flags = self._check_dates(now)
        if not automatic:
            for contact, over_cap in self._check_contact_rules(now).items():
                flags[contact]["is_over_cap"] = over_cap
        for contact, vals in flags.items():
            if any(vals.values()):
                contact._write_workflow(vals)

    def _check_invoices(self):
        """A log names only invoices of its own debtor (nothing is saved otherwise)."""
        for contact in self:
            foreign = contact.invoice_ids.sudo().filtered(
                lambda move, partner=contact.partner_id: (
                    move.commercial_partner_id != partner or move.move_type not in ("out_invoice", "out_receipt")
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(invoices)s is not an invoice of %(partner)s. Remove it from the log, and log "
                        "contacts about other customers' invoices on those customers.",
                        invoices=", ".join(foreign.mapped("display_name")),
                        partner=contact.partner_id.display_name,
                    )
                )

    def _check_dates(self, now):
        """Refuse contacts dated in the future; flag (and reserve to a Collection Manager) those
        recorded longer after the contact than the policy allows. ``{contact: flags}``."""
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        flags = {}
        for contact in self:
            if contact.date > now + FUTURE_TOLERANCE:
                raise ValidationError(
                    self.env._(
                        "The contact is dated %(date)s, in the future. Enter when it took place.",
                        date=format_datetime(self.env, contact.date, dt_format="short"),
                    )
                )
            policy = policies.get(contact.company_id.id)
            limit = timedelta(hours=policy.backdate_limit_hours if policy else 24)
            backdated = not contact.is_automatic and contact.date < now - limit
            if backdated and not self._is_manager():
                raise AccessError(
                    self.env._(
                        "This contact took place more than %(hours)s hours ago: only a Collection Manager can "
                        "record it. Ask one to log it, with the date it took place.",
                        hours=int(limit.total_seconds() // 3600),
                    )
                )
            flags[contact] = {"is_backdated": backdated}
        return flags

    def _link_debtors(self):
        """Each log on its (company, customer) debtor record: one write per debtor, none for the
        run's own logs, which come with their message's debtor."""
        unlinked = self.filtered(lambda contact: not contact.debtor_id)
        keys = {(contact.partner_id.id, contact.company_id.id) for contact in unlinked}
        debtors = self.env["credit.recovery.debtor"].sudo()._get_or_create(keys)
        by_debtor = defaultdict(self.browse)
        for contact in unlinked:
            by_debtor[debtors.get((contact.partner_id.id, contact.company_id.id))] |= contact
        for debtor_id, contacts in by_debtor.items():
            contacts._write_workflow({"debtor_id": debtor_id})

    def _record(self):
        """Seal the logs, tell the chatters, and apply what their outcomes call for.

        What the debtor said (notes, outcome, reason, digest) is personal data (LGPD): it goes
        to the chatter of the company's collection record only, which the company's Collection
        groups alone can read. The customer is shared between companies and the invoice is read
        by accounting, so the invoice gets a neutral line and the customer nothing.
        """
        self._seal()
        # Automatic messages are in the debtor's chatter already, with their delivery status.
        for contact in self.filtered(lambda contact: not contact.is_automatic):
            # The note is the system's record, authored by the agent.
            contact.debtor_id.sudo().message_post_with_source(
                "account_credit_recovery.message_contact_logged",
                render_values={"contact": contact},
                subtype_xmlid="mail.mt_note",
            )
            for invoice in contact.invoice_ids.sudo():
                invoice.message_post(body=self.env._("A collection contact was logged."), subtype_xmlid="mail.mt_note")
        self._apply_outcomes()

    def _apply_outcomes(self):
        """Promise, dispute, do-not-contact: what the recorded outcomes call for."""
        originals = self.filtered(lambda contact: not contact.correction_of_id)
        for contact in originals.filtered(lambda contact: contact.outcome_id.action == "wrong_number"):
            partner = contact.partner_id.sudo()
            number = contact.phone_number or partner.recovery_best_phone
            if number:
                partner.recovery_wrong_number = number
                contact.debtor_id.sudo().message_post(
                    body=self.env._(
                        "%(number)s is a wrong number: find the right one before calling again.",
                        number=display_phone(number, contact.company_id.country_id.code),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        stop = originals.filtered(lambda contact: contact.outcome_id.action == "do_not_contact")
        if stop:
            stop.partner_id.sudo().write({"recovery_do_not_contact": True})
        promising = originals.filtered(lambda contact: contact.outcome_id.action == "promise")
        if promising:
            self.env["credit.recovery.promise"].sudo().create(
                [contact._prepare_promise_vals() for contact in promising]
            )
        for contact in originals.filtered(lambda contact: contact.outcome_id.action == "dispute"):
            invoices = (contact.invoice_ids or contact.debtor_id.open_invoice_ids).filtered(
                lambda move: move.recovery_dispute_state != "open"  # under review already: the log is enough
            )
            if invoices:
                invoices._recovery_open_dispute(
                    contact.outcome_id.dispute_kind or "not_recognised", contact.notes or contact.outcome_id.name
                )

    def _prepare_promise_vals(self):
        self.ensure_one()
        return {
            "contact_id": self.id,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "debtor_id": self.debtor_id.id,
            "invoice_ids": [Command.set((self.invoice_ids or self.debtor_id.open_invoice_ids).ids)],
            "amount": self.promise_amount,
            "date": self.promise_date,
            "promised_on": fields.Date.context_today(self, self.date),
            "user_id": self.user_id.id,
        }
