"""The assignment file an agency that works in its own system is handed (``tools.agency_files``).

What it holds comes from the one rule of the claimed amount (``credit.recovery.debtor._get_claims``):
the amounts updated today with the fine and interest are the ones the debtor's page shows.
"""

import pytz

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import agency_files
from .common import AGENCY_CHANNEL

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
}


class CreditRecoveryAgency(models.Model):
    _inherit = "credit.recovery.agency"

    def action_download_assignment_xlsx(self):
        self.ensure_one()
        return self._recovery_download_assignment_file(self._recovery_file_assignments(), "xlsx")

    def action_download_assignment_csv(self):
        self.ensure_one()
        return self._recovery_download_assignment_file(self._recovery_file_assignments(), "csv")

    def action_import_results(self):
        """The import of the agency's results file, for this agency."""
        self.ensure_one()
        self._recovery_check_agency_files()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_agency_results"
        )
        action["context"] = {"default_agency_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _recovery_check_agency_files(self):
        """A Collection Manager of the agency's company, or one of the agency's own users, may
        exchange files with it; nobody else (checked before any ``sudo``)."""
        self.ensure_one()
        if self.env.su:
            return
        agency = self.sudo()
        is_manager = self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager")
        if is_manager and agency.company_id in self.env.user.company_ids:
            return
        if self.env.user in agency.user_ids and self.env.user.has_group(
            "account_credit_recovery.group_credit_recovery_agency"
        ):
            return
        raise AccessError(
            self.env._(
                "Only a Collection Manager or the agency's own users exchange files with %(agency)s.",
                agency=agency.name,
            )
        )

    def _recovery_file_assignments(self):
        self._recovery_check_agency_files()
        return self.sudo().assignment_ids.filtered(lambda assignment: assignment.state == "active")

    def _recovery_download_assignment_file(self, assignments, file_format):
        """Build the file of these active assignments of this agency, keep it on the agency with a
        note of who took it, and download it."""
        self.ensure_one()
        self._recovery_check_agency_files()
        if not assignments:
            raise UserError(
                self.env._("%(agency)s has no debtor assigned: there is nothing to hand over.", agency=self.sudo().name)
            )
        agency = self.sudo()
        today = fields.Date.context_today(self)
        tables = agency._recovery_assignment_tables(assignments.sudo(), today)
        build = agency_files.build_xlsx if file_format == "xlsx" else agency_files.build_csv_zip
        extension = "xlsx" if file_format == "xlsx" else "zip"
        name = f"{agency_files.code_of(agency.name) or 'agency'}_{today.isoformat()}.{extension}"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": build(*tables),
                    "mimetype": MIMETYPES[file_format],
                    # Linked to no record: only who downloaded it reads it (Odoo's rule for such files),
                    # never the agency's other or later users, nor anyone after a recall.
                    "company_id": agency.company_id.id,
                }
            )
        )
        agency.message_post(
            body=self.env._(
                "%(user)s downloaded the assignment file %(file)s (%(format)s) for %(count)s debtor(s).",
                user=self.env.user.name,
                file=name,
                format=file_format.upper(),
                count=len(assignments),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_url",
            # No access token: the file is read by who downloaded it only.
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def _recovery_assignment_tables(self, assignments, today):
        """``(debtors, installments, contacts)``: the rows of the assignment file (``tools.agency_files``).

        An installment is a claimed receivable line of an assigned invoice, with the amount of
        ``_get_claims`` on ``today``; an installment under a promise, a dispute or an agreement is
        not claimed today, so it is not listed. Four queries, whatever the number of debtors.
        """
        debtors = assignments.debtor_id
        claims = debtors._get_claims(today)
        assigned_moves = {assignment.debtor_id.id: set(assignment.invoice_ids.ids) for assignment in assignments}
        line_ids = [line.key for claim in claims.values() for line in claim.lines]
        lines = self.env["account.move.line"].sudo().browse(line_ids)
        lines.fetch(["balance", "move_id"])
        outcome_codes = self._recovery_outcome_codes()
        contacts = (
            self.env["credit.recovery.contact"]
            .sudo()
            .search_fetch(
                # The hand-over and recall records are no contacts with the debtor.
                [("debtor_id", "in", debtors.ids), ("channel", "!=", AGENCY_CHANNEL)],
                ["debtor_id", "date", "channel", "direction", "outcome_id", "is_automatic"],
                order="date, id",
            )
        )
        debtor_rows, installment_rows, by_debtor = [], [], {}
        for assignment in assignments:
            debtor, partner = assignment.debtor_id, assignment.debtor_id.partner_id
            key = {"reference": agency_files.assignment_reference(assignment.id), "vat": partner.vat or ""}
            by_debtor[debtor.id] = (key, partner._recovery_tz())
            claimed = [line for line in claims[debtor.id].lines if line.move.id in assigned_moves[debtor.id]]
            for line in claimed:
                charges = line.charges
                installment_rows.append(
                    {
                        **key,
                        "document": line.move.name,
                        "due_date": line.due,
                        "days_overdue": charges.days,
                        "original_amount": lines.browse(line.key).balance,
                        "open_amount": charges.principal,
                        "fine": charges.fine,
                        "interest": charges.interest,
                        "amount_updated": charges.total,
                    }
                )
            debtor_rows.append(self._recovery_debtor_row(assignment, key, claimed))
        contact_rows = []
        for contact in contacts:
            key, tz = by_debtor[contact.debtor_id.id]
            contact_rows.append(
                {
                    **key,
                    "date": pytz.utc.localize(contact.date).astimezone(pytz.timezone(tz)).replace(tzinfo=None),
                    "channel": contact.channel,
                    "direction": contact.direction,
                    "outcome": outcome_codes.get(contact.outcome_id.id, contact.outcome_id.name or ""),
                    "by": self._recovery_contact_author(contact),
                }
            )
        return debtor_rows, installment_rows, contact_rows

    def _recovery_debtor_row(self, assignment, key, claimed):
        """The Debtors row of an assignment: who the debtor is, how to reach them, what was handed
        and what the ``claimed`` installments amount to today."""
        partner = assignment.debtor_id.partner_id
        return {
            **key,
            "name": partner.name,
            "phone": partner.phone,
            "mobile": partner.mobile,
            "email": partner.email,
            "street": partner.street,
            "street2": partner.street2,
            "city": partner.city,
            "state": partner.state_id.code,
            "zip": partner.zip,
            "country": partner.country_id.code,
            "assigned_on": assignment.date_start,
            "recall_on": assignment.date_recall,
            "amount_assigned": assignment.amount_assigned,
            "amount_updated": sum((line.charges.total for line in claimed), 0),
        }

    def _recovery_contact_author(self, contact):
        """Who made a contact, as the file says it: ``run``, ``agency`` or ``store``."""
        if contact.is_automatic:
            return "run"
        return "agency" if "agency_id" in contact._fields and contact.agency_id else "store"

    def _recovery_outcome_codes(self):
        """``{outcome id: code}``: the outcomes of the addon by the code the files use (``outcome_<code>``)."""
        rows = (
            self.env["ir.model.data"]
            .sudo()
            .search_fetch(
                [("module", "=", "account_credit_recovery"), ("model", "=", "credit.recovery.contact.outcome")],
                ["name", "res_id"],
            )
        )
        return {row.res_id: row.name.removeprefix("outcome_") for row in rows}


class CreditRecoveryAgencyAssignment(models.Model):
    _inherit = "credit.recovery.agency.assignment"

    def action_download_agency_file_xlsx(self):
        return self._recovery_download_agency_file("xlsx")

    def action_download_agency_file_csv(self):
        return self._recovery_download_agency_file("csv")

    def _recovery_download_agency_file(self, file_format):
        """The assignment file of the selected assignments: one agency's, active ones only."""
        agency = self.sudo().agency_id
        if len(agency) != 1:
            raise UserError(self.env._("Select the assignments of one agency: each agency gets its own file."))
        agency = agency.with_env(self.env)
        agency._recovery_check_agency_files()
        recalled = self.sudo().filtered(lambda assignment: assignment.state != "active")
        if recalled:
            raise UserError(
                self.env._(
                    "Recalled assignments are not handed over again: %(debtors)s.",
                    debtors=", ".join(recalled.mapped("partner_id.display_name")),
                )
            )
        return agency._recovery_download_assignment_file(self.sudo(), file_format)
