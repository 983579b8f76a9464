from odoo import fields, models


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
