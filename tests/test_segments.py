from datetime import date, datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CreditRecoveryCommon

# A Monday, 10:00 in São Paulo: the refresh and the run of the day.
TODAY = date(2026, 11, 23)
RUN_MOMENT = datetime(2026, 11, 23, 13, 0)
# Late now, but by less than 30 days: no first-payment default.
DUE_NOW = date(2026, 11, 10)


@tagged("post_install", "-at_install")
class TestSegments(CreditRecoveryCommon):
    """The debtor's segment, by its documented rules, set by the daily refresh; in the debtor's
    searches, as a stage's condition and in the run's message templates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "email": "maria@example.com"})
        Partner = cls.env["res.partner"]
        brazil = cls.env.ref("base.br").id
        names = ("good", "recurrent", "occasional", "fraud", "dispute", "hardship", "paid")
        cls.partners = {
            name: Partner.create(
                {
                    "name": f"Cliente {name}",
                    "country_id": brazil,
                    "tz": "America/Sao_Paulo",
                    "email": f"{name}@example.com",
                }
            )
            for name in names
        }
        cls.invoices = {}
        # Good payer: an invoice paid on time, one late now.
        cls.paid_on_time("good", date(2026, 6, 1), date(2026, 7, 1), date(2026, 6, 25))
        # Recurrent: two invoices paid late this year, one late now; occasional: one.
        cls.paid_on_time("recurrent", date(2026, 4, 1), date(2026, 5, 1), date(2026, 5, 20))
        cls.paid_on_time("recurrent", date(2026, 6, 1), date(2026, 7, 1), date(2026, 7, 15))
        cls.paid_on_time("occasional", date(2026, 6, 1), date(2026, 7, 1), date(2026, 7, 15))
        for name in names:
            cls.invoices[name] = cls.create_invoice(200.0, date(2026, 10, 10), DUE_NOW, partner=cls.partners[name])
        cls.pay(cls.invoices["paid"], 200.0, date(2026, 11, 5))
        Debtor = cls.env["credit.recovery.debtor"].sudo()
        keys = {(partner.id, cls.company.id) for partner in cls.partners.values()}
        ids = Debtor._get_or_create(keys)
        cls.debtors = {name: Debtor.browse(ids[partner.id, cls.company.id]) for name, partner in cls.partners.items()}
        cls.debtors["fraud"].write({"fraud_state": "suspected"})
        with cls.on(date(2026, 11, 20)):
            cls.invoices["dispute"]._recovery_open_dispute("not_recognised", "Não reconheço")
            cls.debtors["hardship"]._recovery_receive_inbound("chat", "Estou desempregado desde outubro", "seg-1")

    @classmethod
    def paid_on_time(cls, name, invoice_date, due, paid_on):
        invoice = cls.create_invoice(100.0, invoice_date, due, partner=cls.partners[name])
        cls.pay(invoice, 100.0, paid_on)

    def test_segments_by_their_rules(self):
        self.refresh_on(TODAY)
        segments = {name: debtor.segment for name, debtor in self.debtors.items()}
        self.assertEqual(
            segments,
            {
                "good": "first_time",
                "recurrent": "recurrent",
                "occasional": "occasional",
                "fraud": "fraud",
                "dispute": "dispute",
                "hardship": "hardship",
                "paid": False,
            },
        )
        # The saved filters of the debtors' search.
        Debtor = self.env["credit.recovery.debtor"].with_user(self.manager)
        for name, segment in (("good", "first_time"), ("recurrent", "recurrent"), ("fraud", "fraud")):
            found = Debtor.search([("segment", "=", segment), ("id", "in", [d.id for d in self.debtors.values()])])
            self.assertEqual(found, self.debtors[name])
        # A manager dismisses the possible fraud: the next refresh puts the debtor back by the other rules.
        self.debtors["fraud"].with_user(self.manager).action_dismiss_fraud()
        self.refresh_on(TODAY)
        self.assertEqual(self.debtors["fraud"].segment, "occasional", "no invoice paid before: not a good payer yet")

    def test_segment_as_a_stage_condition(self):
        stage = self.stage_notice
        with self.assertRaises(ValidationError):
            stage.debtor_domain = "[('segment', '=',"
        stage.debtor_domain = "[('segment', 'in', ('recurrent', 'occasional'))]"
        self.refresh_on(TODAY)
        Run = self.env["credit.recovery.run"]
        with self.on(RUN_MOMENT):
            for _call in range(100):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        Dispatch = self.env["credit.recovery.dispatch"]
        dispatched = Dispatch.search([("stage_id", "=", stage.id)]).debtor_id
        self.assertIn(self.debtors["recurrent"], dispatched)
        self.assertIn(self.debtors["occasional"], dispatched)
        self.assertNotIn(self.debtors["good"], dispatched, "a good payer in a bad month is spared the notice")
        actions = self.env["credit.recovery.action"].search(
            [("move_id", "=", self.invoices["good"].id), ("stage_id", "=", stage.id)]
        )
        self.assertEqual(actions.mapped("skip_reason"), ["condition"])

    def test_segment_in_the_message_templates(self):
        self.refresh_on(TODAY)
        template = self.env["mail.template"].create(
            {
                "name": "Segment test",
                "model_id": self.env.ref("account_credit_recovery.model_credit_recovery_dispatch").id,
                "body_html": "<p>Segment: <t t-out=\"object.debtor_segment or 'none'\"/></p>"
                "<p t-if=\"object.debtor_segment == 'first_time'\">Sabemos que foi só um mês difícil.</p>",
            }
        )
        Dispatch = self.env["credit.recovery.dispatch"].sudo()
        dispatches = {
            name: Dispatch.create(
                {
                    "debtor_id": self.debtors[name].id,
                    "company_id": self.company.id,
                    "stage_id": self.stage_notice.id,
                    "scheduled_at": RUN_MOMENT,
                }
            )
            for name in ("good", "recurrent", "fraud")
        }
        bodies = template._render_field("body_html", [dispatch.id for dispatch in dispatches.values()])
        good, recurrent, fraud = (str(bodies[dispatch.id]) for dispatch in dispatches.values())
        self.assertIn("Segment: first_time", good)
        self.assertIn("Sabemos que foi só um mês difícil.", good)
        self.assertIn("Segment: recurrent", recurrent)
        self.assertNotIn("difícil", recurrent)
        self.assertIn("Segment: none", fraud, "the debtor never reads the fraud flag")
