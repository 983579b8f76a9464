"""LGPD: what of a debtor's personal data an agency receives, when, and when it stops.

Handing a debtor to an agency shares the debtor's data with a third party (LGPD art. 7 and 37:
the controller keeps a record of the processing). Each assignment opens one sharing record,
with the categories of data the agency's users can then read; the recall ends it.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError


class CreditRecoveryAgencySharing(models.Model):
    _name = "credit.recovery.agency.sharing"
    _description = "Data Shared with a Collection Agency"
    _order = "shared_on desc, id desc"
    _check_company_auto = True

    assignment_id = fields.Many2one(
        "credit.recovery.agency.assignment", required=True, readonly=True, index=True, ondelete="cascade"
    )
    debtor_id = fields.Many2one(related="assignment_id.debtor_id", store=True, index=True)
    agency_id = fields.Many2one(related="assignment_id.agency_id", store=True)
    company_id = fields.Many2one(related="assignment_id.company_id", store=True)
    recipient_id = fields.Many2one(
        related="assignment_id.agency_id.partner_id", string="Shared With", help="The agency that receives the data."
    )
    categories = fields.Text(string="Data Shared", readonly=True, help="The categories of personal data shared.")
    purpose = fields.Char(readonly=True, help="Why the data is shared.")
    user_id = fields.Many2one("res.users", string="Shared By", readonly=True)
    shared_on = fields.Datetime(required=True, readonly=True)
    ended_on = fields.Datetime(readonly=True, help="When the agency stopped receiving the data: the recall.")
    state = fields.Selection(
        [("active", "Shared"), ("ended", "Ended")], compute="_compute_state", store=True, string="Status"
    )

    @api.depends("ended_on")
    def _compute_state(self):
        for sharing in self:
            sharing.state = "ended" if sharing.ended_on else "active"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Data sharing is recorded by *Assign to agency* only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("Data sharing ends with the recall of the assignment."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_user(self):
        if not self.env.su:
            raise UserError(self.env._("The record of data shared with an agency is kept: it cannot be deleted."))

    @api.model
    def _categories_text(self):
        """The categories of personal data an agency's users read of an assigned debtor (the
        record rules of the Collection Agency group), in the current language, one a line."""
        return "\n".join(
            [
                self.env._("Identification (name, CPF/CNPJ)"),
                self.env._("Contact details (phones, e-mail, address)"),
                self.env._("Debt (invoices, installments, amounts due)"),
                self.env._("Collection history (contact logs, promises, disputes)"),
            ]
        )
