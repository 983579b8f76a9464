"""The debtor's credit at the store: whether new credit is blocked (the policy's definition of
*restricted*), the customer's credit limit following collection (blocked, restored, normal, a
manager's override), its log, and what the store is told (``res.partner._recovery_credit_blocks``)."""

import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date

from ..tools import credit_limit as cl
from ..tools.collection import CREDIT_AGREEMENT_PENDING, CREDIT_RESTRICTED
from ..tools.kpi import REPURCHASE_DAYS
from ..tools.sql import array_literal, batch_update

LIMIT_STATES = [
    (cl.LIMIT_NORMAL, "Normal"),
    (cl.LIMIT_BLOCKED, "Blocked"),
    (cl.LIMIT_RESTORED, "Restored Limit"),
    (cl.LIMIT_OVERRIDE, "Set by a Manager"),
]
# Written by the workflow (set-based SQL) and the override wizard (sudo after its check) only.
CREDIT_WORKFLOW_FIELDS = frozenset(
    {
        "credit_limit_state",
        "credit_applied_limit",
        "credit_normal_limit",
        "credit_restored_date",
        "credit_restored_until",
        "credit_welcome_date",
        "credit_override_limit",
        "credit_override_until",
        "credit_override_reason",
    }
)
# "Crédito liberado": the till shows it this many days after the restoration.
RESTORED_SHOWN_DAYS = 30
APPLY_BATCH = 5000


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    credit_limit_state = fields.Selection(
        LIMIT_STATES,
        string="Credit Limit Applied",
        default=cl.LIMIT_NORMAL,
        readonly=True,
        copy=False,
        help="What collection does with the customer's credit limit: nothing (normal), blocked (no new credit), "
        "the profile's restored limit for a while, or a limit set by a Collection Manager.",
    )
    credit_applied_limit = fields.Float(string="Credit Limit Set", readonly=True, copy=False)
    credit_normal_limit = fields.Float(
        string="Normal Credit Limit",
        readonly=True,
        copy=False,
        help="The customer's own credit limit, remembered when collection changed it and given back exactly.",
    )
    credit_restored_date = fields.Date(string="Credit Restored On", readonly=True, copy=False)
    credit_restored_until = fields.Date(string="Restored Limit Until", readonly=True, copy=False)
    credit_welcome_date = fields.Date(
        string="Welcome-Back Sent For",
        readonly=True,
        copy=False,
        help="The restoration whose welcome-back message was sent: one message per restoration.",
    )
    credit_override_limit = fields.Float(string="Override Limit", readonly=True, copy=False)
    credit_override_until = fields.Date(string="Override Until", readonly=True, copy=False)
    credit_override_reason = fields.Char(string="Override Reason (Credit)", readonly=True, copy=False)
    credit_blocked = fields.Boolean(
        string="New Credit Blocked",
        compute="_compute_credit_blocked",
        help="The collection policy blocks new credit sales for this customer now.",
    )
    credit_repurchase_amount = fields.Monetary(
        string="Bought Since Restored",
        compute="_compute_credit_repurchase_amount",
        help="Posted invoices and Point of Sale orders of the customer within 90 days of the latest restoration.",
    )
    credit_change_ids = fields.One2many(
        "credit.recovery.credit.change", "debtor_id", string="Credit Limit Changes", readonly=True
    )

    @api.depends("credit_status", "stage_id", "days_overdue", "company_id")
    def _compute_credit_blocked(self):
        blocked = self._recovery_blocked_ids()
        for debtor in self:
            debtor.credit_blocked = debtor.id in blocked

    @api.depends("credit_restored_date")
    def _compute_credit_repurchase_amount(self):
        restored = {
            debtor.id: debtor.credit_restored_date for debtor in self if debtor.id and debtor.credit_restored_date
        }
        purchases = []
        if restored:
            purchases = self.env["credit.recovery.kpi"]._repurchase_purchases(
                restored, min(restored.values()), max(restored.values())
            )
        amounts = {}
        for debtor_id, day, amount in purchases:
            if restored[debtor_id] <= day <= restored[debtor_id] + timedelta(days=REPURCHASE_DAYS):
                amounts[debtor_id] = amounts.get(debtor_id, 0.0) + amount
        for debtor in self:
            debtor.credit_repurchase_amount = amounts.get(debtor.id, 0.0)

    def _check_client_vals(self, names):
        res = super()._check_client_vals(names)
        if CREDIT_WORKFLOW_FIELDS & names:
            raise AccessError(
                self.env._(
                    "The customer's credit limit follows collection: only a Collection Manager changes it, with the "
                    "Override Credit Limit button (a reason and an end date)."
                )
            )
        return res

    def action_open_credit_override(self):
        self.ensure_one()
        self._check_credit_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Credit Limit"),
            "res_model": "credit.recovery.credit.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_debtor_id": self.id, "default_company_id": self.company_id.id},
        }

    def _check_credit_manager(self):
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can override a customer's credit limit."))

    def _recovery_set_credit_override(self, limit, until, reason):
        """A manager's limit until ``until`` (included), with its reason; applied at once and logged.
        ``until`` empty: the override ends now (the collection limit applies again). The manager
        must have write access to these debtors (their company) before the write with ``sudo``."""
        self._check_credit_manager()
        self.check_access("write")
        self.sudo().write(
            {
                "credit_override_limit": limit,
                "credit_override_until": until or False,
                "credit_override_reason": reason,
            }
        )
        self._recovery_apply_credit_limits(reason_text=reason)

    def _recovery_blocked_ids(self):
        """Ids of the debtors of ``self`` whose new credit sales the policy blocks now (no query per
        debtor: the policies and stages of the batch are read once)."""
        today = fields.Date.context_today(self)
        candidates = self.sudo().filtered(
            lambda debtor: (
                debtor.credit_status in (CREDIT_RESTRICTED, CREDIT_AGREEMENT_PENDING)
                and not (debtor.credit_override_until and debtor.credit_override_until >= today)
            )
        )
        if not candidates:
            return set()
        policies = self.env["credit.recovery.policy"]._get_company_policies(candidates.company_id)
        rules = {company_id: policy._credit_block_rule() for company_id, policy in policies.items()}
        return {
            debtor.id
            for debtor in candidates
            if cl.credit_blocked(
                debtor.credit_status,
                rules.get(debtor.company_id.id, cl.BlockRule()),
                debtor.stage_id._ladder_key() if debtor.stage_id else None,
                debtor.days_overdue,
            )
        }

    def _recovery_credit_block_vals(self):
        """The block of one debtor whose credit is not available (see
        ``res.partner._recovery_credit_blocks``): why, in the seller's words, and what to do.
        Keys: ``debtor``, ``status``, ``stage``, ``amount_overdue``, ``currency``, ``link``,
        ``message``, ``limit`` (the credit limit set, float) and ``limit_state``."""
        self.ensure_one()
        debtor = self.sudo()
        link = debtor.portal_link_url or False
        amount = format_amount(self.env, debtor.amount_overdue, debtor.currency_id)
        if debtor.credit_status == "agreement_pending":
            reason = self.env._(
                "%(customer)s's credit is held until the collection agreement receives its first payment (%(next)s).",
                customer=debtor.partner_id.name,
                next=debtor.agreement_next_payment or self.env._("see the agreement"),
            )
        else:
            reason = self.env._(
                "%(customer)s has %(amount)s overdue (collection stage: %(stage)s): new credit is blocked.",
                customer=debtor.partner_id.name,
                amount=amount,
                stage=debtor.stage_id.name or self.env._("none yet"),
            )
        todo = self.env._(
            "Sell for cash or card now; the customer can pay or negotiate on the personal page or with the "
            "collection team (Negotiate on the collection record), and credit returns by itself once paid."
        )
        return {
            "debtor": debtor,
            "status": debtor.credit_status,
            "stage": debtor.stage_id.name or "",
            "amount_overdue": debtor.amount_overdue,
            "currency": debtor.currency_id,
            "link": link,
            "message": f"{reason} {todo}",
            "limit": debtor.credit_applied_limit,
            "limit_state": debtor.credit_limit_state,
        }

    def _recovery_recently_restored(self, today=None):
        """Whether the credit was just given back (the till shows "crédito liberado")."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return bool(
            self.credit_limit_state == cl.LIMIT_RESTORED
            or (
                self.credit_restored_date
                and self.credit_limit_state == cl.LIMIT_NORMAL
                and self.credit_restored_date >= today - timedelta(days=RESTORED_SHOWN_DAYS)
            )
        )

    # ------------------------------------------------------------------ status changes

    def _compute_credit_status(self):
        """The stored status changes outside the run (a payment, an agreement): the limit follows
        before the transaction ends, batched in one pre-commit step (nothing is written for the
        debtors whose limit stays as it is)."""
        res = super()._compute_credit_status()
        ids = {debtor.id for debtor in self if debtor.id}
        if ids:
            self._recovery_queue_credit_limits(ids)
        return res

    def _recovery_refresh_write(self, values, run=None, extra=None):
        """The run's set-based refresh (planning phase, history): the limits follow in the same batch,
        decided on the refreshed status, stage, days and profile, and the debtors' credit columns
        written by the refresh's own UPDATE (one pass over the rows). The changes the run's planning
        makes (``run`` given: thousands of customers at once on the first night) are logged without a
        chatter note each: the log, on the debtor's *Credit at the Store* tab, is their record, as the
        run's stage actions are; every other path notes them in the chatter too."""
        today = fields.Date.context_today(self)
        refreshed = {
            debtor_id: (status, days, stage, profile)
            for debtor_id, status, days, stage, profile in zip(
                values["id"], values["status"], values["days"], values["stage"], values["profile"], strict=True
            )
        }
        changes = self._recovery_credit_changes(self._recovery_credit_rows(refreshed), today)
        columns = self._recovery_credit_columns(changes, today)
        position = {debtor_id: index for index, debtor_id in enumerate(values["id"])}
        changed = [False] * len(values["id"])
        extra = {"changed": changed, "columns": {}}
        for name, (sql_type, column) in columns.items():
            if name == "id":
                continue
            full = [None] * len(changed)
            for debtor_id, value in zip(columns["id"][1], column, strict=True):
                full[position[debtor_id]] = value
            extra["columns"][name] = (sql_type, array_literal(full, sql_type))
        for debtor_id in columns["id"][1]:
            changed[position[debtor_id]] = True
        res = super()._recovery_refresh_write(values, run=run, extra=extra)
        self._recovery_write_credit_limits(changes, today, debtors_written=True, notes=run is None)
        return res

    def _recovery_queue_credit_limits(self, debtor_ids):
        pending = self.env.cr.precommit.data.setdefault("recovery_credit_limit_ids", set())
        if not pending:
            self.env.cr.precommit.add(self._recovery_apply_queued_credit_limits)
        pending.update(debtor_ids)

    def _recovery_apply_queued_credit_limits(self):
        ids = self.env.cr.precommit.data.pop("recovery_credit_limit_ids", set())
        debtors = self.env["credit.recovery.debtor"].sudo().browse(sorted(ids)).exists()
        debtors._recovery_apply_credit_limits()
        self.env.flush_all()

    @api.model
    def _recovery_apply_credit_limits_daily(self, companies=None):
        """Daily (end of the run): restored limits and overrides that ended, and every managed debtor the
        run did not plan. Batches of ``APPLY_BATCH``; nothing is written when nothing changes."""
        domain = [
            "|",
            ("credit_limit_state", "!=", cl.LIMIT_NORMAL),
            ("credit_status", "in", (CREDIT_RESTRICTED, CREDIT_AGREEMENT_PENDING)),
        ]
        if companies is not None:
            domain = [("company_id", "in", companies.ids), *domain]
        debtors = self.sudo().search(domain, order="id")
        for start in range(0, len(debtors), APPLY_BATCH):
            debtors[start : start + APPLY_BATCH]._recovery_apply_credit_limits()

    def _recovery_apply_credit_limits(self, today=None, reason_text=None):
        """Set the customers' credit limits to what collection says today, set-based.

        One query reads the debtors, their stage, profile and current limit; the decision is
        ``tools.credit_limit.next_limit_state``; the changes are written with one UPDATE of the
        partners' company-dependent ``credit_limit`` (a JSONB per company in Odoo 18), one of the
        debtors, one INSERT of the log and one of the chatter notes. A policy that does not follow
        collection (``credit_limit_follow`` off) gives the customers their normal limit back.
        The run's refresh decides and writes the same in its own pass (:meth:`_recovery_refresh_write`).
        """
        if not self:
            return {}
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        changes = self._recovery_credit_changes(self._recovery_credit_rows(), today)
        self._recovery_write_credit_limits(changes, today, reason_text)
        return {change[0]: change[6] for change in changes}

    def _recovery_credit_rows(self, refreshed=None):
        """The debtors of ``self`` as the decision reads them: one query of their collection state, credit
        columns and the partner's current limit. ``refreshed`` (``{debtor id: (credit status, days overdue,
        stage id, profile id)}``): the values the refresh is about to write, in place of the stored ones."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT d.id, d.company_id, d.partner_id, d.credit_status, %s,
                       st.sequence, st.trigger_days, st.id, d.profile_id, COALESCE(d.credit_limit_state, 'normal'),
                       COALESCE(d.credit_applied_limit, 0), COALESCE(d.credit_normal_limit, 0),
                       d.credit_restored_until, COALESCE(d.credit_override_limit, 0), d.credit_override_until,
                       (p.credit_limit ->> d.company_id::text)::float, d.credit_restored_date
                  FROM credit_recovery_debtor d
                  JOIN res_partner p ON p.id = d.partner_id
                  LEFT JOIN credit_recovery_stage st ON st.id = d.stage_id
                 WHERE d.id = ANY(%s)
                """,
                self._field_to_sql("d", "days_overdue"),  # computed when read, not stored
                self.ids,
            )
        )
        if refreshed is None:
            return rows
        stages = self.env["credit.recovery.stage"].sudo().browse({value[2] for value in refreshed.values() if value[2]})
        ladder = {stage.id: (stage.sequence, stage.trigger_days) for stage in stages}
        result = []
        for row in rows:
            status, days, stage_id, profile_id = refreshed.get(row[0], (row[3], row[4], row[7], row[8]))
            sequence, trigger = ladder.get(stage_id, (None, None)) if stage_id else (None, None)
            result.append((*row[:3], status, days, sequence, trigger, stage_id or None, profile_id, *row[9:]))
        return result

    def _recovery_credit_changes(self, rows, today):
        """The changes of the limits of ``rows`` (:meth:`_recovery_credit_rows`): a list of ``(debtor,
        company, partner, applied, current limit, normal, LimitState, restored date, override end)``; the
        debtors whose limit stays as it is are left out. The decision is memoized: a batch repeats the same
        few cases."""
        companies = self.env["res.company"].browse({row[1] for row in rows})
        policies = self.env["credit.recovery.policy"]._get_company_policies(companies)
        follow = {company_id for company_id, policy in policies.items() if policy.credit_limit_follow}
        if not follow and all(row[9] == cl.LIMIT_NORMAL for row in rows):
            return []
        block_rules = {company_id: policy._credit_block_rule() for company_id, policy in policies.items()}
        profiles = self.env["credit.recovery.profile"].sudo().browse({row[8] for row in rows if row[8]})
        restored_rules = {profile.id: profile._credit_restored_rule() for profile in profiles}
        Partner = self.env["res.partner"]
        fallback = {
            company.id: Partner._fields["credit_limit"].get_company_dependent_fallback(Partner.with_company(company))
            or 0.0
            for company in companies
        }
        decided = {}
        changes = []
        for row in rows:
            debtor_id, company_id, partner_id, *key, partner_limit, restored_date = row
            current = fallback.get(company_id, 0.0) if partner_limit is None else partner_limit
            key = (company_id, current, *key)
            if key not in decided:
                decided[key] = self._recovery_credit_decide(
                    key, company_id in follow, block_rules, restored_rules, today
                )
            normal, state = decided[key]
            if state.reason:
                changes.append(
                    (debtor_id, company_id, partner_id, key[8], current, normal, state, restored_date, key[13])
                )
        return changes

    @api.model
    def _recovery_credit_decide(self, key, following, block_rules, restored_rules, today):
        """``(normal limit, LimitState)`` of one debtor whose decision inputs are ``key`` (the company,
        the partner's current limit and the columns of :meth:`_recovery_credit_rows` from the status on)."""
        (
            company_id,
            current,
            status,
            days,
            stage_seq,
            stage_trigger,
            stage_id,
            profile_id,
            applied,
            applied_limit,
            remembered,
            restored_until,
            override_limit,
            override_until,
        ) = key
        blocked = following and cl.credit_blocked(
            status,
            block_rules.get(company_id, cl.BlockRule()),
            (stage_seq, stage_trigger, stage_id) if stage_id else None,
            days,
        )
        normal = current if applied == cl.LIMIT_NORMAL else remembered
        state = cl.next_limit_state(
            blocked=blocked,
            applied=applied,
            applied_limit=applied_limit,
            normal=normal,
            restored_until=restored_until,
            rule=restored_rules.get(profile_id, cl.RestoredRule()) if following else cl.RestoredRule(),
            today=today,
            override_limit=override_limit,
            override_until=override_until,
        )
        if not following and state.reason and state.state == cl.LIMIT_NORMAL:
            # The policy stopped following collection: the normal limit back, no restoration.
            state = cl.LimitState(cl.LIMIT_NORMAL, normal, None, cl.REASON_NORMAL)
        return normal, state

    @api.model
    def _recovery_credit_columns(self, changes, today):
        """The debtors' credit columns after ``changes``: ``{column: (SQL type, [value per change])}``,
        ``id`` first (the restored date kept unless the change is a restoration, an override ended by it)."""
        columns = {
            "id": ("int", []),
            "credit_limit_state": ("varchar", []),
            "credit_applied_limit": ("float", []),
            "credit_normal_limit": ("float", []),
            "credit_restored_until": ("date", []),
            "credit_restored_date": ("date", []),
            "credit_override_until": ("date", []),
        }
        for debtor_id, _company, _partner, applied, _current, normal, state, restored_date, override_until in changes:
            for name, value in (
                ("id", debtor_id),
                ("credit_limit_state", state.state),
                ("credit_applied_limit", state.limit),
                ("credit_normal_limit", normal),
                ("credit_restored_until", state.restored_until),
                ("credit_restored_date", today if cl.is_restoration(applied, state) else restored_date),
                (
                    "credit_override_until",
                    None if applied == cl.LIMIT_OVERRIDE and state.state != cl.LIMIT_OVERRIDE else override_until,
                ),
            ):
                columns[name][1].append(value)
        return columns

    def _recovery_write_credit_limits(self, changes, today, reason_text=None, debtors_written=False, notes=True):
        """Write ``changes`` (:meth:`_recovery_credit_changes`) set-based: the partners' limits, the debtors
        (unless ``debtors_written``: the refresh's UPDATE took them), the log and (``notes``) the chatter
        notes; then the welcome back of the restored customers."""
        if not changes:
            return
        patches = {}
        for _debtor, company_id, partner_id, _applied, _current, _normal, state, *_dates in changes:
            patches.setdefault(partner_id, {})[str(company_id)] = state.limit
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p SET credit_limit = COALESCE(p.credit_limit, '{}'::jsonb) || v.patch
                  FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::jsonb[]) AS patch) v
                 WHERE p.id = v.id
                """,
                array_literal(list(patches), "int"),
                array_literal([json.dumps(patch) for patch in patches.values()], "jsonb"),
            )
        )
        if not debtors_written:
            columns = self._recovery_credit_columns(changes, today)
            self.env.cr.execute(
                batch_update(
                    "credit_recovery_debtor",
                    {
                        debtor_id: {name: columns[name][1][index] for name in columns if name != "id"}
                        for index, debtor_id in enumerate(columns["id"][1])
                    },
                    {name: sql_type for name, (sql_type, _values) in columns.items()},
                    overwrite=set(columns),
                )
            )
        self.env["credit.recovery.credit.change"]._recovery_log(changes, today, reason_text, notes=notes)
        self.env["res.partner"].invalidate_model(["credit_limit", "use_partner_credit_limit"])
        self.invalidate_model(
            [
                "credit_limit_state",
                "credit_applied_limit",
                "credit_normal_limit",
                "credit_restored_until",
                "credit_restored_date",
                "credit_override_until",
            ]
        )
        restored = [change[0] for change in changes if cl.is_restoration(change[3], change[6])]
        if restored:
            self.browse(restored)._recovery_welcome_back()

    # ------------------------------------------------------------------ welcome back

    def _recovery_welcome_back(self):
        """One message per restoration (``credit_welcome_date``): thanks, the restored limit and the
        policy's benefit (a coupon of the Loyalty app when installed and chosen, or its text). The
        customer's opt-outs are honoured: no message to a customer who asked not to be contacted or
        refused collection emails, or without an email address."""
        template = self.env.ref("account_credit_recovery.mail_template_credit_welcome_back", raise_if_not_found=False)
        debtors = self.sudo().filtered(
            lambda debtor: debtor.credit_restored_date and debtor.credit_welcome_date != debtor.credit_restored_date
        )
        if not template or not debtors:
            return
        policies = self.env["credit.recovery.policy"]._get_company_policies(debtors.company_id)
        to_send = debtors.filtered(
            lambda debtor: (
                debtor.partner_id.email
                and not debtor.partner_id.recovery_do_not_contact
                and not debtor.partner_id._recovery_channel_opted_out("email")
            )
        )
        for debtor in to_send:
            policy = policies.get(debtor.company_id.id)
            benefit = debtor._recovery_welcome_benefit(policy)
            template.with_context(recovery_benefit=benefit).send_mail(debtor.id, force_send=False)
        self.env.cr.execute(
            SQL(
                "UPDATE credit_recovery_debtor SET credit_welcome_date = credit_restored_date WHERE id = ANY(%s)",
                debtors.ids,
            )
        )
        debtors.invalidate_recordset(["credit_welcome_date"])

    def _recovery_welcome_benefit(self, policy):
        """The benefit told in the welcome-back message: a new coupon code of the policy's Loyalty program
        (when the app is installed), else the policy's text, else ``""``."""
        self.ensure_one()
        if not policy:
            return ""
        program = policy.credit_benefit_program_ref
        if program and program._name == "loyalty.program" and "loyalty.card" in self.env:
            card = (
                self.env["loyalty.card"]
                .sudo()
                .create({"program_id": program.id, "partner_id": self.partner_id.id, "points": 1})
            )
            return self.env._(
                "%(benefit)s, code %(code)s",
                benefit=policy.credit_benefit_text or program.display_name,
                code=card.code,
            )
        return policy.credit_benefit_text or ""

    def _recovery_welcome_limit_text(self):
        """The restored limit in words for the welcome-back message."""
        self.ensure_one()
        if not self.credit_applied_limit:
            return self.env._("your usual credit")
        text = format_amount(self.env, self.credit_applied_limit, self.currency_id)
        if self.credit_restored_until:
            return self.env._(
                "%(limit)s until %(date)s", limit=text, date=format_date(self.env, self.credit_restored_until)
            )
        return text
