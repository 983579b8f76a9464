from odoo import api, fields, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    recovery_holiday_key = fields.Char(
        string="Public Holiday Key",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on the public holidays filled in from the holidays package (country-subdivision:date); "
        "holidays entered by hand have none and are never changed by the yearly refresh.",
    )

    # A state stores the day its next stage starts, which counts the grace in business days: a
    # holiday added, moved or removed changes that day for the policies that observe it, so their
    # open states are computed again (the daily refresh no longer rewrites every state, #29).
    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._recovery_schedule_refresh()
        return leaves

    def write(self, vals):
        self._recovery_schedule_refresh()
        res = super().write(vals)
        self._recovery_schedule_refresh()
        return res

    def unlink(self):
        self._recovery_schedule_refresh()
        return super().unlink()

    def _recovery_schedule_refresh(self):
        """Mark stale the open collection states of the companies whose policy observes these holidays."""
        holidays = self.filtered(lambda leave: not leave.resource_id)
        if not holidays:
            return
        policies = (
            self.env["credit.recovery.policy"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("calendar_id", "in", holidays.calendar_id.ids),
                    ("company_id", "in", holidays.filtered(lambda leave: not leave.calendar_id).company_id.ids),
                ]
            )
        )
        if any(not leave.calendar_id and not leave.company_id for leave in holidays):
            # A holiday of no calendar and no company: every policy observes it.
            policies = (
                self.env["credit.recovery.policy"]
                .sudo()
                .with_context(active_test=False)
                .search([("company_id", "!=", False)])
            )
        companies = policies.filtered(
            lambda policy: any(
                leave.calendar_id == policy.calendar_id
                or (not leave.calendar_id and leave.company_id in (policy.company_id, leave.company_id.browse()))
                for leave in holidays
            )
        ).company_id
        self.env["account.move"].sudo()._recovery_schedule_refresh(companies)
