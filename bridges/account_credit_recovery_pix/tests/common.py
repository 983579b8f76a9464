"""Shared set-up of the collection PIX tests: the main addon's collection company in BRL with a
static PIX key (the fallback), a debtor with a CPF and overdue and not yet due invoices, and a PIX
API provider pointed at the simulated PSP on loopback (``payment_pix_api``'s ``PspSimulator``)."""

from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.tests import HttpCase

from odoo.addons.account_credit_recovery.tests import test_portal_http as portal_http
from odoo.addons.account_credit_recovery.tests.common import CreditRecoveryCommon
from odoo.addons.payment_pix_api.tests.psp_simulator import PspSimulator

PIX_KEY = "pix@loja.example.com"


class PixCollectionCommon(CreditRecoveryCommon, HttpCase):
    # The page's own helpers (identity check, CSRF), whatever they become.
    csrf = portal_http.PortalHttpCommon.csrf
    open_page = portal_http.PortalHttpCommon.open_page
    accept_occasional_3x = portal_http.PortalHttpCommon.accept_occasional_3x

    @classmethod
    def setUpClass(cls):
        # pylint: disable=unsubscriptable-object
        super().setUpClass()
        # Acts at the real clock's moment (WhatsApp, the page): not about the contact window.
        cls.open_contact_window()
        cls.psp = cls.enterClassContext(PspSimulator())
        brl = cls.env.ref("base.BRL")
        brl.active = True
        cls.company.currency_id = brl
        cls.company.partner_id.write({"country_id": cls.env.ref("base.br").id, "city": "São Paulo"})
        cls.company.vat = "11222333000181"
        bank = cls.env["res.bank"].create({"name": "Banco do Brasil S.A.", "bic": "BRASBRRJ"})
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "0001 12345-6",
                "bank_id": bank.id,
                "partner_id": cls.company.partner_id.id,
                "proxy_value": "cobranca@example.com",
            }
        )
        cls.set_agreement_accounts()
        cls.customer.write(
            {
                "vat": "123.456.789-09",
                "email": "maria@example.com",
                "mobile": "+55 11 98765-4321",
                "street": "Rua Augusta 100",
                "city": "São Paulo",
            }
        )
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "PIX (simulated PSP)",
                "code": "pix_api",
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "pix_key": PIX_KEY,
                "pix_psp": "bcb",
                "pix_client_id": cls.psp.client_id,
                "pix_client_secret": cls.psp.client_secret,
                "pix_base_url": cls.psp.url,
                "pix_token_url": cls.psp.token_url,
                "redirect_form_view_id": cls.env.ref("payment_pix_api.redirect_form").id,
                "payment_method_ids": [Command.set(cls.env.ref("payment.payment_method_pix").ids)],
            }
        )
        cls.env.ref("payment.payment_method_pix").active = True
        cls.today = fields.Date.today()
        # Overdue: 433,00 for 40 days (longer than a cobv stays payable: a cob of its total) and
        # 200,00 for 10 days (a cobv); not due yet: 600,00 in 20 days.
        cls.long_overdue = cls.create_invoice(433.0, cls.today - timedelta(days=70), cls.today - timedelta(days=40))
        cls.overdue = cls.create_invoice(200.0, cls.today - timedelta(days=40), cls.today - timedelta(days=10))
        cls.not_due = cls.create_invoice(600.0, cls.today - timedelta(days=10), cls.today + timedelta(days=20))
        cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.overdue.recovery_debtor_id
        cls.link = cls.env["credit.recovery.portal.token"]._get_or_create_tokens(cls.debtor)[cls.debtor.id]
        cls.url = f"/c/{cls.link.token}"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def at_psp(self, code):
        """The simulated PSP's charge whose dynamic code is ``code`` (``None``: not a charge of it)."""
        return next((charge for charge in self.psp.charges.values() if charge["pixCopiaECola"] == code), None)

    def charges(self, **domain):
        conditions = [(name, "=", value) for name, value in domain.items()]
        return self.env["credit.recovery.pix.charge"].search([("debtor_id", "=", self.debtor.id), *conditions])

    def installment(self, invoice):
        return invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def row_of(self, values, invoice):
        return next(row for row in values["rows"] if row["move"] == invoice)

    def page_values(self):
        self.env.invalidate_all()
        return self.env["credit.recovery.portal"]._page_values(self.link)

    def queued_message(self, invoices=None, stage=None):
        """A queued collection message of the debtor's overdue invoices (as the run plans it)."""
        stage = stage or self.stage_notice
        dispatch = (
            self.env["credit.recovery.dispatch"]
            .sudo()
            .create(
                {
                    "debtor_id": self.debtor.id,
                    "company_id": self.company.id,
                    "stage_id": stage.id,
                    # Due by now and by the tests' delivery moment (today 16:00 UTC, frozen),
                    # whatever the time of day the suite runs at.
                    "scheduled_at": min(fields.Datetime.now(), datetime.combine(self.today, time(11, 0))),
                }
            )
        )
        self.env["credit.recovery.action"].sudo().create(
            [
                {
                    "move_id": invoice.id,
                    "stage_id": stage.id,
                    "due_date": invoice.invoice_date_due,
                    "amount": invoice.amount_residual,
                    "reached_date": self.today,
                    "dispatch_id": dispatch.id,
                }
                for invoice in invoices or (self.long_overdue | self.overdue)
            ]
        )
        return dispatch

    def sent_body(self):
        """The last e-mail the delivery queued for the debtor."""
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "credit.recovery.debtor"),
                    ("mail_message_id.res_id", "=", self.debtor.id),
                ],
                order="id desc",
                limit=1,
            )
        )
        return str(mail.body_html)
