import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

from odoo import fields
from odoo.tests import tagged

from .test_portal_http import SIGNATURE, PortalHttpCommon

PHISHING = '<a href="https://golpe.example/pix">Pague aqui com desconto</a><img src="https://golpe.example/x.png">'


@tagged("post_install", "-at_install")
class TestPortalSecurity(PortalHttpCommon):
    """The self-service page tried the way an attacker and a careless browser would: every
    answer is a clear page (never a 500), every POST a redirect, the public's text stays text."""

    def assert_clear_page(self, response, text):
        self.assertEqual(response.status_code, 200, response.text[-2000:])
        self.assertIn(text, response.text)
        self.assertNotIn("Traceback", response.text)

    def test_dispute_review_goes_to_the_collection_responsible_never_the_public_user(self):
        self.policy.dispute_manager_id = False
        self.debtor.user_id = False
        self.customer.user_id = False
        html = self.open_page()
        self.post("/dispute", {"invoice_ids": self.invoice.id, "note": "Never bought this"}, html)
        activity = self.invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertTrue(activity.user_id.active and activity.user_id._is_internal())
        # The same rule as the back office, from one place: the agent who logs it reviews it.
        self.assertEqual(self.invoice_2._recovery_dispute_reviewer(self.policy, self.agent), self.agent)
        public = self.env.ref("base.public_user")
        self.assertEqual(
            self.invoice_2._recovery_dispute_reviewer(self.policy, public), self.env.ref("base.user_admin")
        )
        self.customer.user_id = self.manager
        self.assertEqual(self.invoice_2._recovery_dispute_reviewer(self.policy, public), self.manager)

    def test_promises_and_agreements_of_the_page_are_followed_up_by_an_active_user(self):
        self.debtor.user_id = False
        self.customer.user_id = False
        html = self.open_page()
        self.post("/promise", {"date": fields.Date.to_string(self.today + timedelta(days=2))}, html)
        promise = self.debtor.promise_ids
        self.assertEqual(len(promise), 1)
        promise.sudo()._close_promises(self.today + timedelta(days=30))
        self.assertEqual(promise.state, "broken")
        activity = self.debtor.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("account_credit_recovery.activity_type_broken_promise")
        )
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertTrue(activity.user_id.active)
        # An agreement signed on the page is followed up by an active user too.
        self.debtor.promise_ids.sudo().unlink()
        template = self.env.ref("account_credit_recovery.proposal_occasional_3x")
        first_due = fields.Date.to_string(self.today + timedelta(days=10))
        result = self.json_call(
            f"/accept?template_id={template.id}&installments=3&first_due={first_due}",
            {"name": "Maria Silva", "signature": SIGNATURE},
        )
        self.assertNotIn("error", result, result)
        self.assertEqual(self.debtor.agreement_ids.user_id, self.env.ref("base.user_admin"))

    def test_what_the_debtor_types_is_text_everywhere(self):
        html = self.open_page()
        self.post("/dispute", {"invoice_ids": self.invoice.id, "note": PHISHING}, html)
        self.post("/paid", {"invoice_ids": self.invoice_2.id, "note": PHISHING}, html)
        activities = (self.invoice | self.invoice_2).activity_ids
        self.assertEqual(len(activities), 2)
        messages = self.env["mail.message"].search(
            [("model", "=", "credit.recovery.debtor"), ("res_id", "=", self.debtor.id)]
        )
        for body in [*activities.mapped("note"), *messages.mapped("body")]:
            if not body or "golpe" not in body:
                continue
            tree = lxml_html.fragment_fromstring(str(body), create_parent="div")
            self.assertFalse(tree.xpath("//a[contains(@href, 'golpe')] | //img"), body)
            self.assertIn('<a href="https://golpe.example/pix">Pague aqui com desconto</a>', tree.text_content())
        self.assertTrue(all("golpe" in note for note in activities.mapped("note")))
        self.assertTrue(all(PHISHING in log.notes for log in self.portal_logs()), "the notes keep the literal text")

    def test_the_signers_name_and_the_feedback_are_text(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_3x")
        first_due = fields.Date.to_string(self.today + timedelta(days=10))
        result = self.json_call(
            f"/accept?template_id={template.id}&installments=3&first_due={first_due}",
            {"name": PHISHING, "signature": SIGNATURE},
        )
        self.assertNotIn("error", result, result)
        agreement = self.debtor.agreement_ids
        self.assertEqual(agreement.portal_signed_by, PHISHING)
        for body in agreement.message_ids.mapped("body"):
            tree = lxml_html.fragment_fromstring(str(body or "<p/>"), create_parent="div")
            self.assertFalse(tree.xpath("//a[contains(@href, 'golpe')] | //img"), body)
        html = self.url_open(self.url).text
        self.post("/feedback", {"agreement_id": agreement.id, "rating": 4, "comment": PHISHING}, html)
        self.assertEqual(self.debtor.portal_feedback_ids.comment, PHISHING)

    def test_malformed_dates_answer_the_page_with_a_clear_message(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        for value in ("not-a-date", "2026-02-30", "31/12/2026", "9999-12-01"):
            response = self.post("/promise", {"date": value}, html)
            self.assert_clear_page(
                response,
                "Choose a payment date within the next 30 days."
                if value == "9999-12-01"
                else "This date could not be read: choose it in the calendar.",
            )
            self.assertIn("o_credit_recovery_total", response.text, "the page is back")
            response = self.post("/offer", {"template_id": template.id, "installments": 3, "first_due": value}, html)
            self.assertEqual(response.status_code, 200, response.text[-2000:])
            self.assertIn("o_credit_recovery_total", response.text)
            self.assertNotIn("o_credit_recovery_offer_total", response.text)
            result = self.json_call(
                f"/accept?template_id={template.id}&installments=3&first_due={value}",
                {"name": "Maria Silva", "signature": SIGNATURE},
            )
            self.assertIn("error", result)
        self.assertFalse(self.debtor.promise_ids)
        self.assertFalse(self.debtor.agreement_ids)

    def test_out_of_range_numbers_are_refused_before_computing(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        first_due = fields.Date.to_string(self.today + timedelta(days=10))
        for installments in ("20000", "0", "-3", "1e3", "abc", "9" * 5000):
            response = self.post(
                "/offer", {"template_id": template.id, "installments": installments, "first_due": first_due}, html
            )
            self.assert_clear_page(response, "Choose between 1 and 60 installments.")
            self.assertLess(len(response.content), 500_000, "no schedule of thousands of lines")
            self.assertNotIn("o_credit_recovery_offer_total", response.text)
        for template_id in ("abc", "-1", "99999999999"):
            response = self.post("/offer", {"template_id": template_id}, html)
            self.assert_clear_page(response, "Choose one of the offers on the page.")
        # A forged request to the team for 20,000 installments creates nothing either.
        response = self.post(
            "/offer",
            {"template_id": template.id, "installments": 20000, "first_due": first_due, "request_team": 1},
            html,
        )
        self.assert_clear_page(response, "Choose between 1 and 60 installments.")
        self.assertFalse(self.debtor.activity_ids)
        # Ids, ratings and invoice lists: a clear refusal, never a 500.
        for data in ({"invoice_ids": "abc", "note": "x"}, {"invoice_ids": "9" * 40, "note": "x"}):
            self.assert_clear_page(self.post("/dispute", data, html), "Tick the invoices you do not recognise.")
        self.assert_clear_page(
            self.post("/dispute", {"invoice_ids": self.invoice.id, "note": "x" * 5000}, html),
            "Your text is too long",
        )
        self.assertNotEqual(self.invoice.recovery_dispute_state, "open")
        for data in ({"agreement_id": "abc", "rating": 5}, {"agreement_id": 1, "rating": "99"}):
            response = self.post("/feedback", data, html)
            self.assertEqual(response.status_code, 200)
            self.assertNotIn("Traceback", response.text)
        response = self.post(
            "/paid",
            {"invoice_ids": self.invoice_2.id, "note": "paid"},
            html,
            files={"receipt": ("receipt.html", b"<html><script>alert(1)</script></html>", "text/html")},
        )
        self.assert_clear_page(response, "Send the receipt as a photo or a PDF file.")
        self.assertFalse(self.portal_logs())

    def test_every_post_redirects_to_a_page(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        first_due = fields.Date.to_string(self.today + timedelta(days=10))
        posts = [
            ("/verify", {"digits": "00000"}),
            ("/offer", {"template_id": template.id, "installments": 3, "first_due": first_due}),
            ("/offer", {"template_id": template.id, "installments": "20000"}),
            ("/promise", {"date": "not-a-date"}),
            ("/promise", {"date": fields.Date.to_string(self.today + timedelta(days=3))}),
            ("/dispute", {"invoice_ids": self.invoice.id, "note": "Never bought this"}),
            ("/optout", {"channels": "sms"}),
            ("/feedback", {"agreement_id": 1, "rating": 5}),
            ("/offer", {"template_id": template.id, "installments": 40, "first_due": first_due, "request_team": 1}),
        ]
        for path, data in posts:
            response = self.url_open(
                f"{self.url}{path}", data={**data, "csrf_token": self.csrf(html)}, allow_redirects=False
            )
            self.assertEqual(response.status_code, 303, path)
            self.assertTrue(response.headers["Location"].split("//", 1)[-1].partition("/")[2].startswith("c/"))
            self.assertNotIn("Never", response.headers["Location"], "no text in the URL")
        # A reload of the page the promise redirected to sends nothing again.
        self.assertEqual(len(self.debtor.promise_ids), 1)
        response = self.url_open(f"{self.url}?message=promise")
        self.assertIn("your promise to pay was recorded", response.text)
        self.assertEqual(len(self.debtor.promise_ids), 1)
        # The message codes are the page's own: text in the URL is never shown.
        response = self.url_open(f"{self.url}?message=Pague+aqui")
        self.assertNotIn("Pague aqui", response.text)

    def test_replayed_posts_answer_a_clear_page(self):
        html = self.open_page()
        date = fields.Date.to_string(self.today + timedelta(days=5))
        self.post("/promise", {"date": date}, html)
        response = self.post("/promise", {"date": date}, html)
        self.assert_clear_page(response, "You have already promised to pay on")
        self.assertNotIn("log this contact", response.text, "not the back office's words")
        self.assertEqual(len(self.debtor.promise_ids), 1)
        for _replay in range(2):
            response = self.post("/dispute", {"invoice_ids": self.invoice.id, "note": "Never bought this"}, html)
        self.assert_clear_page(response, "Tick the invoices you do not recognise.")
        self.assertEqual(len(self.portal_logs().filtered(lambda log: "Never bought" in log.notes)), 1)

    def test_forged_payloads_never_answer_a_500(self):
        html = self.open_page()
        csrf = self.csrf(html)
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        huge = "9" * 100_000
        forms = {
            "/verify": [{"digits": huge}, [("digits", "1"), ("digits", "2")]],
            "/promise": [{"date": huge}, [("date", "2026-12-10"), ("date", "x")], {"date": "0000-00-00"}],
            "/dispute": [{"invoice_ids": huge, "note": huge}, {"note": "x"}],
            "/paid": [{"invoice_ids": [str(self.invoice.id)] * 2000, "note": "x"}],
            "/optout": [{"channels": ["sms"] * 500}, {"channels": "'; DROP TABLE res_partner; --"}],
            "/feedback": [{"agreement_id": huge, "rating": huge, "comment": huge}],
            "/offer": [
                {"template_id": template.id, "installments": huge, "first_due": huge},
                {"template_id": template.id, "first_due": "2026-13-01", "request_team": 1},
            ],
            "/code": [{}],
        }
        for path, payloads in forms.items():
            for payload in payloads:
                data = (
                    [*payload, ("csrf_token", csrf)] if isinstance(payload, list) else {**payload, "csrf_token": csrf}
                )
                response = self.url_open(f"{self.url}{path}", data=data)
                self.assertLess(response.status_code, 500, (path, str(payload)[:80]))
                self.assertNotIn("Traceback", response.text)
        # Text fields sent as files, a receipt sent as text.
        response = self.url_open(
            f"{self.url}/dispute",
            data={"csrf_token": csrf, "invoice_ids": self.invoice.id, "receipt": "not a file"},
            files={"note": ("note.txt", b"<b>x</b>", "text/plain")},
        )
        self.assertLess(response.status_code, 500)
        for query in ("?template_id=abc", f"?template_id={template.id}&installments={huge[:5000]}", "?first_due=x"):
            self.assertLess(self.url_open(f"{self.url}/offer{query}").status_code, 500, query)
        self.assertEqual(self.url_open(f"{self.url}/terms/{huge[:40]}").status_code, 404)
        self.assertEqual(self.url_open(f"{self.url}?message=x&message=y").status_code, 200)
        for params in (
            {"template_id": {"a": 1}, "installments": [1], "first_due": 5, "name": ["x"], "signature": 5},
            {"template_id": template.id, "installments": 3, "name": "Maria", "signature": "not base64!"},
            {"template_id": template.id, "installments": 3, "name": huge, "signature": SIGNATURE},
        ):
            self.assertIn("error", self.json_call("/accept", params))
        self.assertFalse(self.debtor.agreement_ids)

    def test_the_page_says_its_language(self):
        self.open_page()
        self.assertRegex(self.url_open(self.url).text, r'<html[^>]* lang="en-US"')
        self.link._log_visit("identity_ok")  # any visit: a fresh browser sees the identity page
        self.opener.cookies.clear()
        self.assertRegex(self.url_open(self.url).text, r'<html[^>]* lang="en-US"')

    def test_identity_asks_digits_that_are_not_public(self):
        html = self.open_page(verify=False)
        self.assertIn("first 3 and the last 2 digits of your CPF", html)
        self.post("/verify", {"digits": "12345"}, html)  # the public start of the CPF: no longer enough
        self.assertNotIn("o_credit_recovery_total", self.url_open(self.url).text)
        self.post("/verify", {"digits": "12309"}, html)
        self.assertIn("o_credit_recovery_total", self.url_open(self.url).text)
        # A company: a CNPJ has no digits that cannot be found out (public root, 0001, check digits).
        self.customer.vat = "11.222.333/0001-81"
        self.company.phone = "(11) 3333-4444"
        self.opener.cookies.clear()
        html = self.url_open(self.url).text
        self.assertNotIn("digits of your CNPJ", html)
        self.assertNotIn('name="digits"', html)
        self.assertIn("Call us at", html, "no mobile nor e-mail: the company calls")
        self.assertIn(self.company.phone, html)
        # One guess ("0001" and the check digits) passed the old check: nothing is checked now.
        self.assertEqual(self.link._check_identity("000181", self.policy, "198.51.100.9"), "locked")
        self.assertNotIn("o_credit_recovery_total", self.url_open(self.url).text)
        # With an e-mail, the company gets the one-time code.
        self.customer.email = "financeiro@example.com"
        html = self.url_open(self.url).text
        self.assertIn("f***@example.com", html)
        self.assertEqual(self.link._identity_method(self.policy), "code")

    def test_a_lock_out_locks_the_client_not_the_debtor_and_alerts_the_team_once(self):
        self.policy.write({"portal_max_attempts": 2, "portal_alert_lockouts": 2})
        self.debtor.user_id = self.agent
        html = self.open_page(verify=False)
        for _attempt in range(2):
            self.post("/verify", {"digits": "99999"}, html)
        response = self.post("/verify", {"digits": "12309"}, html)
        self.assertIn("Too many wrong attempts from this device", response.text)
        self.assertNotIn("o_credit_recovery_total", response.text)
        # The debtor, from another client, is not locked out.
        self.assertFalse(self.link._lock_until(self.policy, "198.51.100.7"))
        self.assertEqual(self.link._check_identity("12309", self.policy, "198.51.100.7"), "ok")
        alert = self.debtor.activity_ids.filtered(lambda activity: "identity" in (activity.summary or ""))
        self.assertFalse(alert, "one lock-out is not an alert")
        # A second client locked out in the day: the debtor's responsible is told, once.
        for address in ("203.0.113.5", "203.0.113.6"):
            for _attempt in range(2):
                self.link._check_identity("99999", self.policy, address)
        alert = self.debtor.activity_ids.filtered(lambda activity: "identity" in (activity.summary or ""))
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.agent)
        self.assertIn("203.0.113.5", alert.note)

    def test_requests_to_the_team_are_rate_limited(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        first_due = fields.Date.to_string(self.today + timedelta(days=20))
        data = {"template_id": template.id, "installments": 40, "first_due": first_due, "request_team": 1}
        self.assert_clear_page(self.post("/offer", data, html), "Your request was sent to our team")
        response = self.post("/offer", {**data, "installments": 30}, html)
        self.assert_clear_page(response, "Your request was already sent to our team today")
        self.assertEqual(len(self.debtor.activity_ids), 1)

    def test_today_is_the_debtors_day(self):
        """Kiritimati (UTC+14) and Pago Pago (UTC-11) are never on the same date: whatever the
        server's clock, one of them is not the server's day."""
        html = self.open_page()
        now = datetime.now(ZoneInfo("UTC"))
        for tz, days in (("Pacific/Kiritimati", 30), ("Pacific/Pago_Pago", 0)):
            self.customer.tz = tz
            local_today = now.astimezone(ZoneInfo(tz)).date()
            date = local_today + timedelta(days=days)
            response = self.post("/promise", {"date": fields.Date.to_string(date)}, html)
            self.assertIn("your promise to pay was recorded", response.text, tz)
            self.assertEqual(self.debtor.promise_ids.date, date)
            self.debtor.promise_ids.sudo().unlink()  # one open promise at a time

    def test_one_time_code_by_email(self):
        self.policy.portal_identity_method = "code"
        self.customer.email = "maria@example.com"
        html = self.open_page(verify=False)
        self.assertIn("m***@example.com", html)
        self.assertNotIn('name="digits"', html)
        self.post("/code", {}, html)
        mail = self.env["mail.mail"].search([("email_to", "=", "maria@example.com")])
        self.assertEqual(len(mail), 1)
        code = re.search(r"\b(\d{6})\b", mail.body_html).group(1)
        link = self.link.sudo()
        self.assertNotIn(code, str(link.code_hashes), "only a keyed hash of the code is kept")
        html = self.url_open(self.url).text
        self.assertIn('name="digits"', html)
        response = self.post("/code", {}, html)
        self.assertIn("A code was sent a moment ago", response.text, "one code a minute")
        self.post("/verify", {"digits": "12309"}, html)  # the CPF digits are not the code
        self.assertNotIn("o_credit_recovery_total", self.url_open(self.url).text)
        self.post("/verify", {"digits": code}, html)
        self.assertIn("o_credit_recovery_total", self.url_open(self.url).text)
        self.assertFalse(link.code_hashes, "a code serves once")
        # An expired code does not open the page.
        expired = fields.Datetime.to_string(fields.Datetime.now() - timedelta(1))
        link.write({"code_hashes": [[link._code_digest("654321"), expired, 0]], "code_expires": expired})
        self.assertEqual(link._check_identity("654321", self.policy, "198.51.100.8"), "wrong")

    # ------------------------------------------------------------------
    # Brute force of the identity check and of the one-time code
    # ------------------------------------------------------------------

    def sent_codes(self):
        mails = self.env["mail.mail"].search([("email_to", "=", "maria@example.com")], order="id")
        return [re.search(r"\b(\d{6})\b", mail.body_html).group(1) for mail in mails]

    def age_visits(self, minutes):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE credit_recovery_portal_visit SET date = date - make_interval(mins => %s) WHERE token_id = %s",
            [minutes, self.link.id],
        )
        self.env.invalidate_all()

    def test_wrong_digits_from_many_clients_switch_the_link_to_a_code(self):
        """1,000 candidates: one client per try would find them. After twice the attempts allowed
        to a client, in 24 hours from any clients, the link asks for a code for 24 hours."""
        self.policy.write({"portal_max_attempts": 2, "portal_alert_lockouts": 5})
        self.customer.email = "maria@example.com"
        self.debtor.user_id = self.agent
        for number in range(4):
            self.assertEqual(self.link._check_identity(f"{number}0009", self.policy, f"198.51.100.{number}"), "wrong")
        self.assertEqual(self.link._identity_method(self.policy), "code")
        self.assertEqual(self.link._check_identity("12309", self.policy, "198.51.100.50"), "wrong", "not the digits")
        alert = self.debtor.activity_ids.filtered(lambda activity: "identity" in (activity.summary or ""))
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.user_id, self.agent)
        self.assertIn("one-time code", alert.note)
        # The debtor is not locked out: he gets a code.
        html = self.url_open(self.url).text
        self.assertIn("m***@example.com", html)
        self.post("/code", {}, html)
        self.assertEqual(self.link._check_identity(self.sent_codes()[-1], self.policy, "198.51.100.60"), "ok")
        # Without a mobile or an e-mail, the page says to call: the digits are not asked again.
        self.customer.email = False
        self.assertEqual(self.link._identity_method(self.policy), "call")
        # 24 hours later the digits are asked again.
        self.age_visits(24 * 60 + 1)
        self.assertEqual(self.link._identity_method(self.policy), "digits")
        self.assertEqual(self.link._check_identity("12309", self.policy, "198.51.100.61"), "ok")

    def test_nothing_to_check_shows_no_debt_on_the_link_alone(self):
        """The policy asks for an identity check, the customer has no CPF/CNPJ, no mobile and no
        e-mail: the link alone never showed the debt before; the page says to call."""
        self.customer.write({"vat": False, "email": False, "mobile": False, "phone": False})
        self.company.phone = "(11) 3333-4444"
        html = self.url_open(self.url).text
        self.assertEqual(self.link._identity_method(self.policy), "call")
        self.assertIn("o_credit_recovery_call_us", html)
        self.assertIn(self.company.phone, html)
        self.assertNotIn("o_credit_recovery_total", html)
        self.assertNotIn(self.invoice.name, html)
        # Without the policy's check, the link is enough (as the policy says).
        self.policy.portal_identity_check = False
        self.assertIn("o_credit_recovery_total", self.url_open(self.url).text)

    def test_an_ipv6_client_is_its_64_network(self):
        self.policy.portal_max_attempts = 2
        self.assertEqual(self.link._check_identity("99999", self.policy, "2001:db8:1:2::1"), "wrong")
        self.assertEqual(self.link._check_identity("99999", self.policy, "2001:db8:1:2::2"), "locked")
        self.assertTrue(self.link._lock_until(self.policy, "2001:db8:1:2:abcd::3"))
        self.assertFalse(self.link._lock_until(self.policy, "2001:db8:1:3::1"), "another subscriber")
        self.assertEqual(self.link._check_identity("12309", self.policy, "2001:db8:1:2::99"), "locked")

    def test_an_identity_check_locks_the_link_before_counting(self):
        """Parallel tries wait for each other: the check writes (so locks) the link's row first;
        under REPEATABLE READ the second waits, fails to serialise and is replayed, counting the
        first one's failure. A failure in this savepoint leaves a new version of the row."""

        def row_version():
            self.env.cr.execute("SELECT xmin::text FROM credit_recovery_portal_token WHERE id = %s", [self.link.id])
            return self.env.cr.fetchone()[0]

        before = row_version()
        with self.env.cr.savepoint():
            self.assertEqual(self.link._check_identity("99999", self.policy, "198.51.100.7"), "wrong")
            self.assertNotEqual(row_version(), before, "the link's row is locked for update")
        before = row_version()
        with self.env.cr.savepoint():
            self.customer.email = "maria@example.com"
            self.link._send_code("198.51.100.7")
            self.assertNotEqual(row_version(), before)

    def test_a_stranger_cannot_use_up_or_void_the_debtors_codes(self):
        self.policy.portal_identity_method = "code"
        self.customer.email = "maria@example.com"
        self.company.phone = "(11) 3333-4444"
        self.assertEqual(self.link._send_code("203.0.113.66"), "sent")  # the stranger
        self.assertEqual(self.link._send_code("198.51.100.7"), "sent", "the debtor is not told to wait")
        debtor_code = self.sent_codes()[-1]
        self.assertEqual(self.link._send_code("203.0.113.66"), "wait", "one a minute per client")
        self.age_visits(2)
        self.assertEqual(self.link._send_code("203.0.113.66"), "sent")
        # The stranger's new code does not void the debtor's.
        self.assertEqual(self.link._check_identity(debtor_code, self.policy, "198.51.100.7"), "ok")
        # Five codes a day per client; the others may still ask.
        for _send in range(3):
            self.age_visits(2)
            self.assertEqual(self.link._send_code("203.0.113.66"), "sent")
        self.age_visits(2)
        self.assertEqual(self.link._send_code("203.0.113.66"), "limit")
        self.assertEqual(self.link._send_code("198.51.100.8"), "sent")
        # Ten a day on the link, whoever asks: then the page says to call, with the phone.
        html = self.open_page(verify=False)
        for number in range(3):
            self.assertEqual(self.link._send_code(f"192.0.2.{number}"), "sent")
        response = self.post("/code", {}, html)
        self.assert_clear_page(response, "No more codes can be sent today to your contacts. Call us at (11) 3333-4444.")
        self.assertNotIn("wait a minute", response.text)

    def test_a_code_dies_after_five_wrong_tries_from_any_clients(self):
        self.policy.write({"portal_identity_method": "code", "portal_max_attempts": 10})
        self.customer.email = "maria@example.com"
        self.assertEqual(self.link._send_code("198.51.100.7"), "sent")
        code = self.sent_codes()[-1]
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for number in range(5):
            self.assertEqual(self.link._check_identity(wrong, self.policy, f"203.0.113.{number}"), "wrong")
        self.assertEqual(self.link._check_identity(code, self.policy, "198.51.100.7"), "wrong")
        self.assertFalse(self.link.code_expires, "the page offers a new code")

    def test_digits_of_other_scripts_answer_a_clear_page(self):
        self.policy.portal_max_attempts = 10
        html = self.open_page(verify=False)
        for typed in ("\u0661\u0662\u0663\u0660\u0669", "\u00b2", "12\u00b309", "\uff11\uff12\uff13\uff10\uff19"):
            response = self.post("/verify", {"digits": typed}, html)
            self.assert_clear_page(response, "These digits do not match")
            self.assertNotIn("o_credit_recovery_total", response.text)
        self.policy.portal_identity_method = "code"
        self.customer.email = "maria@example.com"
        self.link._send_code("198.51.100.7")
        code = self.sent_codes()[-1]
        arabic = "".join(chr(0x0660 + int(char)) for char in code)
        response = self.post("/verify", {"digits": arabic}, html)
        self.assert_clear_page(response, "This code does not match")

    def test_the_code_never_goes_to_a_number_marked_wrong_or_failed(self):
        self.customer.mobile = "+55 11 98765-4321"
        number = self.customer._recovery_sms_number()
        self.assertTrue(number)
        self.assertEqual(self.link._code_destinations(), {"sms": number})
        self.customer.sudo().recovery_wrong_number = number
        self.assertEqual(self.link._code_destinations(), {})
        self.customer.sudo().recovery_wrong_number = False
        self.customer.sudo().recovery_sms_failed = True
        self.assertEqual(self.link._code_destinations(), {})

    def test_a_long_receipt_file_name_is_cut_not_refused(self):
        html = self.open_page()
        name = "comprovante-pix-" + "x" * 250 + ".pdf"
        response = self.post(
            "/paid",
            {"invoice_ids": self.invoice_2.id, "note": "Paid"},
            html,
            files={"receipt": (name, b"%PDF-1.4 receipt", "application/pdf")},
        )
        self.assertNotIn("too long", response.text)
        self.assertEqual(self.invoice_2.recovery_dispute_kind, "already_paid")
        attachment = self.portal_logs().attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertLessEqual(len(attachment.name), 200)
        self.assertTrue(attachment.name.startswith("comprovante-pix-") and attachment.name.endswith(".pdf"))
