"""The record of an agency assignment: the sealed hand-over and recall logs in the evidence
ledger, the note in the debtor's chatter, and the LGPD record of the data shared."""

from odoo import api, fields, models
from odoo.tools import format_date

from .common import AGENCY_CHANNEL, INTERNAL_DIRECTION


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    agency_date_recall = fields.Date(related="agency_assignment_id.date_recall", string="With the Agency Until")
    agency_sharing_ids = fields.One2many(
        "credit.recovery.agency.sharing", "debtor_id", string="Data Shared with Agencies", readonly=True
    )

    @api.depends("contact_ids.date", "contact_ids.next_action_date", "contact_ids.channel")
    def _compute_last_contact(self):
        """Contacts only: an agency hand-over is no contact with the customer."""
        for debtor in self:
            contacts = debtor.contact_ids.filtered(lambda contact: contact.channel != AGENCY_CHANNEL).sorted(
                # ``_origin``: in a form's onchange the logs are new records, whose ids do not compare.
                lambda contact: (contact.date, contact._origin.id or 0)
            )
            debtor.contact_count = len(contacts)
            debtor.last_contact_date = contacts[-1:].date
            debtor.callback_date = contacts[-1:].next_action_date

    def _recovery_assign_agency(self, agency, date_recall, date_start=None):
        """The lead's checks and assignments, then their record (see ``_recovery_record_handover``)."""
        assignments = super()._recovery_assign_agency(agency, date_recall, date_start=date_start)
        assignments._recovery_record_handover()
        return assignments


class CreditRecoveryAgencyAssignment(models.Model):
    _inherit = "credit.recovery.agency.assignment"

    handover_log_id = fields.Many2one("credit.recovery.contact", string="Hand-over Log", readonly=True)
    recall_log_id = fields.Many2one("credit.recovery.contact", readonly=True)
    sharing_ids = fields.One2many("credit.recovery.agency.sharing", "assignment_id", string="Data Shared")

    def _recovery_recall(self, reason, on_date=None):
        """The lead's recall, then its record (see ``_recovery_record_recall``)."""
        recalled = super()._recovery_recall(reason, on_date=on_date)
        recalled._recovery_record_recall()
        return recalled

    def _recovery_record_handover(self):
        """Per assignment: a sealed hand-over log (what was handed, to whom, by whom, when) in the
        company's language, the data sharing it opens (LGPD), and a note in the debtor's chatter."""
        assignments = self.sudo()
        if not assignments:
            return
        now = fields.Datetime.now()
        texts = {assignment.id: assignment._company_lang()._handover_text() for assignment in assignments}
        logs = self._create_handover_logs(assignments, texts, now)
        self.env["credit.recovery.agency.sharing"].sudo().create(
            [
                {
                    "assignment_id": assignment.id,
                    "categories": assignment._company_lang().env["credit.recovery.agency.sharing"]._categories_text(),
                    "purpose": assignment._company_lang().env._("Collection of the overdue debt on the store's behalf"),
                    "user_id": self.env.uid,
                    "shared_on": now,
                }
                for assignment in assignments
            ]
        )
        for assignment, log in zip(assignments, logs, strict=True):
            assignment.handover_log_id = log
            assignment.debtor_id.message_post(
                body=self.env._(
                    "Handed to the collection agency %(agency)s until %(date)s: %(count)s installment(s), %(amount)s. "
                    "Its users see this customer's data until the recall (sealed log #%(log)s).",
                    agency=assignment.agency_id.name,
                    date=format_date(self.env, assignment.date_recall),
                    count=len(assignment.invoice_ids),
                    amount=assignment.currency_id.format(assignment.amount_assigned),
                    log=log.id,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _recovery_record_recall(self):
        """Per recalled assignment: a sealed recall log, the end of its data sharing, a chatter note."""
        assignments = self.sudo()
        if not assignments:
            return
        now = fields.Datetime.now()
        texts = {assignment.id: assignment._company_lang()._recall_text() for assignment in assignments}
        logs = self._create_handover_logs(assignments, texts, now)
        assignments.sharing_ids.filtered(lambda sharing: not sharing.ended_on).write({"ended_on": now})
        # The page's links the agency may have seen (in the chatter, in its own logs) die with the
        # assignment: the store's next message carries a new one.
        links = (
            self.env["credit.recovery.portal.token"]
            .sudo()
            .search([("debtor_id", "in", assignments.debtor_id.ids), ("state", "=", "active")])
        )
        links.write({"state": "revoked", "revoked_by_id": self.env.uid, "revoked_on": now})
        for debtor in links.debtor_id:
            debtor.message_post(
                body=self.env._("The personal link of the self-service page was revoked."),
                subtype_xmlid="mail.mt_note",
            )
        reasons = dict(self._fields["recall_reason"]._description_selection(self.env))
        for assignment, log in zip(assignments, logs, strict=True):
            assignment.recall_log_id = log
            assignment.debtor_id.message_post(
                body=self.env._(
                    "Recalled from the collection agency %(agency)s (%(reason)s): its users no longer see this "
                    "customer's data (sealed log #%(log)s).",
                    agency=assignment.agency_id.name,
                    reason=reasons.get(assignment.recall_reason, ""),
                    log=log.id,
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _create_handover_logs(self, assignments, texts, now):
        """One sealed ``agency`` log per assignment, in the order of ``assignments``."""
        return (
            self.env["credit.recovery.contact"]
            .sudo()
            .create(
                [
                    {
                        "partner_id": assignment.debtor_id.partner_id.id,
                        "company_id": assignment.company_id.id,
                        "channel": AGENCY_CHANNEL,
                        "direction": INTERNAL_DIRECTION,
                        "user_id": self.env.uid,
                        "date": now,
                        "notes": texts[assignment.id],
                    }
                    for assignment in assignments
                ]
            )
        )

    def _company_lang(self):
        """This assignment in its company's language: the sealed text is read by the company's people."""
        self.ensure_one()
        return self.with_context(lang=self.company_id.partner_id.lang or self.env.lang)

    def _handover_text(self):
        """What was handed (each installment, its due date and open amount), to whom, by whom, when."""
        self.ensure_one()
        currency = self.currency_id
        installments = "; ".join(
            self.env._(
                "%(invoice)s, due %(due)s, open %(amount)s",
                invoice=move.name,
                due=format_date(self.env, move.invoice_date_due),
                amount=currency.format(move.amount_residual),
            )
            for move in self.invoice_ids.sorted(lambda move: (move.invoice_date_due or fields.Date.today(), move.id))
        )
        return self.env._(
            "Handed to the collection agency %(agency)s (partner #%(partner)s, contract %(contract)s) by %(user)s, "
            "from %(start)s until %(recall)s. Installments handed: %(installments)s. Total overdue handed: "
            "%(amount)s. Data shared with the agency: %(categories)s.",
            agency=self.agency_id.name,
            partner=self.agency_id.partner_id.id,
            contract=self.agency_id.contract_ref or "-",
            user=self.env.user.name,
            start=format_date(self.env, self.date_start),
            recall=format_date(self.env, self.date_recall),
            installments=installments or "-",
            amount=currency.format(self.amount_assigned),
            categories=self.env["credit.recovery.agency.sharing"]._categories_text().replace("\n", "; "),
        )

    def _recall_text(self):
        """Whom the debtor was taken back from, why, by whom, when; the agency's access ends."""
        self.ensure_one()
        reasons = dict(self._fields["recall_reason"]._description_selection(self.env))
        return self.env._(
            "Recalled from the collection agency %(agency)s (partner #%(partner)s) on %(date)s by %(user)s: "
            "%(reason)s. Assigned on %(start)s with %(amount)s overdue. The agency's access to the customer's "
            "data ends now.",
            agency=self.agency_id.name,
            partner=self.agency_id.partner_id.id,
            date=format_date(self.env, self.recalled_on),
            user=self.env.user.name,
            reason=reasons.get(self.recall_reason, ""),
            start=format_date(self.env, self.date_start),
            amount=self.currency_id.format(self.amount_assigned),
        )
