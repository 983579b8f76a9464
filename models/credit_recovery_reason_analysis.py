from odoo import fields, models, tools
from odoo.tools import SQL

AMOUNT_BANDS = [
    ("a_500", "Up to 500"),
    ("b_2000", "500 to 2,000"),
    ("c_10000", "2,000 to 10,000"),
    ("d_more", "Over 10,000"),
]


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    reason_contact_ids = fields.One2many(
        "credit.recovery.contact",
        "debtor_id",
        string="Non-payment Reasons",
        domain=[("reason_id", "!=", False)],
        readonly=True,
        help="Contacts in which the debtor gave a reason for not paying, latest first.",
    )


class CreditRecoveryReasonAnalysis(models.Model):
    """Non-payment reasons given in contacts, by profile, stage, amount band and month.

    A read-only SQL view over the contact logs that carry a reason: chosen by the agent, else
    confirmed from the log's text (``reason_source``). Profile is the debtor's
    current one; stage is the collection message's for the run's contacts, else the debtor's
    current stage; the amount band is the debtor's overdue amount today.
    """

    _name = "credit.recovery.reason.analysis"
    _description = "Non-payment Reason Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "reason_id"

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    debtor_id = fields.Many2one("credit.recovery.debtor", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    responsible_id = fields.Many2one("res.users", string="Collection Responsible", readonly=True)
    reason_id = fields.Many2one("credit.recovery.nonpayment.reason", string="Non-payment Reason", readonly=True)
    profile_id = fields.Many2one("credit.recovery.profile", readonly=True)
    stage_id = fields.Many2one("credit.recovery.stage", readonly=True)
    channel = fields.Selection(
        lambda self: self.env["credit.recovery.contact"]._fields["channel"].selection, readonly=True
    )
    amount_band = fields.Selection(AMOUNT_BANDS, readonly=True)
    reason_source = fields.Selection(
        [("agent", "Chosen by the agent"), ("text", "Confirmed from the text")], string="Source", readonly=True
    )
    amount_overdue = fields.Float(readonly=True, aggregator="sum")
    contact_count = fields.Integer(string="Contacts", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT contact.id, contact.date, contact.company_id, contact.debtor_id, contact.user_id,
                           debtor.user_id AS responsible_id,
                           COALESCE(contact.reason_id, contact.text_reason_id) AS reason_id,
                           CASE WHEN contact.reason_id IS NULL THEN 'text' ELSE 'agent' END AS reason_source,
                           debtor.profile_id,
                           COALESCE(dispatch.stage_id, debtor.stage_id) AS stage_id, contact.channel,
                           CASE WHEN debtor.amount_overdue <= 500 THEN 'a_500'
                                WHEN debtor.amount_overdue <= 2000 THEN 'b_2000'
                                WHEN debtor.amount_overdue <= 10000 THEN 'c_10000'
                                ELSE 'd_more' END AS amount_band,
                           debtor.amount_overdue, 1 AS contact_count
                      FROM credit_recovery_contact contact
                      JOIN credit_recovery_debtor debtor ON debtor.id = contact.debtor_id
                      LEFT JOIN credit_recovery_dispatch dispatch ON dispatch.id = contact.dispatch_id
                     WHERE COALESCE(contact.reason_id, contact.text_reason_id) IS NOT NULL
                       AND contact.state = 'logged'
                )
                """,
                SQL.identifier(self._table),
            )
        )
