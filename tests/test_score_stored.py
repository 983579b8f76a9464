import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from . import test_score_model
from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)
# 2026-11-23 is a Monday; 12:00 UTC is 09:00 in São Paulo, inside the contact window.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
FEATURES = "odoo.addons.account_credit_recovery.models.credit_recovery_score.CreditRecoveryScore._features"


@tagged("post_install", "-at_install")
class TestStoredPaymentScores(CreditRecoveryCommon):
    """*Contact now* ranks by the probabilities stored on the debtors (after a fit, then daily), not
    by the model's features query at each opening."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        br, tz = cls.env.ref("base.br").id, "America/Sao_Paulo"
        cls.customers = {}
        for name, amount, late in (("Old", 3000.0, 150), ("Middle", 1500.0, 75), ("Fresh", 800.0, 12)):
            partner = cls.env["res.partner"].create(
                {"name": name, "country_id": br, "tz": tz, "mobile": f"+55 11 98765-{int(amount):04d}"}
            )
            due = TODAY - timedelta(days=late)
            cls.create_invoice(amount, due - timedelta(days=30), due, partner=partner)
            cls.customers[name] = partner
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtors = {name: p.with_company(cls.company).recovery_debtor_id for name, p in cls.customers.items()}
        cls.debtors["Middle"].sudo().user_id = cls.agent

    def fitted(self, on=datetime(2026, 11, 1, 2, 0)):
        self.policy.sudo().write(
            {
                "score_model": test_score_model.TestScoreContactNow.MODEL,
                "score_model_state": "fitted",
                "score_model_date": on,
            }
        )

    def stored(self, debtor):
        debtor = debtor.sudo()
        return debtor.score_probability, debtor.score_date, debtor.score_contributions

    def test_stored_after_a_fit_for_every_debtor_with_the_model_s_figures(self):
        self.fitted()
        learnt = self.policy._score_debtors([debtor.id for debtor in self.debtors.values()], TODAY)
        self.policy.sudo()._refresh_debtor_scores(TODAY)
        for name, debtor in self.debtors.items():
            probability, day, parts = self.stored(debtor)
            self.assertEqual(day, TODAY, name)
            self.assertAlmostEqual(probability, learnt[debtor.id][0], places=6, msg=name)
            self.assertEqual([code for code, _value in parts], [code for code, _value in learnt[debtor.id][1]])
        # Below the minimum history the model goes, and the stored scores with it.
        self.policy.sudo().write({"score_model": False, "score_model_state": "insufficient"})
        self.policy.sudo()._refresh_debtor_scores(TODAY)
        self.assertEqual(self.stored(self.debtors["Old"]), (0.0, False, False))

    @freeze_time(MONDAY_9H_SP)
    def test_contact_now_ranks_by_amount_times_stored_probability_and_shows_the_stored_why(self):
        self.fitted()
        self.policy.sudo()._refresh_debtor_scores(TODAY - timedelta(days=1))
        # The stored figures, yesterday's, are the ones used: Old is made the likeliest payer.
        self.env.cr.execute(
            SQL(
                """UPDATE credit_recovery_debtor SET score_probability = 0.9,
                          score_contributions = '[["days_late", 1.25], ["amount", -0.5], ["tenure", 0.001]]'
                    WHERE id = %s""",
                self.debtors["Old"].id,
            )
        )
        self.env.invalidate_all()
        with patch(FEATURES, side_effect=AssertionError("no features query when the scores are stored")):
            rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertEqual(len(rows), 3)
        expected = {row.debtor_id.id: row.amount_claimable * row.debtor_id.sudo().score_probability for row in rows}
        for row in rows:
            self.assertAlmostEqual(row.expected_recovery, expected[row.debtor_id.id], places=2)
            self.assertIn("(computed on 11/22/2026)", row.reasons, "yesterday's figures say so")
        self.assertEqual(rows.debtor_id.ids, sorted(expected, key=lambda debtor_id: -expected[debtor_id]))
        self.assertEqual(rows[0].debtor_id, self.debtors["Old"])
        self.assertEqual(rows[0].score, 90)
        self.assertEqual(rows[0].reasons, "days late +1.25, amount -0.50 (computed on 11/22/2026)")
        # A manager's override still wins over the stored probability.
        self.debtors["Fresh"].with_user(self.manager).write(
            {"score_overridden": True, "score_override": 100, "score_override_reason": "Paid at the store"}
        )
        with patch(FEATURES, side_effect=AssertionError("no features query when the scores are stored")):
            rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        fresh = rows.filtered(lambda row: row.debtor_id == self.debtors["Fresh"])
        self.assertEqual((fresh.score, fresh.reasons), (100, "manager override: Paid at the store"))

    @freeze_time(MONDAY_9H_SP)
    def test_scores_stored_before_the_model_was_fitted_are_computed_again(self):
        self.policy.sudo()._refresh_debtor_scores(TODAY)  # no model: nothing stored
        self.fitted()
        self.policy.sudo()._refresh_debtor_scores(TODAY - timedelta(days=3))
        self.fitted(on=datetime(2026, 11, 22, 2, 0))  # fitted again since
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        learnt = self.policy._score_debtors(rows.debtor_id.ids, TODAY)
        for row in rows:
            self.assertEqual(row.score, round(learnt[row.debtor_id.id][0] * 100))
            self.assertNotIn("computed on", row.reasons, "scored today")
            self.assertTrue(re.search(r"days late [+-]\d+\.\d\d", row.reasons))

    @freeze_time(MONDAY_9H_SP)
    def test_an_agent_sees_only_their_debtors(self):
        self.fitted()
        self.policy.sudo()._refresh_debtor_scores(TODAY)
        rows = self.env["credit.recovery.worklist"].with_user(self.agent)._rebuild()
        self.assertEqual(rows.debtor_id, self.debtors["Middle"])
        self.assertEqual(rows.with_user(self.agent).search([]).debtor_id, self.debtors["Middle"])
        self.assertEqual(round(self.debtors["Middle"].sudo().score_probability * 100), rows.score)

    def test_daily_cron_stores_the_scores_in_batches(self):
        """Through Odoo's cron runner (``ir.cron._process_job``), its cursor the test's."""
        self.fitted()
        cron = self.env.ref("account_credit_recovery.ir_cron_refresh_payment_scores")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        cron.active = True
        job = {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0}
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with (
                freeze_time(MONDAY_9H_SP),
                patch("odoo.addons.account_credit_recovery.models.credit_recovery_debtor_score_stored.SCORE_BATCH", 2),
                self.registry.cursor() as cron_cr,
            ):
                self.registry["ir.cron"]._process_job(self.env.cr.dbname, cron_cr, job)
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()
        learnt = self.policy._score_debtors([debtor.id for debtor in self.debtors.values()], TODAY)
        for name, debtor in self.debtors.items():
            probability, day, _parts = self.stored(debtor)
            self.assertEqual(day, TODAY, f"{name}: every debtor scored, two per call")
            self.assertAlmostEqual(probability, learnt[debtor.id][0], places=6)
        with freeze_time(MONDAY_9H_SP):
            self.assertEqual(self.env["credit.recovery.debtor"]._refresh_payment_scores(), (0, 0), "none left today")
