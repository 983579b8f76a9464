from contextlib import contextmanager
from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def cases(**named_args):
    """One test per named case of a ``PureCase`` method: ``@cases(junk=("abc",), empty=("",))`` on
    ``test_normalize`` gives ``test_normalize__junk`` and ``test_normalize__empty``, each a test of
    its own for pytest and for Odoo's runner alike (what ``pytest.mark.parametrize`` does, which
    Odoo's runner does not know)."""

    def decorate(method):
        method.recovery_cases = named_args
        return method

    return decorate


@tagged("post_install", "-at_install")
class PureCase(BaseCase):
    """A test without a database (``tools/``), found by pytest and by ``odoo --test-enable``."""

    def __init_subclass__(cls, **kwargs):
        result = super().__init_subclass__(**kwargs)
        for name, method in list(vars(cls).items()):
            named_args = getattr(method, "recovery_cases", None)
            if named_args is None:
                continue
            delattr(cls, name)
            for case_name, args in named_args.items():
                setattr(cls, f"{name}__{case_name}", cls._one_case(method, args))
        return result

    @staticmethod
    def _one_case(method, args):
        def test(self):
            return method(self, *args)

        test.__doc__ = method.__doc__
        return test


@contextmanager
def registry_lock_released():
    """Let other threads open the registry while the test runs, as ``HttpCase``'s test mode does.

    Odoo's runner (``odoo --test-enable``) holds ``Registry._lock`` for the whole test run, so a
    thread that asks for the registry, wkhtmltopdf's requests for the report's assets or a
    second worker, would wait forever for the test that waits for it. pytest-odoo holds no such
    lock: there this changes nothing."""
    saved = Registry._lock
    Registry._lock = DummyRLock()
    try:
        yield
    finally:
        Registry._lock = saved


def create_committed_collection(env, company_name, debtor_count, due):
    """The data of the tests that need it committed (other connections see it): a company of its
    own with its policy active and no run, and ``debtor_count`` new debtors with two posted
    invoices each, due on ``due``. Returns ``(company, policy, tag, partners)``; the caller's
    cursor commits."""
    company = env["res.company"].search([("name", "=", company_name)])
    if not company:
        company = env["res.company"].create({"name": company_name})
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    policy = env["credit.recovery.policy"].with_context(active_test=False).search([("company_id", "=", company.id)])
    policy.active = True
    # An earlier execution's daily run would stand for today's: start afresh.
    env["credit.recovery.run"].search([("company_id", "=", company.id)]).unlink()
    tag = f"{company_name} {env['res.partner'].search_count([]) + 1}"
    partners = env["res.partner"].create(
        [{"name": f"{tag} debtor {n}", "email": f"debtor{n}@example.com"} for n in range(debtor_count)]
    )
    invoices = (
        env["account.move"]
        .with_company(company)
        .create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": date(2026, 2, 1),
                    "invoice_date_due": due,
                    "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": 100, "tax_ids": []})],
                }
                for partner in partners
                for _invoice in range(2)
            ]
        )
    )
    invoices.action_post()
    return company, policy, tag, partners


class CreditRecoveryCommon(AccountTestInvoicingCommon):
    """Shared set-up: a company with its default collection policy, users by role,
    and helpers to issue invoices on a given day and look at them on another."""

    @classmethod
    def get_default_groups(cls):
        # The test user (an accountant) also manages collection.
        return super().get_default_groups() | cls.env.ref("account_credit_recovery.group_credit_recovery_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # PDF reports fetch their assets over HTTP, from another thread (see the helper).
        cls.enterClassContext(registry_lock_released())
        cls.company = cls.company_data["company"]
        cls.policy = cls.env["credit.recovery.policy"].search([("company_id", "=", cls.company.id)])
        cls.stage_reminder, cls.stage_notice, cls.stage_alert, cls.stage_legal = cls.policy.stage_ids.sorted("sequence")
        cls.calendar = cls.policy.calendar_id
        cls.agent = new_test_user(
            cls.env,
            login="collection_agent",
            groups="base.group_user,account_credit_recovery.group_credit_recovery_agent",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="collection_manager",
            groups="base.group_user,account_credit_recovery.group_credit_recovery_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer = cls.env["res.partner"].create({"name": "Maria Silva", "country_id": cls.env.ref("base.br").id})
        cls.pay_terms_split = cls.env["account.payment.term"].create(
            {
                "name": "30 % now, 70 % in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70.0, "nb_days": 30}),
                ],
            }
        )

    @classmethod
    def create_invoice(
        cls, amount, invoice_date, due_date=None, partner=None, payment_term=None, company=None, currency=None
    ):
        """A posted customer invoice without taxes, issued (and computed) on ``invoice_date``."""
        company = company or cls.company
        vals = {
            "move_type": "out_invoice",
            "partner_id": (partner or cls.customer).id,
            "invoice_date": invoice_date,
            "company_id": company.id,
            "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})],
        }
        if currency:
            vals["currency_id"] = currency.id
        if payment_term:
            vals["invoice_payment_term_id"] = payment_term.id
        else:
            vals["invoice_date_due"] = due_date or invoice_date
        with cls.on(invoice_date):
            invoice = cls.env["account.move"].with_company(company).create(vals)
            invoice.action_post()
        return invoice

    @classmethod
    @contextmanager
    def on(cls, day):
        """Do things on ``day``: stored collection fields are computed with that date."""
        with freeze_time(day):
            yield
            cls.env.flush_all()
        cls.env.invalidate_all()

    @contextmanager
    def assertRaisesText(self, exception, text):
        """``assertRaises`` (rolled back to a savepoint) that also checks the message."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    @classmethod
    def open_contact_window(cls):
        """For tests that act at the real clock's moment (the page, the WhatsApp button) and are not
        about the window: the policy's contact window open every hour of every day, so that they
        pass whenever the suite runs (an evening or a Sunday closes the default one)."""
        cls.policy.window_ids = [Command.clear()] + [
            Command.create({"dayofweek": str(day), "hour_from": 0.0, "hour_to": 24.0}) for day in range(7)
        ]

    @classmethod
    def set_agreement_accounts(cls):
        """The policy's journal and accounts for agreements (the generic chart's: the tests' company)."""
        cls.policy.write(
            {
                "agreement_journal_id": cls.company_data["default_journal_misc"].id,
                "agreement_income_account_id": cls.company_data["default_account_revenue"].id,
                "agreement_discount_account_id": cls.company_data["default_account_expense"].id,
            }
        )

    @classmethod
    def pay(cls, invoice, amount, payment_date):
        with cls.on(payment_date):
            cls.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"amount": amount, "payment_date": payment_date})._create_payments()

    def days_overdue_on(self, day, records, fname="recovery_days_overdue"):
        """``fname`` of ``records`` (one value, or a list) read on ``day``: days overdue are
        computed when read, from the stored oldest unpaid due date."""
        self.env.invalidate_all()
        with freeze_time(day):
            values = records.mapped(fname)
        self.env.invalidate_all()
        return values[0] if len(records) == 1 else values

    def refresh_on(self, day):
        """Run the daily refresh cron as it would run on ``day``."""
        with self.on(day):
            self.env["account.move"]._cron_refresh_recovery_state()

    @classmethod
    def add_holiday(cls, day: date, calendar=None):
        calendar = calendar or cls.calendar
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": calendar.id,
                "company_id": calendar.company_id.id,
                "date_from": datetime.combine(day, datetime.min.time()).replace(hour=3),
                "date_to": datetime.combine(day, datetime.min.time()).replace(hour=20),
            }
        )
