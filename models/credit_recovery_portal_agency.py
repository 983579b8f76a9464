"""The self-service page of a debtor handed to an agency: whom to talk to is the agency."""

from odoo import api, models


class CreditRecoveryPortal(models.AbstractModel):
    _inherit = "credit.recovery.portal"

    @api.model
    def _agency_page_values(self, debtor):
        """The page's agency values: while the debtor is assigned, the agency's name, phone and
        e-mail (the creditor stays the company, shown in the page's header)."""
        assignment = debtor.sudo().agency_assignment_id
        partner = assignment.agency_id.partner_id
        return {
            "agency": partner or False,
            "agency_name": partner.name or False,
            "agency_phone": partner.phone or partner.mobile or False,
            "agency_email": partner.email or False,
            "agency_until": assignment.date_recall or False,
        }
