"""The dossier's agency section: who collected the debt, and when (issue 25)."""

from odoo import api, models


class ReportCreditRecoveryDossier(models.AbstractModel):
    _inherit = "report.account_credit_recovery.report_dossier"

    @api.model
    def _get_dossier_agency(self, debtor):
        """``{"agency_assignments": [...]}``: the debtor's assignments to collection agencies, oldest
        first, with their sealed hand-over and recall logs (those logs are in the dossier's contact
        logs, which its digest covers)."""
        assignments = debtor.sudo().agency_assignment_ids.sorted(
            lambda assignment: (assignment.date_start, assignment.id)
        )
        reasons = dict(assignments._fields["recall_reason"]._description_selection(self.env))
        return {
            "agency_assignments": [
                {
                    "agency": assignment.agency_id.name,
                    "contract": assignment.agency_id.contract_ref or "",
                    "start": assignment.date_start,
                    "recall": assignment.date_recall,
                    "recalled_on": assignment.recalled_on,
                    "reason": reasons.get(assignment.recall_reason, ""),
                    "amount": assignment.amount_assigned,
                    "installments": ", ".join(assignment.invoice_ids.mapped("name")),
                    "user": assignment.user_id.name or "",
                    "logs": [log.id for log in assignment.handover_log_id | assignment.recall_log_id],
                }
                for assignment in assignments
            ]
        }
