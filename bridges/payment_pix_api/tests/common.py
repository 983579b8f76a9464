"""Shared set-up of the PIX provider's tests: a simulated PSP on loopback for the whole class, a
provider of the test company pointed at it, a Brazilian debtor with a CPF, invoices in BRL.

The other modules' tests build on it (``PixCommon``): ``cls.psp`` is the simulator (its
``charges``, ``pay()``, ``down``…), ``cls.pix_provider`` the provider, ``cls.pix_debtor`` the
partner, ``cls.brl`` the currency, ``cls.pix_invoice(amount, due_date)`` a posted invoice."""

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .psp_simulator import PspSimulator

PIX_KEY = "pix@loja.example.com"
DEBTOR_CPF = "52998224725"


class PixCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.psp = cls.enterClassContext(PspSimulator())
        cls.brl = cls.setup_other_currency("BRL", rates=[("1900-01-01", 1.0)])
        cls.pix_provider = cls.make_pix_provider(cls.psp)
        cls.pix_debtor = cls.env["res.partner"].create(
            {"name": "Maria Silva", "vat": DEBTOR_CPF, "country_id": cls.env.ref("base.br").id}
        )

    def setUp(self):
        super().setUp()
        self.psp.reset()  # the simulator lives for the class; each test starts with an empty PSP

    @classmethod
    def make_pix_provider(cls, psp=None, **values):
        """A provider of the test company in Test Mode; ``psp``: the simulator it calls (generic
        API Pix entry), none: a sandbox provider."""
        vals = {
            "name": "PIX (simulated PSP)" if psp else "PIX (sandbox)",
            "code": "pix_api",
            "state": "disabled",
            "is_published": True,
            "company_id": cls.company_data["company"].id,
            "pix_key": PIX_KEY,
            "pix_psp": "bcb" if psp else "sandbox",
            "redirect_form_view_id": cls.env.ref("payment_pix_api.redirect_form").id,
            "payment_method_ids": [Command.set(cls.env.ref("payment.payment_method_pix").ids)],
        }
        if psp:
            vals.update(
                pix_client_id=psp.client_id,
                pix_client_secret=psp.client_secret,
                pix_base_url=psp.url,
                pix_token_url=psp.token_url,
            )
        state = values.pop("state", "test")
        vals.update(values)
        provider = cls.env["payment.provider"].create(vals)
        provider.state = state  # as an administrator does: activates Odoo's "Pix" payment method
        return provider

    @classmethod
    def pix_invoice(cls, amount, due_date=None, partner=None):
        """A posted customer invoice in BRL, without taxes."""
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or cls.pix_debtor).id,
                "currency_id": cls.brl.id,
                "invoice_date": fields.Date.today(),
                "invoice_date_due": due_date or fields.Date.today(),
                "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})],
            }
        )
        invoice.action_post()
        return invoice
