from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestPortugueseMessages(CreditRecoveryCommon):
    """The people on the phone read Portuguese: stages, refusals and errors come translated."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pt_BR")
        cls.env["ir.module.module"]._load_module_terms(["account_credit_recovery"], ["pt_BR"], overwrite=True)
        cls.agent.lang = "pt_BR"
        cls.customer.tz = "America/Sao_Paulo"

    def test_default_stage_and_profile_names(self):
        stages = self.env.ref("account_credit_recovery.policy_default").sudo().stage_ids.with_context(lang="pt_BR")
        self.assertEqual(stages.mapped("name"), ["Lembrete", "Aviso", "Alerta", "Ação judicial"])
        self.assertEqual(
            self.policy.stage_ids.with_context(lang="pt_BR").mapped("name"),
            ["Lembrete", "Aviso", "Alerta", "Ação judicial"],
            "a company created before Portuguese was installed gets the translations when it is",
        )
        branch = self.env["res.company"].sudo().create({"name": "Filial Campinas"})
        policy = self.env["credit.recovery.policy"].sudo().search([("company_id", "=", branch.id)])
        self.assertEqual(
            policy.stage_ids.with_context(lang="pt_BR").mapped("name"),
            ["Lembrete", "Aviso", "Alerta", "Ação judicial"],
            "a new company's policy keeps the translations",
        )
        profile = self.env.ref("account_credit_recovery.profile_high_risk").with_context(lang="pt_BR")
        self.assertEqual(profile.name, "Alto risco")

    def test_policy_chatter_has_no_half_english_creation_line(self):
        """A policy the addon creates for a company says nothing of its creation: the line was
        written in the installer's language and read "Collection Policy criado" in pt_BR."""
        branch = self.env["res.company"].sudo().create({"name": "Filial Santos"})
        policy = self.env["credit.recovery.policy"].sudo().search([("company_id", "=", branch.id)])
        self.assertTrue(policy)
        bodies = policy.message_ids.mapped("body") + self.policy.message_ids.mapped("body")
        self.assertFalse([body for body in bodies if "Collection Policy" in str(body)], bodies)

    @freeze_time(datetime(2026, 11, 22, 14, 0))  # Sunday
    def test_contact_refusal_in_portuguese(self):
        self.create_invoice(100.0, date(2026, 9, 1), date(2026, 10, 1))
        with self.assertRaises(UserError) as catcher:
            self.env["credit.recovery.contact"].with_user(self.agent).with_context(lang="pt_BR").create(
                {"partner_id": self.customer.id, "channel": "phone", "direction": "outbound"}
            )
        message = str(catcher.exception)
        self.assertIn("Maria Silva", message)
        self.assertIn("janela de contato", message)
        self.assertNotIn("cannot be contacted", message)

    def test_configuration_error_in_portuguese(self):
        with self.assertRaises(ValidationError) as catcher:
            self.policy.with_context(lang="pt_BR").fine_percent = 3.0
        self.assertIn("CDC art. 52 §1", str(catcher.exception))
        self.assertNotIn("covers consumer contracts", str(catcher.exception))

    def test_run_now_refusal_and_skip_reasons_in_portuguese(self):
        with self.assertRaises(UserError) as catcher:
            self.policy.with_user(self.agent).with_context(lang="pt_BR").action_run_now()
        self.assertNotIn("Only a Collection Manager", str(catcher.exception))
        labels = dict(
            self.env["credit.recovery.action"]
            .with_context(lang="pt_BR")
            ._fields["skip_reason"]
            ._description_selection(self.env(context={"lang": "pt_BR"}))
        )
        self.assertNotEqual(labels["do_not_contact"], "Do not contact")
        self.assertIn("206", labels["prescribed"])
