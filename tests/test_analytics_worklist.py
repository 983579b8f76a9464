from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CreditRecoveryCommon

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there, 23:30 UTC is 20:30.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)
MONDAY_20H30_SP = datetime(2026, 11, 23, 23, 30)
TODAY = date(2026, 11, 23)


@tagged("post_install", "-at_install")
class TestWorklist(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        br, tz = cls.env.ref("base.br").id, "America/Sao_Paulo"

        def customer(name, **vals):
            return cls.env["res.partner"].create({"name": name, "country_id": br, "tz": tz, **vals})

        cls.ana = customer("Ana", mobile="+55 11 98765-4321", email="ana@example.com")
        cls.bruno = customer("Bruno")
        cls.carla = customer("Carla", recovery_do_not_contact=True)
        cls.davi = customer("Davi", recovery_optout_phone=True)
        cls.eva = customer("Eva", mobile="+55 11 98765-1111")
        cls.fabio = customer("Fábio")
        # Ana 1,000 due 40 days ago; Bruno 3,000 due 100 days ago; the others 500 due 10 days ago.
        cls.create_invoice(1000.0, date(2026, 9, 14), date(2026, 10, 14), partner=cls.ana)
        cls.create_invoice(3000.0, date(2026, 7, 16), date(2026, 8, 15), partner=cls.bruno)
        for partner in (cls.carla, cls.davi, cls.eva):
            cls.create_invoice(500.0, date(2026, 10, 14), date(2026, 11, 13), partner=partner)
        promised = cls.create_invoice(500.0, date(2026, 10, 14), date(2026, 11, 13), partner=cls.fabio)
        with cls.on(date(2026, 11, 20)):
            cls.env["credit.recovery.promise"].sudo().create(
                {
                    "partner_id": cls.fabio.id,
                    "company_id": cls.company.id,
                    "invoice_ids": [Command.set(promised.ids)],
                    "amount": 500.0,
                    "date": date(2026, 11, 30),
                }
            )
        with freeze_time(datetime(2026, 11, 23, 11, 0)):
            # Eva was called this morning: the daily cap (1) is reached.
            cls.env["credit.recovery.contact"].with_user(cls.manager).create(
                {
                    "partner_id": cls.eva.id,
                    "channel": "phone",
                    "outcome_id": cls.env.ref("account_credit_recovery.outcome_no_answer").id,
                }
            )
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor_ana = cls.ana.with_company(cls.company).recovery_debtor_id
        cls.debtor_bruno = cls.bruno.with_company(cls.company).recovery_debtor_id
        cls.debtor_bruno.sudo().user_id = cls.agent

    def profile_points(self, debtor):
        profiles = self.env["credit.recovery.profile"].search([])
        severity = round(100 * debtor.profile_id.sequence / max(profiles.mapped("sequence")))
        return round(10 * (0.5 - severity / 100), 1)

    @freeze_time(MONDAY_9H_SP)
    def test_order_scores_and_exclusions_by_hand(self):
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        # Carla asked not to be contacted, Davi refused calls, Fábio promised, Eva is over the cap.
        self.assertEqual(rows.mapped("partner_id"), self.bruno | self.ana, "Bruno (3,000) before Ana (1,000)")
        self.assertEqual(rows.mapped("rank"), [1, 2])
        bruno, ana = rows
        # Ana: 50 + 30 x (0.5 - 40/180) = +8.3 for 40 days late, +5 valid mobile and e-mail, + profile.
        self.assertEqual(ana.score, round(50 + 8.3 + 5 + self.profile_points(self.debtor_ana)))
        # Bruno: 30 x (0.5 - 100/180) = -1.7 for 100 days late, no mobile.
        self.assertEqual(bruno.score, round(50 - 1.7 + self.profile_points(self.debtor_bruno)))
        self.assertAlmostEqual(
            bruno.expected_recovery, 3000 * (50 - 1.7 + self.profile_points(self.debtor_bruno)) / 100
        )
        self.assertEqual(ana.amount_claimable, 1000.0)
        self.assertIn("days late +8.3", ana.reasons)
        self.assertIn("valid mobile and e-mail +5", ana.reasons)

    @freeze_time(MONDAY_20H30_SP)
    def test_nobody_outside_the_window(self):
        self.assertFalse(self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild())

    @freeze_time(MONDAY_9H_SP)
    def test_agent_sees_own_debtors_only(self):
        Worklist = self.env["credit.recovery.worklist"]
        action = Worklist.with_user(self.agent).action_open()
        rows = Worklist.with_user(self.agent).search(action["domain"])
        self.assertEqual(rows.partner_id, self.bruno)
        Worklist.with_user(self.manager)._rebuild()
        self.assertEqual(Worklist.with_user(self.agent).search([]).partner_id, self.bruno, "not the manager's rows")
        clerk = new_test_user(self.env, login="clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            Worklist.with_user(clerk)._rebuild()

    @freeze_time(MONDAY_9H_SP)
    def test_rows_are_the_servers(self):
        Worklist = self.env["credit.recovery.worklist"]
        rows = Worklist.with_user(self.agent)._rebuild()
        with self.assertRaises(AccessError):
            Worklist.with_user(self.agent).with_context(active_test=False).create({"debtor_id": self.debtor_ana.id})
        with self.assertRaises(AccessError):
            rows.with_user(self.agent).write({"expected_recovery": 1e9})
        with self.assertRaises(AccessError):
            rows.with_user(self.agent).unlink()
