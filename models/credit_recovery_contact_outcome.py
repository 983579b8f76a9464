from odoo import api, fields, models
from odoo.tools import SQL

from .common import DISPUTE_KINDS


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

    @api.model
    def _reached_sql(self, contact, outcome):  # pylint: disable=unused-argument
        """Whether a logged contact (table alias ``contact``, its outcome joined as ``outcome``) reached
        the debtor: the right-party signal of the contact rate and of *Contact now*. Its outcome says
        so; a bridge adds its channel's own signal (a WhatsApp message read)."""
        return SQL("%s.reached", SQL.identifier(outcome))

    @api.model
    def _attempt_sql(self, contact):
        """Whether a logged outbound contact (alias ``contact``) counts as an attempt in the contact
        rate: the agents' contacts, whose outcome says whether they reached the debtor; a bridge adds
        the automatic messages that report it (WhatsApp's read receipts)."""
        return SQL("NOT COALESCE(%s.is_automatic, FALSE)", SQL.identifier(contact))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_in_logs(self):
        """Recorded logs point at their outcome: deleting it would change sealed evidence."""
        self.env["credit.recovery.contact"]._check_unused_by_logs(self, "outcome_id")
