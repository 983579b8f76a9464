"""The run as Odoo's own cron runner drives it, and two workers on separate database
connections: nothing is done twice, nothing is lost.

These tests need committed data (another connection cannot see a test transaction), so
they work in a company of their own, with its policy archived between tests so that no
other run sees it, and the class deletes every row it committed when it is done: the
database is left as it was found (``_delete_committed_rows``).
"""

import json
import threading
from datetime import date, datetime

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import create_committed_collection, registry_lock_released

COMPANY = "Credit Recovery concurrency test"
DUE = date(2026, 3, 2)
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)
# Serialization failures, unique violations, lock timeouts: a cron call that loses a race.
RETRYABLE = (psycopg2.extensions.TransactionRollbackError, psycopg2.IntegrityError, psycopg2.OperationalError)


# Rows of existing records that the test updates, put back afterwards: the cron it runs (active,
# lastcall, nextcall…), the superuser and OdooBot and the digest a new company touches.
RESTORED_TABLES = ("ir_cron", "res_users", "res_partner", "digest_digest")
# Relation rows added to existing records (the superuser joins the "Multi Companies" group).
RELATION_TABLES = ("res_groups_users_rel", "res_company_users_rel")


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enterClassContext(registry_lock_released())  # the workers are threads of their own
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            cls.last_ids = cls._last_ids(cr)
            cls.restored_rows = {table: cls._rows(cr, table) for table in RESTORED_TABLES}
            cls.relation_rows = {table: cls._relation_rows(cr, table) for table in RELATION_TABLES}
        cls.addClassCleanup(cls._delete_committed_rows)

    @staticmethod
    def _last_ids(cr):
        """``{table: highest id}`` of every table with an ``id``: a row above it was committed later."""
        cr.execute(
            SQL(
                """SELECT c.table_name FROM information_schema.columns c
                     JOIN information_schema.tables t USING (table_schema, table_name)
                    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                      AND c.column_name = 'id' AND c.data_type IN ('integer', 'bigint')"""
            )
        )
        tables = [table for (table,) in cr.fetchall()]
        last_ids = {}
        for table in tables:
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
            last_ids[table] = cr.fetchone()[0]
        return last_ids

    @staticmethod
    def _relation_rows(cr, table):
        cr.execute(SQL("SELECT row_to_json(t)::text FROM %s t", SQL.identifier(table)))
        return {row for (row,) in cr.fetchall()}

    @staticmethod
    def _rows(cr, table):
        cr.execute(SQL("SELECT id, row_to_json(t)::text FROM %s t", SQL.identifier(table)))
        return dict(cr.fetchall())

    @classmethod
    def _delete_committed_rows(cls):
        """Delete every row committed since ``setUpClass`` and put back the restored tables' rows.

        Rows go table by table; a delete that a foreign key still blocks (the company before its
        journals…) is retried on the next pass, once what referenced the row is gone. Rows of
        relation tables (no ``id``) go with the rows they reference (``ON DELETE CASCADE``).
        """
        with cls.db.cursor() as cr:
            pending = dict(cls.last_ids)
            for _pass in range(50):
                for table, last_id in list(pending.items()):
                    try:
                        with cr.savepoint(flush=False):
                            cr.execute(
                                SQL("DELETE FROM %s WHERE id > %s", SQL.identifier(table), last_id),
                                log_exceptions=False,
                            )
                    except psycopg2.IntegrityError:
                        continue
                    del pending[table]
                if not pending:
                    break
            else:
                raise AssertionError(f"committed rows left in {sorted(pending)}")
            for table, rows in cls.restored_rows.items():
                current = cls._rows(cr, table)
                for row_id, row in rows.items():
                    if current.get(row_id) != row:
                        cr.execute(
                            SQL(
                                "UPDATE %(table)s t SET (%(columns)s) = (SELECT %(columns)s FROM"
                                " json_populate_record(NULL::%(table)s, %(row)s::json)) WHERE t.id = %(id)s",
                                table=SQL.identifier(table),
                                columns=SQL(", ").join(SQL.identifier(column) for column in json.loads(row)),
                                row=row,
                                id=row_id,
                            )
                        )
            for table, rows in cls.relation_rows.items():
                for row in cls._relation_rows(cr, table) - rows:
                    cr.execute(SQL("DELETE FROM %s t WHERE row_to_json(t)::text = %s", SQL.identifier(table), row))
        # The cron runner's registry may have cached records that are gone: forget them.
        Registry(get_db_name()).clear_all_caches()

    def setUp(self):
        super().setUp()
        with freeze_time(datetime(2026, 2, 1, 12, 0)), self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company, policy, self.tag, partners = create_committed_collection(env, COMPANY, 6, DUE)
            self.company_id, self.policy_id = company.id, policy.id
            self.partner_ids = partners.ids
        self.addCleanup(self._archive_policy)

    def _archive_policy(self):
        with self.db.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["credit.recovery.policy"].browse(self.policy_id).active = False

    def process_cron_job(self, xmlid="account_credit_recovery.ir_cron_run_collection"):
        """One wake-up of Odoo's cron runner for the job ``xmlid``: ``ir.cron._process_job``, which
        calls the job until it reports that nothing remains (at most 10 calls) and commits."""
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref(xmlid)
            cron.active = True
            job = {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0}
            registry = env.registry
        with registry.cursor() as cron_cr:
            registry["ir.cron"]._process_job(get_db_name(), cron_cr, job)

    def check_everyone_queued(self):
        """Today's run is done and each debtor of this test has its one message queued."""
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            run = env["credit.recovery.run"].search(
                [("company_id", "=", self.company_id), ("date", "=", NOTICE_DAY.date())], limit=1
            )
            self.assertEqual(run.state, "done")
            debtors = env["credit.recovery.debtor"].search([("partner_id", "in", self.partner_ids)])
            self.assertEqual(len(debtors), 6)
            for debtor in debtors:
                self.assertEqual(debtor.dispatch_ids.mapped("state"), ["queued"], debtor.partner_id.name)
                self.assertEqual(len(debtor.dispatch_ids.invoice_ids), 2)

    def test_one_wake_up_of_the_cron_runner_queues_every_message(self):
        with freeze_time(NOTICE_DAY):
            self.process_cron_job()
        self.check_everyone_queued()

    def test_run_now_goes_through_the_cron_runner(self):
        with freeze_time(NOTICE_DAY), self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            manager = env["res.users"].search([("login", "=", "cr_runner_manager")]) or new_test_user(
                env,
                login="cr_runner_manager",
                groups="base.group_user,account_credit_recovery.group_credit_recovery_manager",
            )
            manager.write({"company_ids": [Command.link(self.company_id)], "company_id": self.company_id})
            action = env["credit.recovery.policy"].browse(self.policy_id).with_user(manager).action_run_now()
            run = env["credit.recovery.run"].browse(action["res_id"])
            self.assertEqual(run.state, "refresh", "Run Now returns at once: the cron does the work")
            cron = env.ref("account_credit_recovery.ir_cron_run_collection")
            self.assertTrue(env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]))
        with freeze_time(NOTICE_DAY):
            self.process_cron_job()
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["credit.recovery.run"].browse(run.id).state, "done")
            debtors = env["credit.recovery.debtor"].search([("partner_id", "in", self.partner_ids)])
            self.assertEqual(set(debtors.dispatch_ids.mapped("state")), {"queued"})
            self.assertEqual(len(debtors.dispatch_ids), 6)

    def test_a_slow_worker_loses_nothing(self):
        """A worker still inside a refresh batch keeps the phase open: the other one waits."""
        with freeze_time(NOTICE_DAY), self.db.cursor() as slow_cr:
            slow = api.Environment(slow_cr, SUPERUSER_ID, {})
            moves = slow["account.move"].search([("partner_id", "in", self.partner_ids[:2])])
            held = [
                row[0]
                for row in slow.execute_query(
                    SQL(
                        "SELECT id FROM credit_recovery_invoice WHERE move_id = ANY(%s) FOR UPDATE",
                        moves.ids,
                    )
                )
            ]
            self.assertEqual(len(held), 4)
            slow["account.move"]._recovery_refresh_states(held)
            slow.flush_all()
            self.process_cron_job()  # while the slow worker has not committed
            with self.db.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                run = env["credit.recovery.run"].search(
                    [("company_id", "=", self.company_id), ("date", "=", NOTICE_DAY.date())], limit=1
                )
                self.assertEqual(run.state, "refresh", "the phase waits for the rows still locked")
            slow_cr.commit()  # pylint: disable=invalid-commit
        with freeze_time(NOTICE_DAY):
            self.process_cron_job()
        self.check_everyone_queued()

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
        # The races lost (unique violations, NOWAIT locks) are logged as bad queries: expected here.
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
        self.assertEqual(errors, [])

    def test_two_workers_plan_and_deliver_once(self):
        def run(env):
            Run = env["credit.recovery.run"]
            Run._cron_run_collection()
            return bool(Run.search_count([("state", "in", ("refresh", "plan"))]))

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
