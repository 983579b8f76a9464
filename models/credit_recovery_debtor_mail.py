from odoo import api, models
from odoo.tools import email_normalize, email_split

DEBTOR_MODEL = "credit.recovery.debtor"


class CreditRecoveryDebtor(models.Model):
    """E-mails from the customer: which collection record a message written to a catchall
    address belongs to, and the inbound log of one the gateway routed here (``mail.thread``)."""

    _inherit = DEBTOR_MODEL

    @api.model
    def _recovery_route_by_sender(self, message_dict):
        """The gateway route ``(model, id, None, user id, None)`` of the collection record the
        message's sender is the customer of, for a message written to a catchall address (of an
        alias domain) answering no known message; else ``None``. Among several records (companies
        sharing the domain), the one contacted last."""
        references = (message_dict.get("references") or "") + " " + (message_dict.get("in_reply_to") or "")
        ids = [ref.strip() for ref in references.split() if ref.strip()]
        if ids and self.env["mail.message"].sudo().search_count([("message_id", "in", ids[-32:])], limit=1):
            return None
        recipients = {
            email.lower() for email in email_split(message_dict.get("recipients") or message_dict.get("to") or "")
        }
        if not recipients:
            return None
        if self.env["mail.alias"].sudo().search_count([("alias_full_name", "in", list(recipients))], limit=1):
            return None  # an alias of its own: Odoo routes it
        domains = self.env["mail.alias.domain"].sudo().search([("catchall_email", "in", list(recipients))])
        sender = email_normalize(message_dict.get("email_from") or "")
        if not domains or not sender:
            return None
        companies = domains.company_ids
        partners = self.env["res.partner"].sudo().search([("email_normalized", "=", sender)])
        debtors = self.search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "in", companies.ids),
            ]
        )
        if not debtors:
            return None
        debtor = debtors.sorted(lambda debtor: (debtor.last_contact_date or debtor.create_date, debtor.id))[-1]
        return (DEBTOR_MODEL, debtor.id, None, self.env.ref("base.user_root").id, None)

    def _recovery_receive_email(self, text, files, info):
        """An e-mail the customer sent to this record, parsed by the gateway: an inbound log
        (``info``: ``message_id``, ``date``, ``in_reply_to``, ``references``, ``author_id``). A
        message of an internal user (replying to a notification of the record) is none: returns
        no log."""
        self.ensure_one()
        author = self.env["res.partner"].sudo().browse(info["author_id"]).exists() if info["author_id"] else None
        colleague = author and (
            author.user_ids.filtered(lambda user: not user.share)
            or self.env["res.company"].sudo().search_count([("partner_id", "=", author.id)], limit=1)
        )
        if colleague:
            # A colleague answering a notification of this record: a note of the team, not the customer.
            return self.env["credit.recovery.contact"]
        answered = self.env["credit.recovery.contact"]
        references = [ref for ref in (info["references"] + " " + info["in_reply_to"]).split() if ref]
        if references:
            answered = (
                self.env["credit.recovery.contact"]
                .sudo()
                .search(
                    [("debtor_id", "=", self.id), ("message_id.message_id", "in", references[-32:])],
                    order="id desc",
                    limit=1,
                )
            )
        return self._recovery_receive_inbound(
            "email",
            text,
            info["message_id"],
            received_at=info["date"],
            attachments=files,
            author_partner=author,
            reply_to=answered,
        )
