from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditRecoveryStage(models.Model):
    """A stage's condition on the debtor: its actions go only to the debtors matching a domain
    (e.g. the segment ``Recurrent late payer``); for the others the run skips them (skip reason
    *Stage condition not met*)."""

    _inherit = "credit.recovery.stage"

    debtor_domain = fields.Char(
        string="Only For Debtors",
        help="Leave empty for every debtor. Otherwise the stage's messages, activities and letters go only to "
        "the debtors matching this filter (their segment, profile, amount…); for the others the stage's "
        "actions are skipped.",
    )

    @api.constrains("debtor_domain")
    def _check_debtor_domain(self):
        Debtor = self.env["credit.recovery.debtor"]
        for stage in self.filtered("debtor_domain"):
            try:
                Debtor._search(stage._get_debtor_domain())
            except (ValueError, SyntaxError, TypeError, KeyError) as error:
                raise ValidationError(
                    self.env._("The condition of stage %(stage)s is not a valid filter.", stage=stage.name)
                ) from error

    def _get_debtor_domain(self):
        """The stage's condition as a domain (``[]``: every debtor)."""
        self.ensure_one()
        domain = literal_eval(self.debtor_domain or "[]")
        if not isinstance(domain, list):
            raise ValueError(self.debtor_domain)
        return domain

    @api.model
    def _debtors_meeting_conditions(self, stages, debtor_ids):
        """``{stage id: {debtor ids matching its condition}}`` among ``debtor_ids``, for the
        ``stages`` with a condition: one search per such stage (a policy has a handful)."""
        Debtor = self.env["credit.recovery.debtor"].sudo()
        return {
            stage.id: set(Debtor.search([("id", "in", debtor_ids), *stage._get_debtor_domain()]).ids)
            for stage in stages
            if stage.debtor_domain and stage._get_debtor_domain()
        }
