from datetime import date, datetime

from odoo.tests import HttpCase

from odoo.addons.account_credit_recovery.tests.common import CreditRecoveryCommon

from .graph_simulator import GraphSimulator, post_webhook

DUE = date(2026, 3, 2)
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)  # 10:00 in São Paulo, a Tuesday
TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "106540352242922"
SECRET = "app-secret"
# The pt_BR text of the collection template (docs/whatsapp.md): {{1}} first name, {{2}} amount claimed,
# {{3}} personal link, {{4}} PIX code, {{5}} creditor (CDC art. 42-A).
TEMPLATE_BODY = (
    "Olá, {{1}}. Consta em aberto o valor de {{2}}. Veja os detalhes, pague ou negocie em {{3}} . "
    "PIX copia e cola: {{4}} . Se já pagou, desconsidere. Credor: {{5}}."
)
TEMPLATE_FIELDS = {
    "{{1}}": "whatsapp_first_name",
    "{{2}}": "whatsapp_amount",
    "{{3}}": "portal_url",
    "{{4}}": "portal_pix_code",
    "{{5}}": "whatsapp_creditor",
}


class WhatsappCommon(CreditRecoveryCommon, HttpCase):
    """A BRL company with a WhatsApp gateway pointed at a simulated Graph API on loopback, an approved
    collection template on every stage, and a debtor with a mobile and an overdue invoice."""

    @classmethod
    def setUpClass(cls):
        # pylint: disable=unsubscriptable-object
        super().setUpClass()
        # Acts at the real clock's moment (WhatsApp, the page): not about the contact window.
        cls.open_contact_window()
        cls.env["res.lang"]._activate_lang("pt_BR")
        brl = cls.env.ref("base.BRL")
        brl.active = True
        cls.company.currency_id = brl
        cls.company.partner_id.write({"country_id": cls.env.ref("base.br").id, "city": "São Paulo"})
        cls.company.vat = "11222333000181"
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "0001-123456",
                "partner_id": cls.company.partner_id.id,
                "proxy_value": "cobranca@example.com",
            }
        )
        cls.graph = cls.enterClassContext(GraphSimulator(TOKEN, PHONE_NUMBER_ID))
        cls.gateway = cls.env["mail.gateway"].create(
            {
                "name": "WhatsApp Cobrança",
                "gateway_type": "whatsapp",
                "token": TOKEN,
                "webhook_key": "cobranca-key",
                "webhook_secret": SECRET,
                "whatsapp_security_key": "verify-me",
                "whatsapp_from_phone": PHONE_NUMBER_ID,
                "integrated_webhook_state": "integrated",
                "company_id": cls.company.id,
                "recovery_graph_base_url": cls.graph.url,
            }
        )
        cls.template = cls.env["mail.whatsapp.template"].create(
            {
                "name": "Aviso de cobrança",
                "body": TEMPLATE_BODY,
                "category": "utility",
                "language": "pt_BR",
                "gateway_id": cls.gateway.id,
                "model_id": cls.env["ir.model"]._get_id("credit.recovery.dispatch"),
            }
        )
        for variable in cls.template.variable_ids:
            variable.field_name = TEMPLATE_FIELDS[variable.name]
        cls.template.write({"state": "approved", "template_uid": "1234567890"})
        cls.policy.stage_ids.whatsapp_template_id = cls.template
        cls.customer.write(
            {
                "mobile": "+55 11 98765-4321",
                "email": "maria@example.com",
                "tz": "America/Sao_Paulo",
                "street": "Rua Augusta 100",
                "city": "São Paulo",
            }
        )
        cls.number = "5511987654321"
        cls.invoice = cls.create_invoice(1000.0, date(2026, 2, 1), DUE)
        cls.webhook_path = f"/gateway/whatsapp/{cls.gateway.webhook_key}/update"

    def setUp(self):
        super().setUp()
        self.graph.sent.clear()
        self.graph.refused.clear()
        self.graph.fail_numbers.clear()

    def run_and_deliver(self, day=NOTICE_DAY):
        """The collection run of ``day`` and the delivery of its messages; the WhatsApp messages queued."""
        runs = self.env["credit.recovery.run"]
        with self.on(day):
            for _call in range(20):
                runs._cron_run_collection()
                if not runs.search_count([("state", "in", ("refresh", "plan"))]):
                    break
            self.env["credit.recovery.dispatch"]._deliver_batch()
        return self.env["credit.recovery.dispatch"].search([("debtor_id.partner_id", "=", self.customer.id)])

    def send_queued(self):
        """The send cron's batch: the queued WhatsApp messages go to the simulated Graph API."""
        self.env["credit.recovery.whatsapp.message"]._send_batch()

    def webhook(self, body, forged=False):
        response = post_webhook(self.base_url() + self.webhook_path, body, SECRET, forged=forged, session=self.opener)
        self.assertEqual(response.status_code, 200, response.text[:2000])
        self.env.invalidate_all()
        return response
