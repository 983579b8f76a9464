"""Take the README screenshots from a running `make run` (http://localhost:8069, admin/admin).

Usage: python3 dev/screenshots.py [OUTPUT_DIR]   (needs `pip install playwright` and Debian's chromium)
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = "http://localhost:8069"
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def shot(page, name, url, wait_for, action=None):
    page.goto(BASE + url)
    page.wait_for_selector(wait_for, timeout=30000)
    if action:
        action(page)
    page.wait_for_timeout(1200)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(BASE + "/web/login")
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=30000)
        shot(
            page,
            "debtors_kanban",
            "/odoo/action-account_credit_recovery.action_credit_recovery_debtor",
            ".o_kanban_record",
        )
        shot(
            page,
            "overdue_invoices",
            "/odoo/action-account_credit_recovery.action_recovery_overdue_invoices",
            ".o_data_row",
        )

        def open_oldest(pg):
            pg.click(".o_data_row:first-child td.o_data_cell")
            pg.wait_for_selector(".o_form_view .alert-warning", timeout=30000)

        shot(
            page,
            "invoice_form",
            "/odoo/action-account_credit_recovery.action_recovery_overdue_invoices",
            ".o_data_row",
            open_oldest,
        )
        shot(
            page,
            "policy_form",
            "/odoo/action-account_credit_recovery.action_credit_recovery_policy",
            ".o_data_row",
            lambda pg: (pg.click(".o_data_row:first-child td[name=name]"), pg.wait_for_selector(".o_form_view")),
        )

        def open_debtor_with_contacts(pg):
            pg.click(".o_data_row:first-child td[name=partner_id]")
            pg.wait_for_selector(".o_form_view .o_statusbar_status", timeout=30000)
            pg.click("a[name=contacts]")

        shot(
            page,
            "debtor_form",
            "/odoo/action-account_credit_recovery.action_credit_recovery_debtor?view_type=list",
            ".o_data_row",
            open_debtor_with_contacts,
        )

        def open_log_dialog(pg):
            pg.click(".o_data_row:first-child td[name=partner_id]")
            pg.wait_for_selector(".o_form_view .o_statusbar_status", timeout=30000)
            pg.click("button[name=action_log_contact]")
            pg.wait_for_selector(".modal .o_form_view", timeout=30000)
            pg.click(".modal div[name=outcome_id] input")
            pg.wait_for_selector(".o-autocomplete--dropdown-menu", timeout=30000)
            pg.click(".o-autocomplete--dropdown-menu li:nth-child(4)")
            pg.wait_for_timeout(500)

        shot(
            page,
            "log_contact",
            "/odoo/action-account_credit_recovery.action_credit_recovery_debtor?view_type=list",
            ".o_data_row",
            open_log_dialog,
        )

        def open_agreement(position):
            def action(pg):
                pg.click(f".o_data_row:{position}-child td[name=name]")
                pg.wait_for_selector(".o_form_view .o_statusbar_status", timeout=30000)

            return action

        agreements = "/odoo/action-account_credit_recovery.action_credit_recovery_agreement"
        shot(page, "agreement_form", agreements, ".o_data_row", open_agreement("last"))
        shot(page, "agreement_to_approve", agreements, ".o_data_row", open_agreement("first"))
        shot(
            page,
            "contact_analysis",
            "/odoo/action-account_credit_recovery.action_credit_recovery_contact_analysis",
            ".o_pivot",
        )
        shot(
            page,
            "run_form",
            "/odoo/action-account_credit_recovery.action_credit_recovery_run",
            ".o_data_row",
            lambda pg: (pg.click(".o_data_row:first-child td[name=date]"), pg.wait_for_selector(".o_form_view")),
        )
        shot(
            page,
            "messages",
            "/odoo/action-account_credit_recovery.action_credit_recovery_dispatch",
            ".o_data_row",
        )
        browser.close()


if __name__ == "__main__":
    main()
