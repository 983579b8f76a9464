from odoo import api, fields, models

from .common import SKIP_REASONS


class CreditRecoveryDispatch(models.Model):
    """The one message a debtor receives for a run, at the highest stage among its actions.

    Planned by the run, queued until ``scheduled_at`` (the next moment the contact
    window and the caps allow), then delivered by the delivery cron. The message is the
    decision: its stage actions (``action_ids``: the invoices and installments kept by the
    skip rules) make it; it claims the debtor's claimed amount of the day (``amount_due``)
    and its e-mail lists every installment of it (:meth:`_message_rows`), then apart its
    reminders of installments not due yet; a disputed, promised, excluded, prescribed or
    agreement-covered debt is never in it. The rules are checked again at
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
    claim_rows = fields.Json(
        string="Installments Listed",
        compute="_compute_claim_rows",
        help="The installments the e-mail lists: those of the claimed amount, then those falling due.",
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

    @api.depends("action_ids.amount", "action_ids.move_id", "action_ids.due_date", "state", "amount_claimed")
    def _compute_amount_due(self):
        """A queued message claims the debtor's claimed amount of today (``_get_claims``: the same
        amount as the page, the WhatsApp text and the letter); from its delivery on, what it claimed
        that day (``amount_claimed``, written before it is rendered). A reminder when nothing is
        claimed yet: the installments falling due (each once)."""
        queued = self.filtered(lambda dispatch: dispatch.state == "queued" and not dispatch.amount_claimed)
        claims = queued.debtor_id._origin._get_claims() if queued else {}
        for dispatch in self:
            claim = claims.get(dispatch.debtor_id._origin.id) if dispatch in queued else None
            if dispatch.amount_claimed:
                dispatch.amount_due = dispatch.amount_claimed
            elif claim and claim.total > 0:
                dispatch.amount_due = float(claim.total)
            else:
                dispatch.amount_due = sum(dispatch._installment_actions().values())

    def _installment_actions(self):
        """``{(invoice, due date): amount}`` of the message's actions: an installment once, at its
        latest action (a queued message may carry two stages of one installment)."""
        self.ensure_one()
        return {(action.move_id, action.due_date): action.amount for action in self.action_ids.sorted("id")}

    @api.depends("state", "sent_at", "amount_claimed", "action_ids.amount", "action_ids.due_date", "action_ids.move_id")
    def _compute_claim_rows(self):
        """What each message's e-mail lists (see :meth:`_message_rows`), computed for a whole batch
        with one ``_get_claims`` per day (a delivery renders many messages: no query per message)."""
        days = {dispatch: dispatch._message_day() for dispatch in self}
        claims = {}
        for day in set(days.values()):
            debtors = self.filtered(lambda dispatch, day=day: days[dispatch] == day).debtor_id._origin
            claims[day] = debtors._get_claims(day)
        move_ids = {
            line.move.id for by_debtor in claims.values() for claim in by_debtor.values() for line in claim.lines
        }
        moves = self.env["account.move"].browse(move_ids) | self.action_ids.move_id
        names = {move.id: move.name or "" for move in moves}  # one read for the batch
        for dispatch in self:
            day = days[dispatch]
            claim = claims[day].get(dispatch.debtor_id._origin.id)
            lines = claim.lines if claim else ()
            keys = {(line.move.id, line.due) for line in lines}
            due_soon = sorted(
                (
                    (due, names[move.id], move.id, amount)
                    for (move, due), amount in dispatch._installment_actions().items()
                    if due and due >= day and (move.id, due) not in keys
                ),
            )
            dispatch.claim_rows = {
                "claimed": [
                    [
                        line.move.id,
                        names[line.move.id],
                        fields.Date.to_string(line.due),
                        float(line.charges.total),
                        line.charges.days,
                    ]
                    for line in lines
                ],
                "due_soon": [
                    [move_id, name, fields.Date.to_string(due), amount, 0] for due, name, move_id, amount in due_soon
                ],
            }

    def _message_day(self):
        self.ensure_one()
        if self.state == "queued" or not self.sent_at:
            return fields.Date.context_today(self)
        return fields.Date.context_today(self, self.sent_at)

    def _message_rows(self):
        """What the message's e-mail lists, so that it adds up to what it claims and its PIX code asks:

        - ``claimed``: every installment of the debtor's claimed amount of the message's day
          (``_get_claims``, this message's actions or not), each with its own total (principal,
          fine and interest): they add up to ``amount_due``, the page's and every channel's amount;
        - ``due_soon``: the installments of its actions not due yet (a pre-due reminder), with their
          open amount: listed apart, never owed now. When nothing is claimed, the message claims
          them (``amount_due``).
        Each is a list of ``{"move", "name", "due", "amount", "days"}`` in due-date order.
        """
        self.ensure_one()
        rows = self.claim_rows or {}
        Move = self.env["account.move"]
        return {
            kind: [
                {
                    "move": Move.browse(move_id),
                    "name": name,
                    "due": fields.Date.to_date(due),
                    "amount": amount,
                    "days": days,
                }
                for move_id, name, due, amount, days in rows.get(kind, [])
            ]
            for kind in ("claimed", "due_soon")
        }

    def _invoice_amounts(self):
        """``{invoice: amount}``: each invoice's part of the claimed amount of the message's day (its
        claimed installments). Kept for a stage e-mail not yet reloaded; :meth:`_message_rows` lists
        each installment."""
        self.ensure_one()
        amounts = {}
        for row in self._message_rows()["claimed"]:
            amounts[row["move"]] = amounts.get(row["move"], 0.0) + row["amount"]
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
