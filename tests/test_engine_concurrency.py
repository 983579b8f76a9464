"""Two cron workers on one run, on separate database connections: nothing is done twice.

These tests need committed data (another connection cannot see a test transaction), so
they work in a company of their own, created once per database, and leave it with its
policy archived so that the other tests' runs ignore it.
"""

import threading
from datetime import date, datetime

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.tests import BaseCase, get_db_name, tagged

COMPANY = "Credit Recovery concurrency test"
DUE = date(2026, 3, 2)
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)
# Serialization failures, unique violations, lock timeouts: a cron call that loses a race.
RETRYABLE = (psycopg2.extensions.TransactionRollbackError, psycopg2.IntegrityError, psycopg2.OperationalError)


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(BaseCase):
    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with freeze_time(datetime(2026, 2, 1, 12, 0)), self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].search([("name", "=", COMPANY)])
            if not company:
                company = env["res.company"].create({"name": COMPANY})
                env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
            policy = (
                env["credit.recovery.policy"].with_context(active_test=False).search([("company_id", "=", company.id)])
            )
            policy.active = True
            # An earlier execution's daily run would stand for today's: start afresh.
            env["credit.recovery.run"].search([("company_id", "=", company.id)]).unlink()
            self.tag = f"{COMPANY} {env['res.partner'].search_count([]) + 1}"
            partners = env["res.partner"].create(
                [{"name": f"{self.tag} debtor {n}", "email": f"debtor{n}@example.com"} for n in range(6)]
            )
            invoices = (
                env["account.move"]
                .with_company(company)
                .create(
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner.id,
                            "company_id": company.id,
                            "invoice_date": date(2026, 2, 1),
                            "invoice_date_due": DUE,
                            "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": 100, "tax_ids": []})],
                        }
                        for partner in partners
                        for _invoice in range(2)
                    ]
                )
            )
            invoices.action_post()
            self.company_id, self.policy_id = company.id, policy.id
            self.partner_ids = partners.ids
        self.addCleanup(self._archive_policy)

    def _archive_policy(self):
        with self.db.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["credit.recovery.policy"].browse(self.policy_id).active = False

    def in_two_workers(self, work):
        """Run ``work(env)`` until it returns False, in two threads on their own connections.

        Each call commits, as the cron does between batches; a call that loses a race
        (serialization failure, unique violation) rolls back and is retried, as a cron is.
        """
        barrier = threading.Barrier(2)
        errors = []

        def worker():
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait()
                    for _call in range(200):
                        try:
                            more = work(env)
                            # As the cron framework does between batches.
                            cr.commit()  # pylint: disable=invalid-commit
                        except RETRYABLE:
                            cr.rollback()
                            env.invalidate_all()
                            continue
                        env.invalidate_all()
                        if not more:
                            return
                    errors.append("too many calls")
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=worker) for _worker in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertEqual(errors, [])

    def test_two_workers_plan_and_deliver_once(self):
        def run(env):
            Run = env["credit.recovery.run"]
            Run._cron_run_collection()
            return bool(Run.search_count([("state", "!=", "done")]))

        def deliver(env):
            return bool(env["credit.recovery.dispatch"]._deliver_batch(limit=2)[0])

        with freeze_time(NOTICE_DAY):
            self.in_two_workers(run)
            self.in_two_workers(deliver)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            runs = env["credit.recovery.run"].search([("company_id", "=", self.company_id), ("date", "=", DUE)])
            self.assertFalse(runs, "runs are dated by the day they run")
            runs = env["credit.recovery.run"].search(
                [("company_id", "=", self.company_id), ("date", "=", NOTICE_DAY.date()), ("trigger", "=", "cron")]
            )
            self.assertEqual(len(runs), 1, "one daily run per company, whatever the number of workers")
            debtors = env["credit.recovery.debtor"].search([("partner_id", "in", self.partner_ids)])
            self.assertEqual(len(debtors), 6)
            for debtor in debtors:
                self.assertEqual(len(debtor.dispatch_ids), 1, "one message per debtor")
                self.assertEqual(debtor.dispatch_ids.state, "sent")
                self.assertEqual(len(debtor.contact_ids), 1, "one e-mail, logged once")
                actions = env["credit.recovery.action"].search([("debtor_id", "=", debtor.id)])
                self.assertEqual(len(actions), 2, "one action per invoice and stage")
                emails = env["mail.message"].search(
                    [
                        ("model", "=", "credit.recovery.debtor"),
                        ("res_id", "=", debtor.id),
                        ("message_type", "=", "comment"),
                    ]
                )
                self.assertEqual(len(emails), 1)
