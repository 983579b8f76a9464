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
from ..tools.evidence import evidence_hash, ledger_hash, sha256_hex
from ..tools.phone import display_phone

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
# Set by the workflow only (sealing, the collection engine, the delivery reports): refused in create/write.
WORKFLOW_FIELDS = {
    "debtor_id",
    "evidence_hash",
    "evidence_previous_hash",
    "evidence_ledger_hash",
    "evidence_sequence",
    "sealed_at",
    "override_user_id",
    "is_automatic",
    "is_backdated",
    "is_over_cap",
    "delivery_state",
    "delivery_failure",
    "dispatch_id",
    "message_id",
}
# Workflow fields the collection run's own messages carry (see _create_automatic_logs).
AUTOMATIC_FIELDS = {"is_automatic", "delivery_state", "dispatch_id", "message_id", "debtor_id"}
# A contact dated later than now by more than this is refused (clocks differ a little).
FUTURE_TOLERANCE = timedelta(minutes=5)


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
    outcome_id = fields.Many2one("credit.recovery.contact.outcome", ondelete="restrict")
    outcome_action = fields.Selection(related="outcome_id.action")
    reason_id = fields.Many2one("credit.recovery.nonpayment.reason", string="Non-payment Reason", ondelete="restrict")
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
    evidence_sequence = fields.Integer(
        string="Ledger Entry", readonly=True, copy=False, help="Position of the log in the company's evidence ledger."
    )
    evidence_previous_hash = fields.Char(
        string="Previous Ledger Digest", readonly=True, copy=False, help="Ledger digest of the entry before this one."
    )
    evidence_ledger_hash = fields.Char(
        string="Ledger Digest (SHA-256)",
        readonly=True,
        copy=False,
        help="Seals the log's digest, its position and the previous entry's ledger digest.",
    )
    sealed_at = fields.Datetime(string="Recorded On", readonly=True, copy=False)
    is_backdated = fields.Boolean(
        string="Backdated",
        readonly=True,
        copy=False,
        help="Recorded longer after the contact than the policy allows, by a Collection Manager.",
    )
    is_over_cap = fields.Boolean(
        string="Over the Contact Cap",
        readonly=True,
        copy=False,
        help="The daily or weekly cap of contacts was already reached when this contact took place.",
    )
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
    playbook_html = fields.Html(string="Playbook", compute="_compute_playbook_html", sanitize=False)

    _sql_constraints = [
        (
            "evidence_sequence_unique",
            "unique(company_id, evidence_sequence)",
            "Two contact logs cannot hold the same place in the evidence ledger.",
        ),
    ]

    @api.depends("channel", "direction", "partner_id", "date")
    def _compute_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for contact in self:
            contact.name = f"{channels.get(contact.channel, '')} – {contact.partner_id.display_name or ''}"

    @api.depends("partner_id", "company_id", "invoice_ids", "reason_id")
    def _compute_playbook_html(self):
        """The script of the debt's most advanced stage and of the reason given, with the profile's proposals."""
        Debtor = self.env["credit.recovery.debtor"]
        for contact in self:
            debtor = contact.debtor_id or (
                Debtor.search(
                    [
                        ("partner_id", "=", contact.partner_id.commercial_partner_id.id),
                        ("company_id", "=", contact.company_id.id),
                    ],
                    limit=1,
                )
                if contact.partner_id
                else Debtor
            )
            invoices = contact.invoice_ids or debtor.open_invoice_ids
            stage = invoices.recovery_stage_id.sorted("sequence")[-1:]
            contact.playbook_html = self.env["credit.recovery.playbook"]._render_for(
                stage, contact.reason_id, debtor.profile_id
            )

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
        """Record contacts: the workflow's own fields are refused (but for the collection run's
        messages, see ``_create_automatic_logs``), the dates and the contact rules are checked,
        and the logs are sealed."""
        automatic = self.env.su and all(self._is_automatic_vals(vals) for vals in vals_list)
        allowed = AUTOMATIC_FIELDS if automatic else set()
        forbidden = {field for vals in vals_list for field in vals if field in WORKFLOW_FIELDS - allowed}
        if forbidden:
            raise UserError(self._workflow_fields_message(forbidden))
        partners = self.env["res.partner"].browse(vals["partner_id"] for vals in vals_list if vals.get("partner_id"))
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        if any(vals.get("correction_of_id") for vals in vals_list) and not self._is_manager():
            raise AccessError(self.env._("Only a Collection Manager can correct a contact log."))
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]
            if vals.get("override_justification"):
                vals["override_user_id"] = self.env.uid
            if "attachment_ids" in vals:
                self._check_attachment_access(vals["attachment_ids"])
        contacts = super().create(vals_list)
        contacts._check_new_logs(automatic)
        contacts._link_debtors()
        contacts.filtered(lambda contact: contact.state == "logged")._record()
        return contacts

    def write(self, vals):
        """Only a draft's author may fill in its outcome; a recorded log is never changed, by anyone."""
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
        if "attachment_ids" in vals:
            self._check_attachment_access(vals["attachment_ids"])
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
        drafts._write_workflow({"state": "logged"})
        drafts._record()
        return True

    def action_save_log(self):
        """The Log Contact dialog's Save: the record is saved by the client first; confirm it and close."""
        self.ensure_one()
        if self.state == "logged":
            # Built apart: Odoo's string extraction stops at an f-string inside a translated call.
            outcome = (": " + self.outcome_id.name) if self.outcome_id else ""
            message = self.env._(
                "Contact with %(partner)s recorded%(outcome)s. It is sealed as evidence.",
                partner=self.partner_id.display_name,
                outcome=outcome,
            )
        else:
            message = self.env._(
                "Contact with %(partner)s saved as a draft: record its outcome when you have it.",
                partner=self.partner_id.display_name,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Contact saved"),
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

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
        # A draft: the chat starts the contact now, so the caps refuse it rather than flag it.
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

    @api.model
    def _create_automatic_logs(self, vals_list):
        """Record the e-mails and SMS the collection run sent (``_prepare_contact_vals`` of the
        dispatch). The run checked the contact rules for the whole message (all its channels
        count as one contact) before sending it: what was sent is recorded as it is."""
        if not all(self._is_automatic_vals(vals) for vals in vals_list):
            raise UserError(self.env._("Only the collection run records automatic messages, from its own dispatches."))
        if any(vals.get("next_action_date") or vals.get("promise_date") for vals in vals_list):
            return self.sudo().create(vals_list)
        # A log's callback and promised dates are all the invoices' collection state reads of
        # it: logs without them leave that state as it is, and are kept from recomputing it
        # (for a delivery batch, a third of its cost; the daily run refreshes the states).
        move_ids = [move_id for vals in vals_list for move_id in self._command_ids(vals.get("invoice_ids"))]
        states = self.env["account.move"].sudo().browse(move_ids).recovery_invoice_id
        state_fields = self.env.registry.field_computed[states._fields["refresh_date"]]
        with self.env.protecting(state_fields, states):
            return self.sudo().create(vals_list)

    @api.model
    def _command_ids(self, commands):
        """The ids an x2many value links (plain ids, ``LINK`` and ``SET`` commands)."""
        ids = []
        for command in commands or []:
            if isinstance(command, int):
                ids.append(command)
            elif command[0] == Command.LINK:
                ids.append(command[1])
            elif command[0] == Command.SET:
                ids.extend(command[2])
        return ids

    @api.model
    def _is_automatic_vals(self, vals):
        return bool(
            vals.get("is_automatic")
            and vals.get("dispatch_id")
            and vals.get("channel") in ("email", "sms")
            and vals.get("direction") == "outbound"
            and not vals.get("correction_of_id")
            and not vals.get("override_justification")
        )

    def _check_new_logs(self, automatic):
        """Invoices, dates and contact rules of logs just created; flag them (backdated, over the cap).

        The run's messages (``automatic``) were checked against the rules before they were sent.
        """
        now = fields.Datetime.now()
        self._check_invoices()
        flags = self._check_dates(now)
        if not automatic:
            for contact, over_cap in self._check_contact_rules(now).items():
                flags[contact]["is_over_cap"] = over_cap
        for contact, vals in flags.items():
            if any(vals.values()):
                contact._write_workflow(vals)

    @api.model
    def _check_unused_by_logs(self, records, field):
        """Refuse to delete ``records`` (outcomes, reasons) that recorded logs point at through
        ``field``: deleting them would change sealed evidence. Archiving keeps them."""
        used = self.sudo().with_context(active_test=False).search([(field, "in", records.ids)], limit=1)
        if used:
            raise UserError(
                self.env._(
                    "%(name)s is used by recorded contact logs and cannot be deleted: archive it instead.",
                    name=used[field].display_name,
                )
            )

    def _write_workflow(self, vals):
        """Write the values only the workflow sets (seal, state, debtor, delivery status):
        the public ``write`` refuses them from any caller."""
        # The parent's write, past this model's guard: the one way the workflow's fields are written.
        return super(CreditRecoveryContact, self.sudo()).write(vals)  # pylint: disable=super-method-mismatch

    def _is_manager(self):
        return self.env.su or self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager")

    def _check_attachment_access(self, commands):
        """The caller links only files they may read: sealing copies them out of their reach."""
        ids = self._command_ids(commands)
        if ids and not self.env.su:
            self.env["ir.attachment"].browse(ids).check("read")

    def _check_invoices(self):
        """A log names only invoices of its own debtor (nothing is saved otherwise)."""
        for contact in self:
            foreign = contact.invoice_ids.sudo().filtered(
                lambda move, partner=contact.partner_id: (
                    move.commercial_partner_id != partner or move.move_type not in ("out_invoice", "out_receipt")
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "%(invoices)s is not an invoice of %(partner)s. Remove it from the log, and log "
                        "contacts about other customers' invoices on those customers.",
                        invoices=", ".join(foreign.mapped("display_name")),
                        partner=contact.partner_id.display_name,
                    )
                )

    def _check_dates(self, now):
        """Refuse contacts dated in the future; flag (and reserve to a Collection Manager) those
        recorded longer after the contact than the policy allows. ``{contact: flags}``."""
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        flags = {}
        for contact in self:
            if contact.date > now + FUTURE_TOLERANCE:
                raise ValidationError(
                    self.env._(
                        "The contact is dated %(date)s, in the future. Enter when it took place.",
                        date=format_datetime(self.env, contact.date, dt_format="short"),
                    )
                )
            policy = policies.get(contact.company_id.id)
            limit = timedelta(hours=policy.backdate_limit_hours if policy else 24)
            backdated = not contact.is_automatic and contact.date < now - limit
            if backdated and not self._is_manager():
                raise AccessError(
                    self.env._(
                        "This contact took place more than %(hours)s hours ago: only a Collection Manager can "
                        "record it. Ask one to log it, with the date it took place.",
                        hours=int(limit.total_seconds() // 3600),
                    )
                )
            flags[contact] = {"is_backdated": backdated}
        return flags

    def _link_debtors(self):
        """Each log on its (company, customer) debtor record: one write per debtor, none for the
        run's own logs, which come with their message's debtor."""
        unlinked = self.filtered(lambda contact: not contact.debtor_id)
        keys = {(contact.partner_id.id, contact.company_id.id) for contact in unlinked}
        debtors = self.env["credit.recovery.debtor"].sudo()._get_or_create(keys)
        by_debtor = defaultdict(self.browse)
        for contact in unlinked:
            by_debtor[debtors.get((contact.partner_id.id, contact.company_id.id))] |= contact
        for debtor_id, contacts in by_debtor.items():
            contacts._write_workflow({"debtor_id": debtor_id})

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
        for contact in originals.filtered(lambda contact: contact.outcome_id.action == "wrong_number"):
            partner = contact.partner_id.sudo()
            number = contact.phone_number or partner.recovery_best_phone
            if number:
                partner.recovery_wrong_number = number
                contact.debtor_id.sudo().message_post(
                    body=self.env._(
                        "%(number)s is a wrong number: find the right one before calling again.",
                        number=display_phone(number, contact.company_id.country_id.code),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
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
        """The content a log's digest covers: the log's own stored values, the ids it points to
        (not their names, which may be renamed legitimately afterwards) and the frozen copies of
        its attachments. Its place in the company's ledger is sealed by the ledger digest."""
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
            "backdated": self.is_backdated,
            "over_cap": self.is_over_cap,
            "sealed_at": fields.Datetime.to_string(self.sealed_at) if self.sealed_at else "",
            "attachments": sorted(
                [attachment.id, attachment.name, sha256_hex(attachment.raw or b"")]
                for attachment in self.attachment_ids.sudo()
            ),
        }

    def _seal(self):
        """Freeze the attachments, seal each log's content, and chain the logs into their
        company's evidence ledger (see ``_chain``)."""
        if not self:
            return
        self._freeze_attachments()
        self._write_workflow({"sealed_at": fields.Datetime.now()})
        self._write_column_values(
            {contact.id: {"evidence_hash": evidence_hash(contact._evidence_payload())} for contact in self}
        )
        self._chain(self.company_id)

    def _write_column_values(self, values):
        """``{log id: {column: value}}`` of the seal and the ledger, written in one UPDATE for
        the batch (a collection run records hundreds of logs at once; the ORM would write them
        one row at a time, each with its own values)."""
        if not values:
            return
        columns = sorted({column for vals in values.values() for column in vals})
        types = {"evidence_sequence": "int"}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE credit_recovery_contact c SET %s FROM (SELECT unnest(%s::int[]) AS id, %s) v WHERE c.id = v.id",
                SQL(", ").join(SQL("%s = v.%s", SQL.identifier(column), SQL.identifier(column)) for column in columns),
                list(values),
                SQL(", ").join(
                    SQL(
                        "unnest(%s::%s[]) AS %s",
                        [vals[column] for vals in values.values()],
                        SQL(types.get(column, "varchar")),
                        SQL.identifier(column),
                    )
                    for column in columns
                ),
            )
        )
        self.browse(list(values)).invalidate_recordset(columns)

    @api.model
    def _chain(self, companies):
        """Append the sealed logs of ``companies`` not yet in their ledger, oldest first.

        Each entry's ledger digest covers the previous entry's, as Odoo's inalterable hash
        does for journal entries. The ledger head is locked without waiting: when another
        transaction is appending to the same ledger, the logs stay sealed and wait for the
        next append (a collection run's workers never block each other). Logs whose content
        no longer matches their digest are never chained. Returns whether it could append.
        """
        chains = self.env["credit.recovery.evidence.chain"].sudo()
        heads = chains._lock_heads(companies)
        if heads is None:
            return False
        pending = self.sudo().search(
            [("company_id", "in", companies.ids), ("evidence_hash", "!=", False), ("evidence_sequence", "=", False)],
            order="sealed_at, id",
        )
        pending -= (pending - self)._get_tampered()  # ``self``: the logs sealed just now
        values = {}
        for contact in pending:
            sequence, previous = heads[contact.company_id.id]
            digest = ledger_hash(previous, contact.evidence_hash, sequence + 1)
            values[contact.id] = {
                "evidence_sequence": sequence + 1,
                "evidence_previous_hash": previous,
                "evidence_ledger_hash": digest,
            }
            heads[contact.company_id.id] = (sequence + 1, digest)
        self._write_column_values(values)
        chains._move_heads(heads)
        return True

    def _freeze_attachments(self):
        """Replace the logs' attachments by copies owned by the log: sealed with it, and out of
        reach of whoever uploaded the originals (see ``ir.attachment``)."""
        originals = [(contact, attachment) for contact in self for attachment in contact.attachment_ids.sudo()]
        if not originals:
            return
        copies = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": attachment.name,
                        "raw": attachment.raw,
                        "mimetype": attachment.mimetype,
                        "description": attachment.description,
                        "res_model": self._name,
                        "res_id": contact.id,
                        "company_id": contact.company_id.id,
                    }
                    for contact, attachment in originals
                ]
            )
        )
        by_contact = defaultdict(list)
        for (contact, _attachment), copy in zip(originals, copies, strict=True):
            by_contact[contact].append(copy.id)
        for contact, copy_ids in by_contact.items():
            contact._write_workflow({"attachment_ids": [Command.set(copy_ids)]})

    def _get_tampered(self):
        """The sealed logs whose content no longer matches their digest (as stored: read afresh)."""
        if not self:
            return self
        self.env.invalidate_all()
        return self.filtered(
            lambda contact: (
                contact.evidence_hash and contact.evidence_hash != evidence_hash(contact._evidence_payload())
            )
        )

    @api.model
    def _get_ledger_breaks(self, companies):
        """What breaks the ledgers of ``companies``, without reading the logs' content (SQL only).

        ``[(kind, log_id, detail)]``: ``missing`` entries (``detail``: first and last position;
        ``log_id``: the log after the gap), ``missing_end`` (the last entries: ``log_id`` is the
        last log left, or 0), ``inserted`` logs (recorded but never sealed, or beyond the head),
        ``moved`` logs (not chained to the entry before them, ``detail``: their position),
        ``modified`` entries (ledger digest rewritten, or the last one is not the head) and
        ``pending`` logs (sealed, not yet appended). Which contents changed is
        ``_get_tampered``'s job.
        """
        if not companies:
            return []
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH ledger AS (
                    SELECT id, company_id, state, evidence_hash, evidence_sequence, evidence_previous_hash,
                           evidence_ledger_hash,
                           LAG(evidence_sequence) OVER chain AS previous_sequence,
                           LAG(evidence_ledger_hash) OVER chain AS previous_hash
                      FROM credit_recovery_contact
                     WHERE company_id = ANY(%(companies)s)
                       AND (evidence_sequence IS NOT NULL OR evidence_hash IS NOT NULL OR state = 'logged')
                    WINDOW chain AS (PARTITION BY company_id ORDER BY evidence_sequence NULLS LAST, id)
                )
                SELECT 'unsealed', id, 0, 0 FROM ledger WHERE evidence_hash IS NULL
                UNION ALL
                SELECT 'pending', id, 0, 0 FROM ledger WHERE evidence_hash IS NOT NULL AND evidence_sequence IS NULL
                UNION ALL
                SELECT 'digest', id, evidence_sequence, 0
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL
                   AND evidence_ledger_hash IS DISTINCT FROM encode(sha256(convert_to(
                        COALESCE(evidence_previous_hash, '') || COALESCE(evidence_hash, '') || evidence_sequence::text,
                        'UTF8')), 'hex')
                UNION ALL
                SELECT 'gap', id, COALESCE(previous_sequence, 0) + 1, evidence_sequence - 1
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL AND evidence_sequence > COALESCE(previous_sequence, 0) + 1
                UNION ALL
                SELECT 'link', id, evidence_sequence, 0
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL AND evidence_sequence <= COALESCE(previous_sequence, 0) + 1
                   AND COALESCE(evidence_previous_hash, '') IS DISTINCT FROM COALESCE(previous_hash, '')
                UNION ALL
                SELECT 'beyond', ledger.id, ledger.evidence_sequence, 0
                  FROM ledger
                  JOIN credit_recovery_evidence_chain chain ON chain.company_id = ledger.company_id
                 WHERE ledger.evidence_sequence > chain.sequence
                UNION ALL
                SELECT CASE WHEN chain.sequence > COALESCE(last.evidence_sequence, 0) THEN 'tail' ELSE 'head' END,
                       COALESCE(last.id, 0), COALESCE(last.evidence_sequence, 0) + 1, chain.sequence
                  FROM credit_recovery_evidence_chain chain
                  LEFT JOIN LATERAL (
                        SELECT id, evidence_sequence, evidence_ledger_hash
                          FROM ledger
                         WHERE ledger.company_id = chain.company_id AND ledger.evidence_sequence <= chain.sequence
                         ORDER BY ledger.evidence_sequence DESC
                         LIMIT 1
                  ) last ON TRUE
                 WHERE chain.company_id = ANY(%(companies)s)
                   AND (
                        chain.sequence > COALESCE(last.evidence_sequence, 0)
                        OR COALESCE(chain.head_hash, '') IS DISTINCT FROM COALESCE(last.evidence_ledger_hash, '')
                   )
                """,
                companies=companies.ids,
            )
        )
        breaks = []
        for kind, log_id, first, last in rows:
            if kind == "gap":
                breaks.append(("missing", log_id, (first, last)))
            elif kind == "tail":
                breaks.append(("missing_end", log_id, (first, last)))
            elif kind == "head":
                breaks.append(("modified", log_id, last))
            elif kind == "link":
                breaks.append(("moved", log_id, first))
            elif kind == "digest":
                breaks.append(("modified", log_id, first))
            elif kind == "pending":
                breaks.append(("pending", log_id, 0))
            else:
                breaks.append(("inserted", log_id, first))
        return breaks

    def _check_contact_rules(self, now):
        """Refuse outbound contacts that the debtor or the contact window does not allow;
        ``{contact: over the cap}`` for the others.

        Opt-outs are always honoured. The window is judged at the contact's date and, for a
        contact recorded as it happens, at the moment it is recorded (a late call logged as an
        earlier one is still a late call). The caps stop a contact from *starting* (a draft,
        awaiting its outcome: e.g. a WhatsApp chat opened now); one that took place is
        recorded, flagged over the cap. A Collection
        Manager may override the window and the caps with a justification, stored on the log.
        """
        outbound = self.filtered(lambda contact: contact.direction == "outbound" and not contact.correction_of_id)
        if not outbound:
            return {}
        channels = dict(self._fields["channel"]._description_selection(self.env))
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
                        channel=channels[contact.channel],
                    )
                )
        overridden = outbound.filtered("override_justification")
        if overridden and not self._is_manager():
            raise AccessError(self.env._("Only a Collection Manager can override the contact rules."))
        policies = self.env["credit.recovery.policy"]._get_company_policies(outbound.company_id)
        day_counts = outbound._outbound_day_counts()
        open_window = ContactWindow(intervals=dict.fromkeys(range(7), ((0.0, 24.0),)))
        windows, over_cap = {}, {}
        for contact in outbound:
            policy = policies.get(contact.company_id.id)
            if not policy:
                continue
            if policy.id not in windows:
                windows[policy.id] = policy._get_contact_window()
            window = open_window if contact.channel in TIMELESS_CHANNELS else windows[policy.id]
            tz = pytz.timezone(contact.partner_id._recovery_tz())
            counts = day_counts.get(contact.partner_id.id, {})
            moments = [contact.date]
            if not self.env.su and now - timedelta(hours=policy.backdate_limit_hours) <= contact.date:
                # Recorded as it happens (or soon after): the real moment is at most now.
                moments.append(max(now, contact.date))
            caps = (policy.max_contacts_per_day, policy.max_contacts_per_week)
            cap_decision = decide_contact(contact._local(contact.date, tz), open_window, counts, *caps)
            over_cap[contact] = not cap_decision.allowed
            if contact.override_justification:
                continue
            # Starting: the caps refuse too, and the next allowed moment respects them.
            counts, caps = (counts, caps) if contact.state == "draft" else ({}, (0, 0))
            for moment in moments:
                decision = decide_contact(contact._local(moment, tz), window, counts, *caps)
                if not decision.allowed:
                    raise UserError(contact._refusal_message(decision, policy, tz.zone))
        return over_cap

    @staticmethod
    def _local(moment, tz):
        return pytz.utc.localize(moment).astimezone(tz).replace(tzinfo=None)

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
        logs._write_workflow({"delivery_state": "failed", "delivery_failure": failure})
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

    def _workflow_fields_message(self, field_names):
        labels = sorted(self._fields[name]._description_string(self.env) for name in field_names)
        return self.env._(
            "%(fields)s of a contact log are set by the system when the contact is recorded; leave them out.",
            fields=", ".join(labels),
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
                tz=self.env["res.partner"]._recovery_tz_label(tz),
            )
        return self.env._(
            "%(partner)s cannot be contacted: %(reason)s, and the policy allows no contact in the coming year. "
            "Check the contact window of the collection policy.",
            partner=self.partner_id.display_name,
            reason=reasons[decision.reason],
        )
