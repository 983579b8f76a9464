from odoo import fields, models, tools
from odoo.tools import SQL

from .common import TEXT_REASON_STATES


class CreditRecoveryReasonTextAnalysis(models.Model):
    """Reasons read from text: what the model suggested against what the agents confirmed.

    One row per logged contact whose text was read (a reason suggested, a reason given from the
    text, or a flag raised), per suggested reason: how often the suggestion was confirmed or
    corrected, its confidence, and the flags the texts raise.
    """

    _name = "credit.recovery.reason.text.analysis"
    _description = "Non-payment Reasons From Text"
    _auto = False
    _order = "date desc"
    _rec_name = "suggested_reason_id"

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    debtor_id = fields.Many2one("credit.recovery.debtor", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    responsible_id = fields.Many2one("res.users", string="Collection Responsible", readonly=True)
    channel = fields.Selection(
        lambda self: self.env["credit.recovery.contact"]._fields["channel"].selection, readonly=True
    )
    direction = fields.Selection([("outbound", "Outbound"), ("inbound", "Inbound")], readonly=True)
    suggested_reason_id = fields.Many2one("credit.recovery.nonpayment.reason", readonly=True)
    confirmed_reason_id = fields.Many2one("credit.recovery.nonpayment.reason", readonly=True)
    text_reason_state = fields.Selection(TEXT_REASON_STATES, string="Reason Check", readonly=True)
    text_count = fields.Integer(string="Texts Read", readonly=True, aggregator="sum")
    suggestion_count = fields.Integer(string="Suggestions", readonly=True, aggregator="sum")
    pending_count = fields.Integer(string="To Confirm", readonly=True, aggregator="sum")
    confirmed_count = fields.Integer(string="Confirmed", readonly=True, aggregator="sum")
    corrected_count = fields.Integer(string="Corrected", readonly=True, aggregator="sum")
    confidence = fields.Float(string="Average Confidence", readonly=True, aggregator="avg")
    unemployment_count = fields.Integer(string="Says Unemployed", readonly=True, aggregator="sum")
    already_paid_count = fields.Integer(string="Says Already Paid", readonly=True, aggregator="sum")
    not_recognised_count = fields.Integer(string="Does Not Recognise", readonly=True, aggregator="sum")
    fraud_count = fields.Integer(string="Fraud Suspected", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT contact.id, contact.date, contact.company_id, contact.debtor_id, contact.user_id,
                           debtor.user_id AS responsible_id, contact.channel, contact.direction,
                           contact.suggested_reason_id,
                           COALESCE(contact.reason_id, contact.text_reason_id) AS confirmed_reason_id,
                           contact.text_reason_state,
                           1 AS text_count,
                           (contact.suggested_reason_id IS NOT NULL)::int AS suggestion_count,
                           (contact.text_reason_state = 'pending')::int AS pending_count,
                           (contact.text_reason_state = 'confirmed')::int AS confirmed_count,
                           (contact.text_reason_state = 'corrected')::int AS corrected_count,
                           CASE WHEN contact.suggested_reason_id IS NOT NULL
                                THEN contact.suggested_reason_confidence END AS confidence,
                           COALESCE(contact.flag_unemployment, FALSE)::int AS unemployment_count,
                           COALESCE(contact.flag_already_paid, FALSE)::int AS already_paid_count,
                           COALESCE(contact.flag_not_recognised, FALSE)::int AS not_recognised_count,
                           COALESCE(contact.flag_fraud_suspected, FALSE)::int AS fraud_count
                      FROM credit_recovery_contact contact
                      JOIN credit_recovery_debtor debtor ON debtor.id = contact.debtor_id
                     WHERE contact.state = 'logged'
                       AND (contact.suggested_reason_id IS NOT NULL OR contact.text_reason_id IS NOT NULL
                            OR contact.flag_unemployment OR contact.flag_already_paid
                            OR contact.flag_not_recognised OR contact.flag_fraud_suspected)
                )
                """,
                SQL.identifier(self._table),
            )
        )
