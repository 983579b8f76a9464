"""The debtor's side of agency assignments: the active one, and the two workflow steps that start
and end it (checked here, then written with ``sudo``)."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    agency_assignment_id = fields.Many2one(
        "credit.recovery.agency.assignment",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
    agency_id = fields.Many2one(
        related="agency_assignment_id.agency_id", string="Collection Agency", store=True, index="btree_not_null"
    )
    agency_assignment_ids = fields.One2many("credit.recovery.agency.assignment", "debtor_id", string="Agency History")

    def _recovery_check_agency_manager(self):
        if not self.env.su and not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager assigns debtors to an agency or recalls them."))

    def _recovery_assign_agency(self, agency, date_recall, date_start=None):
        """Hand these debtors to ``agency`` until ``date_recall``; returns the new assignments.

        Refuses a debtor already with an agency (one collector at a time), an archived agency or one
        of another company. The overdue installments of each debtor are the ones handed over.
        """
        self._recovery_check_agency_manager()
        date_start = date_start or fields.Date.context_today(self)
        if date_recall < date_start:
            raise UserError(self.env._("The recall date must be on or after the assignment date."))
        agency = agency.sudo()
        if not agency.active:
            raise UserError(self.env._("The agency %(agency)s is archived.", agency=agency.name))
        busy = self.filtered("agency_assignment_id")
        if busy:
            raise UserError(
                self.env._(
                    "Already with an agency: %(debtors)s. Recall them first.",
                    debtors=", ".join(busy.mapped("partner_id.display_name")),
                )
            )
        other = self.filtered(lambda debtor: debtor.company_id != agency.company_id)
        if other:
            raise UserError(self.env._("The agency works for another company than these debtors."))
        debtors = self.sudo()
        vals_list = [
            {
                "agency_id": agency.id,
                "debtor_id": debtor.id,
                "company_id": debtor.company_id.id,
                "user_id": self.env.uid,
                "date_start": date_start,
                "date_recall": date_recall,
                "invoice_ids": [fields.Command.set(debtor.open_invoice_ids.filtered("recovery_days_overdue").ids)],
                "amount_assigned": debtor.amount_overdue,
            }
            for debtor in debtors
        ]
        assignments = self.env["credit.recovery.agency.assignment"].sudo().create(vals_list)
        for assignment in assignments:
            assignment.debtor_id.agency_assignment_id = assignment
        return assignments


class CreditRecoveryAgencyAssignment(models.Model):
    _inherit = "credit.recovery.agency.assignment"

    def _recovery_recall(self, reason, on_date=None):
        """End these assignments (``reason`` one of ``RECALL_REASONS``): the agency loses the debtors."""
        if reason == "manual":
            self.env["credit.recovery.debtor"]._recovery_check_agency_manager()
        active = self.sudo().filtered(lambda assignment: assignment.state == "active")
        active.write(
            {"state": "recalled", "recalled_on": on_date or fields.Date.context_today(self), "recall_reason": reason}
        )
        debtors = active.debtor_id.filtered(lambda debtor: debtor.agency_assignment_id in active)
        debtors.agency_assignment_id = False
        return active
