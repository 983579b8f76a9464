from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools.misc import format_date

from ..models.common import PERIODICITIES, TERM_FIELDS
from ..tools import negotiation


class CreditRecoveryNegotiation(models.TransientModel):
    """With the customer on the line: pick a prepared proposal, adjust it, see the figures.

    Thin: the updated debt comes from ``credit.recovery.agreement._prepare_agreement_vals``
    (itemised by ``_get_debt_lines``), the schedule preview from the same pure functions the
    agreement uses, and the limits are checked by the agreement itself.
    """

    _name = "credit.recovery.negotiation"
    _description = "Negotiation"

    invoice_ids = fields.Many2many("account.move", string="Invoices", required=True)
    partner_id = fields.Many2one("res.partner", string="Customer", compute="_compute_debt")
    currency_id = fields.Many2one("res.currency", compute="_compute_debt")
    profile_id = fields.Many2one("credit.recovery.profile", compute="_compute_debt")
    principal = fields.Monetary(compute="_compute_debt")
    fine = fields.Monetary(compute="_compute_debt")
    interest = fields.Monetary(compute="_compute_debt")
    debt_total = fields.Monetary(string="Updated Total", compute="_compute_debt")
    debt_html = fields.Html(string="Updated Debt per Installment", compute="_compute_debt", sanitize=False)
    template_id = fields.Many2one(
        "credit.recovery.proposal.template", string="Proposal", domain="[('profile_id', '=', profile_id)]"
    )
    discount_charges_percent = fields.Float(string="Discount on Fine and Interest (%)", digits=(5, 2))
    discount_principal_percent = fields.Float(string="Discount on Principal (%)", digits=(5, 2))
    down_payment = fields.Monetary()
    installments = fields.Integer(default=1)
    periodicity = fields.Selection(PERIODICITIES, default="monthly", required=True)
    first_due = fields.Date(string="First Installment", default=fields.Date.context_today)
    limit_discount_charges = fields.Char(compute="_compute_limits")
    limit_discount_principal = fields.Char(compute="_compute_limits")
    limit_down_payment = fields.Char(compute="_compute_limits")
    limit_installments = fields.Char(compute="_compute_limits")
    limit_first_due = fields.Char(compute="_compute_limits")
    total = fields.Monetary(string="Negotiated Total", compute="_compute_preview")
    schedule_html = fields.Html(string="Schedule Preview", compute="_compute_preview", sanitize=False)
    violations = fields.Text(string="Limits Exceeded", compute="_compute_preview")
    playbook_html = fields.Html(string="Playbook", compute="_compute_playbook", sanitize=False)

    @api.depends("invoice_ids")
    def _compute_debt(self):
        Agreement = self.env["credit.recovery.agreement"]
        for wizard in self:
            invoices = wizard.invoice_ids._origin
            vals = Agreement._prepare_agreement_vals(invoices) if invoices else {}
            wizard.partner_id = vals.get("partner_id")
            wizard.currency_id = invoices.company_id.currency_id[:1] or self.env.company.currency_id
            wizard.profile_id = vals.get("profile_id")
            wizard.principal = vals.get("principal", 0.0)
            wizard.fine = vals.get("fine", 0.0)
            wizard.interest = vals.get("interest", 0.0)
            wizard.debt_total = wizard.principal + wizard.fine + wizard.interest
            wizard.debt_html = wizard._render_debt(invoices) if invoices else False

    @api.depends("profile_id")
    def _compute_limits(self):
        Agreement = self.env["credit.recovery.agreement"]
        for wizard in self:
            profile = wizard.profile_id
            if not profile:
                wizard.update(dict.fromkeys(self._limit_fields(), False))
                continue
            wizard.limit_discount_charges = self.env._(
                "max. %(limit)s", limit=Agreement._format_percent(profile.max_discount_interest_percent)
            )
            wizard.limit_discount_principal = self.env._(
                "max. %(limit)s", limit=Agreement._format_percent(profile.max_discount_principal_percent)
            )
            wizard.limit_down_payment = self.env._(
                "min. %(limit)s of the total", limit=Agreement._format_percent(profile.min_down_payment_percent)
            )
            wizard.limit_installments = self.env._(
                "max. %(count)s, each at least %(amount)s",
                count=profile.max_installments,
                amount=wizard.currency_id.format(profile.min_installment_amount),
            )
            wizard.limit_first_due = self.env._(
                "at most %(days)s days from today", days=profile.max_first_installment_days
            )

    @api.depends("invoice_ids", *TERM_FIELDS)
    def _compute_preview(self):
        for wizard in self:
            preview = wizard._get_preview()
            wizard.total = preview["total"]
            wizard.schedule_html = preview["html"]
            wizard.violations = "\n".join(preview["violations"])

    @api.depends("invoice_ids", "profile_id")
    def _compute_playbook(self):
        for wizard in self:
            invoices = wizard.invoice_ids._origin
            debtor = invoices.recovery_debtor_id[:1]
            reason = debtor.contact_ids.filtered("reason_id").sorted("date")[-1:].reason_id
            stage = invoices.recovery_stage_id.sorted("sequence")[-1:]
            wizard.playbook_html = self.env["credit.recovery.playbook"]._render_for(stage, reason, wizard.profile_id)

    @api.model
    def default_get(self, fields_list):
        """Open on paying everything today (a 100 % down payment): always inside the profile's
        limits, whatever the debt; the agent spreads it from there."""
        defaults = super().default_get(fields_list)
        if "down_payment" in fields_list and "down_payment" not in defaults and defaults.get("invoice_ids"):
            wizard = self.new({"invoice_ids": defaults["invoice_ids"]})
            if wizard.invoice_ids:
                defaults["down_payment"] = wizard._full_payment()
        return defaults

    @api.onchange("installments")
    def _onchange_installments(self):
        """Spreading a payment in full: the down payment becomes the profile's minimum, the rest
        goes to the installments."""
        if (
            self.installments > 1
            and self.currency_id
            and not self.currency_id.compare_amounts(self.down_payment, self._full_payment())
        ):
            self.down_payment = float(
                negotiation.down_payment_for(
                    self._get_proposal(), self.profile_id.min_down_payment_percent, self.currency_id.decimal_places
                )
            )

    @api.onchange("discount_charges_percent", "discount_principal_percent")
    def _onchange_discounts(self):
        """A larger discount lowers the total: a down payment above it (everything paid today)
        becomes the new total."""
        if self.currency_id and self.currency_id.compare_amounts(self.down_payment, self._full_payment()) > 0:
            self.down_payment = self._full_payment()

    @api.onchange("template_id")
    def _onchange_template_id(self):
        template = self.template_id
        if not template:
            return
        self.discount_charges_percent = template.discount_charges_percent
        self.discount_principal_percent = template.discount_principal_percent
        self.down_payment = float(
            negotiation.down_payment_for(
                self._get_proposal(), template.down_payment_percent, self.currency_id.decimal_places
            )
        )
        self.installments = template.installments
        self.periodicity = template.periodicity
        self.first_due = fields.Date.context_today(self) + timedelta(days=template.first_due_days)

    @api.model
    def _action_open(self, invoices):
        Agreement = self.env["credit.recovery.agreement"]
        Agreement._check_negotiable_invoices(invoices)
        Agreement._check_no_open_agreement(invoices)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_negotiation"
        )
        action["context"] = {"default_invoice_ids": [Command.set(invoices.ids)]}
        return action

    def action_prepare(self):
        """Create the draft agreement and open it: the schedule and the limits show there.

        Only the invoices and the terms are passed: the agreement computes the debt and the
        profile itself, as for any other caller.
        """
        self.ensure_one()
        agreement = self.env["credit.recovery.agreement"].create(
            {
                "invoice_ids": [Command.set(self.invoice_ids.ids)],
                "discount_charges_percent": self.discount_charges_percent,
                "discount_principal_percent": self.discount_principal_percent,
                "down_payment": self.down_payment,
                "installments": self.installments,
                "periodicity": self.periodicity,
                "first_due": self.first_due,
            }
        )
        return agreement.get_formview_action()

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _limit_fields(self):
        return [
            "limit_discount_charges",
            "limit_discount_principal",
            "limit_down_payment",
            "limit_installments",
            "limit_first_due",
        ]

    def _get_proposal(self):
        return negotiation.Proposal.from_terms(self)

    def _full_payment(self):
        """The negotiated total with the current discounts: the down payment of everything paid today."""
        self.ensure_one()
        return float(negotiation.down_payment_for(self._get_proposal(), 100, self.currency_id.decimal_places))

    def _get_preview(self):
        """The negotiated total, the schedule (as HTML) and the limit messages of the current terms,
        computed as the agreement will compute them (nothing is written)."""
        self.ensure_one()
        invoices = self.invoice_ids._origin
        if not invoices:
            return {"total": 0.0, "html": False, "violations": []}
        currency = self.currency_id
        draft = self.env["credit.recovery.agreement"].new(
            {
                **self.env["credit.recovery.agreement"]._prepare_agreement_vals(invoices),
                "discount_charges_percent": self.discount_charges_percent,
                "discount_principal_percent": self.discount_principal_percent,
                "down_payment": self.down_payment,
                "installments": self.installments,
                "periodicity": self.periodicity,
                "first_due": self.first_due,
            }
        )
        codes = draft._get_violations()
        lines = draft._prepare_schedule_lines_vals()
        if lines:
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % (vals["name"], format_date(self.env, vals["date_due"]), currency.format(vals["amount"]))
                for vals in lines
            )
            html = Markup(
                "<table class='table table-sm o_recovery_schedule_preview'><thead><tr><th>%s</th><th>%s</th>"
                "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (self.env._("Payment"), self.env._("Due Date"), self.env._("Amount"), rows)
        else:
            html = Markup("<p class='text-muted'>%s</p>") % self.env._(
                "No schedule yet: check the terms (at least one installment, a total above zero, a down payment "
                "not above the total)."
            )
        return {"total": draft.total, "html": html, "violations": draft._violation_messages(codes)}

    def _render_debt(self, invoices):
        """The debt itemised: one row per open installment with its fine, interest and updated total."""
        Agreement = self.env["credit.recovery.agreement"]
        today = fields.Date.context_today(self)
        company = invoices.company_id[:1]
        policy = self.env["credit.recovery.policy"]._get_company_policies(company).get(company.id)
        currency = company.currency_id
        rows = []
        totals = [Decimal(0)] * 4
        for line, charges in Agreement._get_debt_lines(invoices, today, policy):
            figures = (charges.principal, charges.fine, charges.interest, charges.total)
            totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
            rows.append(
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>%s</tr>")
                % (
                    line.move_id.name,
                    format_date(self.env, line.date_maturity),
                    charges.days,
                    Markup("").join(
                        Markup("<td class='text-end'>%s</td>") % currency.format(float(figure)) for figure in figures
                    ),
                )
            )
        headers = (
            self.env._("Invoice"),
            self.env._("Due Date"),
            self.env._("Days Late"),
            self.env._("Principal"),
            self.env._("Fine"),
            self.env._("Interest"),
            self.env._("Updated Total"),
        )
        head = Markup("").join(
            Markup("<th class='%s'>%s</th>") % ("text-end" if index > 1 else "", header)
            for index, header in enumerate(headers)
        )
        foot = Markup("").join(
            Markup("<td class='text-end fw-bold'>%s</td>") % currency.format(float(total)) for total in totals
        )
        return Markup(
            "<table class='table table-sm o_recovery_debt'><thead><tr>%s</tr></thead><tbody>%s</tbody>"
            "<tfoot><tr><td colspan='3' class='fw-bold'>%s</td>%s</tr></tfoot></table>"
        ) % (head, Markup("").join(rows), escape(self.env._("Total")), foot)
