"""What a collection agency's user may reach, beyond the record rules (``security/
credit_recovery_agency_security.xml``): the installments handed over, the contact logs it records
(on its assigned debtors only, marked as the agency's).

The customers' collection data is kept from agency users in ``res_partner_agency``.

An *agency user* is a user of the Collection Agency group who is not a Collection Agent: a store's
agent who also works an agency's queue keeps the store's access.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError

AGENCY_GROUP = "account_credit_recovery.group_credit_recovery_agency"
AGENT_GROUP = "account_credit_recovery.group_credit_recovery_agent"


class ResUsers(models.Model):
    _inherit = "res.users"

    def _recovery_is_agency_user(self):
        """Whether the user works for a collection agency only (not for the store's collection)."""
        self.ensure_one()
        return self.has_group(AGENCY_GROUP) and not self.has_group(AGENT_GROUP)


class AccountMove(models.Model):
    _inherit = "account.move"

    # The other side of the assignments' installments: what the agency's record rule goes through.
    recovery_agency_assignment_ids = fields.Many2many(
        "credit.recovery.agency.assignment",
        "credit_recovery_agency_assignment_move_rel",
        "move_id",
        "assignment_id",
        string="Agency Assignments",
        readonly=True,
        copy=False,
        groups="account_credit_recovery.group_credit_recovery_agent,"
        "account_credit_recovery.group_credit_recovery_agency",
    )


class CreditRecoveryContact(models.Model):
    _inherit = "credit.recovery.contact"

    agency_id = fields.Many2one(
        "credit.recovery.agency",
        string="Collection Agency",
        readonly=True,
        index="btree_not_null",
        help="The agency whose user recorded the contact; empty for the store's own contacts.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """An agency user records logs on its agency's assigned debtors only, and each is marked as
        the agency's (``agency_id`` is the workflow's: refused from any caller)."""
        agencies = self._recovery_agency_scope(vals_list) if not self.env.su else None
        contacts = super().create(vals_list)
        if agencies:
            for contact in contacts:
                contact._write_workflow({"agency_id": agencies[(contact.partner_id.id, contact.company_id.id)]})
        return contacts

    @api.model
    def _recovery_agency_scope(self, vals_list):
        """``{(commercial partner id, company id): agency id}`` of the logs an agency user is about
        to record, or ``None`` for anyone else; refuses a log on a debtor not assigned to the
        user's agency (another company's record of the same customer included)."""
        if not self.env.user._recovery_is_agency_user():
            return None
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners.sudo()}
        assignments = (
            self.env["credit.recovery.agency.assignment"]
            .sudo()
            .search_fetch(
                [("state", "=", "active"), ("agency_id.user_ids", "in", self.env.uid)],
                ["debtor_id", "agency_id", "partner_id", "company_id"],
            )
        )
        allowed = {
            (assignment.partner_id.id, assignment.company_id.id): assignment.agency_id.id for assignment in assignments
        }
        scope = {}
        for vals in vals_list:
            key = (
                commercial.get(vals.get("partner_id")),
                vals.get("company_id") or self.env.company.id,
            )
            if key not in allowed:
                raise AccessError(
                    self.env._("Your agency can only log contacts with the debtors assigned to it, while assigned.")
                )
            scope[key] = allowed[key]
        return scope
