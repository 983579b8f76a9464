from contextlib import contextmanager
from datetime import datetime, time

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import formatLang

from ..tools.business_days import BusinessCalendar, holiday_dates, public_holidays
from ..tools.collection import StageRule
from ..tools.contact_rules import ContactWindow
from .common import POLICY_SAVE_MARK

CDC_MAX_FINE_PERCENT = 2.0  # CDC art. 52 §1


class CreditRecoveryPolicy(models.Model):
    """How a company collects: stages, grace, contact window and late-fee defaults.

    A company has one active policy; every business-day count of the addon uses
    its calendar (working days from the attendances, holidays from its leaves).
    """

    _name = "credit.recovery.policy"
    _description = "Collection Policy"
    _inherit = ["mail.thread"]
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    is_consumer = fields.Boolean(
        string="Consumer Contracts",
        default=True,
        tracking=True,
        help="Debts from consumer contracts follow the Brazilian Consumer Defence Code "
        "(CDC): the late fine is capped at 2 % (art. 52 §1).",
    )
    grace_days = fields.Integer(
        string="Grace Period (business days)",
        default=5,
        tracking=True,
        help="Business days after the due date before the first post-due stage starts.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Business Calendar",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Working days and public holidays (global time off) used for every "
        "business-day count: grace period, due dates, deadlines.",
    )
    window_ids = fields.One2many(
        "credit.recovery.contact.window",
        "policy_id",
        string="Contact Window",
        copy=True,
        default=lambda self: self._default_window_ids(),
        help="When debtors may be contacted, in their own time zone. Days without a "
        "line (Sundays by default) and holidays of the calendar are never allowed.",
    )
    max_contacts_per_day = fields.Integer(string="Max Contacts per Day", default=1, tracking=True)
    max_contacts_per_week = fields.Integer(string="Max Contacts per Week", default=3, tracking=True)
    backdate_limit_hours = fields.Integer(
        string="Backdating Limit (hours)",
        default=24,
        tracking=True,
        help="A contact recorded more than this many hours after it took place needs a Collection Manager, "
        "and the log is flagged as backdated.",
    )
    fine_percent = fields.Float(string="Late Fine (%)", default=2.0, digits=(5, 2), tracking=True)
    interest_percent_month = fields.Float(
        string="Default Interest (% per month)",
        default=1.0,
        digits=(5, 2),
        tracking=True,
        help="Simple interest, pro rata die (the monthly rate / 30 per day), never compounded.",
    )
    tolerance_amount = fields.Monetary(
        string="Tolerance",
        default=1.0,
        tracking=True,
        help="Overdue amounts below this value are ignored (no stage, no contact).",
    )
    stage_ids = fields.One2many("credit.recovery.stage", "policy_id", string="Stages", copy=True)
    promise_tolerance_days = fields.Integer(
        default=2,
        tracking=True,
        help="Days after the promised date before an unpaid promise counts as broken.",
    )
    agreement_journal_id = fields.Many2one(
        "account.journal",
        string="Renegotiation Journal",
        check_company=True,
        copy=False,
        domain=[("type", "=", "general")],
        help="Journal of the entries that settle the original invoices and open the agreement's installments.",
    )
    agreement_income_account_id = fields.Many2one(
        "account.account",
        string="Fine and Interest Account",
        check_company=True,
        copy=False,
        help="Income account credited with the fine and interest of an agreement.",
    )
    agreement_discount_account_id = fields.Many2one(
        "account.account",
        string="Discount Account",
        check_company=True,
        copy=False,
        help="Expense account debited with the discounts granted in an agreement.",
    )
    agreement_break_days = fields.Integer(
        string="Break After (business days)",
        default=5,
        help="An installment unpaid this many business days after its due date breaks the agreement.",
    )
    agreement_break_option = fields.Selection(
        [("keep", "Remaining installments stay as scheduled"), ("accelerate", "Remaining balance becomes due at once")],
        string="When an Agreement Breaks",
        default="keep",
        required=True,
    )
    credit_restore_on = fields.Selection(
        [
            ("first_payment", "The down payment or first installment is paid"),
            ("installments", "A number of payments is made"),
            ("full", "The agreement is paid in full"),
        ],
        string="Credit Restored When",
        default="first_payment",
        required=True,
        tracking=True,
        help="An agreement settles the invoices in the books, but the customer's credit comes back with money: "
        "until then the customer stays restricted, shown as awaiting the agreement's payment, and stays listed "
        "with the credit bureau. The removal from the bureau (STJ Súmula 548) counts from that payment.",
    )
    credit_restore_installments = fields.Integer(
        string="Payments Before Credit Is Restored",
        default=2,
        tracking=True,
        help="Payments of the agreement (the down payment counts as one) made before the customer's credit is "
        "restored. An agreement with fewer payments restores it when paid in full.",
    )
    dispute_manager_id = fields.Many2one(
        "res.users",
        tracking=True,
        domain=[("share", "=", False)],
        help="Reviews the disputes raised by debtors. Empty: the debtor's collection responsible.",
    )

    @api.model
    def _default_window_ids(self):
        weekdays = [(str(day), 8.0, 20.0) for day in range(5)] + [("5", 8.0, 14.0)]
        return [Command.create({"dayofweek": d, "hour_from": f, "hour_to": t}) for d, f, t in weekdays]

    @api.constrains("active", "company_id")
    def _check_one_per_company(self):
        for company in self.filtered("active").company_id:
            policies = self.search([("company_id", "=", company.id)])
            if len(policies) > 1:
                raise ValidationError(
                    self.env._(
                        "The company %(company)s already has an active collection policy "
                        "(%(policies)s). Archive the other one or edit it instead.",
                        company=company.display_name,
                        policies=", ".join(policies.mapped("name")),
                    )
                )

    @api.constrains(
        "grace_days",
        "max_contacts_per_day",
        "max_contacts_per_week",
        "tolerance_amount",
        "promise_tolerance_days",
        "agreement_break_days",
        "backdate_limit_hours",
        "credit_restore_installments",
    )
    def _check_limits(self):
        for policy in self:
            if (
                policy.grace_days < 0
                or policy.tolerance_amount < 0
                or policy.promise_tolerance_days < 0
                or policy.backdate_limit_hours < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: the grace period, the tolerances and the backdating limit cannot be "
                        "negative.",
                        policy=policy.name,
                    )
                )
            if policy.agreement_break_days < 0:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: the business days before an unpaid installment breaks an agreement "
                        "cannot be negative (0: the day after its due date).",
                        policy=policy.name,
                    )
                )
            if policy.credit_restore_installments < 1:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: at least one payment of an agreement restores the customer's credit.",
                        policy=policy.name,
                    )
                )
            if policy.max_contacts_per_day < 1 or policy.max_contacts_per_week < policy.max_contacts_per_day:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: allow at least one contact per day, and at least as many "
                        "per week as per day.",
                        policy=policy.name,
                    )
                )

    @api.constrains("fine_percent", "interest_percent_month", "is_consumer")
    def _check_late_fees(self):
        for policy in self:
            if policy.fine_percent < 0 or policy.interest_percent_month < 0:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: the fine and the interest rate cannot be negative.",
                        policy=policy.name,
                    )
                )
            if policy.is_consumer and policy.fine_percent > CDC_MAX_FINE_PERCENT:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s covers consumer contracts: the late fine cannot exceed "
                        "%(max)s %% (CDC art. 52 §1). Lower the fine, or untick “Consumer Contracts” "
                        "if these debts are between businesses.",
                        policy=policy.name,
                        max=formatLang(self.env, CDC_MAX_FINE_PERCENT, digits=1),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        with self._saving_stages():
            policies = super().create(vals_list)
        policies.stage_ids._check_trigger_order(force=True)
        return policies

    def write(self, vals):
        with self._saving_stages():
            res = super().write(vals)
        if "stage_ids" in vals:
            self.stage_ids._check_trigger_order(force=True)
        if {"grace_days", "calendar_id", "tolerance_amount", "stage_ids", "active"} & set(vals):
            self.env["account.move"]._recovery_schedule_refresh(self.company_id)
        if {"credit_restore_on", "credit_restore_installments", "active"} & set(vals):
            # The credit status of the customers under an agreement follows the new rule at once.
            self.env["credit.recovery.debtor"].sudo().search(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("agreement_ids.state", "in", ("active", "broken")),
                ]
            )._recovery_refresh_aggregates()
        return res

    def action_run_now(self):
        """Start a collection run now, processed in the background by the run cron."""
        self.ensure_one()
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can start a collection run."))
        if not self.active:
            raise UserError(self.env._("Activate the policy before running it."))
        running = (
            self.env["credit.recovery.run"]
            .sudo()
            .search([("company_id", "=", self.company_id.id), ("state", "in", ("refresh", "plan"))], limit=1)
        )
        if running:
            raise UserError(
                self.env._(
                    "A collection run of %(company)s is already in progress (%(run)s). Wait for it to finish, "
                    "or open it from Collection Runs to resume or cancel it.",
                    company=self.company_id.name,
                    run=running.name,
                )
            )
        Run = self.env["credit.recovery.run"]
        run = Run._start(self, trigger="manual")
        Run._trigger_cron()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.recovery.run",
            "res_id": run.id,
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _get_company_policies(self, companies):
        """``{company_id: policy}`` for the active policies of ``companies`` (one query)."""
        policies = self.sudo().search([("company_id", "in", companies.ids)])
        return {policy.company_id.id: policy for policy in policies}

    @api.model
    def _prepare_default_policy_vals(self, company):
        """Values of a default policy for ``company``: a copy of the addon's template policy, or a
        stage-less one when the template is gone. Nothing of another company is kept: the
        renegotiation journal and accounts are the new company's to set, the disputes go to its
        collection responsibles."""
        return {
            "name": self.env._("Default collection policy"),
            "company_id": company.id,
            "calendar_id": company.resource_calendar_id.id,
            "agreement_journal_id": False,
            "agreement_income_account_id": False,
            "agreement_discount_account_id": False,
            "dispute_manager_id": False,
        }

    @api.model
    def _create_missing_company_policies(self, companies):
        """Give every company of ``companies`` without an active policy its own default one.

        The addon's default policy (data file) is copied with its stages and their
        translations; a company is created rarely, so one copy per company is fine. No "created"
        line in the chatter: written in the installer's language, it read half in English.
        """
        policy_sudo = self.sudo().with_context(mail_create_nolog=True)
        covered = policy_sudo._get_company_policies(companies)
        template = policy_sudo.env.ref("account_credit_recovery.policy_default", raise_if_not_found=False)
        policies = policy_sudo.browse()
        for company in companies.filtered(lambda company: company.id not in covered):
            vals = policy_sudo._prepare_default_policy_vals(company)
            if template:
                # The template's name and its translations (no name in ``default``: Odoo copies the
                # translations of the fields it is not given).
                policies |= template.copy({key: value for key, value in vals.items() if key != "name"})
            else:
                policies |= policy_sudo.create(vals)
        return policies

    @api.model
    def _cron_fill_holidays(self):
        """Yearly: the public holidays of the current and next year on every policy's calendar."""
        today = fields.Date.context_today(self)
        self.sudo().search([("calendar_id", "!=", False)])._fill_public_holidays([today.year, today.year + 1])

    def _fill_public_holidays(self, years):
        """Add the national (and company state) holidays of ``years`` to the policies' calendars.

        Only the holidays this method created (``recovery_holiday_key``) are updated or removed;
        a day already covered by a holiday entered by hand is left alone.
        """
        Leave = self.env["resource.calendar.leaves"].sudo()
        years = sorted(set(years))
        calendars = self.calendar_id
        existing = Leave.search([("calendar_id", "in", calendars.ids), ("resource_id", "=", False)])
        vals_list, stale = [], Leave.browse()
        for calendar in calendars:
            policy = self.filtered(lambda policy, calendar=calendar: policy.calendar_id == calendar)[:1]
            company = policy.company_id
            country = company.country_id.code or "BR"
            state = company.state_id.code if company.state_id.country_id == company.country_id else None
            lang = company.partner_id.lang or self.env.lang
            names = public_holidays(country, state, years, lang)
            prefix = f"{country}-{state}" if state else country
            tz = pytz.timezone(calendar.tz or "UTC")
            leaves = existing.filtered(lambda leave, calendar=calendar: leave.calendar_id == calendar)
            local_days = {
                leave: {
                    leave.date_from.replace(tzinfo=pytz.utc).astimezone(tz).date(),
                    leave.date_to.replace(tzinfo=pytz.utc).astimezone(tz).date(),
                }
                for leave in leaves
            }
            by_hand = set().union(*(days for leave, days in local_days.items() if not leave.recovery_holiday_key))
            ours = {leave.recovery_holiday_key: leave for leave in leaves if leave.recovery_holiday_key}
            wanted = {}
            for day, name in names.items():
                if day not in by_hand:
                    wanted[f"{prefix}:{day.isoformat()}"] = (day, name)
            for key, leave in ours.items():
                day = min(local_days[leave])
                if day.year in years and key not in wanted:
                    stale |= leave
            for key, (day, name) in sorted(wanted.items()):
                if key in ours:
                    if ours[key].name != name:
                        ours[key].name = name
                    continue
                start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
                end = tz.localize(datetime.combine(day, time(23, 59, 59))).astimezone(pytz.utc).replace(tzinfo=None)
                vals_list.append(
                    {
                        "name": name,
                        "calendar_id": calendar.id,
                        "company_id": calendar.company_id.id or company.id,
                        "date_from": start,
                        "date_to": end,
                        "time_type": "leave",
                        "recovery_holiday_key": key,
                    }
                )
        stale.unlink()
        return Leave.create(vals_list)

    def _get_business_calendar(self):
        """The policy's :class:`BusinessCalendar`: working weekdays and holiday dates."""
        self.ensure_one()
        calendar = self.calendar_id
        weekdays = frozenset(int(day) for day in calendar.attendance_ids.mapped("dayofweek"))
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id", "=", False),
                    "|",
                    ("calendar_id", "=", calendar.id),
                    "&",
                    ("calendar_id", "=", False),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        tz_calendar = calendar.with_context(tz=calendar.tz or "UTC")
        periods = [
            (
                fields.Datetime.context_timestamp(tz_calendar, leave.date_from).date(),
                fields.Datetime.context_timestamp(tz_calendar, leave.date_to).date(),
            )
            for leave in leaves
        ]
        return BusinessCalendar(weekdays=weekdays or frozenset(range(5)), holidays=holiday_dates(periods))

    def _get_contact_window(self):
        """The policy's :class:`ContactWindow`: weekday intervals and the calendar's holidays."""
        self.ensure_one()
        intervals = {}
        for window in self.window_ids:
            intervals.setdefault(int(window.dayofweek), []).append((window.hour_from, window.hour_to))
        return ContactWindow(
            intervals={day: tuple(hours) for day, hours in intervals.items()},
            holidays=self._get_business_calendar().holidays,
        )

    def _get_stage_rules(self):
        self.ensure_one()
        return [StageRule(stage.id, stage.trigger_days) for stage in self.stage_ids.sorted("trigger_days")]

    @contextmanager
    def _saving_stages(self):
        """Defer the stages' order check to the end of this policy save (see the stage's
        ``_check_trigger_order``): marked on the transaction, out of any caller's reach."""
        data = self.env.cr.precommit.data
        data[POLICY_SAVE_MARK] = data.get(POLICY_SAVE_MARK, 0) + 1
        try:
            yield
        finally:
            data[POLICY_SAVE_MARK] -= 1
