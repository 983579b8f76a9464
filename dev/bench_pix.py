"""Benchmark: PIX settlement, 1,000 notifications delivered to the webhook of a running Odoo server.

Run by `make bench` through `odoo shell` on the throwaway bench database (payment_pix_api is there:
the addon's PIX bridge installs with it). A Brazilian company, a PIX provider on the simulated PSP
(tests/psp_simulator.py, on loopback, in this process), 1,000 customers each with an invoice and
its charge (``_pix_create_charge``) are committed; an Odoo server is started in a process of its
own on a free port against the database (threaded, with one cron thread; ``BENCH_PIX_WORKERS``
for prefork workers, whose cron worker runs at nice 10 and starves on a shared machine; the
database's other crons are made not due first, so that only the settlement runs); each charge is
paid at the simulator and its notification POSTed to the server's webhook (``BENCH_PIX_CLIENTS``
client threads, 2 by default, as a PSP delivers several at once). The
server confirms each PIX with ``GET /pix/{e2eid}`` at the simulator, records it and answers; the
settlement cron, triggered by the answer, makes the payments and reconciles them in batches.
The time is measured end to end: from the first notification sent to the moment every PIX is
registered and reconciled (the database polled every 50 ms); the p95 is the webhook's answer.
Then the same number of payments is registered by hand, through *Register Payment*
(``account.payment.register``) on 1,000 other invoices, in this process, one transaction each.
Prints ``pix settlement: N notifications in S s (p95 M ms)``, the manual time and the ratio.
Targets (issue 22): ≥ 50 settlements a second and p95 ≤ 200 ms on the developers' 2-core machine.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import requests

from odoo import Command, fields, sql_db
from odoo.tools import config

from odoo.addons import payment_pix_api

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_targets import check, target

COUNT = int(os.environ.get("BENCH_PIX_COUNT", "1000"))
CLIENTS = int(os.environ.get("BENCH_PIX_CLIENTS", "2"))
WORKERS = int(os.environ.get("BENCH_PIX_WORKERS", "0"))
# The longest the bench waits for the settlement of the last PIX after the last answer.
SETTLE_TIMEOUT = 600
TARGET_RATE = target("pix_rate", 50)
TARGET_P95 = target("pix_p95_ms", 200)
PIX_KEY = "pix@bench.example.com"

# The simulated PSP of the tests, loaded alone: importing the tests package would import Odoo's
# test framework, which complains outside test mode.
_spec = importlib.util.spec_from_file_location(
    "odoo.addons.payment_pix_api.tests.psp_simulator",
    os.path.join(os.path.dirname(payment_pix_api.__file__), "tests", "psp_simulator.py"),
)
psp_simulator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(psp_simulator)

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
brl = env.ref("base.BRL")
brl.active = True
company = env["res.company"].search([("name", "=", "Bench PIX Ltda")], limit=1)
if not company:
    company = env["res.company"].create({"name": "Bench PIX Ltda", "currency_id": brl.id, "vat": "11.222.333/0001-81"})
    env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
    company.write({"currency_id": brl.id, "country_id": env.ref("base.br").id})
    sale_journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")])
    if "l10n_latam_use_documents" in sale_journal._fields:
        sale_journal.l10n_latam_use_documents = False
env.user.company_ids = [Command.link(company.id)]
env = env(context=dict(env.context, allowed_company_ids=company.ids))
cr.commit()

psp = psp_simulator.PspSimulator(page_size=1000).start()
provider = env["payment.provider"].search([("code", "=", "pix_api"), ("company_id", "=", company.id)], limit=1)
if not provider:
    provider = env["payment.provider"].create(
        {
            "name": "PIX (bench)",
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
        "pix_client_id": psp.client_id,
        "pix_client_secret": psp.client_secret,
        "pix_base_url": psp.url,
        "pix_token_url": psp.token_url,
    }
)
provider.state = "test"
today = fields.Date.context_today(env.user)


def make_invoices(tag, count):
    partners = env["res.partner"].create(
        [{"name": f"Cliente {tag} {i}", "vat": "52998224725", "company_id": company.id} for i in range(count)]
    )
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": today - timedelta(days=40),
                "invoice_date_due": today - timedelta(days=10),
                "invoice_line_ids": [Command.create({"name": "Item", "price_unit": 100 + i % 50, "tax_ids": []})],
            }
            for i, partner in enumerate(partners)
        ]
    )
    invoices.action_post()
    return invoices


started = time.perf_counter()
pix_invoices = make_invoices("PIX", COUNT)
manual_invoices = make_invoices("Manual", COUNT)
txs = env["payment.transaction"]
for invoice in pix_invoices:
    txs |= provider._pix_create_charge("cob", invoice.amount_residual, invoice.partner_id, invoices=invoice)
# Only the settlement runs in the server's cron worker during the bench: the other crons of this
# throwaway database (the daily run, the mail queue…) are made not due for a day.
settle_cron = env.ref("payment_pix_api.ir_cron_pix_settle")
env["ir.cron"].search([("id", "!=", settle_cron.id)]).nextcall = fields.Datetime.now() + timedelta(days=1)
cr.commit()
print(f"pix settlement: data ready ({COUNT} charges, {2 * COUNT} invoices) in {time.perf_counter() - started:.0f} s")

# The server: a process of its own, on a free loopback port, against this database.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
database = cr.dbname
command = [
    sys.executable,
    "-m",
    "odoo",
    "-c",
    config.rcfile,
    "-d",
    database,
    f"--db-filter=^{database}$",
    "--http-interface=127.0.0.1",
    f"--http-port={port}",
    "--max-cron-threads=1",
    f"--workers={WORKERS}",
    "--limit-time-real=600",
    "--limit-time-cpu=600",
    "--log-level=warn",
]
server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
try:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # the server loads the registry first
        try:
            requests.get(f"{base}/web/health", timeout=30)
            break
        except requests.RequestException:
            time.sleep(0.5)
    webhook = f"{base}/payment/pix_api/webhook/{provider.sudo().pix_webhook_secret}"
    psp.webhooks[PIX_KEY] = webhook
    bodies = [json.dumps({"pix": [psp.received[psp.pay(tx.pix_txid, notify=False)]]}) for tx in txs.sorted("id")]
    # Warm-up: the server's first request loads the registry and the routes.
    requests.post(f"{webhook}/pix", data=json.dumps({"pix": []}), timeout=600)

    times, statuses, lock = [], [], threading.Lock()
    queue = list(reversed(bodies))

    def client():
        session = requests.Session()
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            begun = time.perf_counter()
            response = session.post(
                f"{webhook}/pix", data=body, headers={"Content-Type": "application/json"}, timeout=120
            )
            elapsed = (time.perf_counter() - begun) * 1000
            with lock:
                times.append(elapsed)
                statuses.append(response.status_code)

    def settled_count():
        with sql_db.db_connect(database).cursor() as poll_cr:
            poll_cr.execute(
                "SELECT count(*) FROM payment_pix_received WHERE transaction_id = ANY(%s) AND state = 'registered'",
                [txs.ids],
            )
            return poll_cr.fetchone()[0]

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered_seconds = time.perf_counter() - started
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while settled_count() < COUNT and time.monotonic() < deadline:
        time.sleep(0.05)
    pix_seconds = time.perf_counter() - started
finally:
    server.terminate()
    try:
        _out, errors = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        _out, errors = server.communicate()
    psp.stop()

cr.rollback()
env.invalidate_all()
registered = env["payment.pix.received"].search_count([("transaction_id", "in", txs.ids), ("state", "=", "registered")])
paid = len(pix_invoices.filtered(lambda move: move.payment_state in ("paid", "in_payment")))
failed = [status for status in statuses if status != 200]
if failed or registered != COUNT or paid != COUNT:
    print(f"pix settlement: answers not 200: {len(failed)}, registered {registered}/{COUNT}, invoices paid {paid}")
    print((errors or b"").decode(errors="replace")[-3000:])
times.sort()
p95 = times[int(0.95 * len(times)) - 1] if times else float("nan")
rate = COUNT / pix_seconds

load = os.getloadavg()
rate_goal = check("pix settlements a second", rate, TARGET_RATE, "/s", at_least=True)
p95_goal = check("pix p95", p95, TARGET_P95, "ms")
print(
    f"pix settlement: {COUNT} notifications in {pix_seconds:.1f} s (p95 {p95:.0f} ms), {rate:.1f} a second, "
    f"{registered} payments registered and reconciled (all answered in {answered_seconds:.1f} s); "
    f"{CLIENTS} clients, server "
    f"{f'workers={WORKERS} and a cron worker' if WORKERS else 'threaded with a cron thread'} "
    f"(load average {load[0]:.1f} on {os.cpu_count()} CPUs; {rate_goal}; p95 {p95_goal})",
    flush=True,
)
# The same payments by hand: Register Payment on each invoice, as an accountant does, each in a
# transaction of its own (one request of the web client each).
journal = provider.journal_id
started = time.perf_counter()
for invoice_id in manual_invoices.ids:
    invoice = env["account.move"].browse(invoice_id)
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"journal_id": journal.id, "payment_date": today})
    )
    wizard._create_payments()
    cr.commit()
    env.invalidate_all()
manual_seconds = time.perf_counter() - started
manual_paid = len(manual_invoices.filtered(lambda move: move.payment_state in ("paid", "in_payment")))

load = os.getloadavg()
print(
    f"pix settlement: the same {COUNT} payments by hand through Register Payment: {manual_seconds:.1f} s "
    f"({manual_paid} paid); settlement / manual = {pix_seconds / manual_seconds:.2f} "
    f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs)"
)
