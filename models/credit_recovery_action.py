from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import collection
from ..tools.late_fees import prescription_status
from ..tools.sql import batch_insert
from .common import CLAIM_AMOUNT, SKIP_REASONS

FACT_COLUMNS = SQL(
    """s.stage_id AS current_stage_id, COALESCE(m.recovery_excluded, FALSE) AS excluded,
       %s AS amount,
       m.recovery_dispute_state AS dispute_state, m.recovery_paused_since IS NOT NULL AS paused,
       m.recovery_agreement_id IS NOT NULL AS is_agreement_entry, s.oldest_due_date AS oldest_due,
       COALESCE(p.recovery_do_not_contact, FALSE) AS do_not_contact,
       EXISTS (SELECT 1 FROM credit_recovery_agreement g
                WHERE g.debtor_id = m.recovery_debtor_id AND g.state = 'active') AS has_agreement,
       (d.agency_assignment_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM credit_recovery_policy pol
                         WHERE pol.company_id = d.company_id AND pol.active AND pol.agency_run_contacts))
           AS with_agency""",
    CLAIM_AMOUNT,
)


class CreditRecoveryAction(models.Model):
    """An installment of an invoice reached a collection stage: that stage's actions are owed once.

    One record per (invoice, stage, due date of the oldest unpaid installment), enforced
    by a unique index: however many runs, workers or restarts there are, a stage's
    actions are planned once per installment, and the ladder starts again for the next
    installment once the one chased is paid (a crediário invoice of 3 installments can
    reach Notice three times). The run groups the pending actions of a debtor into one
    message (``credit.recovery.dispatch``) at the highest stage among them, or skips them
    with the reason the rules give; the message lists exactly the actions it carries.
    """

    _name = "credit.recovery.action"
    _description = "Collection Stage Action"
    _order = "reached_date desc, id desc"
    _check_company_auto = True
    # Written only by the run, 100,000 at a time: the reached date and the run say when and
    # by whom; the four log columns (two of them foreign keys checked per row) are left out.
    _log_access = False

    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade", readonly=True)
    stage_id = fields.Many2one("credit.recovery.stage", required=True, ondelete="cascade", readonly=True)
    # Debtor and company follow from the invoice: not stored again (two foreign keys fewer to
    # check per row on the run's bulk insert).
    debtor_id = fields.Many2one(related="move_id.recovery_debtor_id", string="Debtor")
    partner_id = fields.Many2one(related="move_id.recovery_debtor_id.partner_id", string="Customer")
    company_id = fields.Many2one(related="move_id.company_id", string="Company")
    due_date = fields.Date(
        string="Installment Due Date",
        required=True,
        readonly=True,
        help="Due date of the oldest unpaid installment the stage was reached for.",
    )
    currency_id = fields.Many2one(related="move_id.company_currency_id")
    amount = fields.Monetary(
        string="Amount Claimed",
        readonly=True,
        help="What the message claims for this invoice: its overdue installments with late fine and interest "
        "(its part of the debtor's claimed amount of the day) or, before the due date, the installment "
        "falling due. Updated when the message goes out.",
    )
    reached_date = fields.Date(required=True, readonly=True)
    run_id = fields.Many2one(
        "credit.recovery.run",
        string="Planned in Run",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
    )
    state = fields.Selection(
        [("planned", "Queued"), ("done", "Done"), ("skipped", "Skipped")],
        required=True,
        default="planned",
        readonly=True,
    )
    skip_reason = fields.Selection(SKIP_REASONS, readonly=True)
    dispatch_id = fields.Many2one(
        "credit.recovery.dispatch", string="Message", ondelete="set null", index="btree_not_null", readonly=True
    )

    _sql_constraints = [
        (
            "move_stage_due_uniq",
            "unique(move_id, stage_id, due_date)",
            "An installment's stage actions are planned once.",
        ),
    ]

    @api.model
    def _fetch_new_facts(self, debtor_ids):
        """The (invoice, stage) pairs of ``debtor_ids`` not planned yet, with what the skip rules need."""
        return self.env.execute_query_dict(
            SQL(
                """
                SELECT NULL AS id, m.recovery_debtor_id AS debtor_id, s.stage_id AS stage_id,
                       m.id AS move_id, m.company_id, NULL AS dispatch_id, s.oldest_due_date AS due_date,
                       %(facts)s
                  FROM unnest(%(debtors)s::int[]) AS batch(id)
                  JOIN account_move m ON m.recovery_debtor_id = batch.id
                  JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                  JOIN credit_recovery_debtor d ON d.id = m.recovery_debtor_id
                  JOIN res_partner p ON p.id = d.partner_id
                 WHERE s.stage_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM credit_recovery_action a
                                    WHERE a.move_id = m.id AND a.stage_id = s.stage_id
                                      AND a.due_date = s.oldest_due_date)
                """,
                debtors=list(debtor_ids),
                facts=FACT_COLUMNS,
            )
        )

    @api.model
    def _insert_planned(self, kept, skipped, run, today):
        """Record the planned actions ``kept`` and the ``skipped`` ones (``{reason: [rows]}``) in one
        INSERT; returns how many are new. An action already recorded (another worker) is left alone."""
        for reason, skipped_rows in skipped.items():
            for row in skipped_rows:
                row["skip_reason"] = reason
        rows = [*kept, *(row for skipped_rows in skipped.values() for row in skipped_rows)]
        if not rows:
            return 0
        inserted = self.env.execute_query(
            batch_insert(
                self._table,
                [
                    {
                        "move_id": row["move_id"],
                        "stage_id": row["stage_id"],
                        "due_date": row["due_date"],
                        "amount": row["amount"],
                        "skip_reason": row.get("skip_reason"),
                        "state": "skipped" if row.get("skip_reason") else "planned",
                        "dispatch_id": row.get("dispatch_id"),
                    }
                    for row in rows
                ],
                {"move_id": "int", "stage_id": "int", "due_date": "date", "amount": "numeric", "dispatch_id": "int"},
                # No uid: the table has no audit columns (``_log_access = False``, kept narrow).
                constants={"reached_date": today, "run_id": run.id},
                on_conflict=SQL("ON CONFLICT (move_id, stage_id, due_date) DO NOTHING"),
                returning=SQL("id"),
            )
        )
        return len(inserted)

    @api.model
    def _fetch_facts(self, domain):
        """Planned actions with what the skip rules need, one query (checked again at delivery)."""
        query = self._search([*domain, ("state", "=", "planned")], order="id")
        return self.env.execute_query_dict(
            SQL(
                """
                SELECT a.id, m.recovery_debtor_id AS debtor_id, a.stage_id, a.move_id, a.dispatch_id, a.state,
                       a.due_date, %s
                  FROM credit_recovery_action a
                  JOIN account_move m ON m.id = a.move_id
                  LEFT JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                  JOIN credit_recovery_debtor d ON d.id = m.recovery_debtor_id
                  JOIN res_partner p ON p.id = d.partner_id
                 WHERE a.id IN (%s)
                """,
                FACT_COLUMNS,
                query.subselect(),
            )
        )

    @api.model
    def _claims_by_debtor(self, debtor_ids, today=None):
        """``{debtor_id: {move_id: amount}}``: what a message may claim ``today``, by the same skip
        rules as the run (a debtor who asked not to be contacted still owes what they owe)."""
        if not debtor_ids:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT m.recovery_debtor_id AS debtor_id, s.stage_id AS stage_id, m.id AS move_id,
                       s.oldest_due_date AS due_date, %(facts)s
                  FROM account_move m
                  JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                  JOIN credit_recovery_debtor d ON d.id = m.recovery_debtor_id
                  JOIN res_partner p ON p.id = d.partner_id
                 WHERE m.recovery_debtor_id = ANY(%(debtors)s) AND s.stage_id IS NOT NULL
                """,
                debtors=list(debtor_ids),
                facts=FACT_COLUMNS,
            )
        )
        skipped, kept = self._classify(rows, today or fields.Date.context_today(self))
        claims = defaultdict(dict)
        # A debtor who asked not to be contacted, or who is with an agency, still owes what they owe.
        for row in [*kept, *skipped.get(collection.SKIP_DO_NOT_CONTACT, []), *skipped.get(collection.SKIP_AGENCY, [])]:
            claims[row["debtor_id"]][row["move_id"]] = row["amount"]
        return claims

    @api.model
    def _classify(self, rows, today):
        """``({reason: [rows]}, rows still to carry out)`` by the pure skip rules."""
        skipped = defaultdict(list)
        kept = []
        prescribed = {}  # {oldest due date: prescribed?}, a few hundred dates for 100,000 rows
        for row in rows:
            due = row["oldest_due"]
            if due not in prescribed:
                prescribed[due] = bool(due) and prescription_status(due, today) == "prescribed"
            reason = collection.skip_reason(action_facts(row, today, prescribed[due]))
            if reason:
                skipped[reason].append(row)
            else:
                kept.append(row)
        return skipped, kept

    @api.model
    def _mark_skipped(self, skipped, run=None):
        """``skipped`` is ``{reason: [rows]}`` of recorded actions; one UPDATE."""
        ids = [row["id"] for rows in skipped.values() for row in rows]
        if not ids:
            return
        reasons = [reason for reason, rows in skipped.items() for _row in rows]
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_action a
                   SET state = 'skipped', skip_reason = v.reason, dispatch_id = NULL,
                       run_id = COALESCE(%(run)s, a.run_id)
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(reasons)s::varchar[]) AS reason) v
                 WHERE a.id = v.id
                """,
                run=run.id if run else None,
                ids=ids,
                reasons=reasons,
            )
        )
        self.invalidate_model(["state", "skip_reason", "dispatch_id", "run_id"])

    @api.model
    def _hold_amounts(self, rows):
        """The amounts the rows of :meth:`_fetch_facts` claim today, for the delivery: in the
        cache only, what its messages read while they are rendered; :meth:`_mark_done` stores
        them with the actions' outcome, one UPDATE for both (they were two over the same rows)."""
        if not rows:
            return
        actions = self.browse([row["id"] for row in rows])
        field = self._fields["amount"]
        self.env.cache.update(
            actions, field, [field.convert_to_cache(row["amount"], actions, validate=False) for row in rows]
        )

    @api.model
    def _mark_done(self, ids, rows=()):
        """The actions of ``ids`` carried out (their message went out); one UPDATE for a delivery
        batch (the ORM would write them a hundred rows at a time). No stored field follows it.

        ``rows``: rows of :meth:`_fetch_facts` whose amounts (:meth:`_hold_amounts`) are stored
        in the same UPDATE, whether done or not (a message nobody could receive: skipped)."""
        amounts = {row["id"]: row["amount"] for row in rows}
        if not ids and not amounts:
            return
        done = set(ids)
        ids = list(dict.fromkeys([*ids, *amounts]))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_action a
                   SET state = CASE WHEN v.done THEN 'done' ELSE a.state END,
                       amount = CASE WHEN v.held THEN v.amount ELSE a.amount END
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(done)s::bool[]) AS done,
                               unnest(%(held)s::bool[]) AS held, unnest(%(amounts)s::numeric[]) AS amount) v
                 WHERE a.id = v.id AND (v.done OR (v.held AND a.amount IS DISTINCT FROM v.amount))
                """,
                ids=ids,
                done=[action_id in done for action_id in ids],
                held=[action_id in amounts for action_id in ids],
                amounts=[amounts.get(action_id) for action_id in ids],
            )
        )
        self.browse(ids).invalidate_recordset(["state", "amount"])


def action_facts(row, today, prescribed=None):
    """The :class:`ActionFacts` of a row of :meth:`CreditRecoveryAction._fetch_facts`
    (``prescribed``, when the caller already knows it for the row's oldest due date)."""
    due = row["oldest_due"]
    if prescribed is None:
        prescribed = bool(due) and prescription_status(due, today) == "prescribed"
    return collection.ActionFacts(
        action_stage_id=row["stage_id"],
        current_stage_id=row["current_stage_id"],
        installment_paid=row["due_date"] != row["oldest_due"],
        excluded=row["excluded"],
        dispute_state=row["dispute_state"],
        paused=row["paused"],
        debtor_has_active_agreement=row["has_agreement"],
        is_agreement_entry=row["is_agreement_entry"],
        do_not_contact=row["do_not_contact"],
        prescribed=prescribed,
        with_agency=row.get("with_agency", False),
    )
