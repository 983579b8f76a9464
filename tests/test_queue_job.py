"""The optional OCA queue_job integration: the crons enqueue one job per batch slot, and two job
runners on separate database connections deliver every message exactly once.

Runs only in a database where queue_job is installed: `make test` installs it (dev/queue_job.sh)
into a copy of the test database and runs this file there, and only there. tests/__init__.py
imports it, untagged ``standard`` and tagged ``queue_job``: Odoo's own runner leaves it out by
default and runs it with ``--test-tags queue_job`` in a database that has queue_job (queue_job's
code is imported only when a test runs). Like tests/test_engine_concurrency.py these tests need
committed data: they work in a company of their own and leave its policy archived.
"""

import threading
from datetime import date, datetime

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL

from ..models.credit_recovery_queue_job import DEFAULT_SLOTS, PARAM_ENABLED
from .common import create_committed_collection

COMPANY = "Credit Recovery queue_job test"
DUE = date(2026, 3, 2)
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)
DEBTORS = 6
RETRYABLE = (psycopg2.extensions.TransactionRollbackError, psycopg2.IntegrityError, psycopg2.OperationalError)


@tagged("post_install", "-at_install", "-standard", "queue_job")
class TestQueueJob(BaseCase):
    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with freeze_time(datetime(2026, 2, 1, 12, 0)), self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertIn("queue.job", env.registry, "this file runs where queue_job is installed")
            env["ir.config_parameter"].set_param(PARAM_ENABLED, "1")
            company, policy, self.tag, partners = create_committed_collection(env, COMPANY, DEBTORS, DUE)
            # The jobs of an earlier test are over: only this test's jobs are looked at.
            env["queue.job"].search([]).unlink()
            self.company_id, self.policy_id = company.id, policy.id
            self.partner_ids = partners.ids
        self.addCleanup(self._archive_policy)

    def _archive_policy(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["credit.recovery.policy"].browse(self.policy_id).active = False
            env["ir.config_parameter"].set_param(PARAM_ENABLED, "1")

    def call(self, work):
        """``work(env)`` in a transaction of its own, committed; returns its result."""
        with self.db.cursor() as cr:
            # Held until the commit: the transaction flushes only the environments still alive.
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = work(env)
            env.flush_all()
            return result

    def today_run(self, env):
        return env["credit.recovery.run"].search(
            [("company_id", "=", self.company_id), ("date", "=", NOTICE_DAY.date()), ("trigger", "=", "cron")]
        )

    def jobs(self, env, method):
        return env["queue.job"].search([("method_name", "=", method)])

    def in_two_runners(self):
        """Two job runners, each on its own connection, perform the queued jobs until none is left.

        Each does what queue_job's runner and its ``/queue_job/runjob`` controller do: take a
        pending job (``SKIP LOCKED``: the runners never take the same one), mark it enqueued,
        acquire it and perform it (``RunJobController._runjob``: a concurrency error postpones the
        job, any other error marks it failed), commit. The jobs' ``eta`` is not awaited: the
        clock is frozen. Returns the number of jobs each runner performed.
        """
        from odoo.addons.queue_job.controllers.main import RunJobController  # noqa: PLC0415 - optional addon

        barrier = threading.Barrier(2)
        errors = []
        performed = [0, 0]

        def take_and_perform(env):
            """Take the next pending job and perform it: True if one was performed, False if none was
            taken, None once no job is pending or running."""
            cr = env.cr
            rows = env.execute_query(
                SQL(
                    """SELECT uuid FROM queue_job WHERE state = 'pending'
                        ORDER BY priority, eta NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED"""
                )
            )
            if not rows:
                busy = env.execute_query(
                    SQL("SELECT 1 FROM queue_job WHERE state IN ('pending', 'enqueued', 'started')")
                )
                cr.commit()  # pylint: disable=invalid-commit
                return False if busy else None
            cr.execute(SQL("UPDATE queue_job SET state = 'enqueued' WHERE uuid = %s", rows[0][0]))
            cr.commit()  # pylint: disable=invalid-commit
            job = RunJobController._acquire_job(env, rows[0][0])
            if job:
                try:
                    RunJobController._runjob(env, job)
                    cr.commit()  # pylint: disable=invalid-commit
                except RETRYABLE:
                    cr.rollback()
                    # As the runner requeues a job left enqueued or started by a lost worker.
                    cr.execute(SQL("UPDATE queue_job SET state = 'pending' WHERE uuid = %s", rows[0][0]))
                    cr.commit()  # pylint: disable=invalid-commit
                return True
            cr.rollback()
            return False

        def runner(index):
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait()
                    for _call in range(500):
                        try:
                            done = take_and_perform(env)
                        except RETRYABLE:
                            # A runner's own statements losing a race (REPEATABLE READ): start afresh.
                            cr.rollback()
                            done = False
                        env.invalidate_all()
                        if done is None:
                            return
                        performed[index] += done
                    errors.append("too many jobs")
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=runner, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertEqual(errors, [])
        return performed

    def test_crons_enqueue_one_job_per_slot_and_do_no_work(self):
        with freeze_time(NOTICE_DAY):
            self.call(lambda env: env["credit.recovery.run"]._cron_run_collection())
            # Fired again (another server, a manager's "Run now"): the identity keys add nothing.
            self.call(lambda env: env["credit.recovery.run"]._cron_run_collection())

        def check(env):
            run = self.today_run(env)
            self.assertEqual(run.state, "refresh", "the cron did no batch itself")
            self.assertFalse(run.batch_ids)
            jobs = env["queue.job"].search([("identity_key", "=like", f"account_credit_recovery:run:{run.id}:%")])
            self.assertEqual(
                sorted(jobs.mapped("identity_key")),
                [f"account_credit_recovery:run:{run.id}:{slot}" for slot in range(DEFAULT_SLOTS)],
            )
            self.assertEqual(set(jobs.mapped("state")), {"pending"})

        self.call(check)

    def test_two_runners_plan_and_deliver_everything_once(self):
        with freeze_time(NOTICE_DAY):
            self.call(lambda env: env["credit.recovery.run"]._cron_run_collection())
            run_jobs = self.in_two_runners()
            # Batches of 2 messages: the 6 messages are shared by several jobs.
            self.call(lambda env: env["credit.recovery.queue.job"]._enqueue_deliveries(limit=2))
            delivery_jobs = self.in_two_runners()
        self.assertGreaterEqual(sum(run_jobs), DEFAULT_SLOTS)
        self.assertGreaterEqual(sum(delivery_jobs), DEFAULT_SLOTS)

        def check(env):
            run = self.today_run(env)
            self.assertEqual(len(run), 1)
            self.assertEqual(run.state, "done")
            # Counted by the batches: each invoice refreshed once, each debtor planned once (this
            # company's earlier tests' invoices and debtors included).
            company = [("company_id", "=", self.company_id)]
            self.assertEqual(run.invoice_count, env["credit.recovery.invoice"].search_count(company))
            self.assertEqual(run.debtor_count, env["credit.recovery.debtor"].search_count(company))
            for method in ("_job_run_batch", "_job_deliver_batch"):
                jobs = self.jobs(env, method)
                self.assertTrue(jobs)
                self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("exc_info"))
            delivering = self.jobs(env, "_job_deliver_batch").filtered(lambda job: not job.result.startswith("0 "))
            self.assertGreaterEqual(len(delivering), 3, "the messages were delivered by several batches")
            debtors = env["credit.recovery.debtor"].search([("partner_id", "in", self.partner_ids)])
            self.assertEqual(len(debtors), DEBTORS)
            for debtor in debtors:
                self.assertEqual(len(debtor.dispatch_ids), 1, "one message per debtor")
                self.assertEqual(debtor.dispatch_ids.state, "sent")
                self.assertEqual(len(debtor.contact_ids), 1, "one e-mail, logged once")
                emails = env["mail.message"].search(
                    [
                        ("model", "=", "credit.recovery.debtor"),
                        ("res_id", "=", debtor.id),
                        ("message_type", "=", "comment"),
                    ]
                )
                self.assertEqual(len(emails), 1, "one e-mail posted")

        self.call(check)

    def test_switched_off_the_crons_do_the_work(self):
        self.call(lambda env: env["ir.config_parameter"].set_param(PARAM_ENABLED, "0"))
        with freeze_time(NOTICE_DAY):
            for _call in range(20):
                self.call(lambda env: env["credit.recovery.run"]._cron_run_collection())
            self.call(lambda env: env["credit.recovery.dispatch"]._cron_deliver())

        def check(env):
            self.assertEqual(self.today_run(env).state, "done")
            self.assertFalse(env["queue.job"].search([]), "no job enqueued")
            debtors = env["credit.recovery.debtor"].search([("partner_id", "in", self.partner_ids)])
            self.assertEqual(debtors.dispatch_ids.mapped("state"), ["sent"] * DEBTORS)

        self.call(check)
