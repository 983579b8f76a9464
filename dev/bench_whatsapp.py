"""Benchmark: the delivery of the bench's messages with WhatsApp Business on as well, against without it.

Run by dev/bench_whatsapp.sh through `odoo shell` on a throwaway database holding the addon, OCA
mail_gateway_whatsapp and so the WhatsApp bridge. Same data as dev/bench_engine.py (bench_data), the
same run queues one message per debtor; then the queue is delivered in batches of 200, every other
batch with the stages' WhatsApp template on: such a batch is timed with the sending of its WhatsApp
messages to the simulated Graph API (another process on loopback, GRAPH_URL). Alternate batches of
the same run: the machine's load weighs on both alike. Printed: ms per debtor each way and the ratio.
"""

import os
import sys
import time
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tools import SQL

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import drive_runs, generate, prepare_collection
from bench_targets import check, target

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
GRAPH_URL = os.environ["GRAPH_URL"]
TOKEN, PHONE_NUMBER_ID = os.environ["GRAPH_TOKEN"], os.environ["GRAPH_PHONE_NUMBER_ID"]
BATCH = 200


def clock():
    """A real monotonic clock inside freeze_time (which fakes time.perf_counter and time.monotonic)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
# As dev/bench_engine.py: every message is an e-mail and an SMS (the Legal action stage texts too).
env.ref("account_credit_recovery.stage_legal").sms_template_id = env.ref(
    "account_credit_recovery.sms_template_collection_stage"
)
env["res.lang"]._activate_lang("pt_BR")
gateway = env["mail.gateway"].create(
    {
        "name": "WhatsApp bench",
        "gateway_type": "whatsapp",
        "token": TOKEN,
        "webhook_key": "bench",
        "webhook_secret": "bench",
        "whatsapp_from_phone": PHONE_NUMBER_ID,
        "integrated_webhook_state": "integrated",
        "recovery_graph_base_url": GRAPH_URL,
    }
)
template = env["mail.whatsapp.template"].create(
    {
        "name": "Aviso de cobranca",
        "body": "Olá, {{1}}. Consta em aberto o valor de {{2}}. Veja os detalhes, pague ou negocie em {{3}} . "
        "PIX copia e cola: {{4}} . Se já pagou, desconsidere. Credor: {{5}}.",
        "category": "utility",
        "language": "pt_BR",
        "gateway_id": gateway.id,
        "model_id": env["ir.model"]._get_id("credit.recovery.dispatch"),
    }
)
fields_by_placeholder = {
    "{{1}}": "whatsapp_first_name",
    "{{2}}": "whatsapp_amount",
    "{{3}}": "portal_url",
    "{{4}}": "portal_pix_code",
    "{{5}}": "whatsapp_creditor",
}
for variable in template.variable_ids:
    variable.field_name = fields_by_placeholder[variable.name]
template.write({"state": "approved", "template_uid": "bench"})
stages = env["credit.recovery.stage"].search([])

prepare_collection(env, generate(env, INVOICES, DEBTORS))
drive_runs(env)
cr.commit()

Dispatch = env["credit.recovery.dispatch"]
Outbox = env["credit.recovery.whatsapp.message"]
moment = datetime.now().replace(hour=13, minute=0, second=0, microsecond=0)
moment += timedelta(days=(1 - moment.weekday()) % 7 or 7)  # a Tuesday, 13:00 UTC: inside the window
sample = Dispatch.search([("state", "=", "queued")], order="id")
cr.execute(
    SQL(
        "UPDATE credit_recovery_dispatch SET scheduled_at = %s WHERE id = ANY(%s)",
        moment - timedelta(days=30),
        sample.ids,
    )
)
env.invalidate_all()
totals = {True: [0.0, 0], False: [0.0, 0]}
sent_whatsapp = 0
with freeze_time(moment):
    for index in range(0, len(sample), BATCH):
        on = bool((index // BATCH) % 2)
        stages.whatsapp_template_id = template if on else False
        env.flush_all()
        started = clock()
        done, _remaining = Dispatch._deliver_batch(limit=BATCH)
        if on:
            sent_whatsapp += Outbox._send_batch(limit=BATCH)[0]
        env.flush_all()
        totals[on][0] += clock() - started
        totals[on][1] += done
        if not done:
            break
failed = Outbox.search_count([("state", "!=", "sent")])
with_ms = totals[True][0] / max(totals[True][1], 1) * 1000
without_ms = totals[False][0] / max(totals[False][1], 1) * 1000
print(
    f"whatsapp: delivery of {totals[True][1] + totals[False][1]} messages, every other batch of {BATCH} with "
    f"WhatsApp on: {totals[True][1]} with it ({sent_whatsapp} sent to the simulated Graph API on loopback, "
    f"{failed} not sent) {with_ms:.1f} ms per debtor, {totals[False][1]} without {without_ms:.1f} ms per debtor"
)
ratio = with_ms / without_ms if without_ms else float("inf")
goal = check("whatsapp delivery vs without", ratio, target("whatsapp_ratio", 1.3), "x", absolute=False)
print(f"whatsapp delivery vs without: {ratio:.2f}x per debtor ({goal})")
cr.rollback()
