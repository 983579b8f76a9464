from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .common import POLICY_SAVE_MARK

# Where a stage stands on the ladder, most significant first: "highest stage" compares these.
LADDER_COLUMNS = ("sequence", "trigger_days", "id")


class CreditRecoveryStage(models.Model):
    """A step of a collection policy: reminder, notice, alert, legal action…

    A stage starts ``trigger_days`` after the due date (negative: before it).
    Post-due stages also wait for the policy's grace period.
    """

    _name = "credit.recovery.stage"
    _inherit = ["credit.recovery.playbook"]
    _description = "Collection Stage"
    _order = "policy_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    policy_id = fields.Many2one("credit.recovery.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    trigger_days = fields.Integer(
        string="Trigger (days)",
        required=True,
        help="Days relative to the due date at which the stage starts; negative values "
        "start before the due date (reminders).",
    )
    description = fields.Text(translate=True)
    color = fields.Integer()
    fold = fields.Boolean(string="Folded in Kanban")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "credit.recovery.dispatch")],
        help="E-mail sent to the debtor, rendered on the collection message: it lists the invoices the "
        "message claims (object.action_ids) and their total (object.amount_due).",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain=[("model", "=", "credit.recovery.dispatch")],
        help="Rendered on the collection message: object.amount_due is the total it claims.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        help="Activity planned for the debtor's collection responsible: a call, a letter, a legal review…",
    )
    letter_report_id = fields.Many2one(
        "ir.actions.report",
        string="Letter",
        domain=[("model", "=", "credit.recovery.debtor")],
        help="A “send the letter” activity is planned for the collection responsible.",
    )
    bureau_notice = fields.Boolean(
        string="Credit-Bureau Prior Notice",
        help="This stage sends the written prior notice of a credit-bureau listing (CDC art. 43 §2).",
    )
    is_legal = fields.Boolean(string="Legal Action")
    origin_stage_id = fields.Many2one(
        "credit.recovery.stage",
        string="Copied From",
        readonly=True,
        copy=False,
        help="Stage of the addon's default policy this one was copied from: it receives its translations.",
    )

    @api.constrains("trigger_days", "sequence", "policy_id")
    def _check_trigger_order(self, force=False):
        """Triggers increase strictly in stage order.

        Checked once per policy save (``force``) rather than per stage line, so that
        reordering stages in the policy form is not refused half-way. The deferral is
        a mark of the transaction set by the policy's own ``create``/``write`` (never the
        context, which any caller sets), and those always check with ``force`` at the end.
        """
        if not force and self.env.cr.precommit.data.get(POLICY_SAVE_MARK):
            return
        for policy in self.policy_id:
            previous = None
            for stage in policy.stage_ids.sorted(lambda s: (s.sequence, s.id)):
                if previous and stage.trigger_days <= previous.trigger_days:
                    raise ValidationError(
                        self.env._(
                            "Stages of policy %(policy)s must start later and later: “%(stage)s” "
                            "(%(days)s days) comes after “%(previous)s” (%(previous_days)s days). "
                            "Increase its trigger or move it up.",
                            policy=policy.name,
                            stage=stage.name,
                            days=stage.trigger_days,
                            previous=previous.name,
                            previous_days=previous.trigger_days,
                        )
                    )
                previous = stage

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        self.env["account.move"]._recovery_schedule_refresh(stages.company_id)
        return stages

    def write(self, vals):
        companies = self.company_id
        res = super().write(vals)
        if {"trigger_days", "sequence", "policy_id"} & set(vals):
            self.env["account.move"]._recovery_schedule_refresh(companies | self.company_id)
        return res

    def _ladder_key(self):
        """Where the stage stands on the ladder: the one definition of "highest stage"
        (``LADDER_COLUMNS``; ``_ladder_order_sql`` is its SQL form)."""
        self.ensure_one()
        return tuple(self[column] for column in LADDER_COLUMNS)

    @api.model
    def _ladder_order_sql(self, alias):
        """``ORDER BY`` terms, highest stage first, of the stages table aliased ``alias``."""
        return SQL(", ").join(SQL("%s DESC", SQL.identifier(alias, column)) for column in LADDER_COLUMNS)

    def _has_actions(self):
        """Whether reaching this stage calls for anything at all."""
        self.ensure_one()
        return bool(
            self.mail_template_id
            or self.sms_template_id
            or self.activity_type_id
            or self.letter_report_id
            or self.bureau_notice
        )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for stage, vals in zip(self, vals_list, strict=True):
            vals.setdefault("origin_stage_id", stage.origin_stage_id.id or stage.id)
        return vals_list

    @api.model
    def _sync_default_translations(self):
        """Give the companies' copies of the default stages the translations loaded since.

        Only copies still named as their origin (in English) are touched: a name an
        admin changed is never overwritten.
        """
        copies = self.sudo().with_context(active_test=False).search([("origin_stage_id", "!=", False)])
        for stage in copies:
            origin = stage.origin_stage_id
            translations = origin._fields["name"]._get_stored_translations(origin) or {}
            current = stage._fields["name"]._get_stored_translations(stage) or {}
            if current.get("en_US") == translations.get("en_US") and current != translations:
                stage.update_field_translations(
                    "name", {lang: value for lang, value in translations.items() if lang != "en_US"}
                )

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        self.env["account.move"]._recovery_schedule_refresh(companies)
        return res
