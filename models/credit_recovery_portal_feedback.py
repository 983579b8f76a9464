from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CreditRecoveryPortalFeedback(models.Model):
    """How the debtor says the negotiation went (1 to 5 and a comment), after accepting an
    agreement on the self-service page and again when it is done."""

    _name = "credit.recovery.portal.feedback"
    _description = "Negotiation Feedback"
    _order = "id desc"

    debtor_id = fields.Many2one("credit.recovery.debtor", string="Collection Record", required=True, index=True)
    partner_id = fields.Many2one(related="debtor_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="debtor_id.company_id", store=True, index=True)
    agreement_id = fields.Many2one("credit.recovery.agreement", required=True, index=True, ondelete="cascade")
    moment = fields.Selection([("accepted", "After acceptance"), ("done", "Agreement done")], required=True)
    rating = fields.Integer(required=True, aggregator="avg")
    comment = fields.Text()
    date = fields.Datetime(default=fields.Datetime.now, required=True)

    _sql_constraints = [
        ("one_per_moment", "unique(agreement_id, moment)", "The debtor gives one feedback per agreement and moment.")
    ]

    @api.constrains("rating")
    def _check_rating(self):
        if any(feedback.rating < 1 or feedback.rating > 5 for feedback in self):
            raise ValidationError(self.env._("Rate the negotiation from 1 to 5."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Feedback is given by the debtor on the self-service page."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("The debtor's feedback is kept as given."))
        return super().write(vals)
