from odoo import api, models
from odoo.tools import SQL


class CreditRecoveryContactOutcome(models.Model):
    """A WhatsApp message the debtor read reached the debtor: the contact rate counts the run's
    WhatsApp messages as attempts, and *Contact now* scores a read one as a contact that reached."""

    _inherit = "credit.recovery.contact.outcome"

    @api.model
    def _reached_sql(self, contact, outcome):
        return SQL(
            "(%s OR (%s.channel = 'whatsapp' AND %s.delivery_state = 'read'))",
            super()._reached_sql(contact, outcome),
            SQL.identifier(contact),
            SQL.identifier(contact),
        )

    @api.model
    def _attempt_sql(self, contact):
        return SQL(
            "(%s OR (%s.channel = 'whatsapp' AND COALESCE(%s.is_automatic, FALSE)))",
            super()._attempt_sql(contact),
            SQL.identifier(contact),
            SQL.identifier(contact),
        )
