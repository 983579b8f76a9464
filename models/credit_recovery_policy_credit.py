"""What the collection policy says about the customer's credit at the store: when new credit is
blocked, whether the credit limit follows collection, invoices, and the welcome-back benefit."""

from odoo import api, fields, models

from ..tools.credit_limit import BlockRule


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    credit_limit_follow = fields.Boolean(
        string="Credit Limit Follows Collection",
        default=True,
        tracking=True,
        help="The customer's credit limit (Accounting) is set by collection: blocked while restricted, the "
        "profile's restored limit once restored, then the customer's normal limit again, exactly.",
    )
    credit_block_stage_id = fields.Many2one(
        "credit.recovery.stage",
        string="Block Credit From Stage",
        domain="[('policy_id', '=', id)]",
        tracking=True,
        help="New credit sales are blocked for customers at this stage or a higher one. Empty, and no days "
        "below: any overdue amount beyond the tolerance blocks new credit.",
    )
    credit_block_days = fields.Integer(
        string="Block Credit Above Days Overdue",
        tracking=True,
        help="New credit sales are blocked for customers overdue more than this many days (0: not used). "
        "With a stage too, either condition blocks.",
    )
    credit_invoice_block = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        string="Credit Invoice for a Restricted Customer",
        default="warn",
        required=True,
        tracking=True,
        help="Posting a customer invoice whose payment terms go beyond today for a customer whose credit is "
        "blocked: warn (a banner on the invoice) or refuse. Cash invoices always pass.",
    )
    credit_benefit_text = fields.Char(
        string="Welcome-Back Benefit",
        translate=True,
        help='Told to the customer in the welcome-back message, e.g. "10% off your next purchase".',
    )
    credit_benefit_program_ref = fields.Reference(
        selection="_selection_benefit_program",
        string="Welcome-Back Coupon Program",
        help="With the Loyalty app installed: a coupon of this program is created for the customer and its code "
        "is given in the welcome-back message.",
    )

    @api.model
    def _selection_benefit_program(self):
        return [("loyalty.program", self.env._("Loyalty Program"))] if "loyalty.program" in self.env else []

    def _credit_block_rule(self):
        """The policy's definition of *restricted* for new credit sales (:class:`BlockRule`)."""
        self.ensure_one()
        stage = self.credit_block_stage_id
        return BlockRule(stage._ladder_key() if stage else None, max(self.credit_block_days, 0))
