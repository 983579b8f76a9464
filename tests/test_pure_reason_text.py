import json

from odoo.tests import tagged

from ..tools import reason_text
from ..tools.reason_text import FLAG_ALREADY_PAID, FLAG_FRAUD, FLAG_NOT_RECOGNISED, FLAG_UNEMPLOYMENT
from . import reason_texts
from .common import PureCase, cases


@tagged("post_install", "-at_install")
class TestPureReasonText(PureCase):
    """Portuguese text read as a non-payment reason, without a database."""

    def test_normalize(self):
        self.assertEqual(reason_text.normalize("Não RECONHEÇO essa cobrança!!"), "nao reconheco essa cobranca")
        self.assertEqual(reason_text.normalize(None), "")

    def test_tokens_stop_words_stems_bigrams(self):
        self.assertEqual(
            reason_text.tokens("Eu não reconheço a compra de 300 reais"),
            ["nao", "recon", "compr", "reais", "nao recon", "recon compr", "compr reais", "flag:not_recognised"],
        )
        self.assertEqual(reason_text.tokens("desempregado"), ["desem", "flag:unemployment"])
        self.assertEqual(reason_text.tokens("DESEMPREGADA"), ["desem", "flag:unemployment"])

    @cases(
        unemployed=("Estou desempregado desde março", {FLAG_UNEMPLOYMENT}),
        fired=("fui demitida semana passada", {FLAG_UNEMPLOYMENT}),
        lost_job=("Perdi meu emprego", {FLAG_UNEMPLOYMENT}),
        paid=("Já paguei pelo PIX", {FLAG_ALREADY_PAID}),
        paid_plain=("paguei ontem", {FLAG_ALREADY_PAID}),
        not_paid=("ainda não paguei", set()),
        receipt=("segue comprovante", {FLAG_ALREADY_PAID}),
        unknown=("Não reconheço essa dívida", {FLAG_NOT_RECOGNISED}),
        never_bought=("nunca comprei nada aí", {FLAG_NOT_RECOGNISED}),
        scam=("isso é golpe", {FLAG_FRAUD}),
        not_me=("Não fui eu!", {FLAG_FRAUD}),
        cloned=("clonaram meu cartão", {FLAG_FRAUD}),
        identity=("usaram meu CPF", {FLAG_FRAUD}),
        two=("Não fui eu, não reconheço essa compra", {FLAG_FRAUD, FLAG_NOT_RECOGNISED}),
        nothing=("Pago na sexta sem falta", set()),
    )
    def test_flags(self, text, expected):
        self.assertEqual(reason_text.flags(text), expected)

    def test_held_out_suggestions_are_right(self):
        """Fitted on 60 labelled texts, right on at least 80 % of 20 texts it never saw."""
        model = reason_text.fit(reason_texts.TRAINING)
        score = reason_text.accuracy(model, reason_texts.HELD_OUT)
        self.assertGreaterEqual(score, 0.8, "right on at least 16 of the 20 held-out texts")
        label, confidence = reason_text.suggest(model, "Não reconheço essa cobrança, nunca comprei aí")
        self.assertEqual(label, reason_texts.NOT_RECOGNISED)
        self.assertTrue(0.5 <= confidence <= 1.0)

    def test_model_is_plain_json(self):
        model = reason_text.fit(reason_texts.TRAINING)
        self.assertEqual(json.loads(json.dumps(model)), model, "word counts, no pickle")
        self.assertEqual(set(model["labels"]), {label for _text, label in reason_texts.TRAINING})

    def test_unknown_words_no_suggestion(self):
        model = reason_text.fit(reason_texts.TRAINING)
        self.assertEqual(reason_text.suggest(model, "xyzzy plugh"), (None, 0.0))
        self.assertEqual(reason_text.suggest(None, "não reconheço"), (None, 0.0))

    def test_below_minimum_no_model(self):
        few = reason_texts.TRAINING[:40]
        result = reason_text.fit_with_holdout(few, min_labelled=50)
        self.assertIsNone(result["model"])
        self.assertEqual(result["labelled"], 40)
        # A reason given fewer than the minimum times is not learnt.
        model = reason_text.fit([*reason_texts.TRAINING[:20], ("golpe", "fraud")])
        self.assertNotIn("fraud", model["labels"])
        self.assertIsNone(reason_text.fit(reason_texts.TRAINING[:10]), "one reason alone: nothing to choose")

    def test_fit_with_holdout_time_ordered(self):
        samples = reason_texts.TRAINING + reason_texts.HELD_OUT
        result = reason_text.fit_with_holdout(samples)
        self.assertEqual(result["labelled"], 80)
        self.assertEqual(result["held_out"], 16, "the latest fifth")
        self.assertGreaterEqual(result["accuracy"], 0.8)
        model = result["model"]
        self.assertTrue(model)
        self.assertEqual(sum(model["labels"].values()), 80, "the model kept is fitted on all")
