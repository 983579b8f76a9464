from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from ..models.common import RECEIPT_MAX_BYTES
from ..tools import portal_input
from ..tools.portal_input import InputRefusedError
from ..tools.timezone import contact_timezone

SESSION_KEY = "credit_recovery_portal_verified"
# The refusal of the last POST, shown once by the page the POST redirects to (never in the URL).
FLASH_KEY = "credit_recovery_portal_error"
# The longest a promise to pay may be away.
PROMISE_MAX_DAYS = 30


class CreditRecoveryPortal(http.Controller):
    """The debtor's self-service page at ``/c/<token>``: public, thin.

    Finds the personal link (a wrong or revoked token is a bare 404), checks the debtor's
    identity when the policy asks, parses every form field at the edge (a value that does not
    parse, or is out of range, is refused with a clear message before anything is computed) and
    hands the values to ``credit.recovery.portal``, which computes and checks everything.

    Every POST carries Odoo's CSRF token (``csrf=True``, the default of ``type="http"`` routes)
    and answers a redirect to a page (303, *redirect after POST*): a reload never sends a form
    again. What happened travels as a short code in the query string (``?message=promise``),
    mapped here to a translated sentence; a refusal travels in the session and is shown once.
    "Today" (interest, due dates, the promise's limits) is the debtor's time zone, else the
    company's. The signature is a JSON call of the portal widget.
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _link(self, token):
        link = request.env["credit.recovery.portal.token"].sudo()._find(token)
        if not link:
            raise NotFound()
        partner = link.debtor_id.partner_id
        request.update_context(
            lang=partner.lang or request.env.lang,
            tz=contact_timezone(partner.tz, link.company_id.partner_id.tz),
        )
        return link

    def _today(self):
        return fields.Date.context_today(request.env["credit.recovery.portal"])

    def _client(self):
        http_request = request.httprequest
        return http_request.remote_addr, http_request.headers.get("User-Agent", "")

    def _policy(self, link):
        return request.env["credit.recovery.portal"]._get_policy(link.company_id)

    def _verified(self, link):
        if not link._identity_method(self._policy(link)):
            return True
        return link.id in (request.session.get(SESSION_KEY) or [])

    def _render(self, template, values, status=200):
        """Render a page of the portal, its ``<html>`` in the page's language."""
        lang = (request.env.lang or "en_US").replace("_", "-")
        return request.render(template, {"html_data": {"lang": lang}, **values}, status=status)

    def _messages(self):
        """The codes a redirect may carry and what the page says for each."""
        return {
            "accepted": request.env._("Thank you: your agreement is confirmed. The signed terms are below."),
            "promise": request.env._("Thank you: your promise to pay was recorded."),
            "paid": request.env._("Thank you: we will check your payment and stop the collection meanwhile."),
            "dispute": request.env._(
                "Your dispute was recorded: collection of these invoices is paused while we review it."
            ),
            "optout": request.env._("Done: you will no longer be contacted about this debt on those channels."),
            "feedback": request.env._("Thank you for your feedback."),
            "requested": request.env._("Your request was sent to our team: they will contact you shortly."),
            "sent": request.env._("Your message was sent to our team: they will answer you shortly."),
        }

    def _page(self, link, status=200, **extra):
        values = request.env["credit.recovery.portal"].sudo()._page_values(link)
        values.update({"token": link.token, "message": None, "error": None, **extra})
        values["message_nonce"] = request.env["credit.recovery.portal"]._new_message_nonce()
        return self._render("account_credit_recovery.portal_page", values, status=status)

    def _identity_page(self, link, error=None, status=200):
        policy = self._policy(link)
        ip, _agent = self._client()
        method = link._identity_method(policy)
        return self._render(
            "account_credit_recovery.portal_identity",
            {
                "token": link.token,
                "company": link.company_id,
                "phone": link.company_id.phone,
                "locked": bool(link._lock_until(policy, ip)),
                "method": method,
                "destinations": link._masked_destinations() if method == "code" else [],
                "code_sent": bool(link.sudo().code_expires and link.sudo().code_expires > fields.Datetime.now()),
                "error": error,
            },
            status=status,
        )

    def _call_us(self, link, text):
        """``text`` followed by the company's phone number to call (or just "call us")."""
        phone = link.company_id.phone
        if phone:
            return request.env._("%(text)s Call us at %(phone)s.", text=text, phone=phone)
        return request.env._("%(text)s Call us.", text=text)

    def _redirect(self, link, message=None, path=""):
        return request.redirect(f"/c/{link.token}{path}" + (f"?message={message}" if message else ""))

    def _refuse(self, link, error, path=""):
        """Redirect after a refused POST: the page shows ``error`` once (it does not go in the URL)."""
        request.session[FLASH_KEY] = {"token": link.token, "error": str(error)}
        return self._redirect(link, path=path)

    def _pop_error(self, link):
        flash = request.session.pop(FLASH_KEY, None)
        if isinstance(flash, dict) and flash.get("token") == link.token:
            return flash.get("error")
        return None

    def _guarded(self, link):
        """The page behind the identity check: ``None`` when the debtor may go on."""
        if not self._verified(link):
            return self._redirect(link)
        return None

    @staticmethod
    def _error_text(error):
        return str(error.args[0]) if error.args else ""

    # ------------------------------------------------------------------
    # Parsing at the edge: each field's clear refusal
    # ------------------------------------------------------------------

    def _parse_date(self, value, max_days, range_message, required=True):
        try:
            return portal_input.parse_date(value, self._today(), max_days, required=required)
        except InputRefusedError as error:
            if error.code == "range":
                raise UserError(range_message) from error
            if error.code == "missing":
                raise UserError(request.env._("Choose a date.")) from error
            raise UserError(request.env._("This date could not be read: choose it in the calendar.")) from error

    def _parse_int(self, value, minimum, maximum, message, required=True):
        try:
            return portal_input.parse_int(value, minimum, maximum, required=required)
        except InputRefusedError as error:
            raise UserError(message) from error

    def _parse_text(self, value, max_chars):
        try:
            return portal_input.parse_text(value, max_chars)
        except InputRefusedError as error:
            raise UserError(
                request.env._("Your text is too long: keep it under %(count)s characters.", count=max_chars)
            ) from error

    def _parse_ids(self, values):
        try:
            return portal_input.parse_ids(values)
        except InputRefusedError as error:
            raise UserError(
                request.env._("Too many invoices ticked: tick at most %(count)s.", count=portal_input.MAX_IDS)
            ) from error

    def _parse_offer(self, template_id, installments, first_due):
        """``(template id, installments or None, first due or None)`` of an offer's form; refused
        before anything is computed when out of range (``None``: the offer's own default)."""
        template_id = self._parse_int(
            template_id, 1, 2**31 - 1, request.env._("Choose one of the offers on the page."), required=True
        )
        installments = self._parse_int(
            installments,
            1,
            portal_input.MAX_INSTALLMENTS,
            request.env._("Choose between 1 and %(count)s installments.", count=portal_input.MAX_INSTALLMENTS),
            required=False,
        )
        first_due = self._parse_date(
            first_due,
            portal_input.MAX_FIRST_DUE_DAYS,
            request.env._(
                "Choose a first due date within the next %(days)s days.", days=portal_input.MAX_FIRST_DUE_DAYS
            ),
            required=False,
        )
        return template_id, installments, first_due

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route("/c/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False)
    def portal_page(self, token, message=None, **_kwargs):
        link = self._link(token)
        ip, agent = self._client()
        link._log_visit("view", ip, agent)
        error = self._pop_error(link)
        if not self._verified(link):
            return self._identity_page(link, error=error)
        messages = self._messages()
        return self._page(link, message=messages.get(message) if isinstance(message, str) else None, error=error)

    @http.route("/c/<string:token>/verify", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_verify(self, token, digits=None, **_kwargs):
        link = self._link(token)
        ip, agent = self._client()
        policy = self._policy(link)
        method = link._identity_method(policy)
        if method not in ("digits", "code"):
            return self._redirect(link)  # nothing to check, or the identity page says to call
        result = link._check_identity(digits if isinstance(digits, str) else None, policy, ip, agent)
        if result == "ok":
            request.session[SESSION_KEY] = [*(request.session.get(SESSION_KEY) or []), link.id]
            return self._redirect(link)
        if result == "locked":
            return self._redirect(link)  # the identity page says the client waits
        if method == "code":
            return self._refuse(
                link, request.env._("This code does not match, or it expired. Check it or ask for a new one.")
            )
        return self._refuse(link, request.env._("These digits do not match. Check your CPF/CNPJ and try again."))

    @http.route("/c/<string:token>/code", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_send_code(self, token, **_kwargs):
        """Send a one-time code to the registered mobile and e-mail (rate limited per client and link)."""
        link = self._link(token)
        ip, agent = self._client()
        policy = self._policy(link)
        if link._identity_method(policy) != "code" or link._lock_until(policy, ip):
            return self._redirect(link)
        result = link._send_code(ip, agent)
        if result == "wait":
            return self._refuse(link, request.env._("A code was sent a moment ago: wait a minute for it, or call us."))
        if result == "limit":
            return self._refuse(
                link, self._call_us(link, request.env._("No more codes can be sent today to your contacts."))
            )
        if result == "nowhere":
            return self._refuse(
                link, self._call_us(link, request.env._("We have no mobile or e-mail to send a code to."))
            )
        return self._redirect(link)

    @http.route("/c/<string:token>/offer", type="http", auth="public", methods=["GET", "POST"], sitemap=False)
    def portal_offer(self, token, template_id=None, installments=None, first_due=None, **kwargs):
        """The terms of the chosen offer (server-computed) and the signature (GET); or, beyond the
        limits, the request to the team (POST with ``request_team``). A POST of the offer's form
        is redirected to its GET, so that a reload shows the terms again without a resubmission."""
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        post = request.httprequest.method == "POST"
        portal = request.env["credit.recovery.portal"].sudo()
        ip, agent = self._client()
        try:
            template_id, installments, first_due = self._parse_offer(template_id, installments, first_due)
            if post and kwargs.get("request_team"):
                portal._request_offer(
                    link,
                    template_id=template_id,
                    installments=installments,
                    first_due=first_due,
                    ip=ip,
                    user_agent=agent,
                )
                return self._redirect(link, "requested")
            offer, vals, _invoices = portal._prepare_offer(link, template_id, installments, first_due)
        except UserError as error:
            request.env.cr.rollback()
            return self._refuse(link, self._error_text(error))
        if post:
            query = f"template_id={template_id}&installments={vals['installments']}&first_due={vals['first_due']}"
            return request.redirect(f"/c/{link.token}/offer?{query}")
        problems = portal._offer_problems(offer)
        link._log_visit("offer", ip, agent, note=f"{template_id} {vals['installments']} {vals['first_due']}")
        return self._render(
            "account_credit_recovery.portal_offer",
            {
                "token": link.token,
                "company": link.company_id,
                "partner": link.partner_id,
                "currency": link.company_id.currency_id,
                "offer": offer,
                "lines": offer._prepare_schedule_lines_vals(),
                "problems": problems,
                "template_id": template_id,
                "installments": vals["installments"],
                "first_due": vals["first_due"],
            },
        )

    @http.route("/c/<string:token>/accept", type="json", auth="public", methods=["POST"], sitemap=False)
    def portal_accept(self, token, **kwargs):
        """Signature widget call: accept the offer (checked again on the server) and sign it."""
        link = self._link(token)
        if not self._verified(link):
            return {"error": request.env._("Confirm who you are first: reload the page.")}
        args = request.httprequest.args
        ip, agent = self._client()
        try:
            template_id, installments, first_due = self._parse_offer(
                kwargs.get("template_id") or args.get("template_id"),
                kwargs.get("installments") or args.get("installments"),
                kwargs.get("first_due") or args.get("first_due"),
            )
            signature = kwargs.get("signature")
            if not isinstance(signature, str) or len(signature) > portal_input.MAX_SIGNATURE_CHARS:
                raise UserError(request.env._("The signature could not be read: sign again."))
            request.env["credit.recovery.portal"].sudo()._accept_offer(
                link,
                template_id=template_id,
                installments=installments,
                first_due=first_due,
                name=self._parse_text(kwargs.get("name"), portal_input.MAX_NAME_CHARS),
                signature=signature,
                ip=ip,
                user_agent=agent,
            )
        except (UserError, AccessError) as error:
            request.env.cr.rollback()
            return {"error": self._error_text(error)}
        return {"force_refresh": True, "redirect_url": f"/c/{link.token}?message=accepted"}

    @http.route(
        "/c/<string:token>/terms/<int:agreement_id>", type="http", auth="public", methods=["GET"], sitemap=False
    )
    def portal_terms(self, token, agreement_id, **_kwargs):
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        agreement = link.debtor_id.agreement_ids.filtered(lambda agreement: agreement.id == agreement_id)
        if not agreement:
            raise NotFound()
        ip, agent = self._client()
        link._log_visit("terms", ip, agent, note=agreement.name)
        pdf = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("account_credit_recovery.action_report_agreement_terms", agreement.ids)[0]
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", f'inline; filename="{agreement.name.replace("/", "-")}.pdf"'),
            ],
        )

    @http.route("/c/<string:token>/promise", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_promise(self, token, date=None, **_kwargs):
        def parse():
            return (
                self._parse_date(
                    date,
                    PROMISE_MAX_DAYS,
                    request.env._("Choose a payment date within the next 30 days."),
                ),
            )

        return self._act(token, "promise", "_promise", parse)

    @http.route("/c/<string:token>/paid", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_paid(self, token, note=None, receipt=None, **_kwargs):
        def parse():
            data = name = None
            if receipt is not None and hasattr(receipt, "read"):
                # Read one byte more than allowed: a larger file is refused without reading it all.
                data = receipt.read(RECEIPT_MAX_BYTES + 1) or None
                name = portal_input.parse_file_name(receipt.filename) or None
            return (
                self._parse_ids(request.httprequest.form.getlist("invoice_ids")),
                self._parse_text(note, portal_input.MAX_NOTE_CHARS),
            ), {"receipt_name": name, "receipt_data": data}

        return self._act(token, "paid", "_already_paid", parse)

    @http.route("/c/<string:token>/dispute", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_dispute(self, token, note=None, **_kwargs):
        def parse():
            return (
                self._parse_ids(request.httprequest.form.getlist("invoice_ids")),
                self._parse_text(note, portal_input.MAX_NOTE_CHARS),
            )

        return self._act(token, "dispute", "_dispute", parse)

    @http.route("/c/<string:token>/optout", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_optout(self, token, **_kwargs):
        return self._act(token, "optout", "_optout", lambda: (request.httprequest.form.getlist("channels")[:10],))

    @http.route("/c/<string:token>/feedback", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_feedback(self, token, agreement_id=None, rating=None, comment=None, **_kwargs):
        def parse():
            return (
                self._parse_int(
                    agreement_id, 1, 2**31 - 1, request.env._("Thank you: your feedback was already recorded.")
                ),
                self._parse_int(rating, 1, 5, request.env._("Rate the negotiation from 1 to 5.")),
                self._parse_text(comment, portal_input.MAX_NOTE_CHARS),
            )

        return self._act(token, "feedback", "_feedback", parse, client=False)

    @http.route("/c/<string:token>/message", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_message(self, token, text=None, nonce=None, **_kwargs):
        def parse():
            text_value = self._parse_text(text, portal_input.MAX_MESSAGE_CHARS)
            if not text_value:
                raise UserError(request.env._("Type your message."))
            return (text_value,), {"nonce": nonce if isinstance(nonce, str) else None}

        return self._act(token, "sent", "_send_message", parse)

    def _act(self, token, message, method, parse, client=True):
        """Run the debtor's action ``method`` with the values ``parse()`` returns (``args`` or
        ``(args, kwargs)``), then redirect to the page with ``message``, or with the refusal."""
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        ip, agent = self._client()
        try:
            parsed = parse()
            args, kwargs = parsed if len(parsed) == 2 and isinstance(parsed[1], dict) else (parsed, {})
            if client:
                kwargs.update(ip=ip, user_agent=agent)
            getattr(request.env["credit.recovery.portal"].sudo(), method)(link, *args, **kwargs)
        except (UserError, AccessError) as error:
            request.env.cr.rollback()
            return self._refuse(link, self._error_text(error))
        return self._redirect(link, message)
