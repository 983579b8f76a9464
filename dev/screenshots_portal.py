"""Take the README screenshots of the debtor's self-service page, phone-sized (390x844, pt_BR).

From a running `make run` (demo data; admin/admin): finds, through the back office's JSON-RPC, a
demo debtor with overdue invoices, a CPF and no agreement yet, then opens their personal link as
the debtor would on a phone: the CPF check, the page (total, PIX code, offers), and the terms of
an offer with the drawn signature.

Usage: ODOO_URL=http://localhost:8069 python3 dev/screenshots_portal.py [OUTPUT_DIR]
(needs `pip install playwright` and Debian's chromium)
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("ODOO_URL", "http://localhost:8069")
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--lang=pt-BR",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "pt-BR",
}


def call(request, model, method, *args, **kwargs):
    response = request.post(
        BASE + "/web/dataset/call_kw",
        data={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        },
    )
    return response.json()["result"]


def find_debtor(request):
    """``(portal url, private CPF digits: first 3 and last 2)`` of a demo debtor the page can negotiate with."""
    debtors = call(
        request,
        "credit.recovery.debtor",
        "search_read",
        [("amount_overdue", ">", 0), ("agreement_ids", "=", False), ("partner_id.vat", "!=", False)],
        fields=["portal_url", "partner_id", "amount_overdue"],
        order="amount_overdue desc",
    )
    for debtor in debtors:
        vat = call(request, "res.partner", "read", [debtor["partner_id"][0]], ["vat"])[0]["vat"]
        digits = "".join(char for char in vat if char.isdigit())
        if len(digits) == 11:
            return debtor["portal_url"], digits[:3] + digits[9:]
    raise SystemExit("No demo debtor with overdue invoices, a CPF and no agreement")


def save(page, name, full_page=False):
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print("saved", OUT / f"{name}.png")


def draw_signature(page):
    box = page.locator(".modal canvas.o_web_sign_signature").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 40):
        x = box["x"] + box["width"] * (0.1 + 0.02 * step)
        y = box["y"] + box["height"] * (0.55 - 0.25 * ((step % 8) - 4) / 4)
        page.mouse.move(x, y, steps=3)
    page.mouse.up()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        office = browser.new_page()
        office.goto(BASE + "/web/login")
        office.fill("input[name=login]", "admin")
        office.fill("input[name=password]", "admin")
        office.click("button[type=submit]")
        office.wait_for_selector(".o_main_navbar", timeout=180000)
        url, digits = find_debtor(office.request)
        path = url.split("/c/", 1)[1]

        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{BASE}/c/{path}")
        phone.wait_for_selector("form.o_credit_recovery_identity", timeout=180000)
        phone.fill("input[name=digits]", digits[:2])
        save(phone, "portal_identity")
        phone.fill("input[name=digits]", digits)
        phone.click("form.o_credit_recovery_identity button[type=submit]")
        phone.wait_for_selector(".o_credit_recovery_total", timeout=60000)
        save(phone, "portal_page")
        phone.locator("section > .o_credit_recovery_pix").first.scroll_into_view_if_needed()
        phone.evaluate("document.querySelector('section > .o_credit_recovery_pix').scrollIntoView()")
        phone.click("section > .o_credit_recovery_pix .o_credit_recovery_copy")
        save(phone, "portal_pix")
        phone.evaluate("document.querySelector('.o_credit_recovery_offers').scrollIntoView()")
        save(phone, "portal_offers")
        phone.locator(".o_credit_recovery_offers form").nth(1).locator("button[type=submit]").click()
        phone.wait_for_selector(".o_credit_recovery_offer_total")
        save(phone, "portal_offer")
        phone.click(".o_credit_recovery_sign_open")
        phone.wait_for_selector(".modal .o_web_sign_draw_button")
        phone.click(".modal .o_web_sign_draw_button")
        draw_signature(phone)
        save(phone, "portal_sign")
        browser.close()


if __name__ == "__main__":
    main()
