"""Take the README screenshots from a running `make run` (demo data, pt_BR).

Usage: python3 dev/screenshots.py [OUTPUT_DIR]
  (needs `pip install playwright`, Debian's chromium and, for the dossier page, poppler's pdftoppm)
Environment: SCREENSHOT_URL (default http://localhost:8069), SCREENSHOT_DB (the database to
print the dossier from, default credit_recovery_demo).

The browser runs in São Paulo's time zone and in Portuguese at 1366 px, as the demo's users
(admin/admin, agente/agente) would see it.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("SCREENSHOT_URL", "http://localhost:8069")
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACTION = "/odoo/action-account_credit_recovery."


def shot(page, name, url, wait_for, action=None):
    page.goto(BASE + url)
    page.wait_for_selector(wait_for, timeout=60000)
    if action:
        action(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


def login(browser, user):
    context = browser.new_context(
        viewport={"width": 1366, "height": 860}, timezone_id="America/Sao_Paulo", locale="pt-BR"
    )
    page = context.new_page()
    page.goto(BASE + "/web/login")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", user)
    page.click("button[type=submit]")
    page.wait_for_selector(".o_main_navbar", timeout=60000)
    return page


def click_row(selector, wait_for=".o_form_view .o_statusbar_status"):
    def action(pg):
        pg.click(selector)
        pg.wait_for_selector(wait_for, timeout=60000)

    return action


def dossier_page(page):
    """The first page of the evidence dossier of the debtor with the most contacts."""
    page.goto(BASE + ACTION + "action_credit_recovery_debtor?view_type=list")
    page.wait_for_selector(".o_data_row", timeout=60000)
    page.click(".o_data_row:first-child td[name=partner_id]")
    page.wait_for_selector(".o_form_view .o_statusbar_status", timeout=60000)
    debtor_id = page.url.rstrip("/").rsplit("/", 1)[1]
    response = page.request.get(f"{BASE}/report/pdf/account_credit_recovery.report_dossier/{debtor_id}", timeout=120000)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "dossier.pdf"
        pdf.write_bytes(response.body())
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, OUT / "dossier_page1"],
            check=True,
        )
    print("saved", OUT / "dossier_page1.png")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = login(browser, "admin")
        shot(page, "dashboard", ACTION + "action_credit_recovery_dashboard", ".o_credit_recovery_dashboard .card")
        shot(page, "debtors_kanban", ACTION + "action_credit_recovery_debtor", ".o_kanban_record")
        shot(page, "overdue_invoices", ACTION + "action_recovery_overdue_invoices", ".o_data_row")
        shot(
            page,
            "invoice_form",
            ACTION + "action_recovery_overdue_invoices",
            ".o_data_row",
            click_row(".o_data_row:first-child td.o_data_cell", ".o_form_view .alert-warning"),
        )

        def open_debtor_with_contacts(pg):
            click_row(".o_data_row:first-child td[name=partner_id]")(pg)
            pg.click("a[name=contacts]")

        debtors = ACTION + "action_credit_recovery_debtor?view_type=list"
        shot(page, "debtor_form", debtors, ".o_data_row", open_debtor_with_contacts)
        agreements = ACTION + "action_credit_recovery_agreement"
        shot(page, "agreement_form", agreements, ".o_data_row", click_row(".o_data_row:last-child td[name=name]"))
        shot(
            page, "agreement_to_approve", agreements, ".o_data_row", click_row(".o_data_row:first-child td[name=name]")
        )
        shot(page, "contact_analysis", ACTION + "action_credit_recovery_contact_analysis", ".o_pivot")
        shot(page, "aging_trend", ACTION + "action_credit_recovery_snapshot", ".o_graph_renderer canvas")
        shot(page, "nonpayment_reasons", ACTION + "action_credit_recovery_reason_analysis", ".o_pivot")
        shot(
            page,
            "policy_form",
            ACTION + "action_credit_recovery_policy",
            ".o_data_row",
            click_row(".o_data_row:first-child td[name=name]", ".o_form_view"),
        )
        shot(
            page,
            "run_form",
            ACTION + "action_credit_recovery_run",
            ".o_data_row",
            click_row(".o_data_row:first-child td[name=date]", ".o_form_view"),
        )
        shot(page, "messages", ACTION + "action_credit_recovery_dispatch", ".o_data_row")
        dossier_page(page)
        page.context.close()

        # The agent's day: whom to call now, and logging the call.
        page = login(browser, "agente")
        # Empty once today's messages went out: the policy's daily cap (one contact a day) is reached.
        shot(page, "contact_now", ACTION + "action_credit_recovery_worklist", ".o_list_renderer")
        if not page.query_selector(".o_data_row"):
            print("warning: nobody to contact now (contact window closed or daily caps reached)")

        def open_log_dialog(pg):
            click_row(".o_data_row:first-child td[name=partner_id]")(pg)
            pg.click("button[name=action_log_contact]")
            pg.wait_for_selector(".modal .o_form_view", timeout=60000)
            pg.click(".modal div[name=outcome_id] input")
            pg.wait_for_selector(".o-autocomplete--dropdown-menu", timeout=60000)
            pg.click(".o-autocomplete--dropdown-menu li:has-text('Promessa')")
            pg.wait_for_timeout(800)

        shot(page, "log_contact", debtors, ".o_data_row", open_log_dialog)
        page.context.close()
        browser.close()


if __name__ == "__main__":
    main()
