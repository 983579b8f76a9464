from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestConfiguration(CreditRecoveryCommon):
    def test_default_policy(self):
        policy = self.policy
        self.assertEqual(policy.grace_days, 5)
        self.assertEqual((policy.max_contacts_per_day, policy.max_contacts_per_week), (1, 3))
        self.assertEqual((policy.fine_percent, policy.interest_percent_month), (2.0, 1.0))
        self.assertTrue(policy.is_consumer)
        self.assertEqual(
            [(self.stage_reminder.trigger_days, self.stage_notice.trigger_days), self.stage_legal.is_legal],
            [(-3, 1), True],
        )
        windows = {(w.dayofweek, w.hour_from, w.hour_to) for w in policy.window_ids}
        self.assertEqual(windows, {(str(d), 8.0, 20.0) for d in range(5)} | {("5", 8.0, 14.0)})

    def test_triggers_must_increase(self):
        with self.assertRaisesText(ValidationError, "must start later and later"):
            self.stage_legal.trigger_days = 10
        with self.assertRaisesText(ValidationError, "must start later and later"):
            self.env["credit.recovery.stage"].create(
                {"name": "Second notice", "policy_id": self.policy.id, "sequence": 25, "trigger_days": 1}
            )
        stage = self.env["credit.recovery.stage"].create(
            {"name": "Second notice", "policy_id": self.policy.id, "sequence": 25, "trigger_days": 8}
        )
        self.assertIn(stage, self.policy.stage_ids)

    def test_reordering_in_the_policy_form_is_checked_once(self):
        # Swap Alert and Legal action: both order and triggers change in one save.
        self.policy.with_user(self.manager).write(
            {
                "stage_ids": [
                    Command.update(self.stage_alert.id, {"sequence": 40, "trigger_days": 60}),
                    Command.update(self.stage_legal.id, {"sequence": 30, "trigger_days": 15}),
                ]
            }
        )
        self.assertEqual(self.policy.stage_ids.sorted("sequence")[2], self.stage_legal)
        with self.assertRaisesText(ValidationError, "must start later and later"):
            self.policy.write({"stage_ids": [Command.update(self.stage_reminder.id, {"sequence": 99})]})

    def test_consumer_fine_is_capped(self):
        with self.assertRaisesText(ValidationError, "CDC art. 52"):
            self.policy.fine_percent = 2.5
        self.policy.write({"is_consumer": False, "fine_percent": 10.0})
        self.assertEqual(self.policy.fine_percent, 10.0)
        with self.assertRaisesText(ValidationError, "CDC art. 52"):
            self.policy.is_consumer = True

    def test_negative_values_are_refused(self):
        for vals in (
            {"grace_days": -1},
            {"tolerance_amount": -0.01},
            {"fine_percent": -1.0},
            {"interest_percent_month": -0.5},
            {"max_contacts_per_day": 0},
            {"max_contacts_per_day": 2, "max_contacts_per_week": 1},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.policy.write(vals)

    def test_contact_window_hours(self):
        with self.assertRaisesText(ValidationError, "start must be before the end"):
            self.policy.write({"window_ids": [Command.create({"dayofweek": "6", "hour_from": 14.0, "hour_to": 9.0})]})

    def test_one_active_policy_per_company(self):
        with self.assertRaisesText(ValidationError, "already has an active collection policy"):
            self.env["credit.recovery.policy"].create({"name": "Second", "company_id": self.company.id})
        self.policy.active = False
        other = self.env["credit.recovery.policy"].create({"name": "Second", "company_id": self.company.id})
        self.assertEqual(
            self.env["credit.recovery.policy"]._get_company_policies(self.company), {self.company.id: other}
        )

    def test_profile_limits_are_validated(self):
        Profile = self.env["credit.recovery.profile"]
        for vals in (
            {"max_discount_interest_percent": 101},
            {"max_discount_principal_percent": -1},
            {"min_down_payment_percent": 150},
            {"max_installments": 0},
            {"min_installment_amount": -10},
            {"max_first_installment_days": -1},
            {"min_overdue_episodes": -1},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                Profile.create({"name": "Bad", **vals})

    def test_manager_configures_a_policy_through_the_form(self):
        with Form(self.policy.with_user(self.manager)) as form:
            form.grace_days = 3
            form.tolerance_amount = 2.5
            with form.stage_ids.new() as stage:
                stage.name = "Final notice"
                stage.sequence = 35
                stage.trigger_days = 30
        self.assertEqual(self.policy.grace_days, 3)
        self.assertEqual(self.policy.stage_ids.sorted("sequence").mapped("trigger_days"), [-3, 1, 15, 30, 60])
