import logging
from collections import defaultdict

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.contact_rules import decide_contact
from .credit_recovery_action import SKIP_REASONS
from .credit_recovery_run import highest_stage_id

_logger = logging.getLogger(__name__)
DELIVERY_BATCH = 200


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
    invoice_ids = fields.Many2many(
        "account.move",
        "credit_recovery_dispatch_move_rel",
        "dispatch_id",
        "move_id",
        string="Invoices Listed",
        readonly=True,
    )
    amount_due = fields.Monetary(
        string="Amount Claimed",
        compute="_compute_amount_due",
        help="Sum of what the message's stage actions claim, one amount per invoice.",
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

    @api.depends("action_ids.amount", "action_ids.move_id")
    def _compute_amount_due(self):
        for dispatch in self:
            # An invoice claimed once, at its latest action (a queued message may carry two).
            per_invoice = {action.move_id: action.amount for action in dispatch.action_ids.sorted("id")}
            dispatch.amount_due = sum(per_invoice.values())

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
        if stage.mail_template_id:
            values = stage.mail_template_id.sudo()._generate_template(self.ids, ("subject", "body_html", "email_from"))[
                self.id
            ]
            rendered.update(
                subject=values.get("subject"), body=values.get("body_html"), email_from=values.get("email_from")
            )
        if stage.sms_template_id:
            body = stage.sms_template_id.sudo()._render_field("body", self.ids, compute_lang=True)[self.id]
            rendered["sms"] = body
        return rendered

    @api.model
    def _link_invoices(self, rows):
        """List the invoices of planned action ``rows`` on their messages (one INSERT), so that a
        queued message already shows what it will claim."""
        pairs = {(row["dispatch_id"], row["move_id"]) for row in rows if row.get("dispatch_id")}
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO credit_recovery_dispatch_move_rel (dispatch_id, move_id)
                   SELECT unnest(%s::int[]), unnest(%s::int[])
                   ON CONFLICT DO NOTHING""",
                [dispatch for dispatch, _move in pairs],
                [move for _dispatch, move in pairs],
            )
        )
        self.invalidate_model(["invoice_ids"])

    @api.model
    def _cron_deliver(self):
        """Every few minutes: deliver the queued messages whose moment has come."""
        done, remaining = self._deliver_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _deliver_batch(self, limit=DELIVERY_BATCH):
        """Deliver the next ``limit`` due messages; returns ``(done, remaining)``.

        Rows are locked with ``SKIP LOCKED``: two workers never deliver the same
        message. Each message is delivered in a savepoint: one failing debtor is
        recorded as an error and never stops the others.
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        domain = [("state", "=", "queued"), ("scheduled_at", "<=", now)]
        query = self.sudo()._search(domain, order="scheduled_at, id", limit=limit)
        ids = [row[0] for row in self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))]
        dispatches = self.sudo().browse(ids)
        facts = defaultdict(list)
        for row in self.env["credit.recovery.action"]._fetch_facts([("dispatch_id", "in", ids)]):
            facts[row["dispatch_id"]].append(row)
        counts = self.env["credit.recovery.contact"]._outbound_counts_by_debtor(dispatches.debtor_id.ids, now)
        windows = {}
        for dispatch in dispatches:
            try:
                with self.env.cr.savepoint():
                    policy = dispatch.run_id.policy_id or dispatch.stage_id.policy_id
                    if policy.id not in windows:
                        windows[policy.id] = policy._get_contact_window()
                    dispatch._deliver(facts[dispatch.id], windows[policy.id], counts.get(dispatch.debtor_id.id, {}))
            except Exception as error:  # one debtor's failure is recorded, the run goes on
                _logger.exception("Collection message %s could not be delivered", dispatch.id)
                dispatch.write({"state": "error", "note": str(error)})
        remaining = self.sudo().search_count(domain) if len(ids) == limit else 0
        return len(ids), remaining

    def _deliver(self, rows, window, day_counts):
        """Deliver one message, after checking again that it is still due and allowed now."""
        self.ensure_one()
        Action = self.env["credit.recovery.action"]
        skipped, kept = Action._classify(rows, fields.Date.context_today(self))
        Action._mark_skipped(skipped)
        if not kept:
            reason = next(iter(skipped), "paid")
            self.write({"state": "cancelled", "cancel_reason": reason})
            return
        debtor = self.debtor_id
        partner = debtor.partner_id
        policy = self.stage_id.policy_id
        # As when it was planned: the debtor's time zone, else its creditor company's.
        tz = pytz.timezone(partner.tz or self.company_id.partner_id.tz or "UTC")
        now = fields.Datetime.now()
        local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
        decision = decide_contact(
            local_now, window, day_counts, policy.max_contacts_per_day, policy.max_contacts_per_week
        )
        if not decision.allowed:
            if decision.next_moment:
                moment = tz.localize(decision.next_moment).astimezone(pytz.utc).replace(tzinfo=None)
                self.write({"scheduled_at": moment})
            else:
                self.write({"state": "cancelled", "note": self.env._("The contact window allows no moment.")})
            return
        # The message is the decision: the kept actions, their invoices, amounts and highest stage.
        Action._update_amounts(kept)
        Stage = self.env["credit.recovery.stage"]
        stages = {stage.id: stage for stage in Stage.browse({row["stage_id"] for row in kept})}
        stage = stages[highest_stage_id({stage_id: stage._ladder_key() for stage_id, stage in stages.items()}, stages)]
        invoices = self.env["account.move"].browse(dict.fromkeys(row["move_id"] for row in kept))
        self.write({"stage_id": stage.id, "invoice_ids": [fields.Command.set(invoices.ids)]})
        results = self._send_stage_actions(stage, invoices)
        action_ids = [row["id"] for row in kept]
        if not any(results.values()):
            Action._mark_skipped({"opt_out": kept})
            self.write({"state": "cancelled", "cancel_reason": "opt_out"})
            return
        Action.browse(action_ids).sudo().write({"state": "done"})
        self.write(
            {
                "state": "sent",
                "sent_at": now,
                "email_sent": results["email"],
                "sms_sent": results["sms"],
                "activity_count": results["activity"],
            }
        )

    def _send_stage_actions(self, stage, invoices):
        """E-mail, SMS, activities and credit-bureau notice of ``stage``; returns counts per kind."""
        # Queued, never sent synchronously: Odoo's mail and SMS queues send them.
        debtor = self.debtor_id.sudo().with_context(mail_notify_force_send=False)
        partner = debtor.partner_id
        notes = []
        results = {"email": 0, "sms": 0, "activity": 0, "bureau": 0}
        contacts = []
        rendered = self._render_messages(stage)
        if stage.mail_template_id:
            if partner.recovery_optout_email:
                notes.append(self.env._("E-mail: the customer refused collection e-mails."))
            elif not partner.email or partner.recovery_email_bounced:
                notes.append(self.env._("E-mail: no valid address (missing or bounced)."))
            else:
                message = debtor.message_post(
                    body=Markup(rendered["body"] or ""),
                    subject=rendered["subject"],
                    email_from=rendered["email_from"] or None,
                    subtype_xmlid="mail.mt_comment",
                    message_type="comment",
                    partner_ids=partner.ids,
                )
                contacts.append(self._prepare_contact_vals("email", stage.mail_template_id.name, invoices, message))
                results["email"] = 1
        if stage.sms_template_id:
            number = partner._recovery_sms_number()
            if partner.recovery_optout_sms:
                notes.append(self.env._("SMS: the customer refused collection SMS."))
            elif not number or partner.recovery_sms_failed:
                notes.append(self.env._("SMS: no valid mobile number (missing, invalid or failed)."))
            else:
                message = debtor._message_sms(
                    rendered["sms"], partner_ids=partner.ids, sms_pid_to_number={partner.id: number}, put_in_queue=True
                )
                contacts.append(
                    self._prepare_contact_vals("sms", stage.sms_template_id.name, invoices, message, number)
                )
                results["sms"] = 1
        results["activity"] = self._schedule_stage_activities(stage, notes)
        # The prior notice of CDC art. 43 §2 exists once it went out: the e-mail now, the letter
        # once its activity is marked done (printed and posted, see mail.activity).
        if stage.bureau_notice and results["email"] and debtor._recovery_record_bureau_notice():
            results["bureau"] = 1
        if contacts:
            self.env["credit.recovery.contact"]._create_automatic_logs(contacts)
        self.note = "\n".join(notes) or False
        return results

    def _schedule_stage_activities(self, stage, notes):
        """The stage's activity and, for a letter, a "send the letter" one; never twice the same open one."""
        debtor = self.debtor_id.sudo()
        partner = debtor.partner_id
        responsible = debtor._get_collection_responsible()
        todo = []
        if stage.activity_type_id:
            if stage.activity_type_id.category == "phonecall" and partner.recovery_optout_phone:
                notes.append(self.env._("Call: the customer refused collection calls."))
            else:
                todo.append((stage.activity_type_id, stage.activity_type_id.summary or stage.name))
        if stage.letter_report_id:
            if not (partner.street and partner.city):
                notes.append(self.env._("Letter: the customer has no postal address."))
            else:
                letter_type = self.env.ref("account_credit_recovery.activity_type_collection_letter")
                todo.append(
                    (
                        letter_type,
                        self.env._("Print and post the letter “%(letter)s”", letter=stage.letter_report_id.name),
                    )
                )
        open_activities = {activity.activity_type_id: activity for activity in debtor.activity_ids}
        count = 0
        for activity_type, summary in todo:
            if activity_type in open_activities:
                # The open one now stands for this message (a letter to print carries its notice).
                open_activities[activity_type].recovery_dispatch_id = self
                continue
            debtor.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=self.env._(
                    "Stage %(stage)s reached by %(count)s invoice(s), %(amount)s claimed.",
                    stage=stage.name,
                    count=len(self.invoice_ids),
                    amount=self.currency_id.format(self.amount_due),
                ),
                user_id=responsible.id,
                recovery_dispatch_id=self.id,
            )
            count += 1
        return count

    def _prepare_contact_vals(self, channel, template_name, invoices, message, number=False):
        self.ensure_one()
        return {
            "partner_id": self.debtor_id.partner_id.id,
            "company_id": self.company_id.id,
            "invoice_ids": [fields.Command.set(invoices.ids)],
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
