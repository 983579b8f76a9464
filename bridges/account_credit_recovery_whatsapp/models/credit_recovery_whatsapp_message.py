import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.account_credit_recovery.tools.sql import batch_update

_logger = logging.getLogger(__name__)
SEND_BATCH = 200
SEND_TIMEOUT = 10
SEND_THREADS = 8
# A message that could not reach Meta (network) is tried again by the next runs, this many times.
MAX_ATTEMPTS = 3
# How far each status goes: a status never takes a message back (webhooks come in any order).
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
# Meta's error codes that blame the number (not on WhatsApp, not reachable, not allowed): the number
# is flagged as a failed SMS number is. The others (our token, our rate, a template) fail the message
# without blaming the customer's number.
RECIPIENT_ERRORS = {"131026", "131021", "131030", "1006"}

_sessions = threading.local()


def _post_to_graph(job):
    """POST one message (``(id, url, token, body)``) to Graph over this thread's keep-alive session;
    returns the response, or the ``RequestException`` when Graph could not be reached. No ORM here:
    it runs in the sending threads."""
    _message_id, url, token, body = job
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    try:
        return session.post(url, headers={"Authorization": f"Bearer {token}"}, json=body, timeout=SEND_TIMEOUT)
    except requests.RequestException as error:
        return error


class CreditRecoveryWhatsappMessage(models.Model):
    """A WhatsApp Business message to a debtor: queued by the delivery (a stage's template) or by an
    agent's answer (free text), sent by the send cron through the gateway's Graph account, then
    followed by Meta's statuses (sent, delivered, read, failed) that update its contact log.

    Queued, never sent inside the delivery: a delivery batch retried message by message must not
    send anything twice (as Odoo's mail and SMS queues, which send after the delivery commits).
    """

    _name = "credit.recovery.whatsapp.message"
    _description = "Collection WhatsApp Message"
    _order = "id desc"
    _rec_name = "number"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    debtor_id = fields.Many2one(
        "credit.recovery.debtor", required=True, index=True, readonly=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer")
    dispatch_id = fields.Many2one(
        "credit.recovery.dispatch", string="Collection Message", readonly=True, index="btree_not_null"
    )
    contact_id = fields.Many2one("credit.recovery.contact", string="Contact Log", readonly=True, index="btree_not_null")
    gateway_id = fields.Many2one("mail.gateway", required=True, readonly=True, ondelete="restrict")
    template_id = fields.Many2one("mail.whatsapp.template", readonly=True, ondelete="restrict")
    number = fields.Char(required=True, readonly=True, help="E.164 digits the message goes to (Meta's wa_id).")
    payload = fields.Json(readonly=True, help="The message as sent to Meta: a template with its parameters, or text.")
    body = fields.Text(string="Text", readonly=True, help="What the debtor reads.")
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("delivered", "Delivered"),
            ("read", "Read"),
            ("failed", "Failed"),
        ],
        required=True,
        default="queued",
        readonly=True,
        index=True,
    )
    wamid = fields.Char(string="WhatsApp Message ID", readonly=True, copy=False, index="btree_not_null")
    attempts = fields.Integer(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    status_at = fields.Datetime(string="Last Status On", readonly=True)
    error_code = fields.Char(string="Meta Error Code", readonly=True)
    error_message = fields.Char(readonly=True)

    _sql_constraints = [("wamid_unique", "unique(wamid)", "A WhatsApp message id is Meta's, once.")]

    @api.model
    def _cron_send(self):
        """Every minute: send the queued messages through their gateway."""
        done, remaining = self._send_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _send_batch(self, limit=SEND_BATCH):
        """Send the next ``limit`` queued messages; returns ``(done, remaining)``. Rows are locked
        with ``SKIP LOCKED``: two workers never send the same message."""
        self.env.flush_all()
        domain = [("state", "=", "queued"), ("attempts", "<", MAX_ATTEMPTS)]
        query = self.sudo()._search(domain, order="id", limit=limit)
        ids = [row[0] for row in self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))]
        self.sudo().browse(ids)._send()
        remaining = self.sudo().search_count(domain) if len(ids) == limit else 0
        return len(ids), remaining

    def _send(self):
        """POST each message to its gateway's ``/<phone number id>/messages`` with the gateway's
        token. Meta's answer gives the message id (``wamid``). The calls go ``SEND_THREADS`` at a
        time (Meta answers in a tenth of a second or so, and takes ~80 messages a second per number):
        the threads only talk HTTP, each over its own keep-alive session; everything the ORM does
        stays here, and the sent messages are written with one UPDATE."""
        jobs = [
            (
                message.id,
                message.gateway_id._recovery_graph_url(f"{message.gateway_id.whatsapp_from_phone}/messages"),
                message.gateway_id.token,
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": message.number,
                    **(message.payload or {}),
                },
            )
            for message in self
        ]
        if len(jobs) == 1:
            answers = [_post_to_graph(jobs[0])]
        else:
            with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
                answers = list(pool.map(_post_to_graph, jobs))
        now = fields.Datetime.now()
        sent, failed = {}, {}
        for message, answer in zip(self, answers, strict=True):
            if isinstance(answer, requests.RequestException):
                _logger.warning("WhatsApp message %s: Graph API not reached: %s", message.id, answer)
                message.write({"attempts": message.attempts + 1, "error_message": str(answer)[:250]})
                continue
            code, text, wamid = self._parse_send_answer(answer)
            if wamid:
                sent[message.id] = {"state": "sent", "wamid": wamid, "sent_at": now, "attempts": message.attempts + 1}
            else:
                message.write(
                    {"state": "failed", "error_code": code, "error_message": text, "attempts": message.attempts + 1}
                )
                failed[message] = (code, text)
        if sent:
            self.env.flush_all()
            self.env.cr.execute(
                batch_update(
                    self._table,
                    sent,
                    {"sent_at": "timestamp", "attempts": "int"},
                    extra=SQL("write_date = now() at time zone 'UTC', write_uid = %s", self.env.uid),
                )
            )
            done = self.browse(list(sent))
            done.invalidate_recordset(["state", "wamid", "sent_at", "attempts"])
            # An agent's answer: its log had no delivery state yet (the run's logs are created sent).
            done.contact_id.filtered(lambda log: not log.delivery_state)._write_workflow({"delivery_state": "sent"})
        for message, (code, text) in failed.items():
            message._report_failure(code, text)

    @api.model
    def _parse_send_answer(self, response):
        """``(error code, error text, wamid)`` of Graph's answer to a send: its ``messages[0].id`` when
        accepted, else Meta's error (``error.code``, ``error.message``), parsed defensively."""
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        messages = data.get("messages")
        if response.ok and isinstance(messages, list) and messages and isinstance(messages[0], dict):
            wamid = messages[0].get("id")
            if isinstance(wamid, str) and wamid:
                return False, False, wamid
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code = str(error.get("code") or response.status_code)
        text = str(error.get("message") or response.reason or "")[:250]
        return code, text, False

    def _report_failure(self, code, text):
        """The message failed: its contact log says so with Meta's code, and a number Meta blames is
        flagged on the customer (no more collection WhatsApp to it until it changes)."""
        self.ensure_one()
        if self.contact_id:
            self.contact_id._mark_delivery_failed(
                self.env._("WhatsApp error %(code)s: %(text)s", code=code, text=text or "-"),
                flag_partner=code in RECIPIENT_ERRORS,
            )
        elif code in RECIPIENT_ERRORS:
            self.debtor_id.partner_id.sudo().write({"recovery_whatsapp_failed": True})

    @api.model
    def _apply_statuses(self, statuses):
        """Meta's ``statuses`` of a webhook (already parsed: dicts with ``id``, ``status``,
        ``timestamp``, ``errors``) onto the messages and their contact logs: sent, delivered and read
        move a message forward only; failed keeps Meta's error code. Unknown ids are not ours."""
        by_wamid = {}
        for status in statuses:
            by_wamid.setdefault(status["id"], []).append(status)
        messages = self.sudo().search([("wamid", "in", list(by_wamid))])
        for message in messages:
            for status in by_wamid[message.wamid]:
                message._apply_status(status)

    def _apply_status(self, status):
        self.ensure_one()
        when = status.get("timestamp") or fields.Datetime.now()
        if status["status"] == "failed":
            if self.state == "failed":
                return
            error = (status.get("errors") or [{}])[0]
            code = str(error.get("code") or "")
            details = (
                (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
            )
            text = " – ".join(part for part in (error.get("title") or error.get("message"), details) if part)
            self.write({"state": "failed", "status_at": when, "error_code": code, "error_message": text[:250]})
            self._report_failure(code, text)
            return
        if self.state == "failed" or STATUS_RANK[status["status"]] <= STATUS_RANK[self.state]:
            return
        self.write({"state": status["status"], "status_at": when})
        log = self.contact_id
        if log and log.delivery_state != "failed":
            log._write_workflow({"delivery_state": status["status"]})

    @api.model
    def _timestamp(self, value):
        """Meta's Unix timestamp (a string of digits) as a naive UTC datetime, else ``False``."""
        try:
            return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError, OSError):
            return False
