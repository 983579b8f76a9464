import re
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# How many messages a debtor may send from the page in 24 hours (the team is not flooded from a link).
PORTAL_MESSAGES_PER_DAY = 10
# What the form's hidden nonce may be: the hex of a UUID the page rendered.
NONCE = re.compile(r"[0-9a-f]{32}")


class CreditRecoveryPortal(models.AbstractModel):
    """ "Send a message" on the self-service page: a sealed inbound log on the ``chat`` channel,
    with an activity for the collection responsible (``credit.recovery.debtor._recovery_receive_inbound``)."""

    _inherit = "credit.recovery.portal"

    @api.model
    def _new_message_nonce(self):
        """The nonce a rendered form carries: the same form sent twice is one message."""
        return uuid.uuid4().hex

    @api.model
    def _send_message(self, link, text, nonce=None, ip=None, user_agent=None):
        """Record the debtor's message (``text``: parsed plain text) as an inbound log; at most
        ``PORTAL_MESSAGES_PER_DAY`` a day per debtor. Returns the log."""
        link = link.sudo()
        debtor = link.debtor_id
        if not (text or "").strip():
            raise UserError(self.env._("Type your message."))
        nonce = nonce if isinstance(nonce, str) and NONCE.fullmatch(nonce) else uuid.uuid4().hex
        external_id = f"portal-message:{link.id}:{nonce}"
        Contact = self.env["credit.recovery.contact"].sudo()
        if Contact.search_count([("channel", "=", "chat"), ("external_id", "=", external_id)], limit=1):
            return Contact.search([("channel", "=", "chat"), ("external_id", "=", external_id)], limit=1)
        sent = Contact.search_count(
            [
                ("debtor_id", "=", debtor.id),
                ("channel", "=", "chat"),
                ("direction", "=", "inbound"),
                ("date", ">", fields.Datetime.now() - timedelta(days=1)),
            ]
        )
        if sent >= PORTAL_MESSAGES_PER_DAY:
            raise UserError(
                self.env._("You have sent many messages today: our team will answer them. To talk to us now, call us.")
            )
        log = debtor._recovery_receive_inbound("chat", text, external_id)
        link._log_visit("action", ip, user_agent, note=self.env._("Message sent (log #%(log)s)", log=log.id))
        return log
