"""The assignment workflow's launchers and schedule: the managers' *Assign to agency* and *Recall*
buttons, and the daily recall of the assignments whose date has come or whose debtor owes
nothing any more."""

from odoo import api, fields, models
from odoo.tools import SQL

RECALL_BATCH = 500


class CreditRecoveryAgencyAssignment(models.Model):
    _inherit = "credit.recovery.agency.assignment"

    def action_recall(self):
        """*Recall* (Collection Managers): the agency loses the debtor now."""
        self.env["credit.recovery.debtor"]._recovery_check_agency_manager()
        recalled = self._recovery_recall("manual")
        return self._recall_notification(recalled)

    @api.model
    def _recall_notification(self, recalled):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s debtor(s) taken back from their agency.", count=len(recalled)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_recall(self, limit=RECALL_BATCH):
        """Daily: recall the active assignments whose debtor owes nothing any more (``paid``) or
        whose recall date has come (``scheduled``). Batches locked ``SKIP LOCKED``."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.id, %(paid)s
                  FROM credit_recovery_agency_assignment a
                 WHERE a.state = 'active' AND (a.date_recall <= %(today)s OR %(paid)s)
                 ORDER BY a.id
                 LIMIT %(limit)s
                   FOR UPDATE OF a SKIP LOCKED
                """,
                paid=self._owes_nothing_sql(),
                today=today,
                limit=limit,
            )
        )
        assignments = self.sudo().browse(row[0] for row in rows)
        paid = {row[0] for row in rows if row[1]}
        assignments.filtered(lambda assignment: assignment.id in paid)._recovery_recall("paid", on_date=today)
        assignments.filtered(lambda assignment: assignment.id not in paid)._recovery_recall("scheduled", on_date=today)
        remaining = 0
        if len(rows) == limit:
            remaining = self.env.execute_query(
                SQL(
                    """SELECT COUNT(*) FROM credit_recovery_agency_assignment a
                        WHERE a.state = 'active' AND (a.date_recall <= %(today)s OR %(paid)s)""",
                    paid=self._owes_nothing_sql(),
                    today=today,
                )
            )[0][0]
        self.env["ir.cron"]._notify_progress(done=len(rows), remaining=remaining)

    @api.model
    def _owes_nothing_sql(self):
        """True when the assignment's debtor (alias ``a``) has no open receivable left."""
        return SQL(
            """NOT EXISTS (SELECT 1 FROM account_move m
                             JOIN account_move_line l ON l.move_id = m.id
                             JOIN account_account acc ON acc.id = l.account_id
                            WHERE m.recovery_debtor_id = a.debtor_id AND m.state = 'posted'
                              AND acc.account_type = 'asset_receivable' AND NOT l.reconciled
                              AND l.amount_residual > 0)"""
        )


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    def action_recall_agency(self):
        """*Recall* on the debtor (Collection Managers): its active assignment ends now."""
        self._recovery_check_agency_manager()
        recalled = self.agency_assignment_id._recovery_recall("manual")
        return self.env["credit.recovery.agency.assignment"]._recall_notification(recalled)

    def action_assign_agency(self):
        """*Assign to agency* for these debtors (Collection Managers)."""
        self._recovery_check_agency_manager()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_agency_assign"
        )
        action["context"] = {"default_debtor_ids": self.ids, "default_mode": "selected"}
        return action


class CreditRecoveryAgency(models.Model):
    _inherit = "credit.recovery.agency"

    def action_assign_debtors(self):
        """*Assign Debtors* on the agency's form: the wizard, on a filter of debtors."""
        self.ensure_one()
        self.env["credit.recovery.debtor"]._recovery_check_agency_manager()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_agency_assign"
        )
        action["context"] = {
            "default_agency_id": self.id,
            "default_company_id": self.company_id.id,
            "default_mode": "filter",
        }
        return action
