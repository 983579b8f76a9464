import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
# 12 URL-safe characters (72 random bits): unguessable, and short enough for an SMS.
TOKEN_BYTES = 9
PORTAL_PATH = "/c/"


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
    failed_attempts = fields.Integer(readonly=True, help="Wrong CPF/CNPJ digits typed since the last success.")
    locked_until = fields.Datetime(readonly=True, help="Too many wrong CPF/CNPJ digits: the check waits until then.")
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

    def _is_locked(self, now=None):
        self.ensure_one()
        return bool(self.locked_until and self.locked_until > (now or fields.Datetime.now()))

    def _check_identity(self, digits, policy):
        """Compare the first digits of the debtor's CPF/CNPJ with ``digits``; count the failures.

        ``True`` on success. After ``policy.portal_max_attempts`` failures the check is locked for
        ``policy.portal_lock_minutes``, whatever is typed.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked(now):
            return False
        expected = self.debtor_id._portal_tax_id_prefix()
        typed = "".join(char for char in (digits or "") if char.isdigit())
        if expected and secrets.compare_digest(typed, expected):
            self.sudo().write({"failed_attempts": 0, "locked_until": False})
            return True
        attempts = self.failed_attempts + 1
        vals = {"failed_attempts": attempts}
        if attempts >= max(policy.portal_max_attempts, 1):
            vals.update(failed_attempts=0, locked_until=now + timedelta(minutes=max(policy.portal_lock_minutes, 1)))
        self.sudo().write(vals)
        return False

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
            ("identity_failed", "Wrong CPF/CNPJ digits"),
            ("identity_locked", "Identity check locked"),
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
