from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

SEGMENTS = [
    ("fraud", "Possible fraud"),
    ("dispute", "In dispute"),
    ("hardship", "Out of work"),
    ("recurrent", "Recurrent late payer"),
    ("first_time", "Good payer in a bad month"),
    ("occasional", "Occasional late payer"),
]
# Late invoices before the current ones, in the last 12 months, that make a recurrent late payer.
RECURRENT_EPISODES = 2
# How long a debtor's word that they lost their job or income holds.
HARDSHIP_DAYS = 90


class CreditRecoveryDebtor(models.Model):
    """The debtor's segment: what the team knows of them at a glance, from the collection state,
    the first-payment default flag, the disputes and what the debtor wrote. Set-based, by the
    daily refresh and the run's plan (``_recovery_refresh_segments``); usable in searches, in a
    stage's condition and in the run's message templates (``credit.recovery.dispatch.debtor_segment``,
    which never reads *possible fraud*)."""

    _inherit = "credit.recovery.debtor"

    segment = fields.Selection(
        SEGMENTS,
        readonly=True,
        copy=False,
        groups="account_credit_recovery.group_credit_recovery_agent",
        index="btree_not_null",
        help="First rule that holds: Possible fraud (a first-payment default not dismissed by a manager); "
        "In dispute (an invoice under review); and for a debtor with something overdue: Out of work (said "
        "so in the last 90 days); Recurrent late payer (2 or more other invoices late in the last 12 months); "
        "Good payer in a bad month (no other late invoice in 12 months and invoices paid before); else "
        "Occasional late payer. Empty when nothing is overdue. Recomputed daily.",
    )

    def _recovery_refresh_aggregates(self, run=None):
        res = super()._recovery_refresh_aggregates(run=run)
        if self:
            self._recovery_refresh_segments()
        return res

    def _recovery_refresh_segments(self, companies=None):
        """Recompute the segment of these debtors (empty: of all of ``companies``' debtors, or
        of every company's): one UPDATE, of the rows that change."""
        if self:
            scope = SQL("d.id = ANY(%s)", self.ids)
        elif companies is not None:
            scope = SQL("d.company_id = ANY(%s)", companies.ids)
        else:
            scope = SQL("TRUE")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH computed AS (
                    SELECT d.id,
                           CASE
                               WHEN d.fraud_state IN ('suspected', 'confirmed') THEN 'fraud'
                               WHEN EXISTS (SELECT 1 FROM account_move m
                                             WHERE m.recovery_debtor_id = d.id AND m.state = 'posted'
                                               AND m.recovery_dispute_state = 'open') THEN 'dispute'
                               WHEN COALESCE(d.amount_overdue, 0) <= 0 THEN NULL
                               WHEN EXISTS (SELECT 1 FROM credit_recovery_contact c
                                             WHERE c.debtor_id = d.id AND c.flag_unemployment
                                               AND c.date >= %(hardship_since)s) THEN 'hardship'
                               WHEN COALESCE(d.overdue_episodes, 0) - COALESCE(d.overdue_invoice_count, 0)
                                    >= %(recurrent)s THEN 'recurrent'
                               WHEN COALESCE(d.overdue_episodes, 0) <= COALESCE(d.overdue_invoice_count, 0)
                                    AND EXISTS (SELECT 1 FROM account_move m
                                                 WHERE m.recovery_debtor_id = d.id AND m.state = 'posted'
                                                   AND m.move_type IN ('out_invoice', 'out_receipt')
                                                   AND m.payment_state IN ('paid', 'in_payment')) THEN 'first_time'
                               ELSE 'occasional'
                           END AS segment
                      FROM credit_recovery_debtor d
                     WHERE %(scope)s
                )
                UPDATE credit_recovery_debtor d SET segment = computed.segment
                  FROM computed
                 WHERE d.id = computed.id AND d.segment IS DISTINCT FROM computed.segment
                """,
                scope=scope,
                recurrent=RECURRENT_EPISODES,
                hardship_since=fields.Datetime.now() - timedelta(days=HARDSHIP_DAYS),
            )
        )
        self.invalidate_model(["segment"])


class CreditRecoveryDispatch(models.Model):
    _inherit = "credit.recovery.dispatch"

    debtor_segment = fields.Selection(
        [segment for segment in SEGMENTS if segment[0] != "fraud"],
        string="Segment",
        compute="_compute_debtor_segment",
        help="The debtor's segment, for the message templates (object.debtor_segment): never Possible fraud, "
        "which the debtor must not learn of (empty then).",
    )

    @api.depends("debtor_id.segment")
    def _compute_debtor_segment(self):
        for dispatch in self:
            segment = dispatch.debtor_id.sudo().segment
            dispatch.debtor_segment = segment if segment != "fraud" else False
