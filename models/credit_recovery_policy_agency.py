"""Whether the store's collection run keeps messaging a debtor handed to an agency."""

from odoo import fields, models


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    agency_run_contacts = fields.Boolean(
        string="Run Messages Debtors with an Agency",
        default=False,
        tracking=True,
        help="Off (the default): the collection run sends nothing to a debtor assigned to a collection agency, "
        "whose stage actions are skipped while assigned (one collector at a time, CDC art. 42). On: the run "
        "keeps sending the stages' messages as well.",
    )
