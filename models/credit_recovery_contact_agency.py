"""Agency hand-overs in the evidence ledger: handing a debtor to an agency and taking it back are
sealed logs of their own (channel ``agency``, direction ``internal``), not contacts with the debtor."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .common import AGENCY_CHANNEL, INTERNAL_DIRECTION


class CreditRecoveryContact(models.Model):
    """The ``agency`` channel: what was handed to a collection agency (installments and amounts),
    to whom, by whom and when, and its recall, sealed and chained like any contact log so that
    the debtor's evidence says who was collecting at each moment.

    An ``internal`` log is no contact: it counts against no cap (the caps count ``outbound``
    logs), and only the assignment workflow writes one (``sudo``)."""

    _inherit = "credit.recovery.contact"

    channel = fields.Selection(
        selection_add=[(AGENCY_CHANNEL, "Agency hand-over")], ondelete={AGENCY_CHANNEL: "set default"}
    )
    direction = fields.Selection(
        selection_add=[(INTERNAL_DIRECTION, "Internal record")], ondelete={INTERNAL_DIRECTION: "set default"}
    )

    @api.model_create_multi
    def create(self, vals_list):
        """A hand-over log is written by the assignment workflow only: nobody logs one by hand."""
        handover = any(
            vals.get("channel") == AGENCY_CHANNEL or vals.get("direction") == INTERNAL_DIRECTION for vals in vals_list
        )
        if handover and not self.env.su:
            raise UserError(self.env._("Agency hand-overs are recorded by *Assign to agency* and *Recall* only."))
        return super().create(vals_list)

    def _record(self):
        """Hand-over logs are sealed and chained; the chatter note is the workflow's own (the
        generic "contact logged" note and the invoices' line would announce a contact)."""
        handover = self.filtered(lambda contact: contact.channel == AGENCY_CHANNEL)
        handover._seal()
        return super(CreditRecoveryContact, self - handover)._record()
