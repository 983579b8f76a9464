from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

SESSION_KEY = "credit_recovery_portal_verified"


class CreditRecoveryPortal(http.Controller):
    """The debtor's self-service page at ``/c/<token>``: public, thin.

    Finds the personal link (a wrong or revoked token is a bare 404), checks the CPF/CNPJ
    digits when the policy asks, and hands the form's values to ``credit.recovery.portal``,
    which computes and checks everything. Every POST carries Odoo's CSRF token (``csrf=True``,
    the default of ``type="http"`` routes); the signature is a JSON call of the portal widget.
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _link(self, token):
        link = request.env["credit.recovery.portal.token"].sudo()._find(token)
        if not link:
            raise NotFound()
        request.update_context(lang=link.debtor_id.partner_id.lang or request.env.lang)
        return link

    def _client(self):
        http_request = request.httprequest
        return http_request.remote_addr, http_request.headers.get("User-Agent", "")

    def _verified(self, link):
        policy = request.env["credit.recovery.portal"]._get_policy(link.company_id)
        if not (policy and policy.portal_identity_check) or not link.debtor_id._portal_tax_id_prefix():
            return True
        return link.id in (request.session.get(SESSION_KEY) or [])

    def _page(self, link, **extra):
        values = request.env["credit.recovery.portal"].sudo()._page_values(link)
        values.update({"token": link.token, "message": None, "error": None, **extra})
        return request.render("account_credit_recovery.portal_page", values)

    def _redirect(self, link, message=None):
        return request.redirect(f"/c/{link.token}" + (f"?message={message}" if message else ""))

    def _guarded(self, link):
        """The page behind the identity check: ``None`` when the debtor may go on."""
        if not self._verified(link):
            return self._redirect(link)
        return None

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route("/c/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False)
    def portal_page(self, token, message=None, **_kwargs):
        link = self._link(token)
        ip, agent = self._client()
        link._log_visit("view", ip, agent)
        if not self._verified(link):
            return request.render(
                "account_credit_recovery.portal_identity",
                {"token": link.token, "company": link.company_id, "locked": link._is_locked(), "error": None},
            )
        messages = {
            "accepted": request.env._("Thank you: your agreement is confirmed. The signed terms are below."),
            "promise": request.env._("Thank you: your promise to pay was recorded."),
            "paid": request.env._("Thank you: we will check your payment and stop the collection meanwhile."),
            "dispute": request.env._(
                "Your dispute was recorded: collection of these invoices is paused while we review it."
            ),
            "optout": request.env._("Done: you will no longer be contacted about this debt on those channels."),
            "feedback": request.env._("Thank you for your feedback."),
            "requested": request.env._("Your request was sent to our team: they will contact you shortly."),
        }
        return self._page(link, message=messages.get(message))

    @http.route("/c/<string:token>/verify", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_verify(self, token, digits=None, **_kwargs):
        link = self._link(token)
        ip, agent = self._client()
        policy = request.env["credit.recovery.portal"]._get_policy(link.company_id)
        if link._is_locked():
            link._log_visit("identity_locked", ip, agent)
        elif link._check_identity(digits, policy):
            link._log_visit("identity_ok", ip, agent)
            request.session[SESSION_KEY] = [*(request.session.get(SESSION_KEY) or []), link.id]
            return self._redirect(link)
        else:
            link._log_visit("identity_failed", ip, agent)
        return request.render(
            "account_credit_recovery.portal_identity",
            {
                "token": link.token,
                "company": link.company_id,
                "locked": link._is_locked(),
                "error": request.env._("These digits do not match. Check your CPF/CNPJ and try again."),
            },
        )

    @http.route("/c/<string:token>/offer", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_offer(self, token, template_id=None, installments=None, first_due=None, **kwargs):
        """Show the terms of the chosen offer (server-computed) and ask for the signature; or,
        beyond the limits, pass the request to the team."""
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        portal = request.env["credit.recovery.portal"].sudo()
        ip, agent = self._client()
        try:
            template_id = int(template_id or 0)
            offer, vals, _invoices = portal._prepare_offer(link, template_id, installments, first_due)
        except (UserError, ValueError) as error:
            return self._page(link, error=str(error.args[0]) if error.args else "")
        problems = portal._offer_problems(offer)
        if problems and kwargs.get("request_team"):
            portal._request_offer(
                link, template_id=template_id, installments=installments, first_due=first_due, ip=ip, user_agent=agent
            )
            return self._redirect(link, "requested")
        link._log_visit("offer", ip, agent, note=f"{template_id} {vals['installments']} {vals['first_due']}")
        return request.render(
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
            return {"error": request.env._("Type the digits of your CPF/CNPJ first.")}
        args = request.httprequest.args
        template_id = kwargs.get("template_id") or args.get("template_id")
        installments = kwargs.get("installments") or args.get("installments")
        first_due = kwargs.get("first_due") or args.get("first_due")
        ip, agent = self._client()
        try:
            request.env["credit.recovery.portal"].sudo()._accept_offer(
                link,
                template_id=int(template_id or 0),
                installments=installments,
                first_due=first_due,
                name=kwargs.get("name"),
                signature=kwargs.get("signature"),
                ip=ip,
                user_agent=agent,
            )
        except (UserError, AccessError, ValueError) as error:
            request.env.cr.rollback()
            return {"error": str(error.args[0]) if error.args else ""}
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
        return self._act(token, "promise", "_promise", date)

    @http.route("/c/<string:token>/paid", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_paid(self, token, note=None, receipt=None, **_kwargs):
        invoice_ids = request.httprequest.form.getlist("invoice_ids")
        data = receipt.read() if receipt and hasattr(receipt, "read") else None
        name = receipt.filename if data else None
        return self._act(token, "paid", "_already_paid", invoice_ids, note, receipt_name=name, receipt_data=data)

    @http.route("/c/<string:token>/dispute", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_dispute(self, token, note=None, **_kwargs):
        invoice_ids = request.httprequest.form.getlist("invoice_ids")
        return self._act(token, "dispute", "_dispute", invoice_ids, note)

    @http.route("/c/<string:token>/optout", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_optout(self, token, **_kwargs):
        return self._act(token, "optout", "_optout", request.httprequest.form.getlist("channels"))

    @http.route("/c/<string:token>/feedback", type="http", auth="public", methods=["POST"], sitemap=False)
    def portal_feedback(self, token, agreement_id=None, rating=None, comment=None, **_kwargs):
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        try:
            request.env["credit.recovery.portal"].sudo()._feedback(link, int(agreement_id or 0), rating, comment)
        except (UserError, ValueError) as error:
            request.env.cr.rollback()
            return self._page(link, error=str(error.args[0]) if error.args else "")
        return self._redirect(link, "feedback")

    def _act(self, token, message, method, *args, **kwargs):
        link = self._link(token)
        if guard := self._guarded(link):
            return guard
        ip, agent = self._client()
        try:
            getattr(request.env["credit.recovery.portal"].sudo(), method)(
                link, *args, ip=ip, user_agent=agent, **kwargs
            )
        except (UserError, AccessError) as error:
            request.env.cr.rollback()
            return self._page(link, error=str(error.args[0]) if error.args else "")
        return self._redirect(link, message)
