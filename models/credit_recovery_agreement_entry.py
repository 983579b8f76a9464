from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .common import AGREEMENT_BATCH


class CreditRecoveryAgreement(models.Model):
    """The agreement's journal entry and its life: on confirmation the entry is built
    (``_prepare_move_vals``), posted and reconciled with the invoices (``_reconcile_move``);
    every day the active agreements are checked: paid (done) or late (broken)."""

    _inherit = "credit.recovery.agreement"

    def _activate(self):
        """Post the agreement entry: settle the invoices, open one receivable item per installment.

        The callers (``action_confirm``, ``action_approve``) checked who may confirm; this checks
        what is confirmed: inside the limits or approved, the schedule its terms give, invoices
        under no other agreement.
        """
        for agreement in self:
            if agreement.state not in ("draft", "to_approve"):
                raise UserError(self.env._("%(name)s is already confirmed or closed.", name=agreement.name))
            if not agreement.within_limits and not agreement.approved_by_id:
                raise UserError(
                    self.env._(
                        "%(name)s is beyond the limits of its profile: a Collection Manager must approve it.",
                        name=agreement.name,
                    )
                )
            agreement._check_no_open_agreement(agreement.invoice_ids, exclude=agreement)
            agreement._check_schedule()
            policy = agreement._get_policy()
            journal = policy.agreement_journal_id
            income, expense = policy.agreement_income_account_id, policy.agreement_discount_account_id
            if not (journal and income and expense):
                raise UserError(
                    self.env._(
                        "Set the renegotiation journal and the fine/interest and discount accounts on the collection "
                        "policy %(policy)s before confirming agreements.",
                        policy=policy.name,
                    )
                )
            invoices = agreement.invoice_ids
            agreement._check_negotiable_invoices(invoices, agreement.partner_id)
            # The checks above are the business rules; the accounting itself is the system's
            # (collection agents may only read invoices).
            open_lines = invoices.sudo().line_ids.filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled and line.amount_residual > 0
                )
            )
            principal = sum(open_lines.mapped("amount_residual"))
            if agreement.currency_id.compare_amounts(principal, agreement.principal) != 0:
                raise UserError(
                    self.env._(
                        "The open amount of the invoices changed since the negotiation (%(now)s instead of %(then)s): "
                        "negotiate again.",
                        now=agreement.currency_id.format(principal),
                        then=agreement.currency_id.format(agreement.principal),
                    )
                )
            entry = self.env["account.move"].sudo().create(agreement._prepare_move_vals(open_lines, policy))
            entry.action_post()
            agreement._reconcile_move(entry, open_lines)
            agreement._write_workflow({"state": "active", "move_id": entry.id})
            agreement.message_post(
                body=self.env._(
                    "Agreement confirmed: %(total)s in %(count)s payment(s). The signed agreement acknowledges the "
                    "debt and interrupts its prescription (CC art. 202).",
                    total=agreement.currency_id.format(agreement.total),
                    count=len(agreement.line_ids),
                )
            )

    def _prepare_move_vals(self, open_lines, policy):
        """Values of the agreement entry (pure: no write): each open receivable line of the invoices
        is credited, one receivable item per installment is debited (due on its date), the fine and
        interest go to the policy's income account and the discounts to its discount account."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        label = self.env._("Agreement %(name)s", name=self.name)
        line_vals = [
            Command.create(
                {
                    "name": label,
                    "account_id": line.account_id.id,
                    "partner_id": partner.id,
                    "credit": line.amount_residual,
                }
            )
            for line in open_lines
        ]
        receivable = open_lines[:1].account_id
        line_vals += [
            Command.create(
                {
                    "name": f"{label} – {schedule_line.name}",
                    "account_id": receivable.id,
                    "partner_id": partner.id,
                    "debit": schedule_line.amount,
                    "date_maturity": schedule_line.date_due,
                }
            )
            for schedule_line in self.line_ids
        ]
        charges = self.fine + self.interest
        if not self.currency_id.is_zero(charges):
            line_vals.append(
                Command.create(
                    {
                        "name": self.env._("%(label)s – fine and interest", label=label),
                        "account_id": policy.agreement_income_account_id.id,
                        "partner_id": partner.id,
                        "credit": charges,
                    }
                )
            )
        discounts = self.discount_charges + self.discount_principal
        if not self.currency_id.is_zero(discounts):
            line_vals.append(
                Command.create(
                    {
                        "name": self.env._("%(label)s – discounts granted", label=label),
                        "account_id": policy.agreement_discount_account_id.id,
                        "partner_id": partner.id,
                        "debit": discounts,
                    }
                )
            )
        return {
            "move_type": "entry",
            "journal_id": policy.agreement_journal_id.id,
            "company_id": self.company_id.id,
            "date": self.negotiation_date,
            "ref": label,
            "partner_id": partner.id,
            "recovery_agreement_id": self.id,
            "line_ids": line_vals,
        }

    def _reconcile_move(self, entry, open_lines):
        """Settle the invoices' ``open_lines`` with the posted agreement ``entry``, and link each
        installment of the schedule to its receivable item."""
        self.ensure_one()
        receivable = open_lines[:1].account_id
        credit_lines = entry.line_ids.filtered(lambda line: line.credit and line.account_id == receivable)
        for original, settlement in zip(open_lines, credit_lines, strict=True):
            (original | settlement).reconcile()
        debit_lines = entry.line_ids.filtered(lambda line: line.debit and line.account_id == receivable)
        for schedule_line, move_line in zip(self.line_ids.sorted("sequence").sudo(), debit_lines, strict=True):
            schedule_line.move_line_id = move_line

    @api.model
    def _cron_check_agreements(self, limit=AGREEMENT_BATCH):
        """Daily: agreements fully paid are done; an installment unpaid too long breaks one; the
        listed debtor of an agreement that received the payments restoring the credit is due for removal.

        Batches of active agreements not checked today, locked with SKIP LOCKED: the check never
        waits on an agreement another transaction holds (it takes it at the next call), and does
        not rely on Odoo running a cron in one worker at a time.
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        domain = [("state", "=", "active"), "|", ("checked_date", "=", False), ("checked_date", "<", today)]
        query = self._search(domain, order="id", limit=limit)
        rows = self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
        agreements = self.browse(row[0] for row in rows)
        policies = self.env["credit.recovery.policy"]._get_company_policies(agreements.company_id)
        calendars = {policy.id: policy._get_business_calendar() for policy in policies.values()}
        for agreement in agreements:
            lines = agreement.line_ids
            if lines and all(line.paid for line in lines):
                agreement._mark_done(today)
                continue
            policy = policies.get(agreement.company_id.id)
            if not policy:
                continue
            late = lines.filtered(
                lambda line, policy=policy: (
                    not line.paid
                    and calendars[policy.id].add_business_days(line.date_due, max(policy.agreement_break_days, 0))
                    < today
                )
            )
            if late:
                agreement._mark_broken(today, policy)
        # The payment the policy asks for starts the credit-bureau removal (STJ Súmula 548), not the end.
        agreements.filtered(lambda agreement: agreement.state == "active").debtor_id.filtered(
            lambda debtor: debtor.bureau_state == "listed"
        )._bureau_start_removal(today)
        agreements._write_workflow({"checked_date": today})
        remaining = self.search_count(domain) if len(agreements) == limit else 0
        self.env["ir.cron"]._notify_progress(done=len(agreements), remaining=remaining)

    def _mark_done(self, today):
        self.ensure_one()
        self._write_workflow({"state": "done", "done_date": today})
        self.message_post_with_source(
            "account_credit_recovery.mail_template_agreement_done", subtype_xmlid="mail.mt_comment"
        )
        self.debtor_id._bureau_start_removal(today)

    def _mark_broken(self, today, policy):
        self.ensure_one()
        self._write_workflow({"state": "broken", "broken_date": today})
        open_lines = self.line_ids.filtered(lambda line: not line.paid)
        if policy.agreement_break_option == "accelerate":
            open_lines.move_line_id.sudo().write({"date_maturity": today})
        self.message_post(
            body=self.env._(
                "Agreement broken: %(amount)s still due. %(option)s",
                amount=self.currency_id.format(sum(open_lines.mapped("amount_residual"))),
                option=self.env._("The remaining balance is due at once.")
                if policy.agreement_break_option == "accelerate"
                else self.env._("The remaining installments stay as scheduled."),
            )
        )
        self.activity_schedule(
            "account_credit_recovery.activity_type_broken_promise",
            summary=self.env._("Agreement broken: call the customer"),
            user_id=(self.debtor_id.user_id or self.user_id).id,
        )
