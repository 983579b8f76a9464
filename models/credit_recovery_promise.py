from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

PROMISE_BATCH = 1000


class CreditRecoveryPromise(models.Model):
    """A debtor's promise to pay an amount by a date, recorded from a contact.

    While it is open, collection does not escalate on its invoices. It is kept when
    the invoices' open amount has dropped by the promised amount by the date (plus the
    policy's tolerance days); otherwise the daily check marks it broken.
    """

    _name = "credit.recovery.promise"
    _description = "Promise to Pay"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    contact_id = fields.Many2one("credit.recovery.contact", ondelete="restrict", readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Debtor", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    debtor_id = fields.Many2one("credit.recovery.debtor", string="Collection Record", index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    invoice_ids = fields.Many2many(
        "account.move", "credit_recovery_promise_move_rel", "promise_id", "move_id", string="Invoices", readonly=True
    )
    amount = fields.Monetary(required=True, readonly=True)
    date = fields.Date(string="Promised Date", required=True, readonly=True)
    promised_on = fields.Date(readonly=True, default=fields.Date.context_today, help="Day the promise was made.")
    deadline = fields.Date(readonly=True, help="Promised date plus the policy's tolerance days.")
    residual_at_promise = fields.Monetary(readonly=True, help="Open amount of the invoices when the promise was made.")
    paid_amount = fields.Monetary(compute="_compute_paid_amount", help="Paid on the invoices since the promise.")
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    closed_date = fields.Date(readonly=True)
    checked_date = fields.Date(readonly=True, help="Last day the daily check looked at the promise.")
    kept_rate = fields.Integer(
        string="Kept (%)",
        compute="_compute_kept_rate",
        store=True,
        aggregator="avg",
        help="100 for a kept promise, 0 for a broken one: its average is the promise-kept rate.",
    )
    user_id = fields.Many2one("res.users", string="Agent", readonly=True, default=lambda self: self.env.user)

    @api.depends("amount", "date", "partner_id")
    def _compute_name(self):
        for promise in self:
            promise.name = promise._get_label()

    @api.depends("amount", "date", "partner_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """The stored name is written in the language of whoever recorded the promise: each
        reader sees the amount and the date in their own."""
        for promise in self:
            promise.display_name = promise._get_label()

    @api.depends("residual_at_promise", "invoice_ids.amount_residual_signed")
    def _compute_paid_amount(self):
        for promise in self:
            residual = sum(promise.invoice_ids.mapped("amount_residual_signed"))
            promise.paid_amount = max(promise.residual_at_promise - residual, 0.0)

    @api.depends("state")
    def _compute_kept_rate(self):
        for promise in self:
            promise.kept_rate = {"kept": 100, "broken": 0}.get(promise.state, False)

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        promises._check_new_promise()
        policies = self.env["credit.recovery.policy"]._get_company_policies(promises.company_id)
        for promise in promises:
            tolerance = (
                policies[promise.company_id.id].promise_tolerance_days if promise.company_id.id in policies else 0
            )
            promise.write(
                {
                    "residual_at_promise": sum(promise.invoice_ids.mapped("amount_residual_signed")),
                    "deadline": promise.date + timedelta(days=tolerance),
                }
            )
        return promises

    def _get_label(self):
        """ "Debtor: R$ 300,00 by 14/12/2026", amount and date in the language of ``self.env``."""
        self.ensure_one()
        return self.env._(
            "%(partner)s: %(amount)s by %(date)s",
            partner=self.partner_id.display_name or "",
            amount=self.currency_id.format(self.amount) if self.currency_id else self.amount,
            date=format_date(self.env, self.date) if self.date else "",
        )

    def _check_new_promise(self):
        today = fields.Date.context_today(self)
        self._check_no_overlap()
        for promise in self:
            if not promise.invoice_ids:
                raise ValidationError(self.env._("Choose the invoices the promise is about."))
            if promise.invoice_ids.commercial_partner_id != promise.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "A promise covers the invoices of one customer: %(invoices)s are not all of %(partner)s.",
                        invoices=", ".join(promise.invoice_ids.mapped("name")),
                        partner=promise.partner_id.display_name,
                    )
                )
            # A contact logged later than it took place may record a promise for a day between
            # the two: the check measures from the day the promise was made.
            if promise.date < min(promise.promised_on or today, today):
                raise ValidationError(
                    self.env._(
                        "The promised date %(date)s is in the past: ask for a date from today on.",
                        date=format_date(self.env, promise.date),
                    )
                )
            open_amount = sum(promise.invoice_ids.mapped("amount_residual_signed"))
            if promise.currency_id.compare_amounts(promise.amount, 0.0) <= 0:
                raise ValidationError(self.env._("The promised amount must be more than zero."))
            if promise.currency_id.compare_amounts(promise.amount, open_amount) > 0:
                raise ValidationError(
                    self.env._(
                        "The promised amount (%(amount)s) is more than the open amount of the invoices "
                        "(%(open)s). Check the amount or add the missing invoices.",
                        amount=promise.currency_id.format(promise.amount),
                        open=promise.currency_id.format(open_amount),
                    )
                )

    def _check_no_overlap(self):
        """One open promise per invoice: two would count the same payments twice, and the
        debtor's word is the one of the open promise until it is kept or broken (one query)."""
        new = self.filtered(lambda promise: promise.state == "open")
        if not new:
            return
        open_promises = self.sudo().search(
            [("state", "=", "open"), ("invoice_ids", "in", new.invoice_ids.ids), ("id", "not in", self.ids)]
        )
        taken = {invoice: promise for promise in open_promises for invoice in promise.invoice_ids}
        for promise in new:
            clash = promise.invoice_ids.filtered(lambda invoice: invoice in taken)
            if clash:
                other = taken[clash[0]]
                raise ValidationError(
                    self.env._(
                        "%(invoices)s already have an open promise to pay: %(promise)s. It stays until it is kept "
                        "or broken: log this contact with another outcome and write the new promise in the notes.",
                        invoices=", ".join(clash.mapped("name")),
                        promise=other.display_name,
                    )
                )
            taken.update(dict.fromkeys(promise.invoice_ids, promise))

    @api.model
    def _cron_check_promises(self, limit=PROMISE_BATCH):
        """Daily: close the open promises that were kept, or whose deadline passed unpaid.

        Batches of open promises not checked today, locked with SKIP LOCKED.
        """
        self.env.flush_all()
        today = fields.Date.context_today(self)
        domain = [("state", "=", "open"), "|", ("checked_date", "=", False), ("checked_date", "<", today)]
        query = self._search(domain, order="id", limit=limit)
        rows = self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
        promises = self.browse(row[0] for row in rows)
        promises._close_promises(today)
        promises.write({"checked_date": today})
        remaining = self.search_count(domain) if len(promises) == limit else 0
        self.env["ir.cron"]._notify_progress(done=len(promises), remaining=remaining)

    def _close_promises(self, today):
        kept = self.filtered(
            lambda promise: promise.currency_id.compare_amounts(promise.paid_amount, promise.amount) >= 0
        )
        broken = (self - kept).filtered(lambda promise: promise.deadline < today)
        if kept:
            kept.write({"state": "kept", "closed_date": today})
        if broken:
            broken.write({"state": "broken", "closed_date": today})
            broken._notify_broken()

    def _notify_broken(self):
        activity_type = self.env.ref("account_credit_recovery.activity_type_broken_promise")
        for promise in self:
            debtor = promise.debtor_id
            debtor.message_post(
                body=self.env._(
                    "Promise broken: %(amount)s promised by %(date)s, %(paid)s paid.",
                    amount=promise.currency_id.format(promise.amount),
                    date=format_date(self.env, promise.date),
                    paid=promise.currency_id.format(promise.paid_amount),
                ),
                subtype_xmlid="mail.mt_note",
            )
            debtor.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Broken promise: call the customer back"),
                # A promise made on the self-service page was logged by the system (an inactive user):
                # its follow-up goes to the debtor's collection responsible, as every collection activity.
                user_id=(
                    debtor.user_id
                    or (promise.user_id if promise.user_id.active else debtor._get_collection_responsible())
                ).id,
            )
