"""18.0.1.4.0 loads the shipped stage e-mail again (its rows now carry the late charges of the
claimed amount), but never over the wording an administrator wrote."""

from odoo import SUPERUSER_ID
from odoo.tests import new_test_user, tagged

from .common import CreditRecoveryCommon
from .test_evidence_upgrade import migration

OLD_BODY = "<p>Former shipped body</p>"


@tagged("post_install", "-at_install")
class TestUpgradeStageTemplate(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env.ref("account_credit_recovery.mail_template_collection_stage")
        cls.migrate = staticmethod(migration("18.0.1.4.0", "post-stage_template.py"))

    def test_the_shipped_template_is_loaded_again(self):
        self.template.with_user(SUPERUSER_ID).body_html = OLD_BODY  # as the superuser who installed 18.0.1.3.0
        self.migrate(self.env.cr, "18.0.1.3.0")
        self.template.invalidate_recordset()
        self.assertNotIn("Former shipped body", self.template.body_html)
        self.assertIn("_message_rows", self.template.body_html)

    def test_an_administrators_wording_is_kept(self):
        admin = new_test_user(self.env, "template_admin", groups="base.group_system,account.group_account_manager")
        self.template.with_user(admin).body_html = "<p>Our own words</p>"
        with self.assertLogs(level="WARNING") as logs:
            self.migrate(self.env.cr, "18.0.1.3.0")
        self.template.invalidate_recordset()
        self.assertIn("Our own words", self.template.body_html)
        self.assertIn("template_admin", logs.output[0])

    def test_a_new_installation_runs_nothing(self):
        self.template.with_user(SUPERUSER_ID).body_html = OLD_BODY
        self.migrate(self.env.cr, None)
        self.assertIn("Former shipped body", self.template.body_html)
