import base64
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.tools import file_open

ADDON = "account_credit_recovery"
DEMO_TZ = "America/Sao_Paulo"

# name, CPF, mobile, landline, email, street, city, state code, zip
CUSTOMERS = [
    (
        "Ana Paula Ferreira",
        "529.982.247-25",
        "(11) 98765-4321",
        "",
        "ana.ferreira@example.com",
        "Rua Augusta, 1200",
        "São Paulo",
        "SP",
        "01304-001",
    ),
    (
        "Bruno Carvalho Lima",
        "168.995.350-09",
        "(11) 97654-3210",
        "(11) 3456-7890",
        "bruno.lima@example.com",
        "Av. Paulista, 900",
        "São Paulo",
        "SP",
        "01310-100",
    ),
    (
        "Camila Rodrigues",
        "111.444.777-35",
        "(21) 99876-5432",
        "",
        "camila.r@example.com",
        "Rua Voluntários da Pátria, 45",
        "Rio de Janeiro",
        "RJ",
        "22270-000",
    ),
    (
        "Diego Martins Souza",
        "390.533.447-05",
        "1234",
        "(31) 3222-1100",
        "",
        "Av. Afonso Pena, 1500",
        "Belo Horizonte",
        "MG",
        "30130-005",
    ),
    (
        "Eduarda Gomes",
        "275.484.389-23",
        "(41) 99123-4567",
        "",
        "eduarda.gomes@example.com",
        "Rua XV de Novembro, 300",
        "Curitiba",
        "PR",
        "80020-310",
    ),
    (
        "Felipe Araújo",
        "804.391.620-92",
        "(51) 98811-2233",
        "(51) 3221-4455",
        "felipe.araujo@example.com",
        "Rua dos Andradas, 1001",
        "Porto Alegre",
        "RS",
        "90020-007",
    ),
    (
        "Gabriela Nunes",
        "453.178.287-91",
        "",
        "(71) 3333-2222",
        "gabriela.nunes@example.com",
        "Av. Sete de Setembro, 50",
        "Salvador",
        "BA",
        "40060-001",
    ),
    (
        "Henrique Barbosa",
        "706.317.380-45",
        "(81) 99555-4433",
        "",
        "",
        "Rua da Aurora, 210",
        "Recife",
        "PE",
        "50050-000",
    ),
    ("Isabela Castro", "617.219.370-80", "(85) 98444-3322", "", "isabela.castro@example.com", "", "", "CE", ""),
    (
        "João Pedro Almeida",
        "048.532.940-90",
        "(11) 0000-000",
        "",
        "joao.almeida@example.com",
        "Rua Oscar Freire, 400",
        "São Paulo",
        "SP",
        "01426-001",
    ),
    (
        "Larissa Monteiro",
        "935.411.347-80",
        "(11) 96543-2109",
        "(11) 2345-6789",
        "larissa.m@example.com",
        "Rua Haddock Lobo, 595",
        "São Paulo",
        "SP",
        "01414-001",
    ),
    (
        "Marcelo Teixeira",
        "282.866.980-70",
        "(19) 99777-8899",
        "",
        "marcelo.teixeira@example.com",
        "Av. Norte-Sul, 1000",
        "Campinas",
        "SP",
        "13025-320",
    ),
    (
        "Natália Ribeiro",
        "732.405.530-31",
        "(27) 99888-1122",
        "",
        "natalia.ribeiro@example.com",
        "Av. Jerônimo Monteiro, 700",
        "Vitória",
        "ES",
        "29010-002",
    ),
    ("Otávio Cardoso", "367.158.380-03", "abc-def", "", "", "Rua Chile, 12", "Salvador", "BA", "40020-000"),
    (
        "Patrícia Mendes",
        "899.145.160-84",
        "(62) 99321-6547",
        "",
        "patricia.mendes@example.com",
        "Av. Goiás, 800",
        "Goiânia",
        "GO",
        "74005-010",
    ),
    (
        "Rafael Pinto",
        "519.634.270-25",
        "(48) 99654-9871",
        "(48) 3224-5566",
        "rafael.pinto@example.com",
        "Rua Felipe Schmidt, 150",
        "Florianópolis",
        "SC",
        "88010-000",
    ),
    (
        "Sabrina Duarte",
        "140.385.690-71",
        "(92) 99187-6543",
        "",
        "sabrina.duarte@example.com",
        "Av. Eduardo Ribeiro, 520",
        "Manaus",
        "AM",
        "69010-001",
    ),
    (
        "Thiago Moreira",
        "622.871.330-20",
        "(11) 95432-1098",
        "",
        "thiago.moreira@example.com",
        "Rua Teodoro Sampaio, 1800",
        "São Paulo",
        "SP",
        "05406-100",
    ),
    (
        "Vanessa Lopes",
        "456.283.150-28",
        "(61) 99234-5678",
        "(61) 3322-1100",
        "vanessa.lopes@example.com",
        "SQS 308 Bloco C",
        "Brasília",
        "DF",
        "70355-030",
    ),
    (
        "Wagner Freitas",
        "983.512.640-24",
        "(11) 94321-0987",
        "",
        "wagner.freitas@example.com",
        "Rua Vergueiro, 3000",
        "São Paulo",
        "SP",
        "04101-300",
    ),
    (
        "Yasmin Correia",
        "305.627.180-01",
        "+55 21 98234-7766",
        "",
        "yasmin.correia@example.com",
        "Rua Barata Ribeiro, 370",
        "Rio de Janeiro",
        "RJ",
        "22040-002",
    ),
    (
        "Mercadinho Bom Preço Ltda",
        "",
        "(11) 93210-9876",
        "(11) 4004-1234",
        "financeiro@bompreco.example.com",
        "Rua do Comércio, 77",
        "Guarulhos",
        "SP",
        "07010-000",
    ),
    (
        "Padaria Pão Quente ME",
        "",
        "",
        "(11) 3987-6543",
        "contato@paoquente.example.com",
        "Av. Brasil, 2500",
        "São Paulo",
        "SP",
        "01430-001",
    ),
    ("Zeca Oliveira", "214.563.870-90", "", "", "", "", "", "SP", ""),
]

# (customer index, days overdue of the first due date, amount,
#  payment: None | "partial" | "late" | "on_time", installments)
INVOICES = [
    (0, 150, 850.00, None, 1),
    (0, 40, 320.00, None, 1),
    (0, 5, 199.90, None, 1),
    (1, 100, 1250.00, "partial", 1),
    (1, 20, 480.00, None, 1),
    (2, 85, 2390.00, None, 3),
    (2, 12, 150.00, "on_time", 1),
    (3, 70, 560.00, None, 1),
    (3, 45, 275.50, "partial", 1),
    (4, 60, 1890.00, None, 1),
    (4, 31, 99.90, None, 1),
    (4, 130, 400.00, "late", 1),
    (5, 47, 3200.00, None, 3),
    (5, 2, 410.00, None, 1),
    (6, 36, 720.00, None, 1),
    (6, 110, 300.00, "late", 1),
    (6, 90, 260.00, "late", 1),
    (6, 75, 180.00, "late", 1),
    (7, 11, 155.00, None, 1),
    (7, 8, 89.90, None, 1),
    (8, 120, 640.00, "partial", 1),
    (8, 64, 330.00, None, 1),
    (9, 150, 990.00, None, 1),
    (9, 55, 1200.00, None, 2),
    (10, 38, 450.00, None, 1),
    (10, 29, 680.00, "partial", 1),
    (11, 26, 129.90, None, 1),
    (11, 140, 500.00, "late", 1),
    (12, 95, 1540.00, None, 3),
    (12, 16, 260.00, None, 1),
    (13, 140, 2100.00, None, 1),
    (13, 80, 760.00, "partial", 1),
    (14, -1, 390.00, None, 1),
    (14, -30, 120.00, None, 1),
    (15, 44, 870.00, None, 1),
    (15, 100, 350.00, "late", 1),
    (15, 120, 280.00, "late", 1),
    (16, 52, 1320.00, None, 2),
    (16, 7, 199.00, None, 1),
    (17, 12, 95.50, None, 1),
    (17, 65, 610.00, "on_time", 1),
    (18, 125, 4300.00, "partial", 3),
    (18, 22, 540.00, None, 1),
    (19, -2, 230.00, None, 1),
    (19, -25, 780.00, None, 1),
    (20, 9, 1150.00, None, 1),
    (20, 19, 330.00, "on_time", 1),
    (21, 88, 5400.00, None, 3),
    (21, 33, 2200.00, "partial", 1),
    (21, 12, 980.00, None, 1),
    (22, 46, 860.00, None, 1),
    (22, 30, 415.00, None, 1),
    (23, 150, 310.00, None, 1),
    (23, 62, 275.00, None, 1),
    (1, 3, 260.00, None, 1),
    (3, 25, 140.00, None, 1),
    (5, 90, 700.00, "late", 1),
    (9, 26, 88.00, None, 1),
    (12, 1, 99.00, None, 1),
    (16, 32, 460.00, None, 1),
    (18, 30, 120.00, None, 1),
    (19, -40, 75.00, None, 1),
    (22, 140, 600.00, "late", 1),
]


class CreditRecoveryPolicy(models.Model):
    """Demo data: a Brazilian retailer selling on credit, with customers at every stage.

    Kept under ``demo/`` as core keeps ``account/demo/``: the generator's methods extend the
    collection policy (``demo/credit_recovery_demo.xml`` calls ``_create_demo_data``) instead of
    registering a model of its own in every production database.

    Everything is created in the company's language (Portuguese when it is installed) and on
    São Paulo's clock: "today" is the day in São Paulo, and no log is dated after now.
    """

    _inherit = "credit.recovery.policy"

    @api.model
    def _create_demo_data(self):
        lang = "pt_BR" if self.env["res.lang"]._lang_get("pt_BR") else "en_US"
        if lang != "en_US":
            # Odoo loads a module's translations after its demo data: load them first, so that
            # the company's copies of the default policy and stages, the chatter notes and the
            # activities are created in the company's language.
            self.env["ir.module.module"]._load_module_terms([ADDON], [lang])
        company = self._create_demo_company(lang)
        brazil = company.country_id
        admin, agent = self._create_demo_users(company, lang)
        env = self.with_company(company).with_context(lang=lang, tz=DEMO_TZ).env
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        policy.dispute_manager_id = admin  # disputes are reviewed by the manager, not by the agent who raised them
        today = self._demo_today()
        # national and São Paulo holidays of this year and the next (the yearly cron keeps them up)
        policy._fill_public_holidays([today.year, today.year + 1])
        partners = env["res.partner"].create([self._prepare_demo_partner_vals(row, brazil, lang) for row in CUSTOMERS])
        self._create_demo_credit_limits(env, company, partners)  # issue 27
        invoices = self._create_demo_invoices(env, company, partners)
        self._pay_demo_invoices(env, invoices)
        self._create_demo_sales(env, company, partners)
        env["account.move"]._recovery_schedule_refresh(company)
        while env["account.move"]._recovery_refresh_batch()[1]:
            pass
        env["credit.recovery.debtor"]._recovery_refresh_history()
        debtors = env["credit.recovery.debtor"].search([("company_id", "=", company.id)], order="id")
        debtors[::2].user_id = agent
        debtors[1::2].user_id = admin
        # The customers the run's e-mails and SMS cannot reach are the agent's to call.
        debtors.filtered(
            lambda debtor: not debtor.partner_id.email and not debtor.partner_id.recovery_mobile_valid
        ).user_id = agent
        self._create_demo_contacts(env, company)
        self._create_demo_promise_history(env, company)
        self._create_demo_agreements(env, company)
        self._create_demo_agency(env, company)  # issue 25
        self._run_demo_collection(env, company)
        self._create_demo_credit_restored(env, company)  # issue 27
        # Analytics (issue 14): eight weeks of aging snapshots rebuilt from the invoices' history.
        env["credit.recovery.snapshot"]._rebuild_missing(company, today - timedelta(weeks=8), today)

    @api.model
    def _create_demo_company(self, lang):
        """The demo store: a Brazilian company in BRL with its logo, its chart of accounts and a bank
        account with a PIX key."""
        brl = self.env.ref("base.BRL")
        brl.active = True
        brazil = self.env.ref("base.br")
        with file_open(f"{ADDON}/demo/loja_exemplo_logo.png", "rb") as logo:
            logo_data = base64.b64encode(logo.read())
        # In the company's language: the data loading has none, and the chatter's "… created" of
        # its policy would read the model's name in English in a sentence in Portuguese.
        Company = self.env["res.company"].with_context(lang=lang)
        company = Company.create(
            {
                "name": "Loja Exemplo Comércio Ltda",
                "currency_id": brl.id,
                "country_id": brazil.id,
                "vat": "12.345.678/0001-95",
                "street": "Rua 25 de Março, 1000",
                "city": "São Paulo",
                "state_id": self.env.ref("base.state_br_sp").id,
                "zip": "01021-200",
                "phone": "+55 11 3333-4444",
                "email": "cobranca@lojaexemplo.example.com",
                "logo": logo_data,
                # a layout chosen: the first Print prints instead of opening the layout wizard
                "external_report_layout_id": self.env.ref("web.external_layout_standard").id,
            }
        )
        company.partner_id.lang = lang
        company.resource_calendar_id.tz = DEMO_TZ
        # The Brazilian chart of accounts when Odoo's localization is installed (``make run``
        # installs it first); the addon does not depend on it, and elsewhere the generic one.
        l10n_br = self.env["ir.module.module"].search([("name", "=", "l10n_br"), ("state", "=", "installed")])
        chart = "br" if l10n_br else "generic_coa"
        self.env["account.chart.template"].try_loading(chart, company=company, install_demo=False)
        company.currency_id = brl  # the generic chart of accounts sets its own currency
        # A bank account with a PIX key (the company's CNPJ) before any message is sent: the page,
        # the e-mails, the letters and the agreement terms show its PIX copia e cola and QR codes.
        bank = self.env["res.bank"].create({"name": "Banco do Brasil S.A.", "bic": "BRASBRRJ", "country": brazil.id})
        self.env["res.partner.bank"].create(
            {
                "partner_id": company.partner_id.id,
                "bank_id": bank.id,
                "acc_number": "0001 12345-6",
                "acc_holder_name": company.name,
                "proxy_value": "12345678000195",
            }
        )
        return company

    @api.model
    def _create_demo_users(self, company, lang):
        """``(admin, agent)``: the administrator moved to the demo store, and the collection agent
        ``agente`` / ``agente``; both land on the Collection app."""
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id, "tz": DEMO_TZ})
        admin.partner_id.lang = lang
        home = self.env.ref(f"{ADDON}.action_credit_recovery_debtor")
        admin.action_id = home.id  # collection users land on the Collection app
        agent = (
            self.env["res.users"]
            .with_context(lang=lang, tz=DEMO_TZ)
            .create(
                {
                    "name": "Carla Cobrança",
                    "login": "agente",
                    "password": "agente",
                    "email": "carla.cobranca@lojaexemplo.example.com",
                    "action_id": home.id,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "tz": DEMO_TZ,
                    "lang": lang,
                    "groups_id": [
                        Command.link(self.env.ref("base.group_user").id),
                        Command.link(self.env.ref(f"{ADDON}.group_credit_recovery_agent").id),
                    ],
                }
            )
        )
        return admin, agent

    @api.model
    def _demo_today(self):
        """Today in São Paulo (the demo company's day, whatever the server's clock says)."""
        return fields.Date.context_today(self.with_context(tz=DEMO_TZ))

    @api.model
    def _demo_moment(self, day, hour, minute=0):
        """``day`` at ``hour``:``minute`` in São Paulo, as Odoo stores it (naive UTC)."""
        local = pytz.timezone(DEMO_TZ).localize(datetime.combine(day, time(hour, minute)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _demo_business_day(self, business, days_ago):
        """The business day ``days_ago`` days before today in São Paulo, or the one before it."""
        day = self._demo_today() - timedelta(days=days_ago)
        while not business.is_business_day(day):
            day -= timedelta(days=1)
        return day

    @api.model
    def _demo_latest_moment(self, business, hour, minute=0):
        """Today's ``hour`` in São Paulo, or the previous business day's when that is still to
        come (the demo installed early in the morning): a log is never dated after now."""
        moment = self._demo_moment(self._demo_business_day(business, 0), hour, minute)
        if moment > fields.Datetime.now():
            moment = self._demo_moment(self._demo_business_day(business, 1), hour, minute)
        return moment

    def _run_demo_collection(self, env, company):
        """Today's collection run, as the cron does it; the messages already due are delivered
        (queued in Odoo's mail and SMS queues), the others wait for their moment."""
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        # The demo's set-up computed today's states already; as on a new day, the run
        # re-evaluates every open invoice (so that its screen shows them evaluated).
        env["account.move"]._recovery_schedule_refresh(company)
        # The manager's "Run now", as the demo's admin would click it.
        run = env["credit.recovery.run"].with_user(self.env.ref("base.user_admin"))._start(policy, trigger="manual")
        while run.state in ("refresh", "plan") and run._advance():
            pass
        while env["credit.recovery.dispatch"]._deliver_batch()[1]:
            pass

    def _demo_outcomes(self):
        ref = self.env.ref
        return {
            "no_answer": ref(f"{ADDON}.outcome_no_answer"),
            "voicemail": ref(f"{ADDON}.outcome_voicemail"),
            "refused": ref(f"{ADDON}.outcome_refused"),
            "callback": ref(f"{ADDON}.outcome_callback"),
            "promise": ref(f"{ADDON}.outcome_promise"),
            "dispute": ref(f"{ADDON}.outcome_already_paid"),
            "stop": ref(f"{ADDON}.outcome_do_not_contact"),
        }

    def _demo_in_collection(self, env, company):
        debtors = env["credit.recovery.debtor"].search([("company_id", "=", company.id)], order="id")
        return debtors.filtered("amount_overdue").sorted(lambda debtor: -debtor.days_overdue)

    def _create_demo_contacts(self, env, company):
        """A few weeks of collection work: calls, WhatsApp, promises, a dispute, an opt-out, and
        the call-backs they leave in the agents' activities."""
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        business = policy._get_business_calendar()
        outcomes = self._demo_outcomes()
        ref = self.env.ref
        reasons = [
            ref(f"{ADDON}.reason_income_loss"),
            ref(f"{ADDON}.reason_planning"),
            ref(f"{ADDON}.reason_proposal"),
        ]
        in_collection = self._demo_in_collection(env, company)

        def business_day(days_ago):
            return self._demo_business_day(business, days_ago)

        vals_list = []
        script = ["no_answer", "voicemail", "refused", "no_answer", "callback"]
        for index, debtor in enumerate(in_collection[:12]):
            for step, days_ago in enumerate((20, 13, 6)):
                kind = script[(index + step) % len(script)]
                day = business_day(days_ago + index % 3)
                vals = {
                    "partner_id": debtor.partner_id.id,
                    "company_id": company.id,
                    "invoice_ids": [Command.set(debtor.open_invoice_ids.filtered("recovery_amount_overdue").ids)],
                    "channel": "whatsapp" if step == 1 else "phone",
                    "direction": "outbound",
                    "date": self._demo_moment(day, 10, 0) + timedelta(minutes=7 * index),
                    "user_id": debtor.user_id.id,
                    "outcome_id": outcomes[kind].id,
                    "phone_number": debtor.partner_id.recovery_best_phone or False,
                }
                if kind == "refused":
                    vals["reason_id"] = reasons[index % len(reasons)].id
                    vals["notes"] = "Cliente disse que não tem como pagar este mês."
                if kind == "callback":
                    vals["next_action_date"] = business_day(-3)
                    vals["notes"] = "Pediu para ligar de novo depois do dia 5, quando recebe o salário."
                if step == 0:
                    vals["call_duration"] = 0.0 if kind == "no_answer" else 2.5
                vals_list.append(vals)
        self._create_demo_logs(env, *vals_list)
        self._create_demo_contacts_today(env, company, business, outcomes, in_collection)
        self._schedule_demo_callbacks(env, company, outcomes)

    def _create_demo_contacts_today(self, env, company, business, outcomes, in_collection):
        """Today's calls: two promises to pay, a dispute, a customer who asks not to be called again,
        and an inbound call asking for the updated amount."""
        today = self._demo_today()
        # Today: two customers promise to pay, one disputes, one asks not to be called again.
        # Never in the future (refused) nor outside the contact window: 11:00 in São Paulo today,
        # or on the previous business day when the demo is installed earlier than that.
        now = self._demo_latest_moment(business, 11)
        specials = [
            (in_collection[12], "promise", {"promise_amount": 300.0, "promise_date": today + timedelta(days=7)}),
            (in_collection[13], "promise", {"promise_amount": 150.0, "promise_date": today + timedelta(days=3)}),
            (in_collection[14], "dispute", {"notes": "Diz que pagou em dinheiro na loja; vai enviar o recibo."}),
            (in_collection[15], "stop", {"notes": "Pediu para não ser mais contatado; prefere vir à loja."}),
        ]
        for debtor, kind, extra in specials:
            invoices = debtor.open_invoice_ids.sorted("recovery_days_overdue", reverse=True)[:1]
            if kind == "promise":
                extra["promise_amount"] = min(extra["promise_amount"], invoices.amount_residual)
            self._create_demo_logs(
                env,
                {
                    "partner_id": debtor.partner_id.id,
                    "company_id": company.id,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "channel": "phone",
                    "direction": "outbound",
                    "date": now,
                    "user_id": debtor.user_id.id,
                    "outcome_id": outcomes[kind].id,
                    "phone_number": debtor.partner_id.recovery_best_phone or False,
                    **extra,
                },
            )
        self._create_demo_logs(
            env,
            {
                "partner_id": in_collection[0].partner_id.id,
                "company_id": company.id,
                "channel": "phone",
                "direction": "inbound",
                "date": now - timedelta(hours=2),
                "user_id": in_collection[0].user_id.id,
                "outcome_id": outcomes["callback"].id,
                "next_action_date": self._demo_business_day(business, -2),
                "notes": "Cliente ligou perguntando o valor atualizado; retornar com proposta de acordo.",
            },
        )

    def _schedule_demo_callbacks(self, env, company, outcomes):
        """The call-backs asked for, in the agents' activities (the debtors' activity view)."""
        callbacks = env["credit.recovery.contact"].search(
            [("company_id", "=", company.id), ("outcome_id", "=", outcomes["callback"].id)], order="date desc"
        )
        scheduled = set()
        for contact in callbacks:
            debtor = contact.debtor_id
            if not debtor or debtor in scheduled or not contact.next_action_date:
                continue
            scheduled.add(debtor)
            debtor.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=contact.next_action_date,
                summary="Retornar a ligação combinada",
                note=contact.notes or "",
                user_id=(debtor.user_id or contact.user_id).id,
            )

    def _create_demo_logs(self, env, *vals_list):
        """Log the demo's contacts as they happened.

        The set-up runs as OdooBot (the module's data loading), now: the notes a log posts (on the
        collection record, the invoices, the customer) are then signed by the log's agent and dated
        when the contact took place, as if the agent had logged it then. One log at a time, to
        know its notes.
        """
        Message = env["mail.message"].sudo()
        set_up = env.user.partner_id
        contacts = env["credit.recovery.contact"]
        for vals in vals_list:
            last_id = Message.search([], order="id desc", limit=1).id
            contact = contacts.create(vals)
            Message.search([("id", ">", last_id), ("author_id", "=", set_up.id)]).write(
                {"author_id": contact.user_id.partner_id.id, "date": contact.date}
            )
            contacts |= contact
        return contacts

    def _create_demo_promise_history(self, env, company):
        """Promises of the past weeks, some kept and some broken: the promise analysis, the
        broken promises and their call-back activities have something to show.

        The calls are logged as they took place (a Collection Manager may record a past call,
        here the set-up); the daily check then closes them as it would have.
        """
        today = self._demo_today()
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        business = policy._get_business_calendar()
        outcomes = self._demo_outcomes()
        in_collection = self._demo_in_collection(env, company)[16:].filtered(
            lambda debtor: not debtor.promise_ids and debtor.partner_id.recovery_best_phone
        )
        # (days ago the call took place, days given to pay, share of the oldest invoice, kept?)
        history = [(18, 5, 0.5, True), (15, 4, 1.0, True), (16, 3, 0.4, False), (12, 2, 0.3, False), (9, 2, 0.5, False)]
        contacts = env["credit.recovery.contact"]
        payments = []
        for debtor, (days_ago, delay, share, kept) in zip(in_collection, history, strict=False):
            day = self._demo_business_day(business, days_ago)
            invoice = debtor.open_invoice_ids.sorted("recovery_days_overdue", reverse=True)[:1]
            amount = invoice.currency_id.round(invoice.amount_residual * share)
            contacts |= self._create_demo_logs(
                env,
                {
                    "partner_id": debtor.partner_id.id,
                    "company_id": company.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "channel": "phone",
                    "direction": "outbound",
                    "date": self._demo_moment(day, 15, 30),
                    "user_id": debtor.user_id.id,
                    "outcome_id": outcomes["promise"].id,
                    "phone_number": debtor.partner_id.recovery_best_phone,
                    "promise_amount": amount,
                    "promise_date": day + timedelta(days=delay),
                    "notes": "Prometeu pagar no Pix assim que receber." if kept else "Disse que pagaria sem falta.",
                },
            )
            if kept:
                payments.append((invoice, amount, min(day + timedelta(days=delay - 1), today)))
        for invoice, amount, payment_date in payments:
            env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
                {"amount": amount, "payment_date": payment_date}
            )._create_payments()
        env["credit.recovery.promise"].search([("contact_id", "in", contacts.ids)])._close_promises(today)

    def _create_demo_agreements(self, env, company):
        """The renegotiation accounting of the demo company, an active agreement and one awaiting approval."""
        policy = env["credit.recovery.policy"]._get_company_policies(company)[company.id]
        accounts = env["account.account"].with_company(company)
        policy.write(
            {
                "agreement_journal_id": env["account.journal"]
                .search([("company_id", "=", company.id), ("type", "=", "general")], limit=1)
                .id,
                "agreement_income_account_id": accounts.search(
                    [("company_ids", "in", company.id), ("account_type", "=", "income_other")], limit=1
                ).id,
                "agreement_discount_account_id": accounts.search(
                    [("company_ids", "in", company.id), ("account_type", "=", "expense")], limit=1
                ).id,
            }
        )
        Agreement = env["credit.recovery.agreement"]
        today = self._demo_today()
        candidates = env["credit.recovery.debtor"].search(
            [("company_id", "=", company.id), ("amount_overdue", ">", 0), ("promise_ids", "=", False)],
            order="days_overdue desc",
        )
        invoices = candidates[0].open_invoice_ids.filtered("recovery_amount_overdue")
        active = Agreement.create(
            Agreement._prepare_agreement_vals(invoices)
            | {
                "discount_charges_percent": 100,
                "installments": 3,
                "first_due": today + timedelta(days=10),
                "user_id": candidates[0].user_id.id,  # negotiated by the debtor's agent, not by the set-up
            }
        )
        active.action_confirm()
        invoices = candidates[1].open_invoice_ids.filtered("recovery_amount_overdue")
        to_approve = Agreement.create(
            Agreement._prepare_agreement_vals(invoices)
            | {
                "discount_charges_percent": 100,
                "discount_principal_percent": 20,
                "installments": 10,
                "user_id": candidates[1].user_id.id,
            }
        )
        to_approve.action_submit()

    def _prepare_demo_partner_vals(self, row, country, lang):
        name, cpf, mobile, phone, email, street, city, state, zip_code = row
        state_rec = self.env["res.country.state"].search(
            [("country_id", "=", country.id), ("code", "=", state)], limit=1
        )
        # With Odoo's Brazilian localization, a CPF is filed as a CPF (not as a CNPJ or a foreign VAT).
        cpf_type = self.env.ref("l10n_br.cpf", raise_if_not_found=False) if cpf else None
        identification = {"l10n_latam_identification_type_id": cpf_type.id} if cpf_type else {}
        return identification | {
            "name": name,
            "is_company": not cpf,
            "vat": cpf or False,
            "mobile": mobile or False,
            "phone": phone or False,
            "email": email or False,
            "street": street or False,
            "city": city or False,
            "state_id": state_rec.id,
            "zip": zip_code or False,
            "country_id": country.id,
            "lang": lang,
            "tz": DEMO_TZ,
        }

    def _create_demo_invoices(self, env, company, partners):
        today = self._demo_today()
        term_3x = env["account.payment.term"].create(
            {
                "name": "3x 30/60/90",
                "company_id": company.id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 33.33, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 33.33, "nb_days": 60}),
                    Command.create({"value": "percent", "value_amount": 33.34, "nb_days": 90}),
                ],
            }
        )
        term_2x = env["account.payment.term"].create(
            {
                "name": "2x 30/60",
                "company_id": company.id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )
        term_30 = env["account.payment.term"].create(
            {
                "name": "30 dias",
                "company_id": company.id,
                "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})],
            }
        )
        terms = {1: term_30, 2: term_2x, 3: term_3x}
        journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        invoices = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[index].id,
                    "journal_id": journal.id,
                    "invoice_date": today - timedelta(days=30 + age),
                    "invoice_payment_term_id": terms[installments].id,
                    "invoice_line_ids": [
                        Command.create({"name": "Mercadorias (venda a prazo)", "price_unit": amount, "tax_ids": []})
                    ],
                }
                for index, age, amount, _payment, installments in INVOICES
            ]
        )
        invoices.action_post()
        return invoices

    def _create_demo_sales(self, env, company, partners):
        """The store's everyday credit sales of the last six months, ten every week, paid on
        their due date: most customers pay on time, so the dashboard's DSO, aging and CEI are a
        store's, not those of a book of overdue invoices alone."""
        today = self._demo_today()
        term = env["account.payment.term"].search([("name", "=", "30 dias"), ("company_id", "=", company.id)], limit=1)
        journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
        days = [today - timedelta(days=days_ago) for days_ago in range(3, 183, 7)]
        sales = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[number % len(partners)].id,
                    "journal_id": journal.id,
                    "invoice_date": day,
                    "invoice_payment_term_id": term.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Mercadorias (venda a prazo)",
                                "price_unit": 150 + (number * 137) % 750,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
                for number, day in enumerate(day for day in days for _sale in range(10))
            ]
        )
        sales.action_post()
        by_due = defaultdict(lambda: env["account.move"])
        for sale in sales.filtered(lambda sale: sale.invoice_date_due <= today):
            by_due[sale.invoice_date_due] |= sale
        for due, paid in sorted(by_due.items()):
            env["account.payment.register"].with_context(active_model="account.move", active_ids=paid.ids).create(
                {"payment_date": due, "group_payment": False}
            )._create_payments()

    def _pay_demo_invoices(self, env, invoices):
        for invoice, (_index, _age, amount, payment, _installments) in zip(invoices, INVOICES, strict=True):
            if not payment:
                continue
            first_due = min(invoice.line_ids.filtered("date_maturity").mapped("date_maturity"))
            if payment == "partial":
                vals = {"amount": round(amount * 0.4, 2), "payment_date": first_due + timedelta(days=3)}
            elif payment == "late":
                vals = {"amount": amount, "payment_date": invoice.invoice_date_due + timedelta(days=12)}
            else:
                vals = {"amount": amount, "payment_date": first_due}
            env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
                vals
            )._create_payments()
