"""What an agency earns: one commission line per payment received on an installment it was handed,
and one reversal line per such payment later undone.

A *payment on an installment* is a reconciliation (``account.partial.reconcile``) of the
installment's receivable item with an item of a payment or of a bank statement line: the amount
the reconciliation applied is the base (a partial payment counts for what it paid). A credit
note, a write-off or the agreement entry that settles invoices brings no money: no commission.
The installments are the receivable items of the assignment's invoices that were overdue on the
assignment day, and the items of an agreement entry the debtor signed while assigned on one of
those invoices (the agency negotiated it). The payment earns when its date (the
reconciliation's ``max_date``, the day the money met the debt) is on or after the assignment and
while assigned or at most ``commission_tail_days`` after the recall. A payment falls to one
agency only: the one whose assignment started last before it, among those whose window holds it.

The rate is fixed when the installment is handed over (what the agency can expect, whatever it
waits for): the most specific rule of the agency for the installment's stage and days overdue on
the assignment day (the stage replayed from the policy's triggers, as the aging snapshots do).
An agreement's item takes the rule of the oldest assigned installment the agreement settled.

Idempotent by construction: the reconciliation's id is unique per kind of line, so computing
again creates nothing; a reconciliation that disappears (payment unreconciled, cancelled or
reset to draft) cancels its line while not billed, else adds a reversal line for the next bill.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..tools import commission as pure
from ..tools.ledger_sql import installments_sql

KINDS = [("commission", "Commission"), ("reversal", "Reversal")]
STATES = [("to_bill", "To Bill"), ("billed", "Billed"), ("cancelled", "Reversed Before Billing")]


class CreditRecoveryAgencyCommission(models.Model):
    _name = "credit.recovery.agency.commission"
    _description = "Agency Commission"
    _order = "payment_date desc, id desc"
    _check_company_auto = True
    _rec_name = "label"

    agency_id = fields.Many2one("credit.recovery.agency", required=True, index=True, readonly=True, ondelete="restrict")
    assignment_id = fields.Many2one(
        "credit.recovery.agency.assignment", required=True, index=True, readonly=True, ondelete="restrict"
    )
    debtor_id = fields.Many2one("credit.recovery.debtor", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(KINDS, required=True, default="commission", readonly=True)
    invoice_id = fields.Many2one(
        "account.move",
        string="Installment Of",
        required=True,
        readonly=True,
        help="The invoice or agreement entry paid.",
    )
    installment_line_id = fields.Many2one("account.move.line", string="Installment", readonly=True)
    partial_ref = fields.Integer(
        string="Reconciliation",
        required=True,
        readonly=True,
        index=True,
        help="Id of the reconciliation of the installment with the payment: one commission per reconciliation.",
    )
    payment_move_id = fields.Many2one("account.move", string="Payment", readonly=True)
    payment_date = fields.Date(required=True, readonly=True, index=True)
    base_amount = fields.Monetary(string="Paid", readonly=True, help="What the payment applied to the installment.")
    rate = fields.Float(string="Rate (%)", digits=(5, 2), readonly=True)
    amount = fields.Monetary(string="Commission", readonly=True)
    state = fields.Selection(STATES, required=True, default="to_bill", readonly=True, index=True)
    reversed_id = fields.Many2one(
        "credit.recovery.agency.commission", string="Reverses", readonly=True, index="btree_not_null"
    )
    bill_line_id = fields.Many2one("account.move.line", readonly=True, ondelete="set null", index="btree_not_null")
    bill_id = fields.Many2one(related="bill_line_id.move_id", string="Bill")
    label = fields.Char(compute="_compute_label")

    _sql_constraints = [
        ("partial_kind_unique", "UNIQUE(partial_ref, kind)", "A payment earns one commission and one reversal."),
    ]

    @api.depends("debtor_id", "invoice_id", "payment_date", "kind", "reversed_id.payment_date")
    def _compute_label(self):
        for line in self:
            line.label = line._bill_label()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Commission lines are computed from the payments, not entered."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("Commission lines are computed from the payments, not edited."))
        return super().write(vals)

    def _bill_label(self, lang=None):
        """``<debtor> — <invoice> — paid <date>``; a reversal names the payment it reverses (its
        date, not the day the reversal was found). Dates in ``lang``."""
        self.ensure_one()
        env = self.with_context(lang=lang).env if lang else self.env
        day = self.reversed_id.payment_date if self.kind == "reversal" else self.payment_date
        values = {
            "debtor": self.debtor_id.partner_id.display_name or "",
            "invoice": self.invoice_id.name or "",
            "date": format_date(env, day) if day else "",
        }
        if self.kind == "reversal":
            return env._("%(debtor)s — %(invoice)s — payment of %(date)s reversed", **values)
        return env._("%(debtor)s — %(invoice)s — paid %(date)s", **values)

    # ------------------------------------------------------------------ computation

    @api.model
    def _recovery_compute(self, agencies, today=None):
        """Create the commission lines of ``agencies`` for the payments not yet counted, and cancel
        or reverse the lines of the payments undone. Returns ``(created, reversed)`` counts.

        Set-based: one query reads the candidate payments, one the rules, one the undone ones."""
        today = today or fields.Date.context_today(self)
        if not agencies:
            return 0, 0
        self.env.flush_all()
        rows = self.env.execute_query_dict(self._candidates_sql(agencies))
        rules = self._rules_by_agency(agencies)
        policies = self.env["credit.recovery.policy"]._get_company_policies(agencies.company_id)
        stages = {
            company_id: [(stage.trigger_days, stage.id) for stage in policy.stage_ids]
            for company_id, policy in policies.items()
        }
        chosen = {}
        for row in rows:  # ordered by reconciliation, then the assignment started last first
            if row["partial_id"] in chosen:
                continue
            window = pure.in_window(row["paid_on"], row["date_start"], row["recalled_on"], row["tail"])
            if window:
                chosen[row["partial_id"]] = row
        vals_list = []
        for row in chosen.values():
            if row["agency_id"] not in agencies.ids:
                continue  # another agency's payment, read for the choice only
            stage_id = pure.stage_at(stages.get(row["company_id"], []), row["days"])
            rule = pure.pick_rule(rules.get(row["agency_id"], []), stage_id, row["days"])
            if rule is None:
                continue
            base = pure.to_cents(row["amount"])
            vals_list.append(
                {
                    "agency_id": row["agency_id"],
                    "assignment_id": row["assignment_id"],
                    "debtor_id": row["debtor_id"],
                    "company_id": row["company_id"],
                    "invoice_id": row["move_id"],
                    "installment_line_id": row["line_id"],
                    "partial_ref": row["partial_id"],
                    "payment_move_id": row["payment_move_id"],
                    "payment_date": row["paid_on"],
                    "base_amount": float(base),
                    "rate": float(rule.rate),
                    "amount": float(pure.commission(base, rule.rate)),
                }
            )
        created = self.sudo().create(vals_list)
        return len(created), self._reverse_undone(agencies, today)

    def _rules_by_agency(self, agencies):
        rules = defaultdict(list)
        for rule in (
            self.env["credit.recovery.agency.commission.rule"].sudo().search([("agency_id", "in", agencies.ids)])
        ):
            rules[rule.agency_id.id].append(
                pure.Rule(
                    rule.id, rule.stage_id.id or None, rule.min_days_overdue, Decimal(str(rule.rate)), rule.sequence
                )
            )
        return rules

    def _reverse_undone(self, agencies, today):
        """Lines whose reconciliation is gone or whose payment is no longer posted: cancelled while
        not billed; else a reversal line, the exact opposite, on the next bill. Returns the count."""
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT line.id FROM credit_recovery_agency_commission line
                      LEFT JOIN account_move payment ON payment.id = line.payment_move_id
                     WHERE line.agency_id IN %(agencies)s AND line.kind = 'commission' AND line.state != 'cancelled'
                       AND (payment.id IS NULL OR payment.state != 'posted' OR NOT EXISTS (
                            SELECT 1 FROM account_partial_reconcile partial WHERE partial.id = line.partial_ref))
                       AND NOT EXISTS (SELECT 1 FROM credit_recovery_agency_commission reversal
                                        WHERE reversal.reversed_id = line.id)
                     ORDER BY line.id
                    """,
                    agencies=tuple(agencies.ids),
                )
            )
        ]
        undone = self.sudo().browse(ids)
        undone.filtered(lambda line: line.state == "to_bill").write({"state": "cancelled"})
        billed = undone.filtered(lambda line: line.state == "billed")
        self.sudo().create(
            [
                {
                    "agency_id": line.agency_id.id,
                    "assignment_id": line.assignment_id.id,
                    "debtor_id": line.debtor_id.id,
                    "company_id": line.company_id.id,
                    "kind": "reversal",
                    "invoice_id": line.invoice_id.id,
                    "installment_line_id": line.installment_line_id.id,
                    "partial_ref": line.partial_ref,
                    "payment_move_id": line.payment_move_id.id,
                    "payment_date": today,
                    "base_amount": -line.base_amount,
                    "rate": line.rate,
                    "amount": float(pure.reversal(line.amount)),
                    "reversed_id": line.id,
                }
                for line in billed
            ]
        )
        return len(undone)

    def _candidates_sql(self, agencies):
        """Payments not yet counted on installments handed to an agency, one row per
        (reconciliation, assignment of the debtor on or before it), the assignment started last
        first: ``_recovery_compute`` keeps the first whose window holds the payment. Every
        assignment of the debtors concerned is read, so a payment another agency earns stays its own."""
        return SQL(
            """
            WITH assigned AS (
                SELECT assignment.id AS assignment_id, assignment.agency_id, assignment.debtor_id,
                       assignment.company_id, assignment.date_start, assignment.recalled_on,
                       agency.commission_tail_days AS tail
                  FROM credit_recovery_agency_assignment assignment
                  JOIN credit_recovery_agency agency ON agency.id = assignment.agency_id
                 WHERE assignment.debtor_id IN (
                       SELECT debtor_id FROM credit_recovery_agency_assignment WHERE agency_id IN %(agencies)s)
            ),
            installments AS (%(installments)s)
            SELECT partial.id AS partial_id, partial.amount, partial.max_date AS paid_on,
                   paid_by.move_id AS payment_move_id, installments.line_id, installments.move_id,
                   installments.days, assigned.*
              FROM installments
              JOIN assigned USING (assignment_id)
              JOIN account_partial_reconcile partial ON partial.debit_move_id = installments.line_id
              JOIN account_move_line paid_by ON paid_by.id = partial.credit_move_id
              JOIN account_move paying ON paying.id = paid_by.move_id
             WHERE paying.state = 'posted' AND paying.recovery_agreement_id IS NULL
               AND (paying.origin_payment_id IS NOT NULL OR paying.statement_line_id IS NOT NULL)
               AND partial.max_date >= assigned.date_start
               AND NOT EXISTS (SELECT 1 FROM credit_recovery_agency_commission done
                                WHERE done.partial_ref = partial.id AND done.kind = 'commission')
             ORDER BY partial.id, assigned.date_start DESC, assigned.assignment_id DESC
            """,
            agencies=tuple(agencies.ids),
            installments=installments_sql(),
        )
