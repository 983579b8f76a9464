import logging

from odoo import models

_logger = logging.getLogger(__name__)
STATUSES = ("sent", "delivered", "read", "failed")


class MailGatewayWhatsapp(models.AbstractModel):
    """Meta's webhook, as OCA's gateway receives it (``/gateway/whatsapp/<key>/update``, its
    ``X-Hub-Signature-256`` checked by the gateway before anything is read: a bad signature changes
    nothing), also feeds collection: the statuses of our messages reach their contact logs, and a
    debtor's message becomes an inbound contact on the debtor. Then OCA's own processing goes on."""

    _inherit = "mail.gateway.whatsapp"

    def _receive_update(self, gateway, update):
        statuses, messages = self._recovery_parse_update(update)
        if statuses:
            self.env["credit.recovery.whatsapp.message"]._apply_statuses(statuses)
        if messages:
            self.env["credit.recovery.debtor"]._recovery_receive_whatsapp(gateway, messages)
        try:
            with self.env.cr.savepoint():
                return super()._receive_update(gateway, update)
        except Exception:  # Meta's webhook is answered, whatever OCA's processing made of it
            _logger.exception("WhatsApp webhook of gateway %s: the gateway's own processing failed", gateway.id)
            return None

    def _recovery_parse_update(self, update):
        """``(statuses, messages)`` of a webhook body, parsed at the edge: anything malformed is left
        out (logged), never an error. A status: ``{id, status, timestamp, errors}``; a message:
        ``{id, from, timestamp, text, context_id}`` (text of a text message, or of a button or
        list reply; a caption; media are named)."""
        outbox = self.env["credit.recovery.whatsapp.message"]
        statuses, messages = [], []
        entries = update.get("entry") if isinstance(update, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            changes = entry.get("changes") if isinstance(entry, dict) else None
            for change in changes if isinstance(changes, list) else []:
                if not isinstance(change, dict) or change.get("field") != "messages":
                    continue
                value = change.get("value") if isinstance(change.get("value"), dict) else {}
                for status in value.get("statuses") or []:
                    if (
                        isinstance(status, dict)
                        and isinstance(status.get("id"), str)
                        and status.get("status") in STATUSES
                    ):
                        errors = status.get("errors")
                        statuses.append(
                            {
                                "id": status["id"],
                                "status": status["status"],
                                "timestamp": outbox._timestamp(status.get("timestamp")),
                                "errors": [error for error in errors if isinstance(error, dict)]
                                if isinstance(errors, list)
                                else [],
                            }
                        )
                    else:
                        _logger.warning("WhatsApp webhook: status left out (malformed): %.200r", status)
                for message in value.get("messages") or []:
                    parsed = self._recovery_parse_message(message)
                    if parsed:
                        messages.append(parsed)
                    else:
                        _logger.warning("WhatsApp webhook: message left out (malformed): %.200r", message)
        return statuses, messages

    def _recovery_parse_message(self, message):
        if not isinstance(message, dict):
            return None
        wamid, sender = message.get("id"), message.get("from")
        if not (isinstance(wamid, str) and wamid and isinstance(sender, str) and sender.isdigit()):
            return None
        kind = message.get("type")
        part = message.get(kind) if isinstance(kind, str) and isinstance(message.get(kind), dict) else {}
        text = ""
        if kind == "text":
            text = part.get("body")
        elif kind == "button":
            text = part.get("text")
        elif kind == "interactive":
            reply = part.get("button_reply") or part.get("list_reply") or {}
            text = reply.get("title") if isinstance(reply, dict) else ""
        elif kind in ("image", "video", "document", "audio", "sticker"):
            text = part.get("caption") or f"[{kind}]"
        context = message.get("context") if isinstance(message.get("context"), dict) else {}
        return {
            "id": wamid,
            "from": sender,
            "timestamp": self.env["credit.recovery.whatsapp.message"]._timestamp(message.get("timestamp")),
            "text": text if isinstance(text, str) else "",
            "context_id": context.get("id") if isinstance(context.get("id"), str) else False,
        }
