"""The customer's collection status as the till needs it: loaded with the Point of Sale's customers,
so that the till refuses *Customer Account* for a blocked customer even offline, and shows a restored
customer's credit."""

from odoo import api, fields, models

POS_CREDIT_FIELDS = [
    "recovery_pos_blocked",
    "recovery_pos_message",
    "recovery_pos_restored",
    "recovery_pos_limit",
    "recovery_pos_available",
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    recovery_pos_blocked = fields.Boolean(
        string="Customer Account Blocked",
        compute="_compute_recovery_pos",
        groups="point_of_sale.group_pos_user",
        help="The customer's collection status forbids new credit: the till refuses Customer Account.",
    )
    recovery_pos_message = fields.Char(
        string="Customer Account Refusal",
        compute="_compute_recovery_pos",
        groups="point_of_sale.group_pos_user",
    )
    recovery_pos_restored = fields.Boolean(
        string="Credit Restored",
        compute="_compute_recovery_pos",
        groups="point_of_sale.group_pos_user",
    )
    recovery_pos_limit = fields.Float(
        string="Credit Limit at the Till",
        compute="_compute_recovery_pos",
        groups="point_of_sale.group_pos_user",
    )
    recovery_pos_available = fields.Float(
        string="Available Credit at the Till",
        compute="_compute_recovery_pos",
        groups="point_of_sale.group_pos_user",
    )

    @api.depends_context("company", "lang")
    def _compute_recovery_pos(self):
        """One question for the whole recordset (the Point of Sale reads hundreds of customers):
        ``res.partner._recovery_credit_info``, in the till's company and the cashier's language."""
        info = self._origin._recovery_credit_info(company=self.env.company)
        for partner in self:
            vals = info.get(partner._origin.id) or {}
            partner.recovery_pos_blocked = bool(vals.get("blocked"))
            partner.recovery_pos_message = vals.get("message") or False
            partner.recovery_pos_restored = bool(vals.get("restored"))
            partner.recovery_pos_limit = vals.get("limit") or 0.0
            partner.recovery_pos_available = vals.get("available") or 0.0

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), *POS_CREDIT_FIELDS]
