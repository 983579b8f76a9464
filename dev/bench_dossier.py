"""Benchmark: evidence dossier of a debtor with 100 invoices and 500 contact logs.

Run by `make bench` through `odoo shell` on a throwaway database; prints the figures.
Target (issue): rendered in under 10 s on the developers' 2-core machine (dev/bench_targets.py).
"""

import os
import sys
import time
from datetime import datetime, timedelta

from odoo import Command, fields

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_targets import check, target

INVOICES, CONTACTS = 100, 500
TARGET = target("dossier", 10)

env = env  # noqa: F821, PLW0127 - provided by odoo shell
company = env.company
company.write({"vat": "12.345.678/0001-95", "street": "Rua 25 de Março, 1000", "city": "São Paulo"})
partner = env["res.partner"].create(
    {"name": "Devedor Benchmark", "tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321"}
)
account = env["account.account"].search([("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1)
journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
today = fields.Date.context_today(env.user)

started = time.perf_counter()
invoices = env["account.move"].create(
    [
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "journal_id": journal.id,
            "invoice_date": today - timedelta(days=200 + i),
            "invoice_date_due": today - timedelta(days=170 + i),
            "invoice_line_ids": [
                Command.create({"name": f"Item {i}", "price_unit": 100 + i, "account_id": account.id, "tax_ids": []})
            ],
        }
        for i in range(INVOICES)
    ]
)
invoices.action_post()
outcome = env.ref("account_credit_recovery.outcome_refused")
reason = env.ref("account_credit_recovery.reason_income_loss")
env["credit.recovery.contact"].create(
    [
        {
            "partner_id": partner.id,
            "invoice_ids": [Command.set(invoices[i % INVOICES].ids)],
            "channel": "phone",
            "direction": "inbound",
            "date": datetime.now() - timedelta(hours=6 * i),
            "outcome_id": outcome.id,
            "reason_id": reason.id,
            "notes": f"Contato {i}: cliente explica a situação e pede mais prazo.",
        }
        for i in range(CONTACTS)
    ]
)
env.flush_all()
setup = time.perf_counter() - started
debtor = invoices[0].recovery_debtor_id

queries_before = env.cr.sql_log_count
started = time.perf_counter()
attachment = debtor._generate_dossier()
elapsed = time.perf_counter() - started
queries = env.cr.sql_log_count - queries_before
pages = attachment.raw.count(b"/Type /Page") - attachment.raw.count(b"/Type /Pages")
print(f"dossier: {INVOICES} invoices, {CONTACTS} contact logs -> {pages} pages, {len(attachment.raw) / 1024:.0f} KiB")
goal = check("dossier", elapsed, TARGET, "s")
print(f"dossier: generated in {elapsed:.2f} s, {queries} SQL queries (data set-up {setup:.1f} s); {goal}")
env.cr.rollback()
