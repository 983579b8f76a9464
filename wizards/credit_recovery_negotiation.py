from datetime import timedelta

from odoo import Command, api, fields, models

from ..models.credit_recovery_proposal_template import PERIODICITIES


class CreditRecoveryNegotiation(models.TransientModel):
    """With the customer on the line: pick a prepared proposal, adjust it, see the figures.

    Thin: the updated debt comes from ``credit.recovery.agreement._prepare_agreement_vals``
    and the limits are checked by the agreement itself.
    """

    _name = "credit.recovery.negotiation"
    _description = "Negotiation"

    invoice_ids = fields.Many2many("account.move", string="Invoices", required=True)
    partner_id = fields.Many2one("res.partner", compute="_compute_debt")
    currency_id = fields.Many2one("res.currency", compute="_compute_debt")
    profile_id = fields.Many2one("credit.recovery.profile", compute="_compute_debt")
    principal = fields.Monetary(compute="_compute_debt")
    fine = fields.Monetary(compute="_compute_debt")
    interest = fields.Monetary(compute="_compute_debt")
    template_id = fields.Many2one(
        "credit.recovery.proposal.template", string="Proposal", domain="[('profile_id', '=', profile_id)]"
    )
    discount_charges_percent = fields.Float(string="Discount on Fine and Interest (%)", digits=(5, 2))
    discount_principal_percent = fields.Float(string="Discount on Principal (%)", digits=(5, 2))
    down_payment = fields.Monetary()
    installments = fields.Integer(default=1)
    periodicity = fields.Selection(PERIODICITIES, default="monthly", required=True)
    first_due = fields.Date(string="First Installment", default=fields.Date.context_today)

    @api.depends("invoice_ids")
    def _compute_debt(self):
        Agreement = self.env["credit.recovery.agreement"]
        for wizard in self:
            vals = Agreement._prepare_agreement_vals(wizard.invoice_ids._origin) if wizard.invoice_ids else {}
            wizard.partner_id = vals.get("partner_id")
            wizard.currency_id = wizard.invoice_ids.company_id.currency_id[:1]
            wizard.profile_id = vals.get("profile_id")
            wizard.principal = vals.get("principal", 0.0)
            wizard.fine = vals.get("fine", 0.0)
            wizard.interest = vals.get("interest", 0.0)

    @api.onchange("template_id")
    def _onchange_template_id(self):
        template = self.template_id
        if not template:
            return
        total = self.principal + self.fine + self.interest
        charges_discount = (self.fine + self.interest) * template.discount_charges_percent / 100
        principal_discount = self.principal * template.discount_principal_percent / 100
        self.discount_charges_percent = template.discount_charges_percent
        self.discount_principal_percent = template.discount_principal_percent
        self.down_payment = self.currency_id.round(
            (total - charges_discount - principal_discount) * template.down_payment_percent / 100
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
