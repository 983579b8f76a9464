"""Demo of the collection agencies (issue 25): an *assessoria de cobrança* paid on commission, two
debtors handed to it, and the login its people use (``agencia`` / ``agencia``)."""

from datetime import timedelta

from odoo import Command, api, models

ADDON = "account_credit_recovery"
DEMO_TZ = "America/Sao_Paulo"


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    @api.model
    def _create_demo_agency(self, env, company):
        """The agency, its user, and the two longest overdue debtors without an agreement or an open
        promise handed to it for 60 days by the manager (before the day's run, which skips them)."""
        lang = env.context.get("lang") or "pt_BR"
        partner = env["res.partner"].create(
            {
                "name": "Recupera Assessoria de Cobrança Ltda",
                "is_company": True,
                "vat": "98.765.432/0001-98",
                "street": "Avenida Paulista, 1500, conj. 82",
                "city": "São Paulo",
                "state_id": self.env.ref("base.state_br_sp").id,
                "zip": "01310-200",
                "country_id": self.env.ref("base.br").id,
                "phone": "+55 11 4004-2525",
                "email": "atendimento@recupera.example.com",
                "lang": lang,
            }
        )
        agency_user = env["res.users"].create(
            {
                "name": "Renato Recupera",
                "login": "agencia",
                "password": "agencia",
                "email": "renato@recupera.example.com",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "tz": DEMO_TZ,
                "lang": lang,
                "groups_id": [Command.set([self.env.ref(f"{ADDON}.group_credit_recovery_agency").id])],
            }
        )
        # Services bought from third parties, on Odoo's Brazilian chart (``make run``); elsewhere the
        # agency's default (the purchase journal's account).
        Account = env["account.account"].with_company(company)
        services = Account.search([*Account._check_company_domain(company), ("code", "=", "3.01.01.07.01.04")], limit=1)
        agency = env["credit.recovery.agency"].create(
            {
                "partner_id": partner.id,
                **({"commission_account_id": services.id} if services else {}),
                "company_id": company.id,
                "contract_ref": "CT-2026/015",
                "commission_tail_days": 30,
                "user_ids": [Command.set(agency_user.ids)],
                "commission_rule_ids": [
                    Command.create({"sequence": 10, "min_days_overdue": 0, "rate": 10.0}),
                    Command.create({"sequence": 20, "min_days_overdue": 90, "rate": 15.0}),
                ],
            }
        )
        debtors = env["credit.recovery.debtor"].search(
            [("company_id", "=", company.id), ("amount_overdue", ">", 0)], order="days_overdue desc, id"
        )
        free = debtors.filtered(
            lambda debtor: (
                not debtor.agreement_ids.filtered(lambda agreement: agreement.state in ("to_approve", "active"))
                and not debtor.promise_ids.filtered(lambda promise: promise.state == "open")
            )
        )[:2]
        admin = self.env.ref("base.user_admin")
        free.with_user(admin)._recovery_assign_agency(agency, self._demo_today() + timedelta(days=60))
        return agency
