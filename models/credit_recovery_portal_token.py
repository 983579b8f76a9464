import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import identity
from ..tools.portal_input import text_html

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
# 12 URL-safe characters (72 random bits): unguessable, and short enough for an SMS.
TOKEN_BYTES = 9
PORTAL_PATH = "/c/"
# The one-time code: 6 digits, valid 10 minutes, at most 5 sent a day (one a minute).
CODE_DIGITS = 6
CODE_MINUTES = 10
CODE_SENDS_PER_DAY = 5


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
    code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    code_expires = fields.Datetime(string="Code Valid Until", readonly=True, copy=False)
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

    def _identity_method(self, policy):
        """What the page asks before showing any amount: ``"digits"`` (the CPF/CNPJ digits that
        are not public), ``"code"`` (a one-time code sent to the registered mobile or e-mail) or
        ``None`` (the link is enough: the policy asks nothing, or nothing can be asked).

        A policy asking for the digits of a debtor without a readable CPF/CNPJ sends a code
        instead when it can."""
        self.ensure_one()
        if not (policy and policy.portal_identity_check):
            return None
        if policy.portal_identity_method == "digits" and identity.private_digits(self.partner_id.vat):
            return "digits"
        if self._code_destinations():
            return "code"
        if identity.private_digits(self.partner_id.vat):
            return "digits"
        return None

    def _lock_until(self, policy, ip, now=None):
        """Until when the identity check refuses the client at ``ip`` (``False``: it may try).

        The lock is per client: ``policy.portal_max_attempts`` wrong tries from one IP address
        within ``policy.portal_lock_minutes`` (since its last success) lock that address only, so
        whoever holds the link locks out himself, never the debtor."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        window = timedelta(minutes=max(policy.portal_lock_minutes, 1))
        Visit = self.env["credit.recovery.portal.visit"].sudo()
        client = [("token_id", "=", self.id), ("ip_address", "=", (ip or "")[:64])]
        last_ok = Visit.search([*client, ("event", "=", "identity_ok")], order="date desc, id desc", limit=1)
        domain = [*client, ("event", "=", "identity_failed"), ("date", ">", now - window)]
        if last_ok:
            domain.append(("date", ">=", last_ok.date))
        failures = Visit.search(domain, order="date desc, id desc", limit=max(policy.portal_max_attempts, 1))
        if len(failures) < max(policy.portal_max_attempts, 1):
            return False
        until = failures[0].date + window
        return until if until > now else False

    def _check_identity(self, typed, policy, ip=None, user_agent=None):
        """Check what the client at ``ip`` typed (the private digits or the one-time code) and
        record the try. ``"ok"``, ``"wrong"`` or ``"locked"`` (this client waits; the others,
        the debtor first, do not). A try that locks the client out may alert the team."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._lock_until(policy, ip, now):
            self._log_visit("identity_locked", ip, user_agent)
            return "locked"
        method = self._identity_method(policy)
        typed = "".join(char for char in (typed or "")[:64] if char.isdigit())
        if method == "code":
            right = self._check_code(typed, now)
        else:
            expected = identity.private_digits(self.partner_id.vat)
            right = bool(expected) and secrets.compare_digest(typed, expected)
        if right:
            self._log_visit("identity_ok", ip, user_agent)
            if method == "code":
                self.sudo().write({"code_hash": False, "code_expires": False})
            return "ok"
        self._log_visit("identity_failed", ip, user_agent)
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
        since = now - timedelta(days=1)
        if threshold < 1 or (self.lockout_alert_on and self.lockout_alert_on > since):
            return False
        lockouts = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search([("token_id", "=", self.id), ("event", "=", "identity_lockout"), ("date", ">", since)])
        )
        if len(lockouts) < threshold:
            return False
        debtor = self.debtor_id.sudo()
        addresses = sorted(set(lockouts.mapped("ip_address")) - {False, ""})
        debtor.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Self-service page: repeated wrong identity checks"),
            note=text_html(
                self.env._(
                    "The identity check of the self-service page locked out %(count)s clients in 24 hours "
                    "(IP addresses: %(addresses)s). Call the debtor: if they did not do it, someone else "
                    "holds the personal link; revoke it (a new one goes with the next message).",
                    count=len(lockouts),
                    addresses=", ".join(addresses) or "-",
                )
            ),
            user_id=debtor._get_collection_responsible().id,
        )
        self.sudo().write({"lockout_alert_on": now})
        return True

    # ------------------------------------------------------------------
    # One-time code
    # ------------------------------------------------------------------

    def _code_destinations(self):
        """``{"email": address, "sms": E.164 mobile}`` the one-time code can be sent to: the
        customer's registered e-mail (not bounced) and valid mobile number."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        found = {}
        if partner.email and "@" in partner.email and not partner.recovery_email_bounced:
            found["email"] = partner.email.strip()
        for e164, valid, kind in (
            (partner.recovery_mobile_e164, partner.recovery_mobile_valid, partner.recovery_mobile_type),
            (partner.recovery_phone_e164, partner.recovery_phone_valid, partner.recovery_phone_type),
        ):
            if e164 and valid and kind == "mobile":
                found["sms"] = e164
                break
        return found

    def _code_digest(self, code):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        return hmac.new(f"{secret}:{self.token}".encode(), code.encode(), hashlib.sha256).hexdigest()

    def _check_code(self, typed, now):
        self.ensure_one()
        link = self.sudo()
        if not (link.code_hash and link.code_expires and link.code_expires > now and typed):
            return False
        return hmac.compare_digest(link._code_digest(typed), link.code_hash)

    def _send_code(self, ip=None, user_agent=None):
        """Send a new one-time code (6 digits, valid ``CODE_MINUTES`` minutes, only its keyed hash
        kept) to the registered e-mail and mobile. ``"sent"``, or ``"wait"`` when the link had
        ``CODE_SENDS_PER_DAY`` codes in 24 hours or one in the last minute (nobody floods the
        debtor's phone), or ``"nowhere"`` when there is nowhere to send it."""
        self.ensure_one()
        now = fields.Datetime.now()
        destinations = self._code_destinations()
        if not destinations:
            return "nowhere"
        sent = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search(
                [("token_id", "=", self.id), ("event", "=", "code_sent"), ("date", ">", now - timedelta(days=1))],
                order="date desc, id desc",
            )
        )
        if len(sent) >= CODE_SENDS_PER_DAY or (sent and sent[0].date > now - timedelta(minutes=1)):
            return "wait"
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.sudo().write({"code_hash": self._code_digest(code), "code_expires": now + timedelta(minutes=CODE_MINUTES)})
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
