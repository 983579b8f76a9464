from datetime import date

from odoo.tests import tagged

from ..tools import inbound
from ..tools.inbound import DISPUTE, PAID, PROMISE, STOP_CHANNEL, STOP_PHONE
from .common import PureCase, cases

MONDAY = date(2026, 12, 7)


@tagged("post_install", "-at_install")
class TestPureInbound(PureCase):
    """What a debtor's reply says, without a database."""

    @cases(
        upper=("PARAR", STOP_CHANNEL),
        lower_punct=("parar.", STOP_CHANNEL),
        sair=("Sair", STOP_CHANNEL),
        stop_english=("STOP", STOP_CHANNEL),
        cancelar_polite=("Cancelar, por favor", STOP_CHANNEL),
        quero_sair=("quero sair", STOP_CHANNEL),
        phrase=("Não quero mais receber essas mensagens!", STOP_CHANNEL),
        phrase_no_accents=("nao quero mais receber", STOP_CHANNEL),
        stop_sending=("Parem de me mandar mensagem", STOP_CHANNEL),
        list=("me tira dessa lista? me tirem da lista", STOP_CHANNEL),
        call_accents=("Não me ligue", STOP_PHONE),
        call_more=("por favor nao me liguem mais", STOP_PHONE),
        call_stop=("Pare de me ligar", STOP_PHONE),
    )
    def test_stop_request(self, text, expected):
        self.assertEqual(inbound.stop_request(text), expected)

    @cases(
        thinking=("não consigo parar de pensar nessa dívida",),
        sentence_word=("Vou sair do trabalho e pago amanhã",),
        cancel_purchase=("quero cancelar a compra que não fiz",),
        promise=("pago dia 10",),
        empty=("",),
        none=(None,),
        para_preposition=("para quando é o vencimento?",),
        stop_in_sentence=("não posso parar agora, mas pago sexta",),
    )
    def test_stop_request_false_positives(self, text):
        self.assertIsNone(inbound.stop_request(text))

    @cases(
        auto_submitted=({"Auto-Submitted": "auto-replied"}, "Re: Fatura", "text/plain", "auto_reply"),
        x_autoreply=({"X-Autoreply": "yes"}, "Re: Fatura", "text/plain", "auto_reply"),
        x_autorespond=({"X-Autorespond": "1"}, "Re: Fatura", "text/plain", "auto_reply"),
        precedence_bulk=({"Precedence": "bulk"}, "Re: Fatura", "text/plain", "auto_reply"),
        precedence_auto=({"Precedence": "auto_reply"}, "Re: Fatura", "text/plain", "auto_reply"),
        dsn=({}, "Undelivered", "multipart/report; report-type=delivery-status", "bounce"),
        mdn=({}, "Lida: Fatura", "multipart/report; report-type=disposition-notification", "receipt"),
        read_subject=({}, "Read: Fatura", "text/plain", "receipt"),
        out_of_office=({}, "Out of Office: Fatura", "text/plain", "auto_reply"),
        resposta_automatica=({}, "Resposta automática: Re: Fatura", "text/plain", "auto_reply"),
        null_sender=({"Return-Path": "<>"}, "Fatura", "text/plain", "bounce"),
    )
    def test_auto_reply(self, headers, subject, content_type, reason):
        self.assertEqual(inbound.auto_reply_reason(headers, subject, content_type), reason)

    @cases(
        reply=({"Auto-Submitted": "no"}, "Re: Sua fatura em atraso", "text/plain"),
        plain=({"From": "x@example.com"}, "Re: Cobrança", "multipart/alternative"),
        reading_word=({}, "Re: li a mensagem, ausente ontem", "text/plain"),
    )
    def test_not_auto_reply(self, headers, subject, content_type):
        self.assertIsNone(inbound.auto_reply_reason(headers, subject, content_type))

    def test_strip_quoted_reply(self):
        text = (
            "Paguei ontem, segue o comprovante.\n\nEm seg., 7 de dez. de 2026 às 10:00, Empresa <c@x.com>\n"
            "escreveu:\n> Pague até dia 10\n> Obrigado"
        )
        self.assertEqual(inbound.strip_quoted_reply(text), "Paguei ontem, segue o comprovante.")
        self.assertEqual(inbound.strip_quoted_reply("ok\n> quoted"), "ok")
        self.assertEqual(inbound.strip_quoted_reply("> only quoted"), "> only quoted")
        outlook = "Vou pagar\n\nFrom: Empresa\nSent: Monday\nSubject: Fatura"
        self.assertEqual(inbound.strip_quoted_reply(outlook), "Vou pagar")

    def test_drop_quoted_html(self):
        body = '<div>Não reconheço</div><div class="gmail_quote">Em seg. escreveu:<blockquote>pague</blockquote></div>'
        result = inbound.drop_quoted_html(body)
        self.assertIn("Não reconheço", result)
        self.assertNotIn("pague", result)
        self.assertEqual(inbound.drop_quoted_html(""), "")

    @cases(
        paid_yesterday=("paguei ontem", PAID, date(2026, 12, 6)),
        already_paid=("Já paguei!", PAID, None),
        paid_day=("paguei dia 5", PAID, date(2026, 12, 5)),
        paid_friday=("fiz o pix sexta", PAID, date(2026, 12, 4)),
        receipt=("segue comprovante", PAID, None),
        only_day=("só consigo dia 10", PROMISE, date(2026, 12, 10)),
        day_next_month=("só consigo dia 5", PROMISE, date(2027, 1, 5)),
        friday=("pago sexta", PROMISE, date(2026, 12, 11)),
        monday_next_week=("pago segunda-feira", PROMISE, date(2026, 12, 14)),
        day_month=("posso pagar dia 15/01", PROMISE, date(2027, 1, 15)),
        day_month_year=("vou pagar em 20/12/2026", PROMISE, date(2026, 12, 20)),
        tomorrow=("pago amanhã sem falta", PROMISE, date(2026, 12, 8)),
        day_31=("consigo pagar dia 31", PROMISE, date(2026, 12, 31)),
        not_recognised=("não reconheço essa compra", DISPUTE, None),
        not_made=("Eu não fiz essa compra", DISPUTE, None),
        not_mine=("isso não é meu", DISPUTE, None),
        fraud=("acho que é golpe", DISPUTE, None),
        not_paid_yet=("ainda não paguei, pago sexta", PROMISE, date(2026, 12, 11)),
        cannot=("não consigo pagar dia 10", None, None),
        nothing=("bom dia, quem fala?", None, None),
        amount_no_date=("posso pagar 10 reais", None, None),
        empty=("", None, None),
    )
    def test_suggest_meaning(self, text, meaning, when):
        self.assertEqual(inbound.suggest_meaning(text, MONDAY), (meaning, when))

    def test_find_date_end_of_month_and_year(self):
        self.assertEqual(inbound.find_date("dia 31", date(2027, 2, 1)), date(2027, 2, 28))
        self.assertEqual(inbound.find_date("dia 2", date(2026, 12, 30)), date(2027, 1, 2))
        self.assertEqual(inbound.find_date("dia 40", MONDAY), None)
        self.assertEqual(inbound.find_date("31/02", MONDAY), None)
