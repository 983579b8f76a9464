import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import identity
from ..tools.portal_input import text_html

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
# 12 URL-safe characters (72 random bits): unguessable, and short enough for an SMS.
TOKEN_BYTES = 9
PORTAL_PATH = "/c/"
# The one-time code: 6 digits, valid 10 minutes, one a minute per client.
CODE_DIGITS = 6
CODE_MINUTES = 10
# Codes sent in 24 hours: per client, and per link whoever asks.
CODE_SENDS_PER_CLIENT = 5
CODE_SENDS_PER_LINK = 10
# Wrong tries (from any client) after which a code no longer opens the page.
CODE_WRONG_TRIES = 5
# The wrong digits a link takes in 24 hours, from any clients, as a multiple of the policy's
# per-client attempts, before it asks for a one-time code instead for 24 hours.
LINK_ATTEMPTS_FACTOR = 2
LINK_WINDOW = timedelta(days=1)


class CreditRecoveryPortalToken(models.Model):
    """The debtor's personal link to the self-service page, one per debtor (customer and company).

    The token is the only secret of a page that needs no login: it is random, shown only to the
    collection team, and a Collection Manager revokes it (a new one is issued with the next message).
    Created and updated by the workflow only (``_get_or_create_tokens``, the portal controller).
    """

    _name = "credit.recovery.portal.token"
    _description = "Debtor Personal Link"
    _order = "id desc"
    _rec_name = "debtor_id"
    _check_company_auto = True

    debtor_id = fields.Many2one(
        "credit.recovery.debtor", string="Collection Record", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="debtor_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="debtor_id.company_id", store=True, index=True)
    token = fields.Char(required=True, readonly=True, copy=False, index=True)
    state = fields.Selection([("active", "Active"), ("revoked", "Revoked")], default="active", required=True)
    revoked_by_id = fields.Many2one("res.users", readonly=True)
    revoked_on = fields.Datetime(readonly=True)
    lockout_alert_on = fields.Datetime(
        string="Lock-outs Reported On",
        readonly=True,
        help="When the team was last told of repeated lock-outs of the identity check (once a day at most).",
    )
    code_hashes = fields.Json(readonly=True, copy=False, groups="base.group_system")
    code_expires = fields.Datetime(
        string="Code Valid Until", readonly=True, copy=False, help="When the last one-time code sent expires."
    )
    last_visit = fields.Datetime(readonly=True)
    visit_ids = fields.One2many("credit.recovery.portal.visit", "token_id", string="Visits", readonly=True)
    url = fields.Char(string="Personal Link", compute="_compute_url")

    _sql_constraints = [("token_unique", "unique(token)", "A personal link token is unique.")]

    def _compute_url(self):
        for link in self:
            base = link.company_id.sudo().get_base_url() if link.company_id else self.get_base_url()
            link.url = f"{base}{PORTAL_PATH}{link.token}" if link.token else False

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Personal links are issued by the system with the collection messages."))
        for vals in vals_list:
            vals["token"] = secrets.token_urlsafe(TOKEN_BYTES)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._("Only a Collection Manager can revoke a personal link, with the Revoke button.")
            )
        return super().write(vals)

    def action_revoke(self):
        """Revoke the links (Collection Managers): the page answers 404 from now on."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a Collection Manager can revoke a personal link."))
        active = self.filtered(lambda link: link.state == "active")
        active.sudo().write({"state": "revoked", "revoked_by_id": self.env.uid, "revoked_on": fields.Datetime.now()})
        for link in active:
            link.debtor_id.sudo().message_post(
                body=self.env._("The personal link of the self-service page was revoked."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create_tokens(self, debtors):
        """``{debtor id: active link}`` for ``debtors``, issuing the missing links in one create."""
        links = self.sudo().search([("debtor_id", "in", debtors.ids), ("state", "=", "active")], order="id")
        by_debtor = {link.debtor_id.id: link for link in links}
        missing = [debtor_id for debtor_id in debtors.ids if debtor_id not in by_debtor]
        if missing:
            created = self.sudo().create([{"debtor_id": debtor_id} for debtor_id in missing])
            by_debtor.update({link.debtor_id.id: link for link in created})
        return by_debtor

    @api.model
    def _find(self, token):
        """The active link of ``token`` (sudo), or an empty recordset: no hint about why."""
        if not token or not isinstance(token, str) or len(token) > 64:
            return self.sudo().browse()
        link = self.sudo().search([("token", "=", token), ("state", "=", "active")], limit=1)
        if link and not secrets.compare_digest(link.token, token):
            return self.sudo().browse()
        return link

    # ------------------------------------------------------------------
    # Identity check
    # ------------------------------------------------------------------

    def _lock_row(self):
        """Serialise the identity checks and code sends of this link: parallel requests wait for
        each other instead of all passing a limit that only counts what is committed.

        Odoo's transactions are REPEATABLE READ: a ``SELECT ... FOR UPDATE`` alone would make the
        second request wait, then count on its old snapshot. The lock is an ``UPDATE`` of the
        link's row: the second request waits, then fails to serialise and Odoo replays it on a
        fresh snapshot that sees the first one's try."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = (now() AT TIME ZONE 'UTC') WHERE id = %s",
                SQL.identifier(self._table),
                self.id,
            )
        )
        self.invalidate_recordset(["write_date"])

    def _identity_method(self, policy, now=None):
        """What the page asks before showing any amount: ``"digits"`` (the CPF digits that are
        not public), ``"code"`` (a one-time code sent to the registered mobile or e-mail),
        ``"call"`` (nothing can be checked safely on the page, e.g. no CPF and nowhere to send a
        code: the debtor calls the company, the link alone never shows the debt) or ``None`` (the
        policy asks nothing).

        Only a CPF has digits worth asking (``tools.identity``): a company (CNPJ) gets the code.
        A policy asking for the digits sends a code instead when the debtor has no CPF, or when
        the link had too many wrong tries (``_digits_suspended``)."""
        self.ensure_one()
        if not (policy and policy.portal_identity_check):
            return None
        kind = identity.document_kind(self.partner_id.vat)
        digits = kind == "cpf" and not self._digits_suspended(now)
        if policy.portal_identity_method == "digits" and digits:
            return "digits"
        if self._code_destinations():
            return "code"
        if digits:
            return "digits"
        return "call"

    def _digits_suspended(self, now=None):
        """Whether the digits check of this link is suspended (24 hours after too many wrong
        tries, ``_suspend_digits``): the page sends a one-time code instead."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return bool(
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search_count(
                [("token_id", "=", self.id), ("event", "=", "digits_suspended"), ("date", ">", now - LINK_WINDOW)],
                limit=1,
            )
        )

    def _suspend_digits(self, policy, now, ip=None, user_agent=None):
        """After ``policy.portal_max_attempts`` x ``LINK_ATTEMPTS_FACTOR`` wrong tries of the digits
        on this link in 24 hours, from any clients (a CPF's private digits have 100,000
        candidates, 1,000 once the check digits are computed: many addresses would find them),
        the link asks for a one-time code for 24 hours and the team is alerted. ``True`` when it
        switched now."""
        self.ensure_one()
        limit = max(policy.portal_max_attempts, 1) * LINK_ATTEMPTS_FACTOR
        failures = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search(
                [
                    ("token_id", "=", self.id),
                    ("event", "=", "identity_failed"),
                    ("note", "!=", "code"),
                    ("date", ">", now - LINK_WINDOW),
                ],
                limit=limit,
            )
        )
        if len(failures) < limit or self._digits_suspended(now):
            return False
        self._log_visit("digits_suspended", ip, user_agent)
        addresses = sorted(set(failures.mapped("ip_address")) - {False, ""})
        self._alert_team(
            self.env._(
                "The identity check of the self-service page had %(count)s wrong tries in 24 hours (IP addresses: "
                "%(addresses)s): for the next 24 hours it asks for a one-time code sent to the debtor instead of "
                "the CPF digits. Call the debtor: if they did not do it, someone else holds the personal link; "
                "revoke it (a new one goes with the next message).",
                count=len(failures),
                addresses=", ".join(addresses) or "-",
            ),
            now,
        )
        return True

    def _lock_until(self, policy, ip, now=None):
        """Until when the identity check refuses the client at ``ip`` (``False``: it may try).

        The lock is per client (``tools.identity.client_key``: an IPv4 address, an IPv6 /64):
        ``policy.portal_max_attempts`` wrong tries from one client within
        ``policy.portal_lock_minutes`` (since its last success) lock that client only, so whoever
        holds the link locks out himself, never the debtor."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        window = timedelta(minutes=max(policy.portal_lock_minutes, 1))
        attempts = max(policy.portal_max_attempts, 1)
        key = identity.client_key(ip)
        visits = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search(
                [
                    ("token_id", "=", self.id),
                    ("event", "in", ("identity_ok", "identity_failed")),
                    ("date", ">", now - window),
                ],
                order="date desc, id desc",
            )
        )
        failures = []
        for visit in visits:
            if identity.client_key(visit.ip_address) != key:
                continue
            if visit.event == "identity_ok":
                break
            failures.append(visit)
            if len(failures) >= attempts:
                break
        if len(failures) < attempts:
            return False
        until = failures[0].date + window
        return until if until > now else False

    def _check_identity(self, typed, policy, ip=None, user_agent=None):
        """Check what the client at ``ip`` typed (the private digits or the one-time code) and
        record the try. ``"ok"``, ``"wrong"`` or ``"locked"`` (this client waits; the others,
        the debtor first, do not). A try that locks the client out may alert the team; too many
        wrong digits on the link switch it to the one-time code (``_suspend_digits``)."""
        self.ensure_one()
        self._lock_row()
        now = fields.Datetime.now()
        if self._lock_until(policy, ip, now):
            self._log_visit("identity_locked", ip, user_agent)
            return "locked"
        method = self._identity_method(policy, now)
        if method not in ("digits", "code"):
            return "locked"
        typed = identity.ascii_digits(typed[:64] if isinstance(typed, str) else "")
        if method == "code":
            right = self._check_code(typed, now)
        else:
            expected = identity.private_digits(self.partner_id.vat)
            right = bool(expected and typed) and secrets.compare_digest(typed, expected)
        if right:
            self._log_visit("identity_ok", ip, user_agent, note=method)
            if method == "code":
                self.sudo().write({"code_hashes": False, "code_expires": False})
            return "ok"
        self._log_visit("identity_failed", ip, user_agent, note=method)
        if method == "digits":
            self._suspend_digits(policy, now, ip, user_agent)
        if self._lock_until(policy, ip, now):
            self._log_visit("identity_lockout", ip, user_agent)
            self._alert_lockouts(policy, now)
            return "locked"
        return "wrong"

    def _alert_lockouts(self, policy, now):
        """Repeated lock-outs (``policy.portal_alert_lockouts`` in 24 hours, from any client): the
        debtor's collection responsible gets one activity a day saying so, to call the debtor
        and revoke the link if someone else holds it."""
        self.ensure_one()
        threshold = policy.portal_alert_lockouts
        since = now - LINK_WINDOW
        if threshold < 1 or (self.lockout_alert_on and self.lockout_alert_on > since):
            return False
        lockouts = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search([("token_id", "=", self.id), ("event", "=", "identity_lockout"), ("date", ">", since)])
        )
        if len(lockouts) < threshold:
            return False
        addresses = sorted(set(lockouts.mapped("ip_address")) - {False, ""})
        return self._alert_team(
            self.env._(
                "The identity check of the self-service page locked out %(count)s clients in 24 hours "
                "(IP addresses: %(addresses)s). Call the debtor: if they did not do it, someone else "
                "holds the personal link; revoke it (a new one goes with the next message).",
                count=len(lockouts),
                addresses=", ".join(addresses) or "-",
            ),
            now,
        )

    def _alert_team(self, text, now):
        """Tell the debtor's collection responsible (an activity with ``text``, plain text)."""
        self.ensure_one()
        debtor = self.debtor_id.sudo()
        debtor.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Self-service page: repeated wrong identity checks"),
            note=text_html(text),
            user_id=debtor._get_collection_responsible().id,
        )
        self.sudo().write({"lockout_alert_on": now})
        return True

    # ------------------------------------------------------------------
    # One-time code
    # ------------------------------------------------------------------

    def _code_destinations(self):
        """``{"email": address, "sms": E.164 mobile}`` the one-time code can be sent to: where the
        collection messages go (the e-mail unless it bounced; ``res.partner._recovery_sms_number``
        unless collection SMS to it failed), never a number an agent marked wrong."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        found = {}
        email = (partner.email or "").strip()
        if email and "@" in email and not partner.recovery_email_bounced:
            found["email"] = email
        number = partner._recovery_sms_number()
        wrong = identity.ascii_digits(partner.recovery_wrong_number)
        if number and not partner.recovery_sms_failed and identity.ascii_digits(number) != wrong:
            found["sms"] = number
        return found

    def _code_digest(self, code):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        return hmac.new(f"{secret}:{self.token}".encode(), code.encode(), hashlib.sha256).hexdigest()

    def _live_codes(self, now):
        """The codes sent and still valid: ``[[keyed hash, valid until (string), wrong tries]]``."""
        return [
            [digest, until, tries]
            for digest, until, tries in (self.sudo().code_hashes or [])
            if fields.Datetime.to_datetime(until) > now and tries < CODE_WRONG_TRIES
        ]

    def _store_codes(self, codes):
        self.sudo().write(
            {
                "code_hashes": codes or False,
                "code_expires": max((fields.Datetime.to_datetime(until) for _d, until, _t in codes), default=False),
            }
        )

    def _check_code(self, typed, now):
        """Whether ``typed`` is one of the codes sent and still valid (a new code does not void
        the previous ones: whoever asks for codes cannot void the debtor's). A wrong try counts
        against every valid code: each dies after ``CODE_WRONG_TRIES`` wrong tries, from any client."""
        self.ensure_one()
        codes = self._live_codes(now)
        if not codes:
            return False
        if typed:
            digest = self._code_digest(typed)
            if any(hmac.compare_digest(digest, code_digest) for code_digest, _until, _tries in codes):
                return True
        self._store_codes(
            [[digest, until, tries + 1] for digest, until, tries in codes if tries + 1 < CODE_WRONG_TRIES]
        )
        return False

    def _send_code(self, ip=None, user_agent=None):
        """Send a new one-time code (6 digits, valid ``CODE_MINUTES`` minutes, only its keyed hash
        kept; the previous valid codes stay valid) to the registered e-mail and mobile.

        ``"sent"``; ``"wait"`` when this client (``tools.identity.client_key``) had one in the
        last minute; ``"limit"`` when this client had ``CODE_SENDS_PER_CLIENT`` in 24 hours or the
        link ``CODE_SENDS_PER_LINK`` (nobody floods the debtor's phone, and a stranger cannot use
        up the debtor's codes); ``"nowhere"`` when there is nowhere to send it."""
        self.ensure_one()
        self._lock_row()
        now = fields.Datetime.now()
        destinations = self._code_destinations()
        if not destinations:
            return "nowhere"
        sent = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search(
                [("token_id", "=", self.id), ("event", "=", "code_sent"), ("date", ">", now - LINK_WINDOW)],
                order="date desc, id desc",
            )
        )
        key = identity.client_key(ip)
        mine = sent.filtered(lambda visit: identity.client_key(visit.ip_address) == key)
        if len(sent) >= CODE_SENDS_PER_LINK or len(mine) >= CODE_SENDS_PER_CLIENT:
            return "limit"
        if mine and mine[0].date > now - timedelta(minutes=1):
            return "wait"
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        until = fields.Datetime.to_string(now + timedelta(minutes=CODE_MINUTES))
        self._store_codes([*self._live_codes(now), [self._code_digest(code), until, 0]][-CODE_SENDS_PER_LINK:])
        company = self.company_id.sudo()
        text = self.env._(
            "%(company)s: your code for the self-service page is %(code)s. It expires in %(minutes)s minutes. "
            "Never share it.",
            company=company.name,
            code=code,
            minutes=CODE_MINUTES,
        )
        # Queued, and their queues woken at once: the request does not wait for the providers.
        if "email" in destinations:
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.env._("Your code: %(code)s", code=code),
                    "body_html": text_html(text),
                    "email_to": destinations["email"],
                    "email_from": company.email_formatted or company.partner_id.email_formatted,
                    "auto_delete": True,
                }
            )
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        if "sms" in destinations:
            self.env["sms.sms"].sudo().create(
                {"number": destinations["sms"], "body": text, "partner_id": self.partner_id.id}
            )
            self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        self._log_visit("code_sent", ip, user_agent, note=", ".join(sorted(destinations)))
        return "sent"

    def _masked_destinations(self):
        """Where the code goes, as the page may say it: ``m***@example.com``, ``(**) *****-4321``."""
        self.ensure_one()
        destinations = self._code_destinations()
        shown = []
        if "email" in destinations:
            name, _at, domain = destinations["email"].partition("@")
            shown.append(f"{name[:1]}***@{domain}")
        if "sms" in destinations:
            shown.append(f"***{destinations['sms'][-4:]}")
        return shown

    def _log_visit(self, event, ip=None, user_agent=None, note=None):
        """Record a visit or a step on the page (not evidence: the actions are sealed contact logs)."""
        self.ensure_one()
        now = fields.Datetime.now()
        if event == "view":
            self.sudo().write({"last_visit": now})
        return (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .create(
                {
                    "token_id": self.id,
                    "date": now,
                    "event": event,
                    "ip_address": (ip or "")[:64],
                    "user_agent": (user_agent or "")[:512],
                    "note": note,
                }
            )
        )


class CreditRecoveryPortalVisit(models.Model):
    """A visit or a step on the self-service page (opened, identity checked, offer asked...)."""

    _name = "credit.recovery.portal.visit"
    _description = "Self-service Page Visit"
    _order = "date desc, id desc"

    token_id = fields.Many2one("credit.recovery.portal.token", required=True, ondelete="cascade", index=True)
    debtor_id = fields.Many2one(related="token_id.debtor_id", store=True, index=True)
    company_id = fields.Many2one(related="token_id.company_id", store=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    event = fields.Selection(
        [
            ("view", "Page opened"),
            ("identity_ok", "Identity checked"),
            ("identity_failed", "Wrong identity check"),
            ("identity_locked", "Identity check locked"),
            ("identity_lockout", "Client locked out"),
            ("digits_suspended", "Digits check suspended"),
            ("code_sent", "One-time code sent"),
            ("offer", "Offer viewed"),
            ("offer_refused", "Offer beyond the limits"),
            ("terms", "Terms downloaded"),
            ("action", "Action taken"),
        ],
        required=True,
    )
    ip_address = fields.Char(string="IP Address")
    user_agent = fields.Char()
    note = fields.Char()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Visits are recorded by the self-service page only."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("Visits of the self-service page are a record: they are never changed."))
        return super().write(vals)
