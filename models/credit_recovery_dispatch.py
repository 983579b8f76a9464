from odoo import api, fields, models

from .credit_recovery_action import SKIP_REASONS


class CreditRecoveryDispatch(models.Model):
    """The one message a debtor receives for a run, at the highest stage among its actions.

    Planned by the run, queued until ``scheduled_at`` (the next moment the contact
    window and the caps allow), then delivered by the delivery cron. The message is the
    decision: its templates are rendered on this record and list exactly its stage
    actions (``action_ids``: the invoices and installments kept by the skip rules) with
    the amounts summed from them (``amount_due``); a disputed, promised, excluded,
    prescribed or agreement-covered debt is never in it. The rules are checked again at
    delivery: a promise or a payment made in between takes what is no longer due out of
    the message, or cancels it. Its activities go to the debtor's collection
    responsible, each outbound message is logged as a contact.
    """

    _name = "credit.recovery.dispatch"
    _description = "Collection Message"
    _order = "scheduled_at desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    debtor_id = fields.Many2one("credit.recovery.debtor", required=True, ondelete="cascade", index=True, readonly=True)
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer")
    user_id = fields.Many2one(related="debtor_id.user_id", string="Collection Responsible")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    run_id = fields.Many2one("credit.recovery.run", ondelete="set null", index=True, readonly=True)
    stage_id = fields.Many2one("credit.recovery.stage", required=True, ondelete="cascade", readonly=True)
    scheduled_at = fields.Datetime(string="Scheduled For", required=True, readonly=True, index=True)
    state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("cancelled", "Cancelled"), ("error", "Error")],
        required=True,
        default="queued",
        readonly=True,
        index=True,
    )
    sent_at = fields.Datetime(readonly=True)
    action_ids = fields.One2many("credit.recovery.action", "dispatch_id", string="Stage Actions", readonly=True)
    # The message is its actions: the skipped ones leave it (``dispatch_id`` cleared), the kept
    # ones stay, done or not. Its invoices are theirs, never stored apart.
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices Listed",
        compute="_compute_invoice_ids",
        help="The invoices the message claims: those of its stage actions.",
    )
    amount_due = fields.Monetary(
        string="Amount Claimed",
        compute="_compute_amount_due",
        help="What the message claims: the debtor's claimed amount of the day (overdue installments with "
        "late fine and interest, as on the self-service page), or before any due date the installments "
        "falling due. Fixed when the message goes out.",
    )
    amount_claimed = fields.Monetary(
        string="Amount Claimed When Sent",
        readonly=True,
        copy=False,
        help="The amount the message claimed on the day it went out.",
    )
    preview_subject = fields.Char(string="E-mail Subject", compute="_compute_preview")
    preview_body = fields.Html(string="E-mail", compute="_compute_preview", sanitize=False)
    preview_sms = fields.Text(string="SMS Text", compute="_compute_preview")
    contact_ids = fields.One2many("credit.recovery.contact", "dispatch_id", string="Contact Logs", readonly=True)
    email_sent = fields.Integer(string="Emails", readonly=True)
    sms_sent = fields.Integer(string="SMS", readonly=True)
    activity_count = fields.Integer(string="Activities", readonly=True)
    cancel_reason = fields.Selection(SKIP_REASONS, readonly=True)
    note = fields.Text(readonly=True, help="Channels left out, and why; or the error that stopped the delivery.")

    @api.depends("stage_id", "debtor_id")
    def _compute_name(self):
        for dispatch in self:
            dispatch.name = self.env._(
                "%(stage)s – %(debtor)s", stage=dispatch.stage_id.name or "", debtor=dispatch.partner_id.name or ""
            )

    @api.depends("action_ids.move_id")
    def _compute_invoice_ids(self):
        for dispatch in self:
            dispatch.invoice_ids = dispatch.action_ids.move_id

    @api.depends("action_ids.amount", "action_ids.move_id", "state", "amount_claimed")
    def _compute_amount_due(self):
        """A queued message claims the debtor's claimed amount of today (``_get_claims``: the same
        amount as the page, the WhatsApp text and the letter); from its delivery on, what it claimed
        that day (``amount_claimed``, written before it is rendered). A reminder before any due
        date claims the installments falling due."""
        queued = self.filtered(lambda dispatch: dispatch.state == "queued" and not dispatch.amount_claimed)
        claims = queued.debtor_id._origin._get_claims() if queued else {}
        for dispatch in self:
            claim = claims.get(dispatch.debtor_id._origin.id) if dispatch in queued else None
            if dispatch.amount_claimed:
                dispatch.amount_due = dispatch.amount_claimed
            elif claim and claim.total > 0:
                dispatch.amount_due = float(claim.total)
            else:
                # An invoice claimed once, at its latest action (a queued message may carry two).
                per_invoice = {action.move_id: action.amount for action in dispatch.action_ids.sorted("id")}
                dispatch.amount_due = sum(per_invoice.values())

    def _invoice_amounts(self):
        """``{invoice: amount}`` the message's e-mail lists: a queued message, each invoice's part of
        the debtor's claimed amount of today (what its total claims); a sent one, what each claimed."""
        self.ensure_one()
        amounts = {action.move_id: action.amount for action in self.action_ids.sorted("id")}
        if self.state == "queued" and not self.amount_claimed:  # at delivery the actions hold them
            claim = self.debtor_id._origin._get_claims()[self.debtor_id._origin.id]
            amounts.update({move: float(total) for move, total in claim.by_move().items() if move in amounts})
        return amounts

    @api.depends("stage_id", "action_ids")
    def _compute_preview(self):
        """What the debtor will read, rendered as it will be sent (in the debtor's language)."""
        for dispatch in self:
            rendered = dispatch._render_messages(dispatch.stage_id)
            dispatch.preview_subject = rendered.get("subject") or False
            dispatch.preview_body = rendered.get("body") or False
            dispatch.preview_sms = rendered.get("sms") or False

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _render_messages(self, stage):
        """``{'subject', 'body', 'email_from', 'sms'}`` of ``stage``'s templates rendered on this message."""
        self.ensure_one()
        rendered = {}
        if not self.id:
            return rendered
        mail_template, sms_template = self._get_message_templates(stage)
        if mail_template:
            values = mail_template.sudo()._generate_template(self.ids, ("subject", "body_html", "email_from"))[self.id]
            rendered.update(
                subject=values.get("subject"), body=values.get("body_html"), email_from=values.get("email_from")
            )
        if sms_template:
            rendered["sms"] = sms_template.sudo()._render_field("body", self.ids, compute_lang=True)[self.id]
        return rendered

    def _get_message_templates(self, stage):
        """``(mail.template, sms.template)`` this message is sent with at ``stage``."""
        self.ensure_one()
        return stage.mail_template_id, stage.sms_template_id

    def _prepare_contact_vals(self, channel, template_name, message, number=False):
        """The automatic contact log of this message's e-mail or SMS: it names what the message claimed."""
        self.ensure_one()
        return {
            "partner_id": self.debtor_id.partner_id.id,
            "company_id": self.company_id.id,
            "debtor_id": self.debtor_id.id,
            "invoice_ids": [fields.Command.set(self.invoice_ids.ids)],
            "channel": channel,
            "direction": "outbound",
            "user_id": self.debtor_id._get_collection_responsible().id,
            "phone_number": number,
            "notes": self.env._(
                "Automatic message of stage %(stage)s, template “%(template)s”.",
                stage=self.stage_id.name,
                template=template_name,
            ),
            "is_automatic": True,
            "delivery_state": "sent",
            "dispatch_id": self.id,
            "message_id": message.id if message else False,
        }
