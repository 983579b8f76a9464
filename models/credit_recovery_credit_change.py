"""The log of a customer's credit limit as collection changed it: what the store saw, when and why
(also the source of the *customers recovered* and *repurchase rate* KPIs)."""

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.tools import SQL, format_amount, format_date

from ..tools import credit_limit as cl
from ..tools.sql import array_literal

REASONS = [
    (cl.REASON_BLOCKED, "New credit blocked"),
    (cl.REASON_RESTORED, "Credit restored"),
    (cl.REASON_RESTORED_END, "Restored period over"),
    (cl.REASON_OVERRIDE, "Set by a Collection Manager"),
    (cl.REASON_OVERRIDE_END, "Override ended"),
    (cl.REASON_NORMAL, "Normal limit back"),
]

# The SQL types of the log's columns as :meth:`CreditRecoveryCreditChange._recovery_log` sends them.
LOG_TYPES = {
    "debtor": "int",
    "company": "int",
    "reason": "varchar",
    "restoration": "bool",
    "frm": "varchar",
    "to": "varchar",
    "lfrom": "numeric",
    "lto": "numeric",
}


class CreditRecoveryCreditChange(models.Model):
    _name = "credit.recovery.credit.change"
    _description = "Credit Limit Change"
    _order = "date desc, id desc"
    _check_company_auto = True

    debtor_id = fields.Many2one("credit.recovery.debtor", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True, index=True)
    reason = fields.Selection(REASONS, required=True, readonly=True)
    restoration = fields.Boolean(
        readonly=True, help="The customer's credit came back (from blocked): counted by *Customers recovered*."
    )
    state_from = fields.Char(string="From", readonly=True)
    state_to = fields.Char(string="To", readonly=True)
    limit_from = fields.Monetary(string="Limit Before", readonly=True)
    limit_to = fields.Monetary(string="Limit After", readonly=True)
    note = fields.Char(readonly=True, help="The manager's reason of an override.")

    def _recovery_log(self, changes, today, reason_text=None, notes=True):
        """Insert one log row per change and (``notes``) one chatter note on its debtor: two set-based
        INSERTs. The run's planning passes ``notes=False``: its thousands of changes are in the log only."""
        columns = {key: [] for key in ("debtor", "company", "reason", "restoration", "frm", "to", "lfrom", "lto")}
        for debtor_id, company_id, _partner, applied, current, _normal, state, _restored, _until in changes:
            columns["debtor"].append(debtor_id)
            columns["company"].append(company_id)
            columns["reason"].append(state.reason)
            columns["restoration"].append(cl.is_restoration(applied, state))
            columns["frm"].append(applied)
            columns["to"].append(state.state)
            columns["lfrom"].append(current)
            columns["lto"].append(state.limit)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO credit_recovery_credit_change
                       (debtor_id, company_id, date, reason, restoration, state_from, state_to, limit_from, limit_to,
                        note, create_uid, create_date, write_uid, write_date)
                SELECT unnest(%(debtor)s::int[]), unnest(%(company)s::int[]), %(today)s, unnest(%(reason)s::varchar[]),
                       unnest(%(restoration)s::bool[]), unnest(%(frm)s::varchar[]), unnest(%(to)s::varchar[]),
                       unnest(%(lfrom)s::numeric[]), unnest(%(lto)s::numeric[]), %(note)s,
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                """,
                today=today,
                note=reason_text or None,
                uid=self.env.uid,
                **{key: array_literal(values, LOG_TYPES[key]) for key, values in columns.items()},
            )
        )
        if notes:
            self._recovery_post_notes(changes, reason_text)

    def _recovery_post_notes(self, changes, reason_text=None):
        """One chatter note per change on its debtor, one set-based INSERT."""
        sentences = credit_change_sentences(self.env)
        companies = self.env["res.company"].browse({change[1] for change in changes})
        currencies = {company.id: company.currency_id for company in companies}
        debtors = []
        body_list = []
        bodies = {}
        for debtor_id, company_id, _partner, _applied, current, _normal, state, _restored, override_until in changes:
            until = override_until if state.reason == cl.REASON_OVERRIDE else None
            # Memoized: a batch of thousands repeats the same few notes (every debtor blocked alike).
            key = (state.reason, current, state.limit, company_id, until)
            if key not in bodies:
                bodies[key] = str(
                    credit_change_note(
                        self.env,
                        sentences,
                        state.reason,
                        current,
                        state.limit,
                        currency=currencies[company_id],
                        until=until,
                        reason_text=reason_text,
                    )
                )
            debtors.append(debtor_id)
            body_list.append(bodies[key])
        subtype = self.env.ref("mail.mt_note")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message (model, res_id, body, message_type, subtype_id, author_id, date,
                                          create_uid, create_date, write_uid, write_date)
                SELECT 'credit.recovery.debtor', unnest(%(debtor)s::int[]), unnest(%(body)s::text[]), 'notification',
                       %(subtype)s, %(author)s, now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                """,
                debtor=debtors,
                body=body_list,
                subtype=subtype.id,
                author=self.env.user.partner_id.id,
                uid=self.env.uid,
            )
        )
        self.env["mail.message"].invalidate_model()
        self.env["credit.recovery.debtor"].invalidate_model(["message_ids"])


def credit_change_sentences(env):
    """The chatter sentence of each reason of a change, translated once per batch."""
    return {
        cl.REASON_BLOCKED: env._("New credit blocked by collection: credit limit set to %(new)s (was %(old)s)."),
        cl.REASON_RESTORED: env._("Credit restored: credit limit %(new)s (was %(old)s)."),
        cl.REASON_RESTORED_END: env._("Restored period over: the customer's normal credit limit %(new)s is back."),
        cl.REASON_OVERRIDE: env._("Credit limit set by a Collection Manager to %(new)s until %(until)s."),
        cl.REASON_OVERRIDE_END: env._("Manager's override ended: credit limit %(new)s."),
        cl.REASON_NORMAL: env._("Credit limit back to the customer's normal limit %(new)s."),
        "no_limit": env._("no limit"),
    }


def credit_change_note(env, sentences, reason, old_limit, new_limit, *, currency, until=None, reason_text=None):
    """The chatter note of one change (HTML-escaped: a manager's reason is typed text)."""
    amounts = sentences.setdefault("amounts", {})

    def amount(value):
        # Memoized: a batch repeats the same few limits (the blocked one first), and formatting costs.
        key = (value, currency.id)
        if key not in amounts:
            amounts[key] = format_amount(env, value, currency) if value else sentences["no_limit"]
        return amounts[key]

    text = sentences[reason] % {
        "new": amount(new_limit),
        "old": amount(old_limit),
        "until": format_date(env, until) if until else "",
    }
    if reason_text:
        text = env._("%(change)s Reason: %(reason)s", change=text, reason=reason_text)
    return Markup("<p>%s</p>") % escape(text)
