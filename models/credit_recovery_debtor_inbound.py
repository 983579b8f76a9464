import logging
import re
from datetime import datetime

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import clean_context

from ..tools.inbound import STOP_PHONE, stop_request, suggest_meaning
from ..tools.portal_input import text_html
from .common import REPLY_CHANNELS

_logger = logging.getLogger(__name__)

# The longest message text kept on a log (a WhatsApp message is at most 4096 characters; an
# e-mail reply without its quoted message rarely comes close).
MAX_INBOUND_CHARS = 20000
MAX_INBOUND_FILES = 10
MAX_INBOUND_FILE_BYTES = 16 * 1024 * 1024
MAX_EXTERNAL_ID_CHARS = 512
# Control characters a message may carry that no text field should (tab and new line are kept).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Channels whose opt-out a stop request sets (``res.partner.recovery_optout_<channel>``).
OPTOUT_CHANNELS = ("phone", "whatsapp", "sms", "email")


def _excerpt(text, size):
    text = str(text or "")
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


class CreditRecoveryDebtor(models.Model):
    """Conversations with the debtor, both ways, on any channel.

    A message the debtor sends (a WhatsApp or SMS reply, a reply to a collection e-mail, a
    message on the self-service page) is a sealed inbound contact log: ``_recovery_receive_inbound``,
    called by the channel's edge (webhook, mail gateway, page) once it has parsed the message.
    The agent answers with ``_recovery_send_reply``: an outbound log under the contact rules,
    delivered by the channel's transport ``_recovery_send_reply_<channel>(log, text)``.
    """

    _inherit = "credit.recovery.debtor"

    conversation_ids = fields.One2many(
        "credit.recovery.contact",
        "debtor_id",
        readonly=True,
        domain=[("channel", "in", ("whatsapp", "sms", "email", "chat", "portal"))],
        help="Messages exchanged with the customer, both ways, across channels.",
    )
    last_inbound_channel = fields.Selection(
        "_selection_contact_channel",
        string="Last Reply Channel",
        compute="_compute_last_inbound_channel",
        help="The channel of the customer's latest message.",
    )

    @api.model
    def _selection_contact_channel(self):
        return self.env["credit.recovery.contact"]._fields["channel"]._description_selection(self.env)

    def _compute_last_inbound_channel(self):
        Contact = self.env["credit.recovery.contact"].sudo()
        rows = Contact._read_group(
            [("debtor_id", "in", self.ids), ("direction", "=", "inbound"), ("external_id", "!=", False)],
            ["debtor_id"],
            ["id:max"],
        )
        latest = Contact.browse([last_id for _debtor, last_id in rows])
        by_debtor = {contact.debtor_id.id: contact.channel for contact in latest}
        for debtor in self:
            debtor.last_inbound_channel = by_debtor.get(debtor.id, False)

    def action_reply(self):
        """The Reply dialog: the channel the customer last wrote by."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_reply")
        channel = self.last_inbound_channel if self.last_inbound_channel in REPLY_CHANNELS else "email"
        action["context"] = {"default_debtor_id": self.id, "default_channel": channel}
        return action

    # ------------------------------------------------------------------
    # Business methods: inbound
    # ------------------------------------------------------------------

    def _recovery_receive_inbound(  # noqa: PLR0917 - the channels' edges call it positionally
        self, channel, text, external_id, received_at=None, attachments=None, author_partner=None, reply_to=None
    ):
        """Record a message the debtor sent as a sealed inbound contact log; returns the log.

        ``channel``: a contact channel (``whatsapp``, ``sms``, ``email``, ``chat``…); ``text``: the
        message as typed, kept as plain text (never rendered as HTML); ``external_id``: the
        message's id on its channel; a message already recorded under the same channel and id
        returns its log and nothing else happens (webhooks and mail servers deliver twice).
        ``received_at``: when it was sent (UTC, naive datetime or string; never later than now);
        ``attachments``: ``[(name, bytes, mimetype)]``, sealed with the log as frozen copies;
        ``author_partner``: who wrote it, when known; ``reply_to``: the log (or the external id
        of one of this debtor's logs) it answers.

        The collection responsible gets an activity. A request to stop ("PARAR", "não me
        ligue") sets the opt-out of that channel at once and is answered with a confirmation
        on the same channel. What the message seems to say (paid, a promise, a dispute) is
        stored as a suggestion for the agent.

        Private: the channel's edge calls it (with ``sudo`` where its caller may not write
        logs) after parsing what came from outside; it trusts neither the context nor the caller.
        """
        self.ensure_one()
        # Nothing from the caller's context: no ``default_*`` value reaches the log.
        self = self.with_context(clean_context(self.env.context))  # noqa: PLW0642
        debtor = self.sudo()
        Contact = self.env["credit.recovery.contact"].sudo().with_company(debtor.company_id)
        channels = dict(Contact._fields["channel"]._description_selection(self.env))
        if channel not in channels:
            raise ValidationError(self.env._("%(channel)s is not a contact channel.", channel=channel))
        external_id = CONTROL_CHARS.sub("", str(external_id or "")).strip()
        if not external_id or len(external_id) > MAX_EXTERNAL_ID_CHARS:
            raise ValidationError(self.env._("An inbound message needs its id on its channel."))
        existing = Contact.search([("channel", "=", channel), ("external_id", "=", external_id)], limit=1)
        if existing:
            return existing
        text = self._recovery_plain_text(text)
        now = fields.Datetime.now()
        received_at = self._recovery_received_at(received_at, now)
        files = debtor._recovery_inbound_files(attachments)
        partner = debtor.partner_id
        local_day = pytz.utc.localize(received_at).astimezone(pytz.timezone(partner._recovery_tz())).date()
        meaning, meant_date = suggest_meaning(text, local_day)
        stop = stop_request(text)
        invoices = debtor.open_invoice_ids.filtered(lambda move: move.move_type in ("out_invoice", "out_receipt"))
        vals = {
            "partner_id": partner.id,
            "company_id": debtor.company_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "channel": channel,
            "direction": "inbound",
            "date": received_at,
            "user_id": debtor._get_collection_responsible().id,
            "notes": text,
        }
        if files:
            vals["attachment_ids"] = [Command.set(files.ids)]
        log = Contact.create(vals)
        log._write_workflow(
            {
                "external_id": external_id,
                "reply_to_id": debtor._recovery_reply_to_log(reply_to).id,
                "inbound_author_id": author_partner.id if author_partner else False,
                "suggested_meaning": meaning or False,
                "suggested_date": meant_date or False,
                "suggestion_state": "pending" if meaning else False,
                "is_stop_request": bool(stop),
            }
        )
        # The seal froze copies of the files: the originals, linked to nothing, go.
        (files - log.attachment_ids).sudo().unlink()
        debtor._recovery_notify_inbound(log)
        if stop:
            debtor._recovery_apply_stop(log, STOP_PHONE if stop == STOP_PHONE else channel)
        return log

    @api.model
    def _recovery_plain_text(self, text):
        """Public text as plain text: a string, without control characters, of a bounded length."""
        text = CONTROL_CHARS.sub("", str(text or "")).replace("\r\n", "\n").strip()
        return text[:MAX_INBOUND_CHARS]

    @api.model
    def _recovery_received_at(self, received_at, now):
        """When the message was sent, as a naive UTC datetime, never later than ``now``."""
        if isinstance(received_at, str):
            try:
                received_at = fields.Datetime.to_datetime(received_at)
            except ValueError:
                received_at = None
        if not isinstance(received_at, datetime):
            return now
        if received_at.tzinfo:
            received_at = received_at.astimezone(pytz.utc).replace(tzinfo=None)
        return min(received_at, now)

    def _recovery_inbound_files(self, attachments):
        """The message's files as attachments (the seal then freezes copies of them): at most
        ``MAX_INBOUND_FILES``, each of at most ``MAX_INBOUND_FILE_BYTES``; others are dropped."""
        vals_list = []
        for item in list(attachments or [])[:MAX_INBOUND_FILES]:
            try:
                name, raw, mimetype = item
            except (TypeError, ValueError):
                continue
            if isinstance(raw, str):
                raw = raw.encode()
            if not isinstance(raw, bytes) or len(raw) > MAX_INBOUND_FILE_BYTES:
                continue
            name = re.sub(r"[\\/\x00-\x1f]+", "_", str(name or "")).strip()[:200] or "attachment"
            vals_list.append(
                {
                    "name": name,
                    "raw": raw,
                    "mimetype": str(mimetype or "application/octet-stream")[:100],
                    "company_id": self.company_id.id,
                }
            )
        return self.env["ir.attachment"].sudo().create(vals_list) if vals_list else self.env["ir.attachment"]

    def _recovery_reply_to_log(self, reply_to):
        """The log of this debtor that ``reply_to`` (a log, or the external id of one) names, if any."""
        Contact = self.env["credit.recovery.contact"].sudo()
        if not reply_to:
            return Contact
        if isinstance(reply_to, models.BaseModel):
            return reply_to.sudo().filtered(lambda log: log._name == Contact._name and log.debtor_id == self)[:1]
        return Contact.search([("debtor_id", "=", self.id), ("external_id", "=", str(reply_to))], limit=1)

    def _recovery_notify_inbound(self, log):
        """An activity for the collection responsible: the customer wrote (one open at a time;
        the conversation holds every message)."""
        activity_type = self.env.ref("account_credit_recovery.mail_activity_type_recovery_reply")
        if self.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type):
            return
        channels = dict(log._fields["channel"]._description_selection(self.env))
        self.activity_schedule(
            activity_type_id=activity_type.id,
            summary=self.env._("The customer wrote by %(channel)s", channel=channels[log.channel]),
            # Typed by the public: escaped, never rendered as HTML.
            note=text_html(_excerpt(log.notes, 500)),
            user_id=self._get_collection_responsible().id,
        )

    def _recovery_apply_stop(self, log, channel):
        """The customer asked to stop ``channel``: answer with a confirmation on the channel the
        request came by, then set the opt-out (CDC 42, LGPD). The confirmation goes first: once
        the opt-out is set, nothing more may be sent there."""
        partner = self.partner_id.sudo()
        channels = dict(log._fields["channel"]._description_selection(self.env))
        if channel not in OPTOUT_CHANNELS:
            self.message_post(
                body=self.env._(
                    "The customer asked to stop contacts by %(channel)s, which has no opt-out: "
                    "check what they want and set it by hand.",
                    channel=channels.get(channel, channel),
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.ref("base.partner_root").id,
            )
            return
        if partner[f"recovery_optout_{channel}"]:
            self.message_post(
                body=self.env._(
                    "The customer asked again to stop collection contacts by %(channel)s (message #%(log)s): "
                    "the opt-out was already set.",
                    channel=channels[channel],
                    log=log.id,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.ref("base.partner_root").id,
            )
            return
        env = self.with_context(lang=partner.lang or self.env.lang).env
        env_channels = dict(log._fields["channel"]._description_selection(env))
        if channel == "phone":
            text = env._(
                "%(company)s: you will no longer receive collection calls. To talk to us, reply to this message.",
                company=self.company_id.name,
            )
        else:
            text = env._(
                "%(company)s: you will no longer receive collection messages by %(channel)s. "
                "To talk to us, call us or use your personal link.",
                company=self.company_id.name,
                channel=env_channels[channel],
            )
        confirmed, failure = False, ""
        try:
            with self.env.cr.savepoint():
                self._recovery_deliver_reply(
                    log.channel,
                    text,
                    justification=self.env._("Confirmation of the opt-out the customer asked for (CDC art. 42, LGPD)."),
                    reply_to=log,
                )
                confirmed = True
        except UserError as error:
            _logger.info("Opt-out confirmation on debtor %s not sent: %s", self.id, error)
            failure = str(error)
        partner.write({f"recovery_optout_{channel}": True})
        if confirmed:
            body = self.env._(
                "The customer asked to stop collection contacts by %(channel)s (message #%(log)s): the opt-out "
                "is set and a confirmation was sent by %(by)s.",
                channel=channels[channel],
                log=log.id,
                by=channels[log.channel],
            )
        else:
            body = self.env._(
                "The customer asked to stop collection contacts by %(channel)s (message #%(log)s): the opt-out "
                "is set, but the confirmation could not be sent (%(failure)s).",
                channel=channels[channel],
                log=log.id,
                failure=failure,
            )
        self.message_post(body=body, subtype_xmlid="mail.mt_note", author_id=self.env.ref("base.partner_root").id)

    # ------------------------------------------------------------------
    # Business methods: outbound replies
    # ------------------------------------------------------------------

    def _recovery_send_reply(self, channel, text):
        """Answer the customer on ``channel`` with ``text`` (plain text); returns the outbound log.

        The log is recorded as a contact the agent makes now: the opt-outs, the contact window
        and the caps apply as to any contact logged by hand (``credit.recovery.contact``'s
        rules). The channel's transport, ``_recovery_send_reply_<channel>(log, text)``, then
        delivers it; a channel without one is refused.
        """
        self.ensure_one()
        return self._recovery_deliver_reply(channel, text)

    def _recovery_deliver_reply(self, channel, text, justification=None, reply_to=None):
        """Record the outbound log and deliver it. ``justification``: the contact rules are
        overridden (the system's own confirmations of an opt-out only)."""
        self.ensure_one()
        self = self.with_context(clean_context(self.env.context))  # noqa: PLW0642
        text = self._recovery_plain_text(text)
        if not text:
            raise UserError(self.env._("Type the message to send."))
        Contact = self.env["credit.recovery.contact"]
        channels = dict(Contact._fields["channel"]._description_selection(self.env))
        transport = getattr(self, f"_recovery_send_reply_{channel}", None) if channel in channels else None
        if transport is None:
            raise UserError(
                self.env._(
                    "Replies by %(channel)s cannot be sent from here: no service sends them. Reply by another channel.",
                    channel=channels.get(channel, channel),
                )
            )
        partner = self.partner_id
        invoices = self.sudo().open_invoice_ids.filtered(lambda move: move.move_type in ("out_invoice", "out_receipt"))
        vals = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "channel": channel,
            "direction": "outbound",
            "notes": text,
        }
        if channel in ("whatsapp", "sms"):
            vals["phone_number"] = partner.sudo()._recovery_sms_number() or False
        if justification:
            vals["override_justification"] = justification
            Contact = Contact.sudo()
        log = Contact.with_company(self.company_id).create(vals)
        if reply_to:
            log._write_workflow({"reply_to_id": reply_to.id})
        transport(log, text)  # pylint: disable=not-callable
        return log

    def _recovery_send_reply_email(self, log, text):
        """E-mail transport: a message on the debtor's thread to the customer (queued), as an
        answer to the customer's latest e-mail; replies to it come back to this thread."""
        partner = self.partner_id.sudo()
        if not partner.email or partner.recovery_email_bounced:
            raise UserError(
                self.env._(
                    "%(partner)s has no valid e-mail address (missing or bounced).", partner=partner.display_name
                )
            )
        parent = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", self._name),
                    ("res_id", "=", self.id),
                    "|",
                    ("message_type", "=", "email"),
                    "&",
                    ("message_type", "=", "comment"),
                    ("subtype_id", "=", self.env.ref("mail.mt_comment").id),
                ],
                order="id desc",
                limit=1,
            )
        )
        subject = parent.subject or self.env._("Your account with %(company)s", company=self.company_id.name)
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        message = (
            self.sudo()
            .with_context(mail_notify_force_send=False, mail_create_nosubscribe=True)
            .message_post(
                body=text_html(text),
                subject=subject,
                partner_ids=partner.ids,
                parent_id=parent.id or False,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.env.user.partner_id.id,
            )
        )
        log._write_workflow({"message_id": message.id})

    def _recovery_send_reply_sms(self, log, text):
        """SMS transport: an SMS on the debtor's thread to the customer's mobile (queued)."""
        partner = self.partner_id.sudo()
        number = partner._recovery_sms_number()
        if not number or partner.recovery_sms_failed:
            raise UserError(
                self.env._(
                    "%(partner)s has no valid mobile number (missing, invalid or failed).",
                    partner=partner.display_name,
                )
            )
        message = (
            self.sudo()
            .with_context(mail_create_nosubscribe=True)
            ._message_sms(text, partner_ids=partner.ids, sms_pid_to_number={partner.id: number}, put_in_queue=True)
        )
        log._write_workflow({"message_id": message.id})
