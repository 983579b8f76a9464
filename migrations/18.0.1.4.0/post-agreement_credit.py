"""18.0.1.4.0: credit status follows the agreement's payments (policy *Credit restored when*).

Debtors whose agreement was confirmed but not yet paid showed *restored*: their aggregates are
computed again with the new rule, set-based as the daily run does (the other debtors are not
affected by it)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    debtors = (
        env["credit.recovery.debtor"]
        .with_context(active_test=False)
        .search([("agreement_ids.state", "in", ("active", "broken"))])
    )
    debtors._recovery_refresh_aggregates()
