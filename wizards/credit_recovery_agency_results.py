"""Import the results file of an agency that works in its own system: its contacts and promises.

All or nothing. The file is read at the edge (``tools.agency_files``), every row is checked (its
debtor assigned to the agency, now; its outcome; its dates), and only a file without a bad row is
recorded: each row a sealed contact log marked as the agency's, through the same path as a contact
logged by hand (contact window, opt-outs, caps, a promise through its outcome). Should recording
still refuse a row, nothing is kept and the rows are named. Each row has an id (a digest of the
agency and the row's content): importing the same file again records nothing twice.
"""

import base64
import binascii
import contextlib
import re
from datetime import timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools import agency_files
from ..tools.agency_files import AgencyFileError

MAX_LISTED_ERRORS = 50
FUTURE_TOLERANCE = timedelta(minutes=5)


class CreditRecoveryAgencyResults(models.TransientModel):
    _name = "credit.recovery.agency.results"
    _description = "Import an Agency's Results"

    agency_id = fields.Many2one(
        "credit.recovery.agency",
        required=True,
        ondelete="cascade",
        default=lambda self: self._default_agency(),
    )
    file = fields.Binary(string="Results File", required=True, attachment=False, help="CSV or XLSX, at most 2 MB.")
    filename = fields.Char()

    @api.model
    def _default_agency(self):
        """The agency of the form it is opened from, else the user's own agency (a default only:
        the import checks who may import for it)."""
        if self.env.context.get("active_model") == "credit.recovery.agency" and self.env.context.get("active_id"):
            return self.env["credit.recovery.agency"].browse(self.env.context["active_id"]).exists()
        return self.env["credit.recovery.agency"].search([("user_ids", "in", self.env.uid)], limit=1)

    def action_import(self):
        """Check the whole file, then record it, or refuse it naming every bad row."""
        self.ensure_one()
        self.agency_id._recovery_check_agency_files()
        agency = self.agency_id.sudo()
        try:
            table = agency_files.read_table(self._recovery_raw_file(), self.filename or "")
        except AgencyFileError as error:
            raise UserError(self._recovery_file_error(error)) from None
        rows, errors = agency_files.parse_results(table)
        checked, refused = self._recovery_check_rows(agency, rows)
        errors = sorted(errors + refused, key=lambda error: error[0])
        if errors:
            raise UserError(self._recovery_errors_message(errors))
        created, skipped = self._recovery_record(agency, checked)
        promises = len(created.filtered(lambda log: log.outcome_id.action == "promise"))
        message = self.env._(
            "%(user)s imported the results file %(file)s: %(count)s contact(s) recorded, %(promises)s with a "
            "promise to pay; %(skipped)s row(s) were already imported.",
            user=self.env.user.name,
            file=self.filename or "",
            count=len(created),
            promises=promises,
            skipped=skipped,
        )
        agency.message_post(body=message, subtype_xmlid="mail.mt_note")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Results imported"),
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _recovery_raw_file(self):
        """The uploaded bytes, refused when too big before they are decoded."""
        encoded = self.file or b""
        if len(encoded) > (agency_files.MAX_FILE_BYTES * 4) // 3 + 4:
            raise UserError(self._recovery_file_error(AgencyFileError("too_big")))
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise UserError(self._recovery_file_error(AgencyFileError("unreadable"))) from None

    def _recovery_check_rows(self, agency, rows):
        """``([(row, contact vals)], errors)``: each row's debtor among the agency's active
        assignments, its outcome, its dates (in the debtor's time zone). Three queries."""
        assignments = (
            self.env["credit.recovery.agency.assignment"]
            .sudo()
            .search([("agency_id", "=", agency.id), ("state", "=", "active")])
        )
        by_id = {assignment.id: assignment for assignment in assignments}
        by_vat = {}
        for assignment in assignments:
            by_vat.setdefault(re.sub(r"\D", "", assignment.partner_id.vat or ""), []).append(assignment)
        outcomes = {
            code: self.env.ref(f"account_credit_recovery.outcome_{code}", raise_if_not_found=False)
            for code in {row.outcome for row in rows}
        }
        outcomes = {code: outcome.sudo() for code, outcome in outcomes.items() if outcome}
        now = fields.Datetime.now()
        checked, errors = [], []
        for row in rows:
            assignment, row_errors = self._recovery_row_assignment(row, by_id, by_vat)
            outcome = outcomes.get(row.outcome)
            if not outcome or not outcome.active:
                row_errors.append(("outcome_unavailable", {"value": row.outcome}))
            if assignment:
                row_errors += self._recovery_row_dates(row, assignment, now)
            if row_errors:
                errors.extend((row.line, code, params) for code, params in row_errors)
                continue
            checked.append((row, self._recovery_contact_vals(row, assignment, outcome, now)))
        return checked, errors

    @api.model
    def _recovery_row_assignment(self, row, by_id, by_vat):
        """The active assignment a row names (by reference, else by CPF/CNPJ); a debtor not (or no
        longer) assigned to the agency and an unknown one get the same answer."""
        reference = agency_files.assignment_reference(row.reference) if row.reference else row.vat
        if row.reference:
            assignment = by_id.get(row.reference)
            if not assignment:
                return None, [("not_assigned", {"value": reference})]
            if row.vat and re.sub(r"\D", "", assignment.partner_id.vat or "") != row.vat:
                return None, [("vat_mismatch", {"value": reference})]
            return assignment, []
        found = by_vat.get(row.vat, [])
        if not found:
            return None, [("not_assigned", {"value": reference})]
        if len(found) > 1:
            return None, [("vat_ambiguous", {"value": reference})]
        return found[0], []

    @api.model
    def _recovery_row_dates(self, row, assignment, now):
        errors = []
        tz = pytz.timezone(assignment.partner_id._recovery_tz())
        when = tz.localize(row.when).astimezone(pytz.utc).replace(tzinfo=None)
        if when > now + FUTURE_TOLERANCE:
            errors.append(("future", {}))
        if row.when.date() < assignment.date_start:
            errors.append(("before_assignment", {"date": assignment.date_start}))
        local_today = pytz.utc.localize(now).astimezone(tz).date()
        if row.promised_date and row.promised_date < local_today:
            errors.append(("promised_past", {}))
        return errors

    def _recovery_contact_vals(self, row, assignment, outcome, now):
        tz = pytz.timezone(assignment.partner_id._recovery_tz())
        invoices = assignment.invoice_ids.filtered(lambda move: move.state == "posted" and move.amount_residual > 0)
        return {
            "partner_id": assignment.partner_id.id,
            "company_id": assignment.company_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "channel": row.channel,
            "direction": row.direction,
            "date": min(tz.localize(row.when).astimezone(pytz.utc).replace(tzinfo=None), now),
            "user_id": self.env.uid,
            "outcome_id": outcome.id,
            "notes": row.note or False,
            "next_action_date": row.callback_date or False,
            "promise_date": row.promised_date or False,
            "promise_amount": float(row.amount) if row.amount is not None else 0.0,
        }

    def _recovery_record(self, agency, checked):
        """Record the rows not imported before, all or none: ``(logs, rows already imported)``."""
        Contact = self.env["credit.recovery.contact"].sudo().with_company(agency.company_id)
        keys = [f"agency:{agency.id}:{row.key(agency.id)}" for row, _vals in checked]
        existing = set(Contact.search([("external_id", "in", keys)]).mapped("external_id"))
        todo, seen = [], set()
        for (row, vals), key in zip(checked, keys, strict=True):
            if key not in existing and key not in seen:
                seen.add(key)
                todo.append((row, vals, key))
        if not todo:
            return Contact, len(checked)
        try:
            with self.env.cr.savepoint():
                logs = Contact.create([vals for _row, vals, _key in todo])
                for log, (_row, _vals, key) in zip(logs, todo, strict=True):
                    log._write_workflow({"external_id": key, "agency_id": agency.id})
        except UserError as error:
            errors = self._recovery_trial(Contact, todo) or [(todo[0][0].line, "refused", {"reason": str(error)})]
            raise UserError(self._recovery_errors_message(errors)) from None
        return logs, len(checked) - len(todo)

    def _recovery_trial(self, contacts, todo):
        """The rows recording refuses (contact window, opt-out, promise checks…), each tried on its
        own, in order; nothing of the trial is kept."""
        errors = []
        with contextlib.closing(self.env.cr.savepoint()):
            for row, vals, _key in todo:
                try:
                    with self.env.cr.savepoint():
                        contacts.create([vals])
                except UserError as error:
                    errors.append((row.line, "refused", {"reason": str(error)}))
        return errors

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    def _recovery_file_error(self, error):
        params = error.params
        messages = {
            "too_big": lambda: self.env._(
                "The file is too big: an agency's results file is at most %(limit)s MB. Split it in several files.",
                limit=agency_files.MAX_FILE_BYTES // (1024 * 1024),
            ),
            "too_many_rows": lambda: self.env._(
                "The file has more than %(limit)s rows: split it in several files.", limit=agency_files.MAX_ROWS
            ),
            "empty": lambda: self.env._("The file has no row of results under its header."),
            "unreadable": lambda: self.env._(
                "The file cannot be read: upload a CSV file (UTF-8, separated by ; or ,) or an XLSX workbook."
            ),
            "missing_column": lambda: self.env._(
                "The file has no %(column)s column. The first row names the columns: see the layout in the "
                "documentation of agency files.",
                column=params.get("column", ""),
            ),
        }
        return messages.get(error.code, messages["unreadable"])()

    def _recovery_row_error(self, code, params):
        """The translated problem of a row (``tools.agency_files`` codes, and the checks here)."""
        value, env = params.get("value", ""), self.env
        messages = {
            "bad_reference": lambda: env._(
                "the reference %(value)s is not one of the file's (CR-AG-<number>)", value=value
            ),
            "bad_vat": lambda: env._("the CPF/CNPJ %(value)s has neither 11 nor 14 digits", value=value),
            "no_debtor": lambda: env._("give the reference or the CPF/CNPJ of the debtor"),
            "bad_datetime": lambda: env._(
                "the date %(value)s is not a date and time (dd/mm/yyyy hh:mm or yyyy-mm-dd hh:mm)", value=value
            ),
            "bad_date": lambda: env._(
                "%(column)s: %(value)s is not a date (dd/mm/yyyy or yyyy-mm-dd)", column=params["column"], value=value
            ),
            "bad_amount": lambda: env._(
                "%(column)s: %(value)s is not an amount (1.234,56 or 1234.56)", column=params["column"], value=value
            ),
            "bad_channel": lambda: env._(
                "the channel %(value)s is unknown (phone, whatsapp, sms, email, letter, in_person)", value=value
            ),
            "bad_direction": lambda: env._("the direction %(value)s is unknown (out or in)", value=value),
            "bad_outcome": lambda: env._(
                "the outcome %(value)s is unknown: use one of the documented codes", value=value
            ),
            "note_too_long": lambda: env._("the note is longer than %(limit)s characters", limit=params["limit"]),
            "promise_needs": lambda: env._("a promise needs its promised date and amount"),
            "amount_not_positive": lambda: env._("the promised amount must be more than zero"),
            "not_a_promise": lambda: env._("a promised date or amount is only for the outcome promise"),
            "callback_needs": lambda: env._("a callback needs its callback date"),
            "not_assigned": lambda: env._("%(value)s is not a debtor assigned to the agency now", value=value),
            "vat_mismatch": lambda: env._("the CPF/CNPJ is not the one of the debtor of %(value)s", value=value),
            "vat_ambiguous": lambda: env._(
                "several assigned debtors have the CPF/CNPJ %(value)s: give the reference", value=value
            ),
            "future": lambda: env._("the contact is dated in the future"),
            "before_assignment": lambda: env._(
                "the contact is dated before the debtor was assigned to the agency (%(date)s)",
                date=fields.Date.to_string(params["date"]),
            ),
            "promised_past": lambda: env._("the promised date is in the past"),
        }
        messages["outcome_unavailable"] = messages["bad_outcome"]
        return messages[code]() if code in messages else params.get("reason") or code

    def _recovery_errors_message(self, errors):
        """Every bad row, by its line in the file (the header is line 1), at most ``MAX_LISTED_ERRORS``."""
        lines = [
            self.env._("Row %(line)s: %(problem)s.", line=line, problem=self._recovery_row_error(code, params))
            for line, code, params in errors[:MAX_LISTED_ERRORS]
        ]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(self.env._("… and %(count)s more problem(s).", count=len(errors) - MAX_LISTED_ERRORS))
        header = self.env._(
            "The results file was not imported: nothing was recorded. Fix these rows and import the whole file again."
        )
        return "\n".join([header, *lines])
