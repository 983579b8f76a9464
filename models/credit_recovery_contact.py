from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlencode

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, html2plaintext
from odoo.tools.misc import format_datetime

from ..tools import contact_rules
from ..tools.contact_rules import ContactWindow, decide_contact
from ..tools.evidence import evidence_hash, sha256_hex

CHANNELS = [
    ("phone", "Phone call"),
    ("whatsapp", "WhatsApp"),
    ("sms", "SMS"),
    ("email", "Email"),
    ("letter", "Letter"),
    ("in_person", "In person"),
    ("chat", "Chat / portal"),
]
# Channels without a time of day: the contact window does not apply (caps still do).
TIMELESS_CHANNELS = ("letter",)
# Fields the author may still fill in while a log awaits its outcome (e.g. a WhatsApp message).
DRAFT_FIELDS = {
    "outcome_id",
    "reason_id",
    "notes",
    "call_duration",
    "recording_ref",
    "next_action_date",
    "attachment_ids",
    "promise_amount",
    "promise_date",
}


class CreditRecoveryContact(models.Model):
    """One contact attempt or inbound contact with a debtor: evidence, kept forever.

    A log is sealed with a SHA-256 digest of its content when it is recorded, and
    nobody edits or deletes it afterwards; mistakes are corrected by a manager with a
    correction log pointing at the original. Outbound contacts must respect the
    policy's contact window, the daily and weekly caps and the debtor's opt-outs.
    """

    _name = "credit.recovery.contact"
    _description = "Collection Contact Log"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Debtor", required=True, index=True, ondelete="restrict", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    debtor_id = fields.Many2one("credit.recovery.debtor", string="Collection Record", index=True, readonly=True)
    invoice_ids = fields.Many2many(
        "account.move",
        "credit_recovery_contact_move_rel",
        "contact_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', 'in', ('out_invoice', 'out_receipt')),"
        " ('state', '=', 'posted')]",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    direction = fields.Selection([("outbound", "Outbound"), ("inbound", "Inbound")], required=True, default="outbound")
    user_id = fields.Many2one("res.users", string="Agent", required=True, default=lambda self: self.env.user)
    phone_number = fields.Char(help="Number called or messaged, in E.164 form.")
    outcome_id = fields.Many2one("credit.recovery.contact.outcome")
    outcome_action = fields.Selection(related="outcome_id.action")
    reason_id = fields.Many2one("credit.recovery.nonpayment.reason", string="Non-payment Reason")
    notes = fields.Text(help="What the debtor said, in their words where possible.")
    attachment_ids = fields.Many2many(
        "ir.attachment", "credit_recovery_contact_attachment_rel", "contact_id", "attachment_id", string="Attachments"
    )
    call_duration = fields.Float(string="Call Duration (minutes)")
    recording_ref = fields.Char(
        string="Call Recording",
        help="Reference of the call recording: recordings must be supplied to the debtor on request "
        "(SP Lei 14.953/2013).",
    )
    next_action_date = fields.Date(string="Callback Date")
    promise_amount = fields.Monetary(string="Promised Amount", currency_field="currency_id")
    promise_date = fields.Date(string="Promised Payment Date")
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Awaiting outcome"), ("logged", "Logged")], required=True, default="logged", readonly=True
    )
    evidence_hash = fields.Char(string="Evidence Digest (SHA-256)", readonly=True, copy=False)
    sealed_at = fields.Datetime(readonly=True, copy=False)
    correction_of_id = fields.Many2one(
        "credit.recovery.contact", string="Corrects", ondelete="restrict", index="btree_not_null"
    )
    correction_ids = fields.One2many("credit.recovery.contact", "correction_of_id", string="Corrections")
    correction_reason = fields.Text()
    override_justification = fields.Text(
        help="Filled in by a Collection Manager to log a contact outside the contact window or above the caps.",
    )
    override_user_id = fields.Many2one("res.users", string="Overridden By", readonly=True)
    is_automatic = fields.Boolean(readonly=True, help="Sent by the scheduled collection run.")
    delivery_state = fields.Selection(
        [("sent", "Sent"), ("delivered", "Delivered"), ("failed", "Failed")], readonly=True
    )
    delivery_failure = fields.Char(readonly=True, help="Why the message could not be delivered (bounce, error).")
    dispatch_id = fields.Many2one(
        "credit.recovery.dispatch", string="Collection Message", readonly=True, index="btree_not_null"
    )
    message_id = fields.Many2one("mail.message", string="Message Sent", readonly=True, index="btree_not_null")

    @api.depends("channel", "direction", "partner_id", "date")
    def _compute_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for contact in self:
            contact.name = f"{channels.get(contact.channel, '')} – {contact.partner_id.display_name or ''}"

    @api.constrains("call_duration", "promise_amount", "correction_of_id", "correction_reason", "outcome_id", "state")
    def _check_values(self):
        for contact in self:
            if (
                contact.state == "logged"
                and contact.outcome_id.action == "promise"
                and not (contact.promise_amount and contact.promise_date)
            ):
                raise ValidationError(self.env._("Enter the amount and the date the customer promised to pay."))
            if contact.state == "logged" and contact.outcome_id.action == "callback" and not contact.next_action_date:
                raise ValidationError(self.env._("Enter the date the customer asked to be called back."))
            if contact.call_duration < 0:
                raise ValidationError(self.env._("A call cannot last a negative time."))
            if contact.correction_of_id and not (contact.correction_reason or "").strip():
                raise ValidationError(self.env._("Say why the original log is being corrected."))

    @api.onchange("partner_id", "channel")
    def _onchange_partner_channel(self):
        partner = self.partner_id.commercial_partner_id
        if self.channel in ("phone", "whatsapp", "sms"):
            self.phone_number = partner.recovery_best_phone or partner.phone or partner.mobile

    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"].browse(vals["partner_id"] for vals in vals_list if vals.get("partner_id"))
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        if any(vals.get("correction_of_id") for vals in vals_list) and not self.env.user.has_group(
            "account_credit_recovery.group_credit_recovery_manager"
        ):
            raise AccessError(self.env._("Only a Collection Manager can correct a contact log."))
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]
            if vals.get("override_justification"):
                vals["override_user_id"] = self.env.uid
        contacts = super(CreditRecoveryContact, self.with_context(credit_recovery_contact_internal=True)).create(
            vals_list
        )
        if not self.env.context.get("credit_recovery_engine"):
            # The run checked the rules for the whole message (all its channels count as one contact).
            contacts._check_contact_rules()
        contacts._link_debtors()
        contacts.filtered(lambda contact: contact.state == "logged")._record()
        return contacts.with_env(self.env)

    def write(self, vals):
        if self.env.context.get("credit_recovery_contact_internal"):
            return super().write(vals)
        for contact in self:
            editable = contact.state == "draft" and not set(vals) - DRAFT_FIELDS
            if not editable or (contact.user_id != self.env.user and not self.env.su):
                raise UserError(
                    self.env._(
                        "Contact logs are evidence and cannot be changed once recorded (%(log)s). "
                        "To fix a mistake, ask a Collection Manager to add a correction log.",
                        log=contact.display_name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Contact logs are evidence and are never deleted. To fix a mistake, ask a Collection Manager "
                "to add a correction log."
            )
        )

    def action_complete(self):
        """Record a log that was awaiting its outcome (e.g. after a WhatsApp message)."""
        for contact in self:
            if contact.state != "draft":
                continue
            if not contact.outcome_id:
                raise UserError(self.env._("Choose the outcome of the contact before recording it."))
            if contact.user_id != self.env.user:
                raise UserError(self.env._("Only %(agent)s can complete this log.", agent=contact.user_id.name))
        drafts = self.filtered(lambda contact: contact.state == "draft")
        drafts.with_context(credit_recovery_contact_internal=True).write({"state": "logged"})
        drafts._record()
        return True

    def action_correct(self):
        """Open a new log that corrects this one (Collection Managers)."""
        self.ensure_one()
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can correct a contact log."))
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_contact")
        action.update(
            {
                "views": [(False, "form")],
                "target": "new",
                "context": {
                    "default_correction_of_id": self.id,
                    "default_partner_id": self.partner_id.id,
                    "default_company_id": self.company_id.id,
                    "default_invoice_ids": self.invoice_ids.ids,
                    "default_channel": self.channel,
                    "default_direction": self.direction,
                    "default_date": fields.Datetime.to_string(self.date),
                    "default_outcome_id": self.outcome_id.id,
                    "default_reason_id": self.reason_id.id,
                    "default_notes": self.notes,
                },
            }
        )
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _action_log_contact(self, partner, invoices=None, channel="phone"):
        """The "Log contact" dialog, prefilled for ``partner`` (a commercial entity)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_contact")
        number = partner.recovery_best_phone or partner.phone or partner.mobile
        action.update(
            {
                "name": self.env._("Log Contact"),
                "views": [(False, "form")],
                "target": "new",
                "context": {
                    "default_partner_id": partner.id,
                    "default_invoice_ids": (invoices or self.env["account.move"]).ids,
                    "default_channel": channel,
                    "default_phone_number": number if channel in ("phone", "whatsapp", "sms") else False,
                },
            }
        )
        return action

    @api.model
    def _action_whatsapp(self, debtor, invoices=None):
        """Log an outbound WhatsApp contact awaiting its outcome and open click-to-chat.

        Community has no WhatsApp API: ``wa.me`` opens the agent's WhatsApp with the
        message ready; the agent then records the outcome on the log.
        """
        partner = debtor.partner_id
        mobile = partner._recovery_whatsapp_number()
        if not mobile:
            raise UserError(
                self.env._(
                    "%(partner)s has no valid mobile number, and WhatsApp needs one. Fix the number on the "
                    "customer, or call instead.",
                    partner=partner.display_name,
                )
            )
        template = self.env.ref("account_credit_recovery.mail_template_whatsapp_message")
        body = template._render_field("body_html", debtor.ids, compute_lang=True)[debtor.id]
        text = html2plaintext(body).strip()
        contact = self.create(
            {
                "partner_id": partner.id,
                "company_id": debtor.company_id.id,
                "invoice_ids": [Command.set((invoices or debtor.claimable_invoice_ids).ids)],
                "channel": "whatsapp",
                "direction": "outbound",
                "phone_number": "+" + mobile,
                "notes": text,
                "state": "draft",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"https://wa.me/{mobile}?{urlencode({'text': text})}",
            "target": "new",
            "contact_id": contact.id,
        }

    def _link_debtors(self):
        keys = {(contact.partner_id.id, contact.company_id.id) for contact in self}
        debtors = self.env["credit.recovery.debtor"].sudo()._get_or_create(keys)
        for contact in self:
            contact.with_context(credit_recovery_contact_internal=True).debtor_id = debtors.get(
                (contact.partner_id.id, contact.company_id.id)
            )

    def _record(self):
        """Seal the logs, tell the chatters, and apply what their outcomes call for.

        What the debtor said (notes, outcome, reason, digest) is personal data (LGPD): it goes
        to the chatter of the company's collection record only, which the company's Collection
        groups alone can read. The customer is shared between companies and the invoice is read
        by accounting, so the invoice gets a neutral line and the customer nothing.
        """
        self._seal()
        # Automatic messages are in the debtor's chatter already, with their delivery status.
        for contact in self.filtered(lambda contact: not contact.is_automatic):
            # The note is the system's record, authored by the agent.
            contact.debtor_id.sudo().message_post_with_source(
                "account_credit_recovery.message_contact_logged",
                render_values={"contact": contact},
                subtype_xmlid="mail.mt_note",
            )
            for invoice in contact.invoice_ids.sudo():
                invoice.message_post(body=self.env._("A collection contact was logged."), subtype_xmlid="mail.mt_note")
        self._apply_outcomes()

    def _apply_outcomes(self):
        """Promise, dispute, do-not-contact: what the recorded outcomes call for."""
        originals = self.filtered(lambda contact: not contact.correction_of_id)
        stop = originals.filtered(lambda contact: contact.outcome_id.action == "do_not_contact")
        if stop:
            stop.partner_id.sudo().write({"recovery_do_not_contact": True})
        promising = originals.filtered(lambda contact: contact.outcome_id.action == "promise")
        if promising:
            self.env["credit.recovery.promise"].sudo().create(
                [contact._prepare_promise_vals() for contact in promising]
            )
        for contact in originals.filtered(lambda contact: contact.outcome_id.action == "dispute"):
            invoices = (contact.invoice_ids or contact.debtor_id.open_invoice_ids).filtered(
                lambda move: move.recovery_dispute_state != "open"  # under review already: the log is enough
            )
            if invoices:
                invoices._recovery_open_dispute(
                    contact.outcome_id.dispute_kind or "not_recognised", contact.notes or contact.outcome_id.name
                )

    def _prepare_promise_vals(self):
        self.ensure_one()
        return {
            "contact_id": self.id,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "debtor_id": self.debtor_id.id,
            "invoice_ids": [Command.set((self.invoice_ids or self.debtor_id.open_invoice_ids).ids)],
            "amount": self.promise_amount,
            "date": self.promise_date,
            "promised_on": fields.Date.context_today(self, self.date),
            "user_id": self.user_id.id,
        }

    def _evidence_payload(self):
        """The content a log's digest covers: the log's own stored values and the ids it
        points to (not their names, which may be renamed legitimately afterwards)."""
        self.ensure_one()
        return {
            "id": self.id,
            "company": self.company_id.id,
            "partner": self.partner_id.id,
            "invoices": sorted(self.invoice_ids.ids),
            "date": fields.Datetime.to_string(self.date),
            "channel": self.channel,
            "direction": self.direction,
            "agent": self.user_id.id,
            "phone_number": self.phone_number or "",
            "outcome": self.outcome_id.id or 0,
            "reason": self.reason_id.id or 0,
            "notes": self.notes or "",
            "call_duration": self.call_duration,
            "recording_ref": self.recording_ref or "",
            "next_action_date": fields.Date.to_string(self.next_action_date) if self.next_action_date else "",
            "promise": [self.promise_amount, fields.Date.to_string(self.promise_date) if self.promise_date else ""],
            "correction_of": self.correction_of_id.id or 0,
            "correction_reason": self.correction_reason or "",
            "override": [self.override_user_id.id or 0, self.override_justification or ""],
            "automatic": self.is_automatic,
            "attachments": sorted(
                [attachment.name, sha256_hex(attachment.raw or b"")] for attachment in self.attachment_ids.sudo()
            ),
        }

    def _seal(self):
        now = fields.Datetime.now()
        for contact in self:
            contact.with_context(credit_recovery_contact_internal=True).write(
                {"evidence_hash": evidence_hash(contact._evidence_payload()), "sealed_at": now}
            )

    def _get_tampered(self):
        """The sealed logs whose content no longer matches their digest."""
        self.env.invalidate_all()
        return self.filtered(
            lambda contact: (
                contact.evidence_hash and contact.evidence_hash != evidence_hash(contact._evidence_payload())
            )
        )

    def _check_contact_rules(self):
        """Refuse outbound contacts that the debtor or the policy does not allow.

        Opt-outs are always honoured. The contact window and the caps may be
        overridden by a Collection Manager with a justification, stored on the log.
        """
        outbound = self.filtered(lambda contact: contact.direction == "outbound" and not contact.correction_of_id)
        if not outbound:
            return
        for contact in outbound:
            partner = contact.partner_id
            if partner.recovery_do_not_contact:
                raise UserError(
                    self.env._(
                        "%(partner)s asked not to be contacted about this debt: do not contact them. "
                        "Only an inbound contact can be logged.",
                        partner=partner.display_name,
                    )
                )
            if partner._recovery_channel_opted_out(contact.channel):
                raise UserError(
                    self.env._(
                        "%(partner)s refused contacts by %(channel)s. Use another channel.",
                        partner=partner.display_name,
                        channel=dict(self._fields["channel"]._description_selection(self.env))[contact.channel],
                    )
                )
        overridden = outbound.filtered("override_justification")
        if overridden and not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can override the contact rules."))
        checked = outbound - overridden
        if not checked:
            return
        policies = self.env["credit.recovery.policy"]._get_company_policies(checked.company_id)
        day_counts = checked._outbound_day_counts()
        windows = {}
        for contact in checked:
            policy = policies.get(contact.company_id.id)
            if not policy:
                continue
            if policy.id not in windows:
                windows[policy.id] = policy._get_contact_window()
            window = windows[policy.id]
            tz = contact.partner_id._recovery_tz()
            local = pytz.utc.localize(contact.date).astimezone(pytz.timezone(tz)).replace(tzinfo=None)
            if contact.channel in TIMELESS_CHANNELS:
                window = ContactWindow(intervals=dict.fromkeys(range(7), ((0.0, 24.0),)))
            decision = decide_contact(
                local,
                window,
                day_counts.get(contact.partner_id.id, {}),
                policy.max_contacts_per_day,
                policy.max_contacts_per_week,
            )
            if not decision.allowed:
                raise UserError(contact._refusal_message(decision, policy, tz))

    def _outbound_day_counts(self):
        """``{partner_id: {local date: n}}`` of other outbound logs in the weeks concerned (one query)."""
        if not self:
            return {}
        first = min(self.mapped("date")) - timedelta(days=8)
        last = max(self.mapped("date")) + timedelta(days=8)
        others = self.sudo().search_fetch(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("direction", "=", "outbound"),
                ("correction_of_id", "=", False),
                ("id", "not in", self.ids),
                ("date", ">=", first),
                ("date", "<=", last),
            ],
            ["partner_id", "date"],
        )
        tz_by_partner = {partner.id: pytz.timezone(partner._recovery_tz()) for partner in self.partner_id}
        counts = defaultdict(lambda: defaultdict(int))
        for other in others:
            tz = tz_by_partner[other.partner_id.id]
            counts[other.partner_id.id][pytz.utc.localize(other.date).astimezone(tz).date()] += 1
        return counts

    @api.model
    def _outbound_counts_by_debtor(self, debtor_ids, now):
        """``{debtor_id: {local date: n}}`` of outbound contacts around ``now`` (one query).

        The e-mail and the SMS of one collection message count as one contact.
        """
        if not debtor_ids:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT d.id, (c.date AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(p.tz, cp.tz, 'UTC'))::date,
                       COUNT(DISTINCT COALESCE(-c.dispatch_id, c.id))
                  FROM credit_recovery_debtor d
                  JOIN res_partner p ON p.id = d.partner_id
                  JOIN res_company co ON co.id = d.company_id
                  JOIN res_partner cp ON cp.id = co.partner_id
                  JOIN credit_recovery_contact c ON c.partner_id = d.partner_id
                 WHERE d.id = ANY(%(debtors)s) AND c.direction = 'outbound' AND c.correction_of_id IS NULL
                   AND c.date >= %(since)s AND c.date <= %(until)s
                 GROUP BY 1, 2
                """,
                debtors=list(debtor_ids),
                since=now - timedelta(days=8),
                until=now + timedelta(days=8),
            )
        )
        counts = defaultdict(dict)
        for debtor_id, day, count in rows:
            counts[debtor_id][day] = count
        return counts

    def _mark_delivery_failed(self, failure, flag_partner=True):
        """The message of these logs bounced or failed: say so on the log and, when the address or
        number is to blame (``flag_partner``), flag it on the partner."""
        logs = self.filtered(lambda contact: contact.delivery_state != "failed")
        if not logs:
            return
        logs.with_context(credit_recovery_contact_internal=True).write(
            {"delivery_state": "failed", "delivery_failure": failure}
        )
        if flag_partner:
            emails = logs.filtered(lambda log: log.channel == "email")
            emails.partner_id.sudo().write({"recovery_email_bounced": True})
            logs.filtered(lambda log: log.channel == "sms").partner_id.sudo().write({"recovery_sms_failed": True})
        # On the company's collection record: the shared customer does not learn of the collection.
        for log in logs:
            log.debtor_id.sudo().message_post(
                body=self.env._(
                    "The automatic %(channel)s collection message could not be delivered (%(failure)s). "
                    "Check the customer's contact details.",
                    channel=dict(self._fields["channel"]._description_selection(self.env))[log.channel],
                    failure=failure,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _refusal_message(self, decision, policy, tz):
        reasons = {
            contact_rules.OUTSIDE_WINDOW: self.env._("this is outside the contact window"),
            contact_rules.HOLIDAY: self.env._("this is a holiday"),
            contact_rules.DAY_CAP: self.env._(
                "the limit of %(count)s contact(s) per day is reached", count=policy.max_contacts_per_day
            ),
            contact_rules.WEEK_CAP: self.env._(
                "the limit of %(count)s contact(s) per week is reached", count=policy.max_contacts_per_week
            ),
        }
        if decision.next_moment:
            next_utc = pytz.timezone(tz).localize(decision.next_moment).astimezone(pytz.utc).replace(tzinfo=None)
            when = format_datetime(self.env, next_utc, tz=tz, dt_format="short")
            return self.env._(
                "%(partner)s cannot be contacted now: %(reason)s. Next allowed moment: %(when)s (%(tz)s). "
                "A Collection Manager can override this with a justification.",
                partner=self.partner_id.display_name,
                reason=reasons[decision.reason],
                when=when,
                tz=tz,
            )
        return self.env._(
            "%(partner)s cannot be contacted: %(reason)s, and the policy allows no contact in the coming year. "
            "Check the contact window of the collection policy.",
            partner=self.partner_id.display_name,
            reason=reasons[decision.reason],
        )
