"""Take the docs' screenshots of the collection agencies, the payment model and the segments from a
running `make run` (demo data, pt_BR, admin/admin and the agency's user agencia/agencia).

Usage: python3 dev/screenshots_agency.py [OUTPUT_DIR] [SHOT ...]
  SHOT: agency, debtor, agency_user, analytics, contact_now, segments (default: all).
Environment: SCREENSHOT_URL (default http://localhost:8069).
(needs `pip install playwright` and Debian's chromium)
"""

import sys

from playwright.sync_api import sync_playwright
from screenshots_store import ACTION, BASE, DESKTOP, FLAGS, ONLY, call, debtor_url, login, open_form, open_tab, save


def login_as(browser, user):
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(BASE + "/web/login")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", user)
    page.click("button[type=submit]")
    page.wait_for_selector(".o_main_navbar", timeout=180000)
    return page


def agency(page):
    """The demo agency's form, then the *Assign Debtors* wizard on a filter."""
    agency_id = call(page, "credit.recovery.agency", "search_read", [], fields=["id"], limit=1)[0]["id"]
    open_form(page, f"{ACTION}action_credit_recovery_agency/{agency_id}")
    save(page, "agency_form")
    page.click("button[name=action_assign_debtors]")
    page.wait_for_selector(".modal .o_form_view", timeout=60000)
    save(page, "agency_assign_wizard")
    page.click(".modal button[special=cancel]")


def debtor(page):
    """An assigned debtor's form: the banner naming the agency and the recall date."""
    found = call(page, "credit.recovery.debtor", "search_read", [("agency_id", "!=", False)], fields=["id"], limit=1)
    open_form(page, debtor_url(found[0]["id"]))
    save(page, "debtor_with_agency")


def agency_user(browser):
    """What the agency's user sees: its assigned debtors only."""
    page = login_as(browser, "agencia")
    page.goto(BASE + ACTION + "action_credit_recovery_debtor")
    page.wait_for_selector(".o_kanban_renderer, .o_list_renderer", timeout=60000)
    save(page, "agency_user_debtors")
    page.context.close()


def analytics(page):
    """The policy's Analytics tab: the payment model's state and quality."""
    policy = call(page, "credit.recovery.policy", "search_read", [], fields=["id"], limit=1)[0]
    open_form(page, f"{ACTION}action_credit_recovery_policy/{policy['id']}", ".o_form_view .o_notebook")
    open_tab(page, "analytics")
    save(page, "policy_analytics_model")


def contact_now(page):
    page.goto(BASE + ACTION + "action_credit_recovery_worklist")
    page.wait_for_selector(".o_list_renderer", timeout=60000)
    save(page, "contact_now")


def segments(page):
    page.goto(BASE + ACTION + "action_credit_recovery_debtor?view_type=list")
    page.wait_for_selector(".o_list_renderer", timeout=60000)
    page.click(".o_searchview_dropdown_toggler")
    page.wait_for_selector(".o_group_by_menu, .o-dropdown--menu", timeout=30000)
    page.locator(".o_group_by_menu").get_by_text("Segmento", exact=True).first.click()
    page.keyboard.press("Escape")
    save(page, "debtors_by_segment")


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = login(browser)
        shots = {
            "agency": lambda: agency(page),
            "debtor": lambda: debtor(page),
            "agency_user": lambda: agency_user(browser),
            "analytics": lambda: analytics(page),
            "contact_now": lambda: contact_now(page),
            "segments": lambda: segments(page),
        }
        for name, shot in shots.items():
            if not ONLY or name in ONLY:
                shot()
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
