import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, html2plaintext

from ..tools import collection
from ..tools.collection import highest_stage_id
from ..tools.contact_rules import contact_moment
from ..tools.sql import batch_update
from ..tools.timezone import contact_timezone
from .common import DELIVERY_BATCH

_logger = logging.getLogger(__name__)


class CreditRecoveryDispatch(models.Model):
    """Delivery of the queued collection messages, a batch at a time.

    A batch is decided and delivered set-based: the skip rules and the contact rules are
    computed once for the batch, each stage's templates are rendered once for all its
    messages (Odoo's batch rendering, per language), and the chatter messages, e-mails,
    SMS, notifications, activities and contact logs are each created with one
    ``create(vals_list)``; the queries per batch do not grow with its size. When anything
    in a batch fails, the batch is rolled back and retried message by message: one failing
    debtor is recorded as an error and never stops the others.
    """

    _inherit = "credit.recovery.dispatch"

    @api.model
    def _cron_deliver(self):
        """Every few minutes: deliver the queued messages whose moment has come."""
        if self.env["credit.recovery.queue.job"]._enqueue_deliveries():
            return  # OCA queue_job installed: its job runners, on every server, deliver them
        done, remaining = self._deliver_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _deliver_batch(self, limit=DELIVERY_BATCH):
        """Deliver the next ``limit`` due messages; returns ``(done, remaining)``.

        Rows are locked with ``SKIP LOCKED``: two workers never deliver the same message.
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        domain = [("state", "=", "queued"), ("scheduled_at", "<=", now)]
        query = self.sudo()._search(domain, order="scheduled_at, id", limit=limit)
        ids = [row[0] for row in self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))]
        dispatches = self.sudo().browse(ids)
        if dispatches:
            try:
                with self.env.cr.savepoint():
                    dispatches._deliver_messages(now)
            except Exception:
                _logger.warning("Collection messages %s: batch failed, delivering one by one", ids, exc_info=True)
                self.env.invalidate_all()
                for dispatch in dispatches:
                    try:
                        with self.env.cr.savepoint():
                            dispatch._deliver_messages(now)
                    except Exception as error:  # one debtor's failure is recorded, the others go on
                        _logger.exception("Collection message %s could not be delivered", dispatch.id)
                        self.env.invalidate_all()
                        dispatch.write({"state": "error", "note": str(error)})
        remaining = self.sudo().search_count(domain) if len(ids) == limit else 0
        return len(ids), remaining

    def _deliver_messages(self, now):
        """Deliver these messages, after checking again that each is still due and allowed now."""
        # The decision, the e-mail's rows and the PIX codes read the same claims: computed once.
        with self.env["credit.recovery.debtor"]._claims_remembered():
            self._deliver_remembered(now)

    def _deliver_remembered(self, now):
        """:meth:`_deliver_messages`, the claims of the batch computed once."""
        Action = self.env["credit.recovery.action"]
        today = fields.Date.context_today(self)
        rows = Action._fetch_facts([("dispatch_id", "in", self.ids)])
        skipped, kept = Action._classify(rows, today)
        Action._mark_skipped(skipped)
        kept_by_dispatch = defaultdict(list)
        for row in kept:
            kept_by_dispatch[row["dispatch_id"]].append(row)
        reasons = {row["dispatch_id"]: reason for reason, skipped_rows in skipped.items() for row in skipped_rows}
        nothing_left = self.filtered(lambda dispatch: dispatch.id not in kept_by_dispatch)
        self._write_states(
            {
                dispatch.id: {"state": "cancelled", "cancel_reason": reasons.get(dispatch.id, collection.SKIP_PAID)}
                for dispatch in nothing_left
            }
        )
        allowed = (self - nothing_left)._check_contact_moment(now)
        if not allowed:
            return
        kept = [row for dispatch in allowed for row in kept_by_dispatch[dispatch.id]]
        # The message is the decision: the kept actions, their invoices, amounts and highest stage.
        # The message claims the debtor's claimed amount of the day (overdue installments with fine
        # and interest); a reminder when nothing is claimed, the installments falling due.
        # Each action is of one installment (invoice, due date): it claims that installment's own
        # total, never its invoice's whole share.
        claims = allowed.debtor_id._get_claims(today)
        per_installment = {
            debtor_id: {(line.move.id, line.due): float(line.charges.total) for line in claim.lines}
            for debtor_id, claim in claims.items()
        }
        claimed = defaultdict(dict)
        for row in kept:
            row["amount"] = per_installment[row["debtor_id"]].get((row["move_id"], row["due_date"]), row["amount"])
            claimed[row["dispatch_id"]][row["move_id"], row["due_date"]] = row["amount"]
        # Stored with the actions' outcome at the end (one UPDATE): in the cache meanwhile.
        Action._hold_amounts(kept)
        allowed._set_decision(kept_by_dispatch)
        self._write_states(
            {
                dispatch.id: {
                    "amount_claimed": float(claims[dispatch.debtor_id.id].total) or sum(claimed[dispatch.id].values())
                }
                for dispatch in allowed
            }
        )
        results = allowed._send_stage_actions()
        done, opted_out, values = [], [], {}
        for dispatch in allowed:
            counts = results[dispatch.id]
            if not any(counts.values()):  # nothing went out on any channel (a bridge's included)
                opted_out.extend(kept_by_dispatch[dispatch.id])
                values[dispatch.id] = {"state": "cancelled", "cancel_reason": collection.SKIP_OPT_OUT}
                continue
            done.extend(row["id"] for row in kept_by_dispatch[dispatch.id])
            values[dispatch.id] = {
                "state": "sent",
                "sent_at": now,
                "email_sent": counts["email"],
                "sms_sent": counts["sms"],
                "activity_count": counts["activity"],
            }
        Action._mark_skipped({collection.SKIP_OPT_OUT: opted_out})
        Action._mark_done(done, kept)
        self._write_states(values)

    def _write_states(self, values):
        """``values``: ``{dispatch id: {field: value}}`` written with one UPDATE (the delivery
        writes the same few columns on a whole batch)."""
        if not values:
            return
        columns = {column for vals in values.values() for column in vals}
        types = {
            "sent_at": "timestamp",
            "email_sent": "int",
            "sms_sent": "int",
            "activity_count": "int",
            "amount_claimed": "numeric",
        }
        self.env.flush_all()
        self.env.cr.execute(
            batch_update(
                self._table,
                values,
                types,
                overwrite={"note"},  # a message's note says what happened this time: none is none
                extra=SQL("write_date = now() at time zone 'UTC', write_uid = %s", self.env.uid),
            )
        )
        self.browse(list(values)).invalidate_recordset(list(columns))

    def _check_contact_moment(self, now):
        """The messages the contact window and the caps allow now; the others are rescheduled
        to their next allowed moment (one UPDATE), or cancelled when the window has none."""
        counts = self.env["credit.recovery.contact"]._outbound_counts_by_debtor(self.debtor_id.ids, now)
        decisions = {}
        windows = {}
        later, never = {}, {}
        allowed = self.browse()
        for dispatch in self:
            policy = dispatch.stage_id.policy_id
            if policy.id not in windows:
                windows[policy.id] = policy._get_contact_window()
            # As when it was planned: the debtor's time zone, else its creditor company's.
            tz_name = contact_timezone(dispatch.debtor_id.partner_id.tz, dispatch.company_id.partner_id.tz)
            day_counts = counts.get(dispatch.debtor_id.id, {})
            key = (policy.id, tz_name, tuple(sorted(day_counts.items())))
            if key not in decisions:
                caps = (policy.max_contacts_per_day, policy.max_contacts_per_week)
                decision = contact_moment(now, tz_name, windows[policy.id], day_counts, caps)
                decisions[key] = (decision.allowed, decision.next_utc)
            is_allowed, moment = decisions[key]
            if is_allowed:
                allowed |= dispatch
            elif moment:
                later[dispatch.id] = moment
            else:
                never[dispatch.id] = {"state": "cancelled", "note": self.env._("The contact window allows no moment.")}
        if later:
            self.env.cr.execute(
                SQL(
                    """UPDATE credit_recovery_dispatch d SET scheduled_at = v.moment
                         FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::timestamp[]) AS moment) v
                        WHERE d.id = v.id""",
                    list(later),
                    list(later.values()),
                )
            )
            self.browse(list(later)).invalidate_recordset(["scheduled_at"])
        self._write_states(never)
        return allowed

    def _set_decision(self, kept_by_dispatch):
        """Each message names the highest stage of its kept actions (one statement for the batch);
        its invoices are those of its actions."""
        Stage = self.env["credit.recovery.stage"]
        stage_ids = {row["stage_id"] for dispatch in self for row in kept_by_dispatch[dispatch.id]}
        ladder = {stage.id: stage._ladder_key() for stage in Stage.browse(stage_ids)}
        stages = {
            dispatch.id: highest_stage_id(ladder, (row["stage_id"] for row in kept_by_dispatch[dispatch.id]))
            for dispatch in self
        }
        changed = {
            dispatch.id: {"stage_id": stages[dispatch.id]}
            for dispatch in self
            if dispatch.stage_id.id != stages[dispatch.id]
        }
        if changed:
            self.env.flush_all()
            self.env.cr.execute(batch_update(self._table, changed, {"stage_id": "int"}))
        self.invalidate_recordset(["stage_id", "invoice_ids", "action_ids", "amount_due"])

    def _send_stage_actions(self):
        """E-mail, SMS, activities and credit-bureau notice of each message's stage, for the
        whole batch; returns ``{dispatch id: {kind: count}}``.

        Queued, never sent here: Odoo's mail and SMS queues send them.
        """
        results = {dispatch.id: defaultdict(int) for dispatch in self}
        notes = defaultdict(list)
        emails, texts = self._render_batch()
        # The e-mails' and SMS' contact logs are recorded together: one create, sealed and chained
        # at once (e-mails first, as each channel's logs were before).
        logs = []
        reply_to = {}  # the e-mails' and SMS' reply-to addresses, looked up once per debtor and sender
        self._post_emails(emails, results, notes, logs=logs, reply_to=reply_to)
        self._post_sms(texts, results, notes, logs=logs, reply_to=reply_to)
        if logs:
            self.env["credit.recovery.contact"]._create_automatic_logs(logs)
        self._post_other_channels(results, notes)
        self._schedule_stage_activities(results, notes)
        notified = self.filtered(lambda dispatch: dispatch.stage_id.bureau_notice and results[dispatch.id]["email"])
        for debtor in notified.debtor_id.filtered(lambda debtor: debtor.bureau_state in (False, "removed")):
            debtor._recovery_record_bureau_notice()
            for dispatch in notified.filtered(lambda dispatch, debtor=debtor: dispatch.debtor_id == debtor):
                results[dispatch.id]["bureau"] = 1
        self._write_states({dispatch.id: {"note": "\n".join(notes[dispatch.id]) or None} for dispatch in self})
        return results

    def _render_batch(self):
        """``({dispatch id: rendered e-mail values}, {dispatch id: SMS text})``: each template
        rendered once for all the batch's messages that use it."""
        emails, texts = {}, {}
        by_template = defaultdict(list)
        for dispatch in self:
            for template in dispatch._get_message_templates(dispatch.stage_id):
                if template:
                    by_template[template].append(dispatch.id)
        for template, ids in by_template.items():
            if template._name == "mail.template":
                emails.update(template.sudo()._generate_template(ids, ("subject", "body_html", "email_from")))
            else:
                texts.update(template.sudo()._render_field("body", ids, compute_lang=True))
        return emails, texts

    def _post_emails(self, emails, results, notes, logs=None, reply_to=None):
        """The stage e-mails: one chatter message, one queued ``mail.mail`` and one notification
        each (as ``message_post`` would), and their contact logs, created in batches (``logs``:
        a list their values are added to instead, for the caller to record; ``reply_to``: the
        addresses already looked up, see :meth:`_reply_to_by_debtor`)."""
        to_send = self._email_recipients(emails, notes)
        if not to_send:
            return
        subtype = self.env.ref("mail.mt_comment")
        author = self.env.user.partner_id
        senders = {dispatch.id: emails[dispatch.id].get("email_from") or author.email_formatted for dispatch in to_send}
        reply_to = self._reply_to_by_debtor(to_send, senders, reply_to)
        messages, bodies = self._create_chatter_messages(
            [
                dispatch._prepare_chatter_vals(
                    "comment",
                    Markup(emails[dispatch.id].get("body_html") or ""),
                    subtype=subtype,
                    author=author,
                    sender=senders[dispatch.id],
                    reply_to=reply_to[dispatch.debtor_id.id, senders[dispatch.id]],
                    subject=emails[dispatch.id].get("subject"),
                )
                for dispatch in to_send
            ]
        )
        to_send._queue_mails(messages, bodies, author)
        self._record_logs(
            [
                dispatch._prepare_contact_vals(
                    "email", dispatch._get_message_templates(dispatch.stage_id)[0].name, message
                )
                for dispatch, message in zip(to_send, messages, strict=True)
            ],
            logs,
        )
        for dispatch in to_send:
            results[dispatch.id]["email"] = 1

    @api.model
    def _record_logs(self, vals_list, logs=None):
        """Record the automatic contact logs of ``vals_list`` now, or add them to ``logs``."""
        if logs is None:
            self.env["credit.recovery.contact"]._create_automatic_logs(vals_list)
        else:
            logs.extend(vals_list)

    def _email_recipients(self, emails, notes):
        """The messages of ``emails`` whose customer takes collection e-mails at a valid address;
        for the others, why not in ``notes``."""
        to_send = self.browse()
        for dispatch in self.filtered(lambda dispatch: dispatch.id in emails):
            partner = dispatch.debtor_id.partner_id
            if partner.recovery_optout_email:
                notes[dispatch.id].append(self.env._("E-mail: the customer refused collection e-mails."))
            elif not partner.email or partner.recovery_email_bounced:
                notes[dispatch.id].append(self.env._("E-mail: no valid address (missing or bounced)."))
            else:
                to_send |= dispatch
        return to_send

    def _queue_mails(self, messages, bodies, author):
        """One outgoing ``mail.mail`` and its notification per message of these (same order as
        ``messages`` and ``bodies``), as ``message_post`` would queue them."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create(
                [
                    {
                        "mail_message_id": message.id,
                        "body_html": body,
                        "recipient_ids": [fields.Command.link(dispatch.debtor_id.partner_id.id)],
                        "auto_delete": False,
                        "state": "outgoing",
                    }
                    for dispatch, message, body in zip(self, messages, bodies, strict=True)
                ]
            )
        )
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": author.id,
                    "mail_message_id": message.id,
                    "mail_mail_id": mail.id,
                    "res_partner_id": dispatch.debtor_id.partner_id.id,
                    "notification_type": "email",
                    "notification_status": "ready",
                    "is_read": True,
                }
                for dispatch, message, mail in zip(self, messages, mails, strict=True)
            ]
        )

    def _prepare_chatter_vals(self, message_type, body, *, subtype, author, sender, reply_to, subject=None):
        """The chatter message of this message's e-mail or SMS on the debtor, as ``message_post``
        would write it: authored by the run's user, addressed to the customer."""
        self.ensure_one()
        vals = {
            "model": "credit.recovery.debtor",
            "res_id": self.debtor_id.id,
            "record_name": self.debtor_id.display_name,
            "message_type": message_type,
            "subtype_id": subtype.id,
            "author_id": author.id,
            "email_from": sender,
            "reply_to": reply_to,
            "body": body,
            "partner_ids": [fields.Command.link(self.debtor_id.partner_id.id)],
        }
        if subject is not None:
            vals["subject"] = subject
        return vals

    def _create_chatter_messages(self, vals_list):
        """Create the batch's chatter messages; returns ``(messages, bodies)``, the bodies as stored.

        The ORM sanitizes an HTML value twice when it creates a record (once for the column,
        once for the cache): for the rendered e-mails that was the costliest step of the
        delivery. Here each body is sanitized once, with the field's own options (what the
        ORM would store), and the batch's bodies are written with one UPDATE. A body with an
        embedded image (a ``data:`` URL, which ``mail.message`` turns into an attachment) is
        left to the ORM.
        """
        Message = self.env["mail.message"].sudo()
        field = Message._fields["body"]
        pending = {}
        for index, vals in enumerate(vals_list):
            if "data:" not in vals["body"]:
                pending[index] = vals["body"]
                vals["body"] = ""
        messages = Message.create(vals_list)
        bodies = [message.body for message in messages]
        for index, body in pending.items():
            bodies[index] = field.convert_to_cache(body, messages[index])
        if pending:
            ids = [messages[index].id for index in pending]
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """UPDATE mail_message m SET body = v.body
                         FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::text[]) AS body) v
                        WHERE m.id = v.id""",
                    ids,
                    [str(bodies[index] or "") for index in pending],
                )
            )
            messages.browse(ids).invalidate_recordset(["body"])
        return messages, bodies

    def _reply_to_by_debtor(self, dispatches, senders, reply_to=None):
        """``{(debtor id, sender): reply-to}`` as ``mail.message`` would compute it for each message,
        computed once per sender for the batch (Odoo looks up the aliases message by message).
        ``reply_to``: the addresses known already (the e-mails'), completed and returned."""
        reply_to = {} if reply_to is None else reply_to
        by_sender = defaultdict(list)
        for dispatch in dispatches:
            if (dispatch.debtor_id.id, senders[dispatch.id]) not in reply_to:
                by_sender[senders[dispatch.id]].append(dispatch.debtor_id.id)
        for sender, debtor_ids in by_sender.items():
            debtors = self.env["credit.recovery.debtor"].sudo().browse(debtor_ids)
            for debtor_id, address in debtors._notify_get_reply_to(default=sender).items():
                reply_to[debtor_id, sender] = address
        return reply_to

    def _post_sms(self, texts, results, notes, logs=None, reply_to=None):
        """The stage SMS: one chatter message, one queued ``sms.sms`` and one notification each
        (as ``_message_sms`` would), and their contact logs, created in batches (``logs``: as for
        :meth:`_post_emails`)."""
        to_send = self._sms_recipients(texts, notes)
        if not to_send:
            return
        subtype = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        senders = {dispatch.id: author.email_formatted for dispatch, _number in to_send}
        reply_to = self._reply_to_by_debtor([dispatch for dispatch, _number in to_send], senders, reply_to)
        messages, _bodies = self._create_chatter_messages(
            [
                dispatch._prepare_chatter_vals(
                    "sms",
                    Markup("<p>%s</p>") % texts[dispatch.id],
                    subtype=subtype,
                    author=author,
                    sender=senders[dispatch.id],
                    reply_to=reply_to[dispatch.debtor_id.id, senders[dispatch.id]],
                )
                for dispatch, _number in to_send
            ]
        )
        self._queue_sms(to_send, texts, messages, author)
        self._record_logs(
            [
                dispatch._prepare_contact_vals(
                    "sms", dispatch._get_message_templates(dispatch.stage_id)[1].name, message, number
                )
                for (dispatch, number), message in zip(to_send, messages, strict=True)
            ],
            logs,
        )
        for dispatch, _number in to_send:
            results[dispatch.id]["sms"] = 1

    def _sms_recipients(self, texts, notes):
        """``[(message, number)]`` of ``texts`` whose customer takes collection SMS at a valid
        mobile number; for the others, why not in ``notes``."""
        to_send = []
        for dispatch in self.filtered(lambda dispatch: dispatch.id in texts):
            partner = dispatch.debtor_id.partner_id
            number = partner._recovery_sms_number()
            if partner.recovery_optout_sms:
                notes[dispatch.id].append(self.env._("SMS: the customer refused collection SMS."))
            elif not number or partner.recovery_sms_failed:
                notes[dispatch.id].append(self.env._("SMS: no valid mobile number (missing, invalid or failed)."))
            else:
                to_send.append((dispatch, number))
        return to_send

    @api.model
    def _queue_sms(self, to_send, texts, messages, author):
        """One outgoing ``sms.sms`` and its notification per ``(message, number)`` of ``to_send``
        (same order as ``messages``), as ``_message_sms`` would queue them."""
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "body": html2plaintext(texts[dispatch.id]) if "<" in texts[dispatch.id] else texts[dispatch.id],
                        "mail_message_id": message.id,
                        "partner_id": dispatch.debtor_id.partner_id.id,
                        "number": number,
                        "state": "outgoing",
                    }
                    for (dispatch, number), message in zip(to_send, messages, strict=True)
                ]
            )
        )
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": author.id,
                    "mail_message_id": message.id,
                    "res_partner_id": dispatch.debtor_id.partner_id.id,
                    "sms_number": number,
                    "notification_type": "sms",
                    "sms_id_int": text.id,
                    "sms_tracker_ids": [fields.Command.create({"sms_uuid": text.uuid})],
                    "is_read": True,
                    "notification_status": "ready",
                }
                for (dispatch, number), message, text in zip(to_send, messages, sms, strict=True)
            ]
        )

    def _post_other_channels(self, results, notes):
        """The stage messages of the channels a bridge adds (WhatsApp Business…), for the whole batch:
        each counts what it sent in ``results[dispatch id][its channel]`` and says in ``notes`` why
        a message left it out. None here."""

    def _schedule_stage_activities(self, results, notes):
        """Each stage's activity and, for a letter, a "send the letter" one, for the debtor's
        collection responsible; never twice the same open one (it then stands for the new
        message). One read of the open activities, one ``create`` for the batch."""
        letter_type = self.env.ref("account_credit_recovery.activity_type_collection_letter")
        debtors = self.debtor_id
        open_activities = {
            (activity.res_id, activity.activity_type_id.id): activity
            for activity in self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "credit.recovery.debtor"), ("res_id", "in", debtors.ids)])
        }
        model_id = self.env["ir.model"]._get_id("credit.recovery.debtor")
        today = fields.Date.context_today(self)
        vals_list, counted = [], []
        for dispatch in self:
            stage, debtor = dispatch.stage_id, dispatch.debtor_id
            partner = debtor.partner_id
            todo = []
            if stage.activity_type_id:
                if stage.activity_type_id.category == "phonecall" and partner.recovery_optout_phone:
                    notes[dispatch.id].append(self.env._("Call: the customer refused collection calls."))
                else:
                    todo.append((stage.activity_type_id, stage.activity_type_id.summary or stage.name))
            if stage.letter_report_id:
                if not (partner.street and partner.city):
                    notes[dispatch.id].append(self.env._("Letter: the customer has no postal address."))
                else:
                    todo.append(
                        (
                            letter_type,
                            self.env._("Print and post the letter “%(letter)s”", letter=stage.letter_report_id.name),
                        )
                    )
            for activity_type, summary in todo:
                existing = open_activities.get((debtor.id, activity_type.id))
                if existing:
                    # The open one now stands for this message (a letter to print carries its notice).
                    existing.recovery_dispatch_id = dispatch
                    continue
                open_activities[debtor.id, activity_type.id] = True
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        # Given, not precomputed from ``res_model_id`` by a draft record per activity.
                        "res_model": "credit.recovery.debtor",
                        "res_id": debtor.id,
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "note": self.env._(
                            "Stage %(stage)s reached by %(count)s invoice(s), %(amount)s claimed.",
                            stage=stage.name,
                            count=len(dispatch.invoice_ids),
                            amount=dispatch.currency_id.format(dispatch.amount_due),
                        ),
                        "user_id": debtor._get_collection_responsible().id,
                        "date_deadline": activity_type._get_date_deadline() if activity_type else today,
                        "recovery_dispatch_id": dispatch.id,
                    }
                )
                counted.append(dispatch.id)
        if vals_list:
            # No assignment e-mail per activity: a batch would send the responsible hundreds of them;
            # the activities are in their Activities menu and on the debtors.
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        for dispatch_id in counted:
            results[dispatch_id]["activity"] += 1
