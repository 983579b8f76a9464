from odoo import api, fields, models

from .account_move import DISPUTE_KINDS


class CreditRecoveryContactOutcome(models.Model):
    """What came out of a contact attempt. Some outcomes drive what happens next."""

    _name = "credit.recovery.contact.outcome"
    _description = "Contact Outcome"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    reached = fields.Boolean(
        string="Debtor Reached", help="The debtor was actually reached (used in contact-rate analysis)."
    )
    action = fields.Selection(
        [
            ("none", "Nothing more"),
            ("promise", "Record a promise to pay"),
            ("dispute", "Open a dispute"),
            ("do_not_contact", "Stop contacting the debtor"),
            ("callback", "Plan a callback"),
            ("wrong_number", "Flag the number as wrong"),
        ],
        default="none",
        required=True,
        help="What logging this outcome triggers.",
    )
    dispute_kind = fields.Selection(
        DISPUTE_KINDS,
        help="For outcomes that open a dispute: its reason.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_in_logs(self):
        """Recorded logs point at their outcome: deleting it would change sealed evidence."""
        self.env["credit.recovery.contact"]._check_unused_by_logs(self, "outcome_id")
