"""Demo of the credit at the store (issue 27): the customers' credit limits, the policy's
welcome-back benefit, the recurrent profile's restored limit, and a customer who just paid."""

from odoo import api, models


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    @api.model
    def _create_demo_credit_limits(self, env, company, partners):
        """Before collection looks at them: every customer has a crediário limit (Odoo's credit
        limit, shown on invoices and sales orders), the policy a benefit, the recurrent profile
        half the limit back for 90 days."""
        company.account_use_credit_limit = True
        for number, partner in enumerate(partners):
            partner.with_company(company).credit_limit = 1500.0 + 500.0 * (number % 4)
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        policy.credit_benefit_text = env._("10% off your next purchase")
        self.env.ref("account_credit_recovery.profile_recurrent").write(
            {"credit_restored_percent": 50.0, "credit_restored_days": 90}
        )
        self.env.ref("account_credit_recovery.profile_high_risk").write(
            {"credit_restored_percent": 30.0, "credit_restored_days": 180}
        )

    @api.model
    def _create_demo_credit_restored(self, env, company):
        """A restricted customer (no agreement, no promise) pays everything overdue today: the credit
        comes back at once, at the profile's restored limit, with the welcome-back message."""
        today = self._demo_today()
        candidates = env["credit.recovery.debtor"].search(
            [
                ("company_id", "=", company.id),
                ("credit_limit_state", "=", "blocked"),
                ("agreement_ids", "=", False),
                ("promise_ids", "=", False),
                ("partner_id.email", "!=", False),
            ],
            order="amount_overdue",
        )
        # One whose profile gives a restored limit for a while, to be seen at the till.
        debtor = candidates.filtered(lambda debtor: debtor.profile_id.credit_restored_days)[:1] or candidates[:1]
        invoices = debtor.open_invoice_ids.filtered("recovery_amount_overdue")
        if not invoices:
            return
        env["account.payment.register"].with_context(active_model="account.move", active_ids=invoices.ids).create(
            {"payment_date": today, "group_payment": False}
        )._create_payments()
        env.flush_all()
        debtor._recovery_apply_credit_limits(today)
