from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from . import reason_texts
from .common import CreditRecoveryCommon

# A Monday, 09:00 in São Paulo: inside the contact window.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)


@tagged("post_install", "-at_install")
class TestReasonText(CreditRecoveryCommon):
    """The non-payment reason read from the agents' notes and the debtors' messages: learnt per
    company from its labelled logs, suggested with a confidence, confirmed or corrected by the
    agent, and the corrections learnt by the next fit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321", "lang": "en_US"})
        cls.create_invoice(800.0, date(2026, 9, 1), date(2026, 10, 1))
        Debtor = cls.env["credit.recovery.debtor"].sudo()
        cls.debtor = Debtor.browse(
            Debtor._get_or_create({(cls.customer.id, cls.company.id)})[cls.customer.id, cls.company.id]
        )
        cls.debtor.user_id = cls.agent
        keys = {key for _text, key in reason_texts.TRAINING}
        cls.reasons = {key: cls.env.ref(f"account_credit_recovery.reason_{key}") for key in (*keys, "other")}
        cls.Model = cls.env["credit.recovery.reason.model"]

    def log(self, text, reason=None, user=None, direction="inbound"):
        """A recorded log of ``text`` (what the debtor said), with the agent's ``reason`` if any."""
        vals = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "channel": "phone",
            "direction": direction,
            "notes": text,
        }
        if reason:
            vals["reason_id"] = self.reasons[reason].id
        return self.env["credit.recovery.contact"].with_user(user or self.agent).create(vals)

    def label(self, samples):
        """The agents' labelled logs of ``samples`` (``[(text, reason key)]``), in one batch."""
        return self.env["credit.recovery.contact"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "channel": "phone",
                    "direction": "inbound",
                    "notes": text,
                    "reason_id": self.reasons[key].id,
                }
                for text, key in samples
            ]
        )

    def fit(self):
        self.Model._cron_fit()
        return self.Model.search([("company_id", "=", self.company.id)])

    @freeze_time(MONDAY_9H_SP)
    def test_below_the_minimum_nothing_is_suggested(self):
        self.label(reason_texts.TRAINING[:40])
        model = self.fit()
        self.assertEqual(model.state, "insufficient")
        self.assertEqual(model.labelled_count, 40)
        self.assertFalse(model.weights)
        log = self.log("Não reconheço essa compra, nunca estive na loja")
        self.assertFalse(log.suggested_reason_id, "below 50 labelled logs: no suggestion")
        self.assertFalse(log.text_reason_state)
        self.assertTrue(log.flag_not_recognised, "the flags are phrases: read whatever the model")

    @freeze_time(MONDAY_9H_SP)
    def test_suggestions_right_on_held_out_texts(self):
        self.label(reason_texts.TRAINING)
        model = self.fit()
        self.assertEqual(model.state, "ready")
        self.assertEqual((model.labelled_count, model.held_out_count), (60, 12))
        self.assertEqual(set(model.reason_ids), set(self.reasons.values()) - {self.reasons["other"]})
        # What the debtors write (messages on the page, WhatsApp) and the agents note, unseen by the fit.
        logs = [
            self.debtor._recovery_receive_inbound("chat", text, f"held-out-{index}")
            if index % 2
            else self.log(text, direction="outbound")
            for index, (text, _key) in enumerate(reason_texts.HELD_OUT)
        ]
        right = sum(
            log.suggested_reason_id == self.reasons[key]
            for log, (_text, key) in zip(logs, reason_texts.HELD_OUT, strict=True)
        )
        self.assertGreaterEqual(right, 16, "right on at least 80 % of the held-out texts")
        suggested = [log for log in logs if log.suggested_reason_id]
        self.assertTrue(all(0.5 <= log.suggested_reason_confidence <= 1 for log in suggested))
        self.assertTrue(all(log.text_reason_state == "pending" for log in suggested))
        fraud = logs[reason_texts.HELD_OUT.index(("É golpe, alguém usou meu CPF para comprar", "fraud"))]
        self.assertTrue(fraud.flag_fraud_suspected)
        # The reason an agent chose stays as chosen: nothing is suggested over it.
        chosen = self.log("Não reconheço essa compra", reason="other")
        self.assertFalse(chosen.suggested_reason_id)
        self.assertTrue(chosen.flag_not_recognised)
        with self.assertRaisesText(UserError, "stays as chosen"):
            chosen.with_user(self.agent).action_correct_text_reason()
        # The run's own messages are not read.
        self.assertFalse(
            self.env["credit.recovery.contact"].search(
                [("is_automatic", "=", True), ("suggested_reason_id", "!=", False)]
            )
        )

    @freeze_time(MONDAY_9H_SP)
    def test_confirm_and_correct_feed_the_next_fit(self):
        self.label(reason_texts.TRAINING)
        self.fit()
        paid = self.log("Já paguei pelo pix, tenho o comprovante")
        self.assertEqual(paid.suggested_reason_id, self.reasons["already_paid"])
        outsider = new_test_user(self.env, login="outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            paid.with_user(outsider).action_confirm_text_reason()
        paid.with_user(self.agent).action_confirm_text_reason()
        self.assertEqual((paid.text_reason_id, paid.text_reason_state), (self.reasons["already_paid"], "confirmed"))
        self.assertFalse(paid.reason_id, "the sealed log is left as it was recorded")
        self.assertIn("confirmed by", self.debtor.message_ids[0].body)
        with self.assertRaisesText(UserError, "already confirmed"):
            paid.with_user(self.agent).action_confirm_text_reason()
        # A new reason the model never saw: the agents give it five times, the next fit learns it.
        health = self.env["credit.recovery.nonpayment.reason"].create({"name": "Health problem"})
        sick = [
            "Estou internado no hospital, doente",
            "fiquei doente e gastei tudo com remédio",
            "Minha mãe está no hospital, gastos com remédio",
            "Estou doente, afastado pelo médico",
            "cirurgia no hospital, sem condições agora",
        ]
        for text in sick:
            log = self.log(text)
            action = log.with_user(self.agent).action_correct_text_reason()
            wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
            wizard.reason_id = health
            wizard.save().action_apply()
            self.assertEqual(log.text_reason_id, health)
            self.assertIn(log.text_reason_state, ("corrected", "given"))
        model = self.Model.search([("company_id", "=", self.company.id)])
        model.with_user(self.manager).action_fit()
        self.assertEqual(model.labelled_count, 66, "60 chosen, 1 confirmed, 5 corrected")
        self.assertIn(health, model.reason_ids)
        self.assertEqual(self.log("Estou no hospital, doente").suggested_reason_id, health)
        with self.assertRaises(AccessError):
            model.with_user(self.agent).action_fit()

    @freeze_time(MONDAY_9H_SP)
    def test_reasons_analysis_from_text(self):
        self.label(reason_texts.TRAINING)
        self.fit()
        confirmed = self.log("Não reconheço essa dívida")
        confirmed.with_user(self.agent).action_confirm_text_reason()
        corrected = self.log("Esqueci do vencimento, pago amanhã")
        self.env["credit.recovery.reason.correct"].with_user(self.agent).create(
            {"contact_id": corrected.id, "reason_id": self.reasons["proposal"].id}
        ).action_apply()
        self.log("Clonaram meu cartão, não fui eu")
        self.env.flush_all()
        Analysis = self.env["credit.recovery.reason.text.analysis"].with_user(self.manager)
        rows = {
            (row["suggested_reason_id"][0] if row["suggested_reason_id"] else False): row
            for row in Analysis.read_group(
                [("debtor_id", "=", self.debtor.id)],
                ["suggestion_count:sum", "confirmed_count:sum", "corrected_count:sum", "pending_count:sum"],
                ["suggested_reason_id"],
            )
        }
        self.assertEqual(rows[self.reasons["not_recognised"].id]["confirmed_count"], 1)
        suggested_for_corrected = corrected.suggested_reason_id.id
        self.assertEqual(rows[suggested_for_corrected]["corrected_count"], corrected.text_reason_state == "corrected")
        self.assertEqual(rows[self.reasons["fraud"].id]["pending_count"], 1)
        # The reasons analysis counts the reasons confirmed from the text, apart from the agents' own.
        reasons = self.env["credit.recovery.reason.analysis"].search(
            [("debtor_id", "=", self.debtor.id), ("reason_source", "=", "text")]
        )
        self.assertEqual(set(reasons.mapped("reason_id")), {self.reasons["not_recognised"], self.reasons["proposal"]})
