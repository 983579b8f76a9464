from urllib.parse import urlencode

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, html2plaintext

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
    "evidence_version",
    "evidence_altered_before_upgrade",
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
    # Inbound messages (see credit_recovery_contact_inbound).
    "external_id",
    "reply_to_id",
    "inbound_author_id",
    "is_stop_request",
    "suggested_meaning",
    "suggested_date",
    "suggestion_state",
    # The agency whose user recorded it (see credit_recovery_agency_access).
    "agency_id",
    # Reasons read from the text (see credit_recovery_contact_reason_text).
    "suggested_reason_id",
    "suggested_reason_confidence",
    "text_reason_id",
    "text_reason_state",
    "flag_unemployment",
    "flag_already_paid",
    "flag_not_recognised",
    "flag_fraud_suspected",
}
# Workflow fields the collection run's own messages carry (see _create_automatic_logs).
AUTOMATIC_FIELDS = {"is_automatic", "delivery_state", "dispatch_id", "message_id", "debtor_id"}
# A contact dated later than now by more than this is refused (clocks differ a little).


class CreditRecoveryContact(models.Model):
    """One contact attempt or inbound contact with a debtor: evidence, kept forever.

    A log is sealed with a SHA-256 digest of its content when it is recorded, and
    nobody edits or deletes it afterwards; mistakes are corrected by a manager with a
    correction log pointing at the original. Outbound contacts must respect the
    policy's contact window, the daily and weekly caps and the debtor's opt-outs.

    Same model, one file per concern: this one (fields, CRUD, launchers), recording a log
    (``credit_recovery_contact_record``), the contact rules (``credit_recovery_contact_rules``),
    the seal and the evidence ledger (``credit_recovery_contact_evidence``), and the engine's
    counts of contacts (``credit_recovery_dispatch_counting``).
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
    phone_number = fields.Char(help="Number called or messaged, digits only; recorded in E.164 form.")
    phone_number_display = fields.Char(
        string="Number",
        compute="_compute_phone_number_display",
        help="The number as people write it (national form at home); the log keeps its E.164 form.",
    )
    phone_number_link = fields.Html(
        string="Call Link",
        compute="_compute_phone_number_display",
        sanitize=False,
        help="The number as people write it, linked to call it.",
    )
    outcome_id = fields.Many2one("credit.recovery.contact.outcome", ondelete="restrict")
    outcome_action = fields.Selection(related="outcome_id.action")
    reason_id = fields.Many2one("credit.recovery.nonpayment.reason", string="Non-payment Reason", ondelete="restrict")
    notes = fields.Text(help="What the debtor said, in their words where possible.")
    attachment_ids = fields.Many2many(
        "ir.attachment", "credit_recovery_contact_attachment_rel", "contact_id", "attachment_id", string="Attachments"
    )
    call_duration = fields.Float(
        string="Call Duration (min:sec)",
        help="How long the call lasted, in minutes and seconds as the phone's call timer shows them: 3:30 is "
        "three and a half minutes, and a whole number is minutes. Kept in minutes.",
    )
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
    # A seal is never rewritten; a payload change adds a version (see ``tools.evidence``).
    evidence_version = fields.Integer(
        string="Digest Version",
        readonly=True,
        copy=False,
        help="Version of the content the digest was computed with: each log is verified with its own, "
        "so a digest printed in a dossier keeps matching after an upgrade.",
    )
    evidence_altered_before_upgrade = fields.Boolean(
        string="Altered Before the Upgrade",
        readonly=True,
        copy=False,
        help="When the evidence ledger was built, at the upgrade of the Credit Recovery app, this log no "
        "longer matched the digest it was sealed with: it had been changed before. Its digest was kept "
        "as it was sealed, and it stays flagged.",
    )
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

    def init(self):
        # The logs sealed but not chained yet, which every seal looks up (see ``_chain``): a
        # handful among millions of logs.
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS credit_recovery_contact_unchained_idx
                   ON credit_recovery_contact (company_id)
                   WHERE evidence_hash IS NOT NULL AND evidence_sequence IS NULL"""
            )
        )

    @api.depends("phone_number", "company_id.country_id", "partner_id.country_id")
    def _compute_phone_number_display(self):
        """As people write it, and linked to its E.164 form to call it: the number of a log, and
        the number being typed in Log Contact (no link: it is not a valid number)."""
        for contact in self:
            number = contact.phone_number
            company = contact.company_id or self.env.company
            contact.phone_number_display = number and display_phone(number, company.country_id.code)
            info = self._read_phone_number(number, company, contact.partner_id)[0] if number else None
            contact.phone_number_link = (
                Markup('<a href="tel:%s"><i class="fa fa-phone me-1"></i>%s</a>')
                % (info.e164, display_phone(info.e164, company.country_id.code))
                if info and info.valid
                else False
            )

    @api.depends("channel", "direction", "partner_id", "date")
    def _compute_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for contact in self:
            contact.name = self._format_name(channels, contact.channel, contact.partner_id)

    @api.model
    def _format_name(self, channels, channel, partner):
        """A log's name: its channel's label (``channels``) and its customer."""
        return f"{channels.get(channel, '')} – {partner.display_name or ''}"

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
            self.phone_number = self._display_best_phone(partner)

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
        if not automatic:
            self._normalize_phone_numbers(vals_list)
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
        number = self._display_best_phone(partner)
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
    def _display_best_phone(self, partner):
        """The customer's number to call as people write it, to propose in Log Contact: a valid
        number only (one that does not parse is never proposed), else ``False``."""
        best = partner.recovery_best_phone
        return display_phone(best, self.env.company.country_id.code) if best else False

    @api.model
    def _action_whatsapp(self, debtor, invoices=None, text=None):
        """Log an outbound WhatsApp contact awaiting its outcome and open click-to-chat.

        Community has no WhatsApp API: ``wa.me`` opens the agent's WhatsApp with the
        message ready (``text``, else the collection message); the agent then records the
        outcome on the log.
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
        if text is None:
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
        # Nor do the debtor's fields computed from those states, and its collection state reads
        # of its logs only the callback date (the latest log's): where there is none, a log
        # without one leaves it as it is.
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .browse({vals["debtor_id"] for vals in vals_list if vals.get("debtor_id")})
        )
        without_callback = debtors.filtered(lambda debtor: not debtor.callback_date)
        # Their names in the INSERT (computed, they would be written again by a second statement).
        channels = dict(self._fields["channel"]._description_selection(self.env))
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        partners.fetch(["display_name"])
        for vals in vals_list:
            if vals.get("partner_id"):  # else create() says the customer is required
                vals["name"] = self._format_name(channels, vals["channel"], partners.browse(vals["partner_id"]))
        Debtor = debtors.browse()
        logged = self._debtor_followers([Debtor._fields["last_contact_date"], Debtor._fields["contact_count"]])
        called_back = self._debtor_followers([Debtor._fields["callback_date"]])
        from_states = self._debtor_followers(state_fields)
        with (
            self.env.protecting(state_fields, states),
            self.env.protecting(from_states - called_back - logged, debtors),
            self.env.protecting((from_states | called_back) - logged, without_callback),
        ):
            return self.sudo().create(vals_list)

    @api.model
    def _debtor_followers(self, fields_list):
        """The debtor's stored fields computed from ``fields_list``, directly or through others."""
        Debtor = self.env["credit.recovery.debtor"]
        found, trees = set(), [self.env.registry.get_trigger_tree(list(fields_list))]
        while trees:
            tree = trees.pop()
            found.update(field for field in tree.root if field.model_name == Debtor._name and field.store)
            trees.extend(tree.values())
        return found

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
        # Written in the company's language: the mail cron that reports the failure runs in its own.
        for log in logs:
            env = self.with_context(lang=log.company_id.partner_id.lang or self.env.lang).env
            log.debtor_id.sudo().message_post(
                body=env._(
                    "The automatic %(channel)s collection message could not be delivered (%(failure)s). "
                    "Check the customer's contact details.",
                    channel=dict(self._fields["channel"]._description_selection(env))[log.channel],
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
