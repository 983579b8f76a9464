"""Settlement on committed data: the poll and the settlement as Odoo's cron runner drives them
(``ir.cron._process_job``), the webhook's answer that triggers the settlement, and two deliveries
of the same PIX at once to the running server's webhook.

Other connections (the cron runner's, the HTTP server's workers) cannot see a test transaction:
these tests commit a provider, a customer and invoices, and the class deletes every row committed
since it started (and puts back the rows it changed) when it is done: the database is left as it
was found.
"""

import json
import threading
from datetime import UTC, date, datetime, timedelta

import psycopg2
import requests

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.service import server
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL

from .psp_simulator import PspSimulator

PIX_KEY = "pix@committed.example.com"
# Rows of existing records these tests change (the cron's lastcall/nextcall, BRL activated, the
# users' and partners' write dates…), put back afterwards.
RESTORED_TABLES = ("ir_cron", "res_currency", "res_users", "res_partner", "res_company", "account_journal")
RELATION_TABLES = ("res_groups_users_rel", "res_company_users_rel")


@tagged("post_install", "-at_install")
class TestPixSettlementCommitted(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            cls.last_ids = cls._last_ids(cr)
            cls.restored_rows = {table: cls._rows(cr, table) for table in RESTORED_TABLES}
            cls.relation_rows = {table: cls._relation_rows(cr, table) for table in RELATION_TABLES}
        cls.addClassCleanup(cls._delete_committed_rows)
        cls.psp = cls.enterClassContext(PspSimulator())

    # committed rows ------------------------------------------------------------------------------
    @staticmethod
    def _last_ids(cr):
        cr.execute(
            SQL(
                """SELECT c.table_name FROM information_schema.columns c
                     JOIN information_schema.tables t USING (table_schema, table_name)
                    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                      AND c.column_name = 'id' AND c.data_type IN ('integer', 'bigint')"""
            )
        )
        last_ids = {}
        for (table,) in cr.fetchall():
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
            last_ids[table] = cr.fetchone()[0]
        return last_ids

    @staticmethod
    def _rows(cr, table):
        cr.execute(SQL("SELECT id, row_to_json(t)::text FROM %s t", SQL.identifier(table)))
        return dict(cr.fetchall())

    @staticmethod
    def _relation_rows(cr, table):
        cr.execute(SQL("SELECT row_to_json(t)::text FROM %s t", SQL.identifier(table)))
        return {row for (row,) in cr.fetchall()}

    @classmethod
    def _delete_committed_rows(cls):
        """Delete every row committed since ``setUpClass`` (table by table, retried while a foreign
        key still holds one) and put back the restored tables' rows."""
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
        Registry(get_db_name()).clear_all_caches()

    # fixture -------------------------------------------------------------------------------------
    def setUp(self):
        super().setUp()
        self.psp.reset()
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            brl = env.ref("base.BRL")
            brl.active = True
            company = env.ref("base.main_company")
            provider = env["payment.provider"].search([("code", "=", "pix_api"), ("pix_key", "=", PIX_KEY)])
            if not provider:
                provider = env["payment.provider"].create(
                    {
                        "name": "PIX (committed test)",
                        "code": "pix_api",
                        "state": "disabled",
                        "company_id": company.id,
                        "pix_key": PIX_KEY,
                        "pix_psp": "bcb",
                        "payment_method_ids": [Command.set(env.ref("payment.payment_method_pix").ids)],
                    }
                )
            provider.write(
                {
                    "pix_client_id": self.psp.client_id,
                    "pix_client_secret": self.psp.client_secret,
                    "pix_base_url": self.psp.url,
                    "pix_token_url": self.psp.token_url,
                    "pix_last_poll": False,
                    "pix_poll_attempt_at": False,
                }
            )
            provider.state = "test"
            partner = env["res.partner"].create({"name": "Cliente Committed", "vat": "52998224725"})
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "currency_id": brl.id,
                    "invoice_date": date.today(),
                    "invoice_date_due": date.today(),
                    "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": 500.0, "tax_ids": []})],
                }
            )
            invoice.action_post()
            tx = provider._pix_create_charge("cob", 500.0, partner, invoices=invoice)
            self.provider_id, self.invoice_id, self.tx_id = provider.id, invoice.id, tx.id
            self.txid, self.secret = tx.pix_txid, provider.pix_webhook_secret
        self.addCleanup(self._disable_provider)

    def _disable_provider(self):
        with self.db.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["payment.provider"].browse(self.provider_id).state = "disabled"

    def check_paid_once(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            received = env["payment.pix.received"].search([("transaction_id", "=", self.tx_id)])
            self.assertEqual(len(received), 1)
            self.assertEqual(env["account.payment"].search_count([("payment_transaction_id", "=", self.tx_id)]), 1)
            self.assertEqual(env["account.move"].browse(self.invoice_id).payment_state, "paid")
            self.assertEqual(env["payment.transaction"].browse(self.tx_id).state, "done")
            return received.read(["end_to_end_id", "source"])[0]

    # tests ---------------------------------------------------------------------------------------
    def process_job(self, xmlid="payment_pix_api.ir_cron_pix_poll"):
        """One wake-up of Odoo's cron runner for the cron ``xmlid`` (the poll by default):
        ``ir.cron._process_job``, which calls the job until it reports that nothing remains (at
        most 10 calls) and commits."""
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref(xmlid)
            job = {**cron.read(load=None)[0], "done": 0, "remaining": 0, "timed_out_counter": 0}
            registry = env.registry
        with registry.cursor() as cron_cr:
            registry["ir.cron"]._process_job(get_db_name(), cron_cr, job)

    def process_poll_job(self):
        self.process_job()

    def process_settle_job(self):
        self.process_job("payment_pix_api.ir_cron_pix_settle")

    def webhook_url(self):
        return f"http://127.0.0.1:{server.server.httpd.server_port}/payment/pix_api/webhook/{self.secret}/pix"

    def test_the_cron_runner_polls_and_registers_once(self):
        # Paid a minute ago and never notified (no webhook registered).
        e2eid = self.psp.pay(self.txid, notify=False, when=datetime.now(UTC) - timedelta(minutes=1))
        self.process_poll_job()
        received = self.check_paid_once()
        self.assertEqual(received["end_to_end_id"], e2eid)
        self.assertEqual(received["source"], "poll")
        self.assertTrue(any(request["path"] == "/v2/pix" for request in self.psp.requests))
        # The next wake-up: the provider is not due yet (polled less than 4 minutes ago).
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            provider = env["payment.provider"].browse(self.provider_id)
            self.assertTrue(provider.pix_last_poll)
            provider.pix_poll_attempt_at = provider.pix_last_poll - timedelta(minutes=5)
        self.process_poll_job()
        self.check_paid_once()

    def test_the_psp_down_leaves_the_window_open(self):
        self.psp.down = True
        self.process_poll_job()
        with self.db.cursor() as cr:
            provider = api.Environment(cr, SUPERUSER_ID, {})["payment.provider"].browse(self.provider_id)
            self.assertFalse(provider.pix_last_poll, "the next poll reads from the last good one")
            self.assertTrue(provider.pix_poll_attempt_at)

    def test_two_deliveries_at_once_register_one_payment(self):
        e2eid = self.psp.pay(self.txid, notify=False)
        body = json.dumps({"pix": [self.psp.received[e2eid]]})
        url = self.webhook_url()
        barrier = threading.Barrier(3)
        answers = []

        def deliver():
            barrier.wait(timeout=60)
            response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=120)
            answers.append(response.status_code)

        threads = [threading.Thread(target=deliver) for _index in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertEqual(answers, [200, 200, 200])
        self.process_settle_job()
        self.check_paid_once()

    def test_the_webhook_answer_triggers_the_settlement_and_the_cron_settles(self):
        e2eid = self.psp.pay(self.txid, notify=False)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref("payment_pix_api.ir_cron_pix_settle")
            triggers_before = env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).ids
        body = json.dumps({"pix": [self.psp.received[e2eid]]})
        headers = {"Content-Type": "application/json"}
        response = requests.post(self.webhook_url(), data=body, headers=headers, timeout=120)
        self.assertEqual(response.status_code, 200)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            received = env["payment.pix.received"].search([("transaction_id", "=", self.tx_id)])
            self.assertEqual(received.state, "pending", "committed before the answer; the payment comes next")
            self.assertEqual(env["account.move"].browse(self.invoice_id).payment_state, "not_paid")
            triggers = env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("id", "not in", triggers_before)])
            self.assertEqual(len(triggers), 1, "the answer woke the settlement cron")
            self.assertLessEqual(triggers.call_at, datetime.now(UTC).replace(tzinfo=None))
        self.process_settle_job()
        received = self.check_paid_once()
        self.assertEqual((received["end_to_end_id"], received["source"]), (e2eid, "webhook"))
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertFalse(env["payment.pix.received"].search_count([("state", "=", "pending")]))
            self.assertFalse(
                env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id), ("id", "not in", triggers_before)]),
                "the runner consumed its trigger",
            )
