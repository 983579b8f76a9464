"""A/B tests of the stages' message templates, across three models.

- The stage (``credit.recovery.stage``) may name a variant B of its e-mail and SMS templates.
- The message (``credit.recovery.dispatch``) changes how it is sent: a debtor drawn for variant B
  (``tools.kpi.pick_variant``, fixed per debtor and stage) is sent the variant templates, and the
  variant is recorded on the message before it is rendered.
- The dashboard (``credit.recovery.kpi``) gains the month's experiments: per stage and variant,
  the share of messages followed by a payment, and whether the difference is significant.

Loaded last among the models (see ``models/__init__.py``): it wraps methods defined by the
dispatch, its delivery and the dashboard.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import kpi
from ..tools.kpi import pick_variant

# A message "recovered" when the debtor paid something within this many days of its sending.
EXPERIMENT_WINDOW_DAYS = 30


class CreditRecoveryStage(models.Model):
    """A stage may test a variant B of its e-mail and SMS templates against its own (variant A)."""

    _inherit = "credit.recovery.stage"

    mail_template_variant_id = fields.Many2one(
        "mail.template",
        string="Email Template (Variant B)",
        domain=[("model", "=", "credit.recovery.dispatch")],
        help="A/B test: half of the debtors, drawn at random, receive this e-mail instead of the stage's.",
    )
    sms_template_variant_id = fields.Many2one(
        "sms.template",
        string="SMS Template (Variant B)",
        domain=[("model", "=", "credit.recovery.dispatch")],
        help="A/B test: half of the debtors, drawn at random, receive this SMS instead of the stage's.",
    )

    def _has_variants(self):
        """Whether the stage tests a variant of its e-mail or SMS template."""
        self.ensure_one()
        return bool(self.mail_template_variant_id or self.sms_template_variant_id)


class CreditRecoveryDispatch(models.Model):
    """Which template a message is sent with: when its stage tests a variant, the debtor's draw
    chooses, and the message records the variant it was sent with (read by the experiments)."""

    _inherit = "credit.recovery.dispatch"

    variant = fields.Selection(
        [("a", "A"), ("b", "B")],
        readonly=True,
        help="Template variant this message was sent with, when its stage tests two variants.",
    )

    def _get_message_templates(self, stage):
        """Variant B is sent with the stage's variant templates where it has them."""
        mail_template, sms_template = super()._get_message_templates(stage)
        if stage._has_variants() and self._variant_for(stage) == "b":
            mail_template = stage.mail_template_variant_id or mail_template
            sms_template = stage.sms_template_variant_id or sms_template
        return mail_template, sms_template

    def _variant_for(self, stage):
        """The variant already recorded on the message, else the debtor's draw for ``stage``."""
        return self.variant or pick_variant(self.debtor_id.id, stage.id)

    def _send_stage_actions(self):
        """Record each message's variant before it is rendered and sent."""
        for dispatch in self.filtered(lambda dispatch: dispatch.stage_id._has_variants() and not dispatch.variant):
            dispatch.sudo().variant = pick_variant(dispatch.debtor_id.id, dispatch.stage_id.id)
        return super()._send_stage_actions()


class CreditRecoveryKpi(models.AbstractModel):
    """The template experiments' results, and the dashboard that shows those of the month."""

    _inherit = "credit.recovery.kpi"

    @api.model
    def get_experiments(self, company_id, date_from, date_to):
        """Per stage testing two variants: for each variant, the messages sent in the period, the
        share whose debtor paid something within ``EXPERIMENT_WINDOW_DAYS`` (Wilson 95 % interval),
        and whether the difference is significant (two-proportion z-test, |z| > 1.96)."""
        company, user_id = self._check_scope(company_id)
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT dispatch.stage_id, dispatch.variant, COUNT(*),
                       COUNT(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM account_move move
                             JOIN account_move_line line ON line.move_id = move.id AND line.balance > 0
                             JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
                            WHERE move.recovery_debtor_id = dispatch.debtor_id
                              AND partial.max_date BETWEEN dispatch.sent_at::date
                                  AND dispatch.sent_at::date + %(window)s))
                  FROM credit_recovery_dispatch dispatch
                  JOIN credit_recovery_debtor debtor ON debtor.id = dispatch.debtor_id
                 WHERE dispatch.company_id = %(company)s AND dispatch.state = 'sent' AND dispatch.variant IS NOT NULL
                   AND dispatch.sent_at >= %(start)s AND dispatch.sent_at < %(end)s
                   AND (%(user)s::int IS NULL OR debtor.user_id = %(user)s)
                 GROUP BY 1, 2
                """,
                company=company.id,
                start=fields.Date.to_date(date_from),
                end=fields.Date.to_date(date_to) + timedelta(days=1),
                window=EXPERIMENT_WINDOW_DAYS,
                user=user_id,
            )
        )
        by_stage = {}
        for stage_id, variant, sent, paid in rows:
            by_stage.setdefault(stage_id, {})[variant] = (paid, sent)
        result = []
        for stage_id, variants in by_stage.items():
            paid_a, sent_a = variants.get("a", (0, 0))
            paid_b, sent_b = variants.get("b", (0, 0))
            z = kpi.two_proportion_z(paid_a, sent_a, paid_b, sent_b)
            result.append(
                {
                    "stage_id": stage_id,
                    "a": kpi.wilson_interval(paid_a, sent_a).__dict__,
                    "b": kpi.wilson_interval(paid_b, sent_b).__dict__,
                    "z": z,
                    "significant": z is not None and abs(z) > kpi.Z95,
                }
            )
        return result

    @api.model
    def get_dashboard(self, company_id=None):
        """The dashboard also shows the month's template experiments."""
        result = super().get_dashboard(company_id)
        company_id = company_id or self.env.company.id
        today = fields.Date.context_today(self)
        stages = {stage.id: stage.display_name for stage in self.env["credit.recovery.stage"].search([])}
        result["experiments"] = [
            dict(row, stage=stages.get(row["stage_id"], ""))
            for row in self.get_experiments(company_id, today.replace(day=1), today)
        ]
        return result
