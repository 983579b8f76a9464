"""Which agency made a contact: the logs an agency records (in Odoo or by its results file).

Minimal here: the agency's access rules (``agency-access``) own the rest of what a log by an agency
means (what its users may see and log). Written by the workflow only, after the log is sealed.
"""

from odoo import fields, models

from .credit_recovery_contact import WORKFLOW_FIELDS

# Set by the workflow only: a log is not marked as an agency's by whoever creates it.
WORKFLOW_FIELDS.add("agency_id")


class CreditRecoveryContact(models.Model):
    _inherit = "credit.recovery.contact"

    agency_id = fields.Many2one(
        "credit.recovery.agency",
        string="Collection Agency",
        readonly=True,
        index="btree_not_null",
        help="The agency that made or received this contact.",
    )
