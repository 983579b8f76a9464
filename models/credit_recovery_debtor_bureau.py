from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.business_days import BusinessCalendar


class CreditRecoveryDebtor(models.Model):
    """The debtor's credit-bureau lifecycle: prior notice (CDC art. 43 §2), listing, removal
    request within 5 business days of full payment (STJ Súmula 548), removal."""

    _inherit = "credit.recovery.debtor"

    bureau_state = fields.Selection(
        [
            ("notified", "Prior notice sent"),
            ("listed", "Listed"),
            ("removal_requested", "Removal requested"),
            ("removed", "Removed"),
        ],
        string="Credit Bureau",
        readonly=True,
        tracking=True,
        help="Credit-bureau lifecycle: prior notice (CDC art. 43 §2), listing, removal request within "
        "5 business days of full payment (STJ Súmula 548), removal.",
    )
    bureau_removal_deadline = fields.Date(string="Removal Deadline", readonly=True, tracking=True)
    bureau_notice_date = fields.Date(
        string="Prior Notice Sent On",
        readonly=True,
        tracking=True,
        help="Date of the written prior notice (CDC art. 43 §2).",
    )
    bureau_listed_date = fields.Date(string="Listed On", readonly=True, tracking=True)
    bureau_removed_date = fields.Date(string="Removed On", readonly=True, tracking=True)
    bureau_removal_late = fields.Boolean(
        string="Removal Overdue",
        compute="_compute_bureau_removal_late",
        search="_search_bureau_removal_late",
        help="The debt is paid and the removal deadline (5 business days, STJ Súmula 548) has passed.",
    )

    @api.depends("bureau_state", "bureau_removal_deadline")
    def _compute_bureau_removal_late(self):
        today = fields.Date.context_today(self)
        for debtor in self:
            debtor.bureau_removal_late = bool(
                debtor.bureau_state == "removal_requested"
                and debtor.bureau_removal_deadline
                and debtor.bureau_removal_deadline < today
            )

    def _search_bureau_removal_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        domain = [
            ("bureau_state", "=", "removal_requested"),
            ("bureau_removal_deadline", "<", fields.Date.context_today(self)),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_bureau_listed(self):
        """The credit bureau confirmed the listing (after the prior notice)."""
        self._check_bureau_manager()
        wrong = self.filtered(lambda debtor: debtor.bureau_state != "notified")
        if wrong:
            raise UserError(
                self.env._(
                    "Only customers who received the prior notice (CDC art. 43 §2) can be listed: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )
        self.sudo().write({"bureau_state": "listed", "bureau_listed_date": fields.Date.context_today(self)})
        return True

    def action_bureau_removed(self):
        """The credit bureau confirmed the removal."""
        self._check_bureau_manager()
        wrong = self.filtered(lambda debtor: debtor.bureau_state not in ("listed", "removal_requested"))
        if wrong:
            raise UserError(
                self.env._(
                    "These customers are not listed with the credit bureau: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )
        self.sudo().write({"bureau_state": "removed", "bureau_removed_date": fields.Date.context_today(self)})
        self.activity_feedback(["account_credit_recovery.activity_type_bureau_removal"])
        return True

    def _recovery_record_bureau_notice(self):
        """The prior notice of CDC art. 43 §2 went out today (an e-mail sent, a letter posted):
        record it, unless a notice or a listing is already running. Returns whether it did."""
        self.ensure_one()
        if self.bureau_state not in (False, "removed"):
            return False
        self.sudo().write({"bureau_state": "notified", "bureau_notice_date": fields.Date.context_today(self)})
        return True

    def _check_bureau_manager(self):
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can record credit-bureau listings and removals."))

    def _get_past_due_debtor_ids(self, today):
        """Ids of these debtors with a receivable installment unpaid past its due date, read on
        the journal items (agreement entries included; the stored aggregates may be a day old)."""
        if not self:
            return set()
        self.env["account.move.line"].flush_model(["move_id", "account_id", "reconciled", "amount_residual"])
        self.env["account.move"].flush_model(["recovery_debtor_id", "state"])
        return {
            debtor_id
            for (debtor_id,) in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT move.recovery_debtor_id
                      FROM account_move_line line
                      JOIN account_move move ON move.id = line.move_id
                      JOIN account_account account ON account.id = line.account_id
                     WHERE move.recovery_debtor_id = ANY(%(debtors)s) AND move.state = 'posted'
                       AND account.account_type = 'asset_receivable' AND NOT line.reconciled
                       AND line.amount_residual > 0 AND line.date_maturity < %(today)s
                    """,
                    debtors=self.ids,
                    today=today,
                )
            )
        }

    def _bureau_start_removal(self, today=None):
        """Listed debtors who paid: the removal must be requested within 5 business days of the
        payment (STJ Súmula 548). An activity is due on the deadline; past it the debtor shows a warning.

        A debtor with an installment still unpaid past its due date (an invoice's, an agreement's)
        stays listed: the listing is the debtor's, not one invoice's. A new sale not yet due is
        no debt in default and does not delay the removal. An agreement settles the invoices in the
        books but is no payment: its debtor stays listed until the agreement receives the payments
        the policy asks for before the credit comes back (``credit_restore_on``), and the 5 business
        days count from the day of that payment, not from the confirmation or from this check.
        """
        today = today or fields.Date.context_today(self)
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        listed = self.filtered(lambda debtor: debtor.bureau_state == "listed")
        in_default = listed._get_past_due_debtor_ids(today)
        payments = listed._get_agreement_payments()
        for debtor in listed.filtered(lambda debtor: debtor.id not in in_default):
            pending, restored_on = payments.get(debtor.id, (False, None))
            if pending:
                continue
            paid_on = today
            if restored_on and restored_on <= today and restored_on >= (debtor.bureau_listed_date or restored_on):
                paid_on = restored_on
            policy = policies.get(debtor.company_id.id)
            calendar = policy._get_business_calendar() if policy else BusinessCalendar()
            deadline = calendar.add_business_days(paid_on, 5)
            debtor.sudo().write({"bureau_state": "removal_requested", "bureau_removal_deadline": deadline})
            debtor.activity_schedule(
                "account_credit_recovery.activity_type_bureau_removal",
                date_deadline=deadline,
                summary=self.env._("Request the removal from the credit bureau (STJ Súmula 548)"),
                user_id=debtor._get_collection_responsible().id,
            )
