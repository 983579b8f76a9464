"""Take the docs' screenshots of the PIX provider, the credit at the store, conversations and the
credit-quality reports from a running `make run` (demo data, pt_BR, admin/admin).

Usage: python3 dev/screenshots_store.py [OUTPUT_DIR] [SHOT ...]
  SHOT: pix_provider, pix_sandbox, sale, pos, conversation, credit, reports (default: all).
Environment: SCREENSHOT_URL (default http://localhost:8069); for the conversation's inbound reply,
SCREENSHOT_CONF and SCREENSHOT_DB (default .build/odoo.conf and credit_recovery_demo): the reply
is recorded through `odoo shell`, as a channel's edge would (and so is the sandbox payment when
the page's *Simulate payment* button is refused).
The PIX shots need a sandbox PIX provider in Test Mode in the demo store's company.
(needs `pip install playwright` and Debian's chromium)

Desktop shots at 1366 px in São Paulo's time zone, the debtor's page on a phone (390x844).
"""

import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("SCREENSHOT_URL", "http://localhost:8069")
CONF = os.environ.get("SCREENSHOT_CONF", ".build/odoo.conf")
DB = os.environ.get("SCREENSHOT_DB", "credit_recovery_demo")
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
ONLY = set(sys.argv[2:])
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {
    "viewport": {"width": 1366, "height": 860},
    "timezone_id": "America/Sao_Paulo",
    "locale": "pt-BR",
}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "pt-BR",
    "timezone_id": "America/Sao_Paulo",
}
ACTION = "/odoo/action-account_credit_recovery."
INBOUND = """
debtor = env["credit.recovery.debtor"].browse({debtor_id})
debtor.sudo()._recovery_receive_inbound("whatsapp", "Oi, só consigo pagar dia 10", external_id="demo-shots-1")
env.cr.commit()
"""

SANDBOX_PAY = """
env["payment.transaction"].search([("reference", "=", {reference!r})])._pix_sandbox_pay()
env.cr.commit()
"""


def odoo_shell(code):
    subprocess.run(
        [sys.executable, "-m", "odoo", "shell", "-c", CONF, "-d", DB, "--no-http", "--log-level=warn"],
        input=code,
        text=True,
        check=True,
    )


def call(page, model, method, *args, **kwargs):
    response = page.request.post(
        BASE + "/web/dataset/call_kw",
        data={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        },
    )
    body = response.json()
    if "error" in body:
        raise SystemExit(f"{model}.{method}: {body['error']['data']['message']}")
    return body["result"]


def save(page, name, full_page=False, wait=1200):
    page.wait_for_timeout(wait)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print("saved", OUT / f"{name}.png")


def login(browser):
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(BASE + "/web/login")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for_selector(".o_main_navbar", timeout=180000)
    return page


def open_form(page, url, wait_for=".o_form_view"):
    page.goto(BASE + url)
    page.wait_for_selector(wait_for, timeout=60000)


def open_tab(page, name):
    """Click the notebook's tab ``name`` and bring the notebook to the top of the screen."""
    page.click(f"a[name={name}]")
    page.evaluate("document.querySelector('.o_notebook').scrollIntoView()")


def debtor_url(debtor_id):
    return f"{ACTION}action_credit_recovery_debtor/{debtor_id}"


def pix_provider(page):
    """The PIX (API Pix) provider's form: its credentials, then its webhook tab."""
    provider = call(page, "payment.provider", "search_read", [("code", "=", "pix_api")], fields=["id"], limit=1)[0]
    open_form(page, f"/odoo/action-payment.action_payment_provider/{provider['id']}", ".o_form_view .o_notebook")
    page.click("a[name=credentials]")
    save(page, "pix_provider_credentials")
    page.click("a[name=pix_webhook]")
    save(page, "pix_provider_webhook")


def pix_sandbox(browser, page):
    """The debtor's page on a phone with the sandbox's dynamic PIX code, paid from its button."""
    debtors = call(
        page,
        "credit.recovery.debtor",
        "search_read",
        [("amount_overdue", ">", 0), ("agreement_ids", "=", False), ("partner_id.vat", "!=", False)],
        fields=["portal_url", "partner_id"],
        order="amount_overdue",
    )
    for debtor in debtors:
        vat = call(page, "res.partner", "read", [debtor["partner_id"][0]], ["vat"])[0]["vat"]
        digits = "".join(char for char in vat if char.isdigit())
        if len(digits) == 11:
            break
    else:
        raise SystemExit("No demo debtor with overdue invoices, a CPF and no agreement")
    phone = browser.new_context(**PHONE).new_page()
    page_url = BASE + "/c/" + debtor["portal_url"].split("/c/", 1)[1]
    phone.goto(page_url)
    phone.wait_for_selector("form.o_credit_recovery_identity", timeout=180000)
    phone.fill("input[name=digits]", digits[:3] + digits[9:])
    phone.click("form.o_credit_recovery_identity button[type=submit]")
    phone.wait_for_selector(".o_credit_recovery_total", timeout=60000)
    sandbox = "section > .o_credit_recovery_pix .o_credit_recovery_pix_sandbox"
    if not phone.query_selector(sandbox):
        raise SystemExit("No sandbox PIX provider (Test Mode) in the debtor's company: the page has no dynamic code")
    phone.evaluate(f"document.querySelector('{sandbox}').scrollIntoView({{block: 'center'}})")
    save(phone, "pix_sandbox_code")
    reference = phone.get_attribute(f"{sandbox} input[name=reference]", "value")
    with phone.expect_response(lambda response: "/sandbox/pay" in response.url) as answer:
        phone.click(f"{sandbox} button[type=submit]")
    if answer.value.status == 403:
        # The route refused the page's token: pay the charge as the sandbox PSP's notification would.
        print("warning: the sandbox button was refused (403); the charge is paid through odoo shell")
        odoo_shell(SANDBOX_PAY.format(reference=reference))
        phone.goto(page_url)
    phone.wait_for_selector(".o_credit_recovery_total, main", timeout=60000)
    save(phone, "pix_sandbox_paid")
    phone.context.close()
    open_form(page, debtor_url(debtor["id"]), ".o_form_view .o_notebook")
    open_tab(page, "contacts")
    save(page, "pix_sandbox_contact")


def blocked_order(page):
    """A quotation on credit for a customer collection blocked: the banner, then Confirm refused."""
    debtor = call(
        page,
        "credit.recovery.debtor",
        "search_read",
        [("credit_limit_state", "=", "blocked"), ("partner_id.country_id.code", "=", "BR")],
        fields=["partner_id", "company_id"],
        order="amount_overdue desc",
        limit=1,
    )[0]
    context = {"allowed_company_ids": [debtor["company_id"][0]]}
    product = call(page, "product.product", "search", [("sale_ok", "=", True)], limit=1, context=context)
    term = call(page, "account.payment.term", "search", [("line_ids.nb_days", ">=", 30)], limit=1, context=context)
    order_id = call(
        page,
        "sale.order",
        "create",
        {
            "partner_id": debtor["partner_id"][0],
            "company_id": debtor["company_id"][0],
            "payment_term_id": term[0],
            "order_line": [[0, 0, {"product_id": product[0], "product_uom_qty": 2}]],
        },
        context=context,
    )
    open_form(
        page, f"/odoo/action-sale.action_quotations_with_onboarding/{order_id}", "div[name=recovery_credit_block]"
    )
    save(page, "sale_blocked_banner")
    page.click(".o_form_statusbar button[name=action_confirm]:visible")
    page.wait_for_selector(".modal .modal-body", timeout=60000)
    save(page, "sale_blocked_refusal")
    page.click(".modal .modal-footer button")


def pos_till(page):
    """The till refuses Customer Account for a blocked customer; a restored one shows its credit."""
    configs = call(page, "pos.config", "search_read", [("name", "=", "Loja Exemplo - Caixa 1")], fields=["id"])
    page.goto(f"{BASE}/pos/ui?config_id={configs[0]['id']}")
    page.wait_for_selector(".screen-login .open-register-btn, .product-screen", timeout=180000)
    if page.query_selector(".screen-login .open-register-btn"):
        page.click(".screen-login .open-register-btn")
        page.wait_for_selector(".modal .modal-footer .btn-primary, article.product", timeout=60000)
        if page.query_selector(".modal .modal-footer .btn-primary"):
            page.click(".modal .modal-footer .btn-primary")  # the opening cash count
    page.wait_for_selector("article.product", timeout=60000)
    page.wait_for_timeout(1000)
    page.locator("article.product").first.click()
    page.click(".product-screen .set-partner")
    page.wait_for_selector(".modal .partner-info .o_recovery_pos_restored", timeout=60000)
    page.locator(".modal .partner-info:has(.o_recovery_pos_restored)").first.scroll_into_view_if_needed()
    save(page, "pos_restored_customer")
    page.locator(".modal .partner-info:has(.o_recovery_pos_blocked)").first.click()
    page.wait_for_timeout(800)
    page.click(".product-screen .pay-order-button")
    page.wait_for_selector(".payment-screen", timeout=60000)
    page.locator(".paymentmethods .button.paymentmethod:has-text('Conta')").first.click()
    page.wait_for_timeout(500)
    page.click(".payment-screen .button.next.highlight")
    page.wait_for_selector(".modal .modal-body", timeout=60000)
    save(page, "pos_customer_account_refused")
    page.click(".modal .modal-footer button")


def conversation(page):
    """An inbound WhatsApp reply in the debtor's conversation, with the suggestion's buttons."""
    debtor = call(
        page,
        "credit.recovery.debtor",
        "search_read",
        [
            ("amount_overdue", ">", 0),
            ("partner_id.mobile", "!=", False),
            ("partner_id.recovery_optout_whatsapp", "=", False),
        ],
        fields=["id"],
        order="amount_overdue desc",
        limit=1,
    )[0]
    odoo_shell(INBOUND.format(debtor_id=debtor["id"]))
    open_form(page, debtor_url(debtor["id"]), ".o_form_view .o_notebook")
    open_tab(page, "conversation")
    page.wait_for_selector(".o_recovery_conversation .o_kanban_record", timeout=60000)
    save(page, "conversation_tab")


def credit_store(page):
    """The restored customer's Credit at the Store tab and the dashboard card of customers recovered."""
    debtor = call(
        page,
        "credit.recovery.debtor",
        "search_read",
        [("credit_restored_date", "!=", False)],
        fields=["id"],
        order="credit_restored_date desc",
        limit=1,
    )[0]
    open_form(page, debtor_url(debtor["id"]), ".o_form_view .o_notebook")
    open_tab(page, "credit_store")
    save(page, "credit_store_tab")
    page.goto(BASE + ACTION + "action_credit_recovery_dashboard")
    page.wait_for_selector(".o_credit_recovery_dashboard .card", timeout=60000)
    save(page, "dashboard_customers_recovered", full_page=True)


def reports(page):
    """Reporting: First-payment Default (pivot) and Vintage Curves (pivot, then one curve a month)."""
    page.goto(BASE + ACTION + "action_credit_recovery_first_payment")
    page.wait_for_selector(".o_pivot", timeout=60000)
    save(page, "first_payment_default")
    page.goto(BASE + ACTION + "action_credit_recovery_vintage")
    page.wait_for_selector(".o_pivot", timeout=60000)
    save(page, "vintage_pivot")
    page.click(".o_switch_view.o_graph")
    page.wait_for_selector(".o_graph_renderer canvas", timeout=60000)
    page.click("button.o_graph_button.fa-database.active")  # curves side by side, not stacked
    page.mouse.move(1000, 130)  # no tooltip over the curves
    save(page, "vintage_curves")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = login(browser)
        steps = {
            "pix_provider": lambda: pix_provider(page),
            "pix_sandbox": lambda: pix_sandbox(browser, page),
            "sale": lambda: blocked_order(page),
            "conversation": lambda: conversation(page),
            "credit": lambda: credit_store(page),
            "reports": lambda: reports(page),
            "pos": lambda: pos_till(page),
        }
        for name, step in steps.items():
            if not ONLY or name in ONLY:
                step()
        browser.close()


if __name__ == "__main__":
    main()
