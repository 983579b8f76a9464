from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .common import PERIODICITIES


class CreditRecoveryProposalTemplate(models.Model):
    """A prepared offer for a debtor profile, picked in the negotiation and then adjusted."""

    _name = "credit.recovery.proposal.template"
    _description = "Negotiation Proposal Template"
    _order = "profile_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    profile_id = fields.Many2one("credit.recovery.profile", required=True, ondelete="cascade", index=True)
    discount_charges_percent = fields.Float(string="Discount on Fine and Interest (%)", digits=(5, 2))
    discount_principal_percent = fields.Float(string="Discount on Principal (%)", digits=(5, 2))
    down_payment_percent = fields.Float(string="Down Payment (%)", digits=(5, 2))
    installments = fields.Integer(default=1)
    periodicity = fields.Selection(PERIODICITIES, default="monthly", required=True)
    first_due_days = fields.Integer(string="First Installment in (days)", default=30)

    @api.constrains(
        "discount_charges_percent",
        "discount_principal_percent",
        "down_payment_percent",
        "installments",
        "first_due_days",
    )
    def _check_values(self):
        for template in self:
            percents = (
                template.discount_charges_percent,
                template.discount_principal_percent,
                template.down_payment_percent,
            )
            if any(value < 0 or value > 100 for value in percents):
                raise ValidationError(
                    self.env._("Proposal %(name)s: percentages are between 0 and 100.", name=template.name)
                )
            if template.installments < 1 or template.first_due_days < 0:
                raise ValidationError(
                    self.env._(
                        "Proposal %(name)s: at least one installment, and the first one cannot be due in the past.",
                        name=template.name,
                    )
                )
