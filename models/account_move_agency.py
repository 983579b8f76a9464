"""The invoice says when its customer's debt is with a collection agency (the invoice's banner)."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    # Text and date, read through the collection record (related fields read as superuser): the
    # accountant sees whom the customer deals with, without access to the agencies themselves.
    recovery_agency_name = fields.Char(related="recovery_debtor_id.agency_id.name", string="Collection Agency")
    recovery_agency_date_recall = fields.Date(
        related="recovery_debtor_id.agency_date_recall", string="With the Agency Until"
    )
