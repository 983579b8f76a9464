import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)
# Meta's customer service window: free text only within 24 hours of the customer's last message.
SERVICE_WINDOW = timedelta(hours=24)


class CreditRecoveryDebtor(models.Model):
    """WhatsApp on the debtor: the debtor's messages become inbound contacts, and the agent answers
    on WhatsApp, in free text inside Meta's 24-hour window only."""

    _inherit = "credit.recovery.debtor"

    whatsapp_window_until = fields.Datetime(
        string="WhatsApp Free Text Until",
        compute="_compute_whatsapp_window_until",
        help="24 hours after the debtor's last WhatsApp message: until then an answer may be free text; "
        "after it, only a template approved by Meta.",
    )

    def _compute_whatsapp_window_until(self):
        last = self._whatsapp_last_inbound()
        for debtor in self:
            moment = last.get(debtor._origin.id)
            debtor.whatsapp_window_until = moment + SERVICE_WINDOW if moment else False

    def _whatsapp_last_inbound(self):
        """``{debtor id: date of the debtor's last inbound WhatsApp contact}`` (one query)."""
        groups = (
            self.env["credit.recovery.contact"]
            .sudo()
            ._read_group(
                [("debtor_id", "in", self._origin.ids), ("channel", "=", "whatsapp"), ("direction", "=", "inbound")],
                ["debtor_id"],
                ["date:max"],
            )
        )
        return {debtor.id: moment for debtor, moment in groups}

    @api.model
    def _recovery_receive_whatsapp(self, gateway, messages):
        """Each parsed inbound message (see ``mail.gateway.whatsapp._recovery_parse_update``) from the
        mobile of a debtor of the gateway's company becomes the debtor's inbound contact (idempotent
        on Meta's message id: the same webhook twice records one). Other senders are not debtors:
        OCA's gateway alone handles them."""
        numbers = {"+" + message["from"] for message in messages}
        partners = (
            self.env["res.partner"]
            .sudo()
            .search(["|", ("recovery_mobile_e164", "in", list(numbers)), ("recovery_phone_e164", "in", list(numbers))])
        )
        debtors = self.sudo().search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "=", gateway.company_id.id or self.env.company.id),
            ]
        )
        by_partner = {debtor.partner_id.id: debtor for debtor in debtors}
        by_number = {}
        for partner in partners:
            debtor = by_partner.get(partner.commercial_partner_id.id)
            if debtor:
                for number in (partner.recovery_mobile_e164, partner.recovery_phone_e164):
                    if number:
                        by_number.setdefault(number, (debtor, partner))
        replied = (
            self.env["credit.recovery.whatsapp.message"]
            .sudo()
            .search([("wamid", "in", [message["context_id"] for message in messages if message["context_id"]])])
        )
        reply_logs = {message.wamid: message.contact_id for message in replied}
        for message in messages:
            debtor, partner = by_number.get("+" + message["from"], (None, None))
            if not debtor:
                continue
            try:
                with self.env.cr.savepoint():
                    debtor._recovery_receive_inbound(
                        "whatsapp",
                        message["text"],
                        message["id"],
                        received_at=message["timestamp"] or None,
                        author_partner=partner,
                        reply_to=reply_logs.get(message["context_id"]) or None,
                    )
            except Exception:  # one message's failure never loses the others of the webhook
                _logger.exception("WhatsApp message %s of debtor %s could not be recorded", message["id"], debtor.id)

    def _recovery_send_reply_whatsapp(self, log, text):
        """WhatsApp transport of the agent's answer (``_recovery_send_reply``): free text to the
        debtor's mobile through the company's WhatsApp gateway, sent now, its statuses following
        ``log``. Free text only within 24 hours of the debtor's last WhatsApp message (Meta's rule):
        outside that window a clear refusal, and nothing is recorded."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        number = partner._recovery_whatsapp_number()
        if not number or partner.recovery_whatsapp_failed:
            raise UserError(
                self.env._(
                    "%(partner)s has no valid WhatsApp number (missing, invalid or failed). Fix the number on the "
                    "customer, or answer on another channel.",
                    partner=partner.display_name,
                )
            )
        until = self.sudo().whatsapp_window_until
        if not until or until < fields.Datetime.now():
            raise UserError(
                self.env._(
                    "%(partner)s has not written on WhatsApp in the last 24 hours: outside that window WhatsApp "
                    "accepts only a template approved by Meta, no free text. The stages' templates go with the "
                    "collection messages; answer by another channel meanwhile.",
                    partner=partner.display_name,
                )
            )
        message = (
            self.env["credit.recovery.whatsapp.message"]
            .sudo()
            .create(
                {
                    "company_id": self.company_id.id,
                    "debtor_id": self.id,
                    "contact_id": log.id,
                    "gateway_id": self._whatsapp_gateway().id,
                    "number": number,
                    "payload": {"type": "text", "text": {"preview_url": False, "body": text}},
                    "body": text,
                }
            )
        )
        message._send()
        if message.state == "failed":
            raise UserError(
                self.env._(
                    "WhatsApp refused the message (error %(code)s: %(text)s).",
                    code=message.error_code,
                    text=message.error_message or "-",
                )
            )
        return message

    def _whatsapp_gateway(self):
        """The company's WhatsApp gateway (the first, when there are several)."""
        self.ensure_one()
        gateway = (
            self.env["mail.gateway"]
            .sudo()
            .search(
                [("gateway_type", "=", "whatsapp"), ("company_id", "in", (self.company_id.id, False))],
                order="company_id, id",
                limit=1,
            )
        )
        if not gateway:
            raise UserError(
                self.env._("No WhatsApp gateway is configured for %(company)s.", company=self.company_id.name)
            )
        return gateway
