"""Demo data of the Point of Sale bridge: the demo store's till, with *Customer Account*, and a
customer whose credit was just given back (the main addon's demo has the blocked ones)."""

from datetime import timedelta

from odoo import Command, api, models

DEMO_PRODUCTS = [
    ("Camiseta básica", 49.90),
    ("Calça jeans", 159.90),
    ("Tênis casual", 249.90),
    ("Panela de pressão 4,5 L", 189.90),
]


class PosConfig(models.Model):
    """Demo data in a method (loaded by ``demo/pos_config_demo.xml``): the demo company is created by
    the main addon's demo in Python, without XML ids to refer to."""

    _inherit = "pos.config"

    @api.model
    def _recovery_create_demo_pos(self):
        policy_model = self.env["credit.recovery.policy"]
        company = self.env["credit.recovery.debtor"].search([], order="id", limit=1).company_id
        if not company:
            return  # the main addon's demo did not run: no store to equip
        lang = company.partner_id.lang or "en_US"
        env = self.with_company(company).with_context(lang=lang, tz="America/Sao_Paulo").env
        today = policy_model._demo_today()
        journal, payment_method_ids = env["pos.config"]._create_journal_and_payment_methods(
            cash_journal_vals={"name": env._("Cash Store"), "show_on_dashboard": False}
        )
        env["product.product"].create(
            [
                {
                    "name": name,
                    "list_price": price,
                    "available_in_pos": True,
                    "taxes_id": [Command.clear()],
                    "company_id": company.id,
                }
                for name, price in DEMO_PRODUCTS
            ]
        )
        env["pos.config"].create(
            {
                "name": "Loja Exemplo - Caixa 1",
                "company_id": company.id,
                "journal_id": journal.id,
                "payment_method_ids": [Command.set(payment_method_ids)],
            }
        )
        # A customer back from collection: a bill 40 days late, paid three days ago.
        customer = env["res.partner"].create(
            {
                "name": "Renata Souza",
                "email": "renata.souza@example.com",
                "mobile": "(11) 96543-2109",
                "city": "São Paulo",
                "country_id": self.env.ref("base.br").id,
                "lang": lang,
                "credit_limit": 1500.0,
            }
        )
        sale_journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "journal_id": sale_journal.id,
                "invoice_date": today - timedelta(days=70),
                "invoice_date_due": today - timedelta(days=43),
                "invoice_line_ids": [Command.create({"name": "Geladeira", "price_unit": 1290.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        env["account.move"]._recovery_schedule_refresh(company)
        while env["account.move"]._recovery_refresh_batch()[1]:
            pass
        env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"payment_date": today - timedelta(days=3)}
        )._create_payments()
        env["account.move"]._recovery_schedule_refresh(company)
        while env["account.move"]._recovery_refresh_batch()[1]:
            pass
        env["credit.recovery.debtor"]._recovery_refresh_history()
