"""Take the docs' screenshots of a *fitted* payment model: the policy's Analytics tab (quality and
calibration table) and a debtor's *Payment Score Review* (the learnt probability and each factor's contribution).

The demo's own history (a few dozen customers over weeks) is below the model's minimum, so on the
demo the Analytics tab says that the hand weights stay (``policy_analytics_model.png``). These shots
are taken on a **throwaway copy** of the demo database to which this script first adds, in the demo
store's company, customers "Cliente n" with a year of sales and payments following the benchmark's
known rule (``dev/bench_data.py``: ``generate`` and ``year_of_history``), then fits the company's
model and stores the debtors' scores, as the monthly cron does.

Usage: python3 dev/screenshots_score.py prepare   (on SCREENSHOT_DB, before starting a server on it)
       python3 dev/screenshots_score.py [OUTPUT_DIR] (from the server at SCREENSHOT_URL, admin/admin)
Environment: SCREENSHOT_URL (default http://localhost:8069), SCREENSHOT_CONF (default
.build/odoo.conf), SCREENSHOT_DB (required for prepare, and refused when it is the demo database
itself: make a copy, e.g. ``createdb -T credit_recovery_demo credit_recovery_demo_score``),
SCORE_INVOICES and SCORE_DEBTORS (default 6000 and 1200: about 4,000 debtor-months with an outcome).
(needs `pip install playwright` and Debian's chromium)
"""

import os
import subprocess
import sys

from playwright.sync_api import sync_playwright
from screenshots_store import ACTION, BASE, CONF, FLAGS, call, login, open_form, open_tab, save

PREPARE = """
import sys
sys.path.insert(0, "dev")
from bench_data import generate, prepare_collection, year_of_history
from odoo import fields
from odoo.tools import SQL

company = env["res.company"].search([("name", "=", "Loja Exemplo Comércio Ltda")], limit=1)
assert company, "not a demo database: no Loja Exemplo Comércio Ltda"
env = env(context=dict(env.context, allowed_company_ids=[company.id], lang="pt_BR"))
today = fields.Date.context_today(env.user)
partner_ids = generate(env, {invoices}, {debtors})
env.cr.execute(SQL(
    "UPDATE res_partner SET name = 'Cliente ' || substr(name, 8), complete_name = 'Cliente ' || substr(name, 8), "
    "email = 'cliente' || substr(name, 8) || '@example.com.br' WHERE id = ANY(%s)", partner_ids))
env.cr.execute(SQL("UPDATE res_partner SET active = FALSE WHERE name = 'Bench template'"))
prepare_collection(env, partner_ids)
payments = year_of_history(env, today)
# What the history paid is paid today too: the installments' residuals and the invoices' state.
env.cr.execute(SQL(
    "UPDATE account_move_line l SET amount_residual = 0, amount_residual_currency = 0, reconciled = TRUE "
    "FROM account_partial_reconcile p WHERE p.debit_move_id = l.id"))
env.cr.execute(SQL(
    "UPDATE account_move m SET amount_residual = 0, amount_residual_signed = 0, payment_state = 'paid' "
    "WHERE m.ref LIKE %s AND NOT EXISTS (SELECT 1 FROM account_move_line l JOIN account_account a "
    "ON a.id = l.account_id AND a.account_type = 'asset_receivable' WHERE l.move_id = m.id AND NOT l.reconciled)",
    "bench-%"))
env.cr.commit()
env.invalidate_all()
env["account.move"]._recovery_schedule_refresh(company)
while env["account.move"]._recovery_refresh_batch()[1]:
    pass
policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
model = policy._fit_score_model(today)
policy._refresh_debtor_scores(today)
env.cr.commit()
print("payments", payments, "debtor-months", policy.score_model_rows, "state", policy.score_model_state)

# Reasons read from text: the agents' labelled logs (the tests' labelled Portuguese set) on the new
# customers, the monthly fit, then the held-out texts logged on the demo's own customers, where the
# reason is suggested; the manager confirms the first half of the suggestions.
sys.path.insert(0, "tests")
import reason_texts
admin = env.ref("base.user_admin")
Contact = env["credit.recovery.contact"].with_user(admin)
reasons = {{key: env.ref(f"account_credit_recovery.reason_{{key}}") for _text, key in reason_texts.TRAINING}}
Contact.create([
    {{"partner_id": partner, "company_id": company.id, "channel": "phone", "direction": "inbound", "notes": text,
      "reason_id": reasons[key].id}}
    for partner, (text, key) in zip(partner_ids, reason_texts.TRAINING)
])
env["credit.recovery.reason.model"]._cron_fit()
own = env["credit.recovery.debtor"].search(
    [("company_id", "=", company.id), ("partner_id", "not in", partner_ids), ("amount_overdue", ">", 0)], order="id")
logs = Contact.create([
    {{"partner_id": debtor.partner_id.id, "company_id": company.id, "channel": "whatsapp", "direction": "inbound",
      "notes": text}}
    for debtor, (text, _key) in zip(own, reason_texts.HELD_OUT)
])
pending = logs.filtered(lambda log: log.text_reason_state == "pending")
for log in pending[: len(pending) // 2]:
    log.action_confirm_text_reason()
env.cr.commit()
print("reason suggestions", len(pending), "of", len(logs))
"""


def prepare():
    database = os.environ.get("SCREENSHOT_DB")
    if not database or database == "credit_recovery_demo":
        raise SystemExit("SCREENSHOT_DB: a throwaway copy of the demo database (never the demo itself)")
    code = PREPARE.format(
        invoices=int(os.environ.get("SCORE_INVOICES", "6000")), debtors=int(os.environ.get("SCORE_DEBTORS", "1200"))
    )
    subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", CONF, "-d", database, "--no-http", "--log-level=warn"],
        input=code,
        text=True,
        check=True,
    )


def analytics(page):
    """The Analytics tab of the demo store's policy, scrolled to the payment model's quality."""
    policies = call(
        page, "credit.recovery.policy", "search_read", [("score_model_state", "=", "fitted")], fields=["id"]
    )
    open_form(page, f"{ACTION}action_credit_recovery_policy/{policies[0]['id']}", ".o_form_view .o_notebook")
    open_tab(page, "analytics")
    page.evaluate("document.querySelector('[name=score_model_state]').scrollIntoView()")
    save(page, "policy_analytics_fitted")


def debtor_score(page):
    """The form of the overdue debtor the model gives the best chance: its *Payment Score Review*
    (the learnt probability and each factor's contribution, as *Contact now*'s *Why*)."""
    debtors = call(
        page,
        "credit.recovery.debtor",
        "search_read",
        [("amount_overdue", ">", 0), ("score_probability", ">", 0)],
        fields=["id"],
        order="score_probability desc",
        limit=1,
    )
    open_form(page, f"{ACTION}action_credit_recovery_debtor/{debtors[0]['id']}")
    page.evaluate("document.querySelector('[name=score_explanation]').scrollIntoView({block: 'center'})")
    save(page, "debtor_score_review")


def reasons_from_text(page):
    """A debtor's message whose reason the text suggests (to confirm or correct), then Reporting >
    Non-payment Reasons From Text."""
    logs = call(
        page,
        "credit.recovery.contact",
        "search_read",
        [("text_reason_state", "=", "pending")],
        fields=["id"],
        order="suggested_reason_confidence desc",
        limit=1,
    )
    open_form(page, f"{ACTION}action_credit_recovery_contact/{logs[0]['id']}")
    save(page, "contact_reason_suggested")
    page.goto(BASE + ACTION + "action_credit_recovery_reason_text_analysis")
    page.wait_for_selector(".o_pivot", timeout=60000)
    save(page, "reasons_from_text")


def main():
    if sys.argv[1:2] == ["prepare"]:
        return prepare()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = login(browser)
        analytics(page)
        debtor_score(page)
        reasons_from_text(page)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
