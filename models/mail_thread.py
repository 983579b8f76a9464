import logging

from odoo import api, models
from odoo.tools import html2plaintext

from ..tools.inbound import auto_reply_reason, drop_quoted_html, strip_quoted_reply
from ..tools.portal_input import text_html

_logger = logging.getLogger(__name__)

DEBTOR_MODEL = "credit.recovery.debtor"


class MailThread(models.AbstractModel):
    """The mail gateway and the debtors' conversations: a customer's e-mail reaches their
    collection record (by the collection message it answers, else by the sender's address among
    the company's debtors) and becomes an inbound contact log; automatic replies, bounces and
    read receipts do not."""

    _inherit = "mail.thread"

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        """A message that answers no known message and is written to a catchall address goes to
        the sender's collection record, if the sender is one of the catchall company's debtors
        (Odoo would bounce it). Replies by references keep Odoo's own routing."""
        if not model and not message_dict.get("is_bounce"):
            route = self.env[DEBTOR_MODEL].sudo()._recovery_route_by_sender(message_dict)
            if route:
                route = self._routing_check_route(message, message_dict, route, raise_exception=False)
                if route:
                    _logger.info(
                        "Routing mail from %s with Message-Id %s to the collection record %s by its sender",
                        message_dict.get("email_from"),
                        message_dict.get("message_id"),
                        route[1],
                    )
                    return [route]
        return super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Messages to collection records: the chatter gets their plain text (never the sender's
        HTML), and each becomes an inbound contact log unless it is an automatic reply."""
        debtor_ids = [route[1] for route in routes or () if route[0] == DEBTOR_MODEL and route[1]]
        if not debtor_ids:
            return super()._message_route_process(message, message_dict, routes)
        body = message_dict.get("body") or ""
        reply = strip_quoted_reply(html2plaintext(drop_quoted_html(body)))
        message_dict["body"] = text_html(html2plaintext(body))
        headers = {name.lower(): str(value) for name, value in message.items()}
        reason = auto_reply_reason(headers, message_dict.get("subject") or "", message.get("Content-Type", ""))
        files = [
            (attachment[0], attachment[1], (attachment[2] or {}).get("content_type") if len(attachment) > 2 else None)
            for attachment in message_dict.get("attachments") or []
        ]
        try:
            files.append(("message.eml", message.as_bytes(), "message/rfc822"))
        except (TypeError, ValueError, UnicodeError, LookupError):
            _logger.info("Message-Id %s: the original could not be kept as a file", message_dict.get("message_id"))
        info = {
            "message_id": message_dict.get("message_id"),
            "date": message_dict.get("date"),
            "in_reply_to": message_dict.get("in_reply_to") or "",
            "references": message_dict.get("references") or "",
            "author_id": message_dict.get("author_id"),
        }
        result = super()._message_route_process(message, message_dict, routes)
        if reason:
            _logger.info(
                "Message-Id %s to collection records %s is not a contact (%s)", info["message_id"], debtor_ids, reason
            )
            return result
        for debtor in self.env[DEBTOR_MODEL].sudo().browse(debtor_ids).exists():
            debtor._recovery_receive_email(reply, files, info)
        return result
