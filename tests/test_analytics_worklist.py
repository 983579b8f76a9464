from datetime import date, datetime, timedelta
from functools import partial
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..tools.ranking import best_by_bound
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
        # A landline and an e-mail: may be called, but has no valid mobile.
        cls.bruno = customer("Bruno", phone="+55 11 3333-4444", email="bruno@example.com")
        cls.carla = customer(
            "Carla", mobile="+55 11 98765-2222", email="carla@example.com", recovery_do_not_contact=True
        )
        cls.davi = customer("Davi", mobile="+55 11 98765-3333", recovery_optout_phone=True)
        cls.eva = customer("Eva", mobile="+55 11 98765-1111")
        cls.fabio = customer("Fábio", mobile="+55 11 98765-5555")
        # No phone number at all: the e-mails' debtor, not the call list's.
        cls.gil = customer("Gil", email="gil@example.com")
        # Ana 1,000 due 40 days ago; Bruno 3,000 due 100 days ago; the others 500 due 10 days ago.
        cls.create_invoice(1000.0, date(2026, 9, 14), date(2026, 10, 14), partner=cls.ana)
        cls.create_invoice(3000.0, date(2026, 7, 16), date(2026, 8, 15), partner=cls.bruno)
        for partner in (cls.carla, cls.davi, cls.eva, cls.gil):
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
        # Carla asked not to be contacted, Davi refused calls, Fábio promised, Eva is over the cap, Gil has
        # no phone number.
        self.assertEqual(rows.mapped("partner_id"), self.bruno | self.ana, "Bruno (3,000) before Ana (1,000)")
        self.assertEqual(rows.mapped("rank"), [1, 2])
        bruno, ana = rows
        # Ana: 50 + 30 x (0.5 - 40/180) = +8.3 for 40 days late, +5 valid mobile and e-mail, + profile.
        self.assertEqual(ana.score, round(50 + 8.3 + 5 + self.profile_points(self.debtor_ana)))
        # Bruno: 30 x (0.5 - 100/180) = -1.7 for 100 days late; a landline and an e-mail: no valid mobile.
        self.assertEqual(bruno.score, round(50 - 1.7 + self.profile_points(self.debtor_bruno)))
        self.assertNotIn("valid mobile", bruno.reasons)
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
        with self.assertRaises(AccessError):
            Worklist.with_user(clerk).action_load_more()
        # Whatever size the caller asks, from any context: his own debtors, a page at most.
        Worklist.with_user(self.agent).with_context(active_test=False).action_open(limit="all")
        self.assertEqual(Worklist.with_user(self.agent).search([]).partner_id, self.bruno)
        Worklist.with_user(self.agent).action_load_more()
        self.assertEqual(Worklist.with_user(self.agent).search([]).partner_id, self.bruno)

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

    @freeze_time(MONDAY_9H_SP)
    def test_no_phone_no_call(self):
        """Gil, an e-mail and no phone, has 500 to claim and nothing stops a call but the number."""
        debtor_gil = self.gil.with_company(self.company).recovery_debtor_id
        claims = self.env["credit.recovery.action"].sudo()._claims_by_debtor(debtor_gil.ids)
        self.assertEqual(sum(claims[debtor_gil.id].values()), 500.0)
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertNotIn(self.gil, rows.partner_id)
        self.gil.phone = "+55 11 3333-5555"
        rows = self.env["credit.recovery.worklist"].with_user(self.manager)._rebuild()
        self.assertIn(self.gil, rows.partner_id, "a landline is a phone to call")

    def test_contactability_counts_a_valid_mobile_and_an_email(self):
        """7 debtors with something overdue; a valid mobile and an e-mail: Ana and Carla only (Bruno's
        number is a landline, Eva has no e-mail, Gil no phone, Davi and Fábio no e-mail): 2 / 7."""
        rates = self.env["credit.recovery.kpi"]._contact_rates(self.company.id, TODAY, TODAY, None)
        self.assertAlmostEqual(rates["contactability"], 100 * 2 / 7)

    @freeze_time(MONDAY_9H_SP)
    def test_a_page_of_the_best_and_load_more(self):
        Worklist = self.env["credit.recovery.worklist"].with_user(self.manager)
        rows = Worklist._rebuild(limit=1)
        self.assertEqual(rows.partner_id, self.bruno, "the best first")
        self.assertEqual(rows.rank, 1)
        with patch("odoo.addons.account_credit_recovery.models.credit_recovery_worklist.PAGE", 1):
            Worklist.action_load_more()
        self.assertEqual(Worklist.search([]).mapped("partner_id"), self.bruno | self.ana)

    @freeze_time(MONDAY_9H_SP)
    def test_claimable_amount_is_the_runs(self):
        """The list's set-based claimable amount equals the run's ``_claims_by_debtor`` under every
        skip rule that applies to an invoice at its stage."""
        br = self.env.ref("base.br").id

        def debtor_with(name):
            partner = self.env["res.partner"].create({"name": name, "country_id": br, "mobile": "+55 11 98765-7777"})
            self.create_invoice(700.0, date(2026, 10, 14), date(2026, 11, 13), partner=partner)
            move = self.create_invoice(200.0, date(2026, 10, 14), date(2026, 11, 13), partner=partner)
            return partner, move

        excluded, move_excluded = debtor_with("Excluded")
        disputed, move_disputed = debtor_with("Disputed")
        paused, move_paused = debtor_with("Paused")
        prescribed, move_prescribed = debtor_with("Prescribed")
        agreed, _move = debtor_with("Agreed")
        entry, move_entry = debtor_with("Agreement entry")
        self.refresh_on(TODAY)
        debtors = {
            partner: partner.with_company(self.company).recovery_debtor_id
            for partner in (excluded, disputed, paused, prescribed, agreed, entry, self.ana, self.bruno, self.fabio)
        }
        self.env.flush_all()
        for column, value, move in (
            ("recovery_excluded", True, move_excluded),
            ("recovery_dispute_state", "open", move_disputed),
            ("recovery_paused_since", TODAY, move_paused),
        ):
            self.env.cr.execute(
                SQL("UPDATE account_move SET %s = %s WHERE id = %s", SQL.identifier(column), value, move.id)
            )
        self.env.cr.execute(
            SQL(
                "UPDATE credit_recovery_invoice SET oldest_due_date = %s WHERE id = %s",
                date(2021, 11, 23),
                move_prescribed.recovery_invoice_id.id,
            )
        )
        # Active agreements, as the columns the rules read (negotiating one is another test's matter).
        for partner in (agreed, entry):
            (agreement_id,) = self.env.execute_query(
                SQL(
                    """INSERT INTO credit_recovery_agreement (partner_id, debtor_id, company_id, state,
                                                              negotiation_date, periodicity)
                       VALUES (%s, %s, %s, 'active', %s, 'monthly') RETURNING id""",
                    partner.id,
                    debtors[partner].id,
                    self.company.id,
                    TODAY,
                )
            )[0]
        self.env.cr.execute(
            SQL("UPDATE account_move SET recovery_agreement_id = %s WHERE id = %s", agreement_id, move_entry.id)
        )
        self.env.invalidate_all()
        ids = [debtor.id for debtor in debtors.values()]
        claims = self.env["credit.recovery.action"].sudo()._claims_by_debtor(ids)
        expected = {debtor_id: sum(amounts.values()) for debtor_id, amounts in claims.items() if amounts}
        Worklist = self.env["credit.recovery.worklist"].sudo()
        self.assertEqual(Worklist._claimable_amounts(ids, TODAY), expected)
        # The candidates' bound is never below it.
        rows = Worklist._fetch_candidates(self.env["credit.recovery.debtor"]._search([("id", "in", ids)]))
        self.assertTrue(all(row[-1] >= expected.get(row[0], 0) for row in rows))
        # By hand: 700 each where one invoice of 200 is skipped; the agreed debtor's entry alone.
        self.assertEqual(
            expected,
            {
                debtors[excluded].id: 700.0,
                debtors[disputed].id: 700.0,
                debtors[paused].id: 700.0,
                debtors[prescribed].id: 700.0,
                debtors[entry].id: 200.0,
                debtors[self.ana].id: 1000.0,
                debtors[self.bruno].id: 3000.0,
            },
        )

    @freeze_time(MONDAY_9H_SP)
    def test_a_page_ranked_by_the_bound_is_the_full_ranking(self):
        """Ranked by an upper bound of the amount to claim (the debtor's amount overdue, plus what the
        invoices at a stage before their due date claim), with the exact amounts computed only for the
        rows a page needs: every page is the head of the ranking that computes every row's amount, the
        amounts are the run's, and a page of one computes fewer of them."""
        br = self.env.ref("base.br").id

        def debtor_with(name, *invoices):
            partner = self.env["res.partner"].create(
                {"name": name, "country_id": br, "tz": "America/Sao_Paulo", "mobile": "+55 11 98765-8888"}
            )
            moves = [
                self.create_invoice(amount, due - timedelta(days=30), due, partner=partner) for amount, due in invoices
            ]
            return partner, moves

        overdue, early = date(2026, 11, 13), date(2026, 11, 25)  # 10 days late; due in 2 days (reminder at -3)
        _disputed, (move_disputed, _move) = debtor_with("Disputed", (9000.0, overdue), (100.0, overdue))
        _paused, (move_paused, _move) = debtor_with("Paused", (8000.0, overdue), (200.0, overdue))
        debtor_with("Soon due", (50.0, overdue), (5000.0, early))
        for amount in (400.0, 600.0, 800.0, 1200.0, 2500.0):
            debtor_with(f"Owes {amount:g}", (amount, overdue))
        self.refresh_on(TODAY)
        self.env.flush_all()
        for column, value, move in (
            ("recovery_dispute_state", "open", move_disputed),
            ("recovery_paused_since", TODAY, move_paused),
        ):
            self.env.cr.execute(
                SQL("UPDATE account_move SET %s = %s WHERE id = %s", SQL.identifier(column), value, move.id)
            )
        self.env.invalidate_all()
        Worklist = self.env["credit.recovery.worklist"].with_user(self.manager)
        full = Worklist._prepare_rows(MONDAY_9H_SP)
        claims = self.env["credit.recovery.action"].sudo()._claims_by_debtor([row["debtor_id"] for row in full])
        self.assertEqual(
            {row["debtor_id"]: row["amount_claimable"] for row in full},
            {debtor_id: sum(amounts.values()) for debtor_id, amounts in claims.items() if amounts},
        )
        self.assertEqual(
            [row["debtor_id"] for row in full],
            [row["debtor_id"] for row in sorted(full, key=lambda row: (-row["expected_recovery"], row["debtor_id"]))],
        )
        by_partner = {self.env["credit.recovery.debtor"].browse(row["debtor_id"]).partner_id.name: row for row in full}
        # Below the debtor's amount overdue (9,100 and 8,200), above it (50): the claim, not the bound, ranks.
        self.assertEqual(
            [by_partner[name]["amount_claimable"] for name in ("Disputed", "Paused", "Soon due")], [100, 200, 5050]
        )
        self.assertGreater(by_partner["Disputed"]["rank"], by_partner["Owes 400"]["rank"])
        self.assertLess(by_partner["Soon due"]["rank"], by_partner["Owes 2500"]["rank"])
        bounds = {row[0]: row[-1] for row in Worklist._fetch_candidates(self.env["credit.recovery.debtor"]._search([]))}
        self.assertTrue(all(bounds[row["debtor_id"]] >= row["amount_claimable"] for row in full))
        self.assertEqual(bounds[by_partner["Soon due"]["debtor_id"]], 5050, "the invoice due in 2 days counts")
        module = "odoo.addons.account_credit_recovery.models.credit_recovery_worklist"
        for chunk in (1, None):
            with patch(f"{module}.best_by_bound", partial(best_by_bound, chunk=chunk)):
                for limit in range(1, len(full) + 1):
                    self.assertEqual(Worklist._prepare_rows(MONDAY_9H_SP, limit), full[:limit], f"a page of {limit}")
        computed = []
        claimable = type(Worklist)._claimable_amounts

        def counted(worklist, debtor_ids, today):
            computed.extend(debtor_ids)
            return claimable(worklist, debtor_ids, today)

        with (
            patch.object(type(Worklist), "_claimable_amounts", counted),
            patch(f"{module}.best_by_bound", partial(best_by_bound, chunk=1)),
        ):
            self.assertEqual(Worklist._prepare_rows(MONDAY_9H_SP, 1), full[:1])
        self.assertLess(len(computed), len(full), "a page of one, a row at a time: not every amount computed")
