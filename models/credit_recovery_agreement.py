from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import formatLang

from ..tools import negotiation
from .common import AGREEMENT_WORKFLOW_FIELDS, DEBT_FIELDS, MANAGER_GROUP, NO_PROFILE, PERIODICITIES, TERM_FIELDS


class CreditRecoveryAgreement(models.Model):
    """A negotiated agreement: the open invoices are settled by one journal entry that
    opens one receivable item per installment, inside the debtor profile's limits or
    approved by a manager.

    Same model, one file per concern: this one (fields, terms, workflow actions), the debt it
    is on (``credit_recovery_agreement_debt``), its journal entry and daily check
    (``credit_recovery_agreement_entry``).
    """

    _name = "credit.recovery.agreement"
    _description = "Collection Agreement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(default=lambda self: self.env._("New"), readonly=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("active", "Active"),
            ("done", "Done"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    partner_id = fields.Many2one("res.partner", string="Debtor", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    debtor_id = fields.Many2one("credit.recovery.debtor", string="Collection Record", index=True)
    partner_vat = fields.Char(related="partner_id.vat", string="Debtor's CPF/CNPJ")
    profile_id = fields.Many2one("credit.recovery.profile", string="Debtor Profile")
    user_id = fields.Many2one("res.users", string="Agent", default=lambda self: self.env.user, tracking=True)
    invoice_ids = fields.Many2many(
        "account.move", "credit_recovery_agreement_move_rel", "agreement_id", "move_id", string="Invoices", copy=False
    )
    negotiation_date = fields.Date(required=True, default=fields.Date.context_today)
    principal = fields.Monetary(help="Open principal of the invoices on the negotiation date.")
    fine = fields.Monetary()
    interest = fields.Monetary()
    discount_charges_percent = fields.Float(string="Discount on Fine and Interest (%)", digits=(5, 2), tracking=True)
    discount_principal_percent = fields.Float(string="Discount on Principal (%)", digits=(5, 2), tracking=True)
    discount_charges = fields.Monetary(string="Discount on Fine and Interest", compute="_compute_totals")
    discount_principal = fields.Monetary(string="Discount on Principal", compute="_compute_totals")
    total = fields.Monetary(string="Negotiated Total", compute="_compute_totals")
    down_payment = fields.Monetary(tracking=True)
    installments = fields.Integer(default=1, tracking=True)
    periodicity = fields.Selection(PERIODICITIES, default="monthly", required=True)
    first_due = fields.Date(string="First Installment", tracking=True)
    line_ids = fields.One2many("credit.recovery.agreement.line", "agreement_id", string="Schedule", copy=False)
    violations = fields.Text(string="Limits Exceeded", compute="_compute_violations")
    within_limits = fields.Boolean(compute="_compute_violations")
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    rejection_reason = fields.Text(copy=False, help="Filled in by the manager who rejects the agreement.")
    move_id = fields.Many2one("account.move", string="Agreement Entry", readonly=True, copy=False)
    reversal_move_id = fields.Many2one("account.move", string="Reversal Entry", readonly=True, copy=False)
    broken_date = fields.Date(readonly=True, copy=False)
    done_date = fields.Date(readonly=True, copy=False)
    checked_date = fields.Date(readonly=True, copy=False, help="Last day the daily check looked at the agreement.")

    @api.depends("principal", "fine", "interest", "discount_charges_percent", "discount_principal_percent")
    def _compute_totals(self):
        for agreement in self:
            proposal = agreement._get_proposal()
            on_charges, on_principal = proposal.discounts(agreement.currency_id.decimal_places)
            agreement.discount_charges = float(on_charges)
            agreement.discount_principal = float(on_principal)
            agreement.total = float(proposal.total(agreement.currency_id.decimal_places))

    @api.depends(
        "principal",
        "fine",
        "interest",
        "discount_charges_percent",
        "discount_principal_percent",
        "down_payment",
        "installments",
        "first_due",
        "profile_id",
        "negotiation_date",
    )
    def _compute_violations(self):
        for agreement in self:
            codes = agreement._get_violations()
            agreement.violations = "\n".join(agreement._violation_messages(codes))
            agreement.within_limits = not codes

    @api.constrains(
        "discount_charges_percent",
        "discount_principal_percent",
        "down_payment",
        "installments",
        "first_due",
        "invoice_ids",
    )
    def _check_terms(self):
        for agreement in self.filtered(lambda agreement: agreement.state in ("draft", "to_approve")):
            messages = {
                "negative": self.env._("Discounts and the down payment cannot be negative."),
                "percent": self.env._("A discount cannot exceed 100 %."),
                "installments": self.env._("An agreement has at least one installment."),
                "first_due_past": self.env._("The first installment cannot be due before the negotiation date."),
                "total": self.env._("There is nothing left to pay: the negotiated total must be more than zero."),
                "down_payment_total": self.env._("The down payment cannot exceed the negotiated total."),
            }
            errors = negotiation.input_errors(agreement._get_proposal(), agreement.negotiation_date)
            if errors:
                raise ValidationError("\n".join(messages[code] for code in errors))
            agreement._check_negotiable_invoices(agreement.invoice_ids, agreement.partner_id)

    @api.model_create_multi
    def create(self, vals_list):
        """Whoever calls, the debt, the profile and the schedule are the server's.

        The client sends the invoices and the terms; values it sends for the debt or the
        profile must be the ones the server computes, and the workflow's fields (state,
        approver, entries) are refused: a direct ``create`` is a negotiation like the wizard's.
        """
        agreements = super().create([self._prepare_create_vals(vals) for vals in vals_list])
        agreements._build_schedule()
        return agreements

    def write(self, vals):
        if not self.env.su:
            self._check_client_vals(vals)
        if set(TERM_FIELDS) & set(vals):
            self._check_terms_editable()
        res = super().write(vals)
        if set(TERM_FIELDS) & set(vals):
            self._build_schedule()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if self.filtered(lambda agreement: agreement.state not in ("draft", "cancelled")):
            raise UserError(
                self.env._("A submitted or confirmed agreement is kept as evidence: cancel it instead of deleting it.")
            )

    def action_confirm(self):
        """Confirm inside the limits (or as a manager, which approves it); else submit for approval."""
        for agreement in self:
            if agreement.state != "draft":
                continue
            agreement._check_no_open_agreement(agreement.invoice_ids, exclude=agreement)
            if not agreement.within_limits and not self.env.user.has_group(MANAGER_GROUP):
                raise UserError(
                    self.env._(
                        "This proposal is beyond the limits of the %(profile)s profile:\n%(violations)s\n"
                        "Submit it for approval instead: a Collection Manager will decide.",
                        profile=agreement.profile_id.name or "",
                        violations=agreement.violations,
                    )
                )
            if not agreement.within_limits:
                agreement._write_workflow({"approved_by_id": self.env.user.id})
            agreement._activate()
        return True

    def action_submit(self):
        """Submit for a manager's approval: the terms and the schedule are frozen from now on.
        The agent is told who decides (a notification), the chatter keeps it."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        submitted = self.filtered(lambda agreement: agreement.state == "draft")
        managers = self.env["res.users"]
        for agreement in submitted:
            agreement._check_negotiable_invoices(agreement.invoice_ids, agreement.partner_id)
            agreement._check_no_open_agreement(agreement.invoice_ids, exclude=agreement)
            agreement._write_workflow({"state": "to_approve"})
            manager = agreement._get_approver()
            managers |= manager
            agreement.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Approve or reject the agreement %(name)s", name=agreement.name),
                note=agreement.violations,
                user_id=manager.id,
            )
            agreement.message_post(
                body=self.env._("Submitted for approval to %(manager)s.", manager=manager.name),
                subtype_xmlid="mail.mt_note",
            )
        if not submitted:
            return True
        return self._notify_done(
            self.env._("Submitted for approval"),
            self.env._(
                "%(names)s went to %(managers)s for approval. The terms are frozen; you will see the decision here.",
                names=", ".join(submitted.mapped("name")),
                managers=", ".join(managers.mapped("name")),
            ),
        )

    def action_approve(self):
        self._check_manager()
        approved = self.filtered(lambda agreement: agreement.state == "to_approve")
        for agreement in approved:
            agreement._write_workflow({"approved_by_id": self.env.user.id})
            agreement.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Approved"))
            agreement._activate()
        if not approved:
            return True
        return self._notify_done(
            self.env._("Agreement approved"),
            self.env._(
                "%(names)s approved and confirmed: the invoices are settled and the installments are open.",
                names=", ".join(approved.mapped("name")),
            ),
        )

    def action_reject(self, reason=None):
        self._check_manager()
        for agreement in self.filtered(lambda agreement: agreement.state == "to_approve"):
            reason = (reason or agreement.rejection_reason or "").strip()
            if not reason:
                raise UserError(self.env._("Say why the agreement is rejected: the agent will tell the customer."))
            agreement._write_workflow({"state": "cancelled", "rejection_reason": reason})
            agreement.activity_feedback(["mail.mail_activity_data_todo"], feedback=reason)
            agreement.message_post(body=self.env._("Rejected: %(reason)s", reason=reason))
        return True

    def action_cancel(self):
        """Cancel; an active agreement's entry is reversed and the original debt comes back."""
        if self.filtered(lambda agreement: agreement.state in ("active", "broken")):
            self._check_manager()
        for agreement in self:
            if agreement.state in ("done", "cancelled"):
                continue
            if agreement.state in ("active", "broken") and agreement.move_id:
                if any(line.paid or line.move_line_id.matched_credit_ids for line in agreement.line_ids):
                    raise UserError(
                        self.env._(
                            "Payments were already received on %(name)s: unreconcile them first, or let the "
                            "agreement break.",
                            name=agreement.name,
                        )
                    )
                entry = agreement.move_id.sudo()
                entry.line_ids.remove_move_reconcile()
                reversal = entry._reverse_moves(
                    [{"ref": self.env._("Cancellation of %(name)s", name=agreement.name)}], cancel=True
                )
                agreement._write_workflow({"reversal_move_id": reversal.id})
            agreement._write_workflow({"state": "cancelled"})
            agreement.message_post(body=self.env._("Agreement cancelled: the original debt is due again."))
        return True

    def action_register_payment(self):
        self.ensure_one()
        lines = self.line_ids.move_line_id.filtered(lambda line: not line.reconciled).sorted("date_maturity")
        if not lines:
            raise UserError(self.env._("Nothing is left to pay on %(name)s.", name=self.name))
        return {
            "name": self.env._("Register Payment"),
            "type": "ir.actions.act_window",
            "res_model": "account.payment.register",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "account.move.line", "active_ids": lines[:1].ids},
        }

    def action_print_terms(self):
        return self.env.ref("account_credit_recovery.action_report_agreement_terms").report_action(self)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _get_proposal(self):
        self.ensure_one()
        return negotiation.Proposal.from_terms(self)

    def _get_violations(self):
        self.ensure_one()
        profile = self.profile_id
        if not profile:
            return [NO_PROFILE]
        if self.installments < 1:
            return []
        limits = negotiation.Limits(
            Decimal(str(profile.max_discount_interest_percent)),
            Decimal(str(profile.max_discount_principal_percent)),
            profile.max_installments,
            Decimal(str(profile.min_installment_amount)),
            Decimal(str(profile.min_down_payment_percent)),
            profile.max_first_installment_days,
        )
        return negotiation.limit_violations(self._get_proposal(), limits, self.negotiation_date)

    def _violation_messages(self, codes):
        profile = self.profile_id
        messages = {
            NO_PROFILE: self.env._("The debtor has no profile: a manager must approve the agreement"),
            negotiation.DISCOUNT_CHARGES: self.env._(
                "Discount on fine and interest above %(max)s %%",
                max=self._format_number(profile.max_discount_interest_percent),
            ),
            negotiation.DISCOUNT_PRINCIPAL: self.env._(
                "Discount on principal above %(max)s %%",
                max=self._format_number(profile.max_discount_principal_percent),
            ),
            negotiation.INSTALLMENTS: self.env._("More than %(max)s installments", max=profile.max_installments),
            negotiation.MIN_INSTALLMENT: self.env._(
                "Installments below %(min)s", min=self.currency_id.format(profile.min_installment_amount)
            ),
            negotiation.DOWN_PAYMENT: self.env._(
                "Down payment below %(min)s %% of the total", min=self._format_number(profile.min_down_payment_percent)
            ),
            negotiation.FIRST_DUE: self.env._(
                "First installment more than %(days)s days away", days=profile.max_first_installment_days
            ),
        }
        return [messages[code] for code in codes]

    def _prepare_schedule_lines_vals(self):
        """Values of the schedule lines the terms give (the down payment first), or ``[]`` for
        terms no proposal may have (the constraint says why)."""
        self.ensure_one()
        proposal = self._get_proposal()
        if negotiation.input_errors(proposal, self.negotiation_date):
            return []
        calendar = self._get_policy()._get_business_calendar()
        lines = negotiation.schedule(proposal, self.negotiation_date, calendar, self.currency_id.decimal_places)
        has_down = bool(proposal.down_payment)
        vals_list = []
        for index, (due, amount) in enumerate(lines):
            is_down = has_down and index == 0
            number = index if has_down else index + 1
            vals_list.append(
                {
                    "sequence": index,
                    "name": self.env._("Down payment")
                    if is_down
                    else self.env._("Installment %(number)s/%(count)s", number=number, count=self.installments),
                    "date_due": due,
                    "amount": float(amount),
                    "is_down_payment": is_down,
                }
            )
        return vals_list

    def _build_schedule(self):
        """(Re)write the schedule lines of draft agreements from their terms (the server's only)."""
        for agreement in self.filtered(lambda agreement: agreement.state == "draft"):
            vals_list = agreement._prepare_schedule_lines_vals()
            if vals_list:
                agreement.sudo().line_ids = [Command.clear()] + [Command.create(vals) for vals in vals_list]

    def _check_schedule(self):
        """Refuse to activate a schedule other than the one the terms give."""
        for agreement in self:
            currency = agreement.currency_id
            expected = [
                (vals["date_due"], currency.round(vals["amount"]), vals["is_down_payment"])
                for vals in agreement._prepare_schedule_lines_vals()
            ]
            actual = [
                (line.date_due, currency.round(line.amount), line.is_down_payment)
                for line in agreement.line_ids.sorted("sequence")
            ]
            if not expected or actual != expected:
                raise UserError(
                    self.env._(
                        "The schedule of %(name)s no longer matches its terms: it cannot be confirmed. Cancel it "
                        "and negotiate again.",
                        name=agreement.name,
                    )
                )

    def _get_policy(self):
        self.ensure_one()
        policy = self.env["credit.recovery.policy"]._get_company_policies(self.company_id).get(self.company_id.id)
        if not policy:
            raise UserError(
                self.env._("The company %(company)s has no collection policy.", company=self.company_id.name)
            )
        return policy

    def _get_approver(self):
        policy = self._get_policy()
        if policy.dispute_manager_id:
            return policy.dispute_manager_id
        group = self.env.ref(MANAGER_GROUP)
        return (
            group.users.filtered(lambda user: self.company_id in user.company_ids and not user.share)[:1]
            or self.env.user
        )

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a Collection Manager can approve, reject or cancel a confirmed agreement.")
            )

    def _notify_done(self, title, message):
        """A confirmation for the user who clicked, then the form reloads (its new state shows)."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _format_number(self, value, digits=1):
        """``value`` in the user's language (``50,0`` in pt_BR)."""
        env = self.with_context(lang=self.env.lang or self.env.user.lang).env
        return formatLang(env, value, digits=digits)

    def _format_percent(self, value):
        """``value`` as a percentage in the user's language (``50,0 %`` in pt_BR)."""
        return f"{self._format_number(value)} %"

    def _check_client_vals(self, vals):
        """Refuse what only the server sets: the debt, the profile, the workflow, the schedule."""
        if {*DEBT_FIELDS, "invoice_ids"} & set(vals):
            raise AccessError(
                self.env._("The debt and the profile of an agreement come from the negotiation: negotiate again.")
            )
        if set(AGREEMENT_WORKFLOW_FIELDS) & set(vals):
            raise AccessError(
                self.env._(
                    "The number, state, approver and entries of an agreement are set by its buttons (Confirm, "
                    "Submit for Approval, Approve, Reject, Cancel): use them."
                )
            )
        if "line_ids" in vals:
            raise AccessError(
                self.env._(
                    "The schedule of an agreement is computed from the terms: change the terms of the draft "
                    "agreement instead."
                )
            )

    def _check_terms_editable(self):
        """The terms can change while the agreement is a draft; from submission they are frozen."""
        submitted = self.filtered(lambda agreement: agreement.state == "to_approve")
        if submitted:
            raise UserError(
                self.env._(
                    "%(names)s was submitted for approval: its terms cannot be changed any more. Ask a Collection "
                    "Manager to reject it, then negotiate again.",
                    names=", ".join(submitted.mapped("name")),
                )
            )
        if self.filtered(lambda agreement: agreement.state != "draft"):
            raise UserError(
                self.env._("An active or closed agreement cannot be changed: cancel it and negotiate again.")
            )

    def _write_workflow(self, vals):
        """Write the values only the workflow sets, after the calling action's own checks."""
        return self.sudo().write(vals)

    def _message_compute_author(self, author_id=None, email_from=None, raise_on_email=True):
        """An agent without an e-mail address still confirms and submits agreements: the
        messages keep the agent as author and go out from the company's address (its own, else
        its catchall), else the system's default sender; never a refusal."""
        del raise_on_email  # asked of the parent never to raise; the fallbacks follow
        author_id, email_from = super()._message_compute_author(author_id, email_from, raise_on_email=False)
        if not email_from:
            company = self.company_id[:1] or self.env.company
            email_from = company.email_formatted or self.env["ir.mail_server"].sudo()._get_default_from_address()
        return author_id, email_from or False
