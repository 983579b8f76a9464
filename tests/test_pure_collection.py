"""Skip rules of the collection run, tested without a database."""

from dataclasses import replace
from datetime import date, timedelta

from odoo.tests import tagged

from ..models.common import SKIP_REASONS
from ..tools import collection
from ..tools.collection import ActionFacts, skip_reason
from .common import PureCase, cases

DUE = ActionFacts(action_stage_id=2, current_stage_id=2)


def _state(installments, **kwargs):
    """invoice_state with a one-stage policy: stage 7 from the due date, stage 8 from 10 days."""

    def stage_of(due, as_of):
        if as_of >= due + timedelta(days=10):
            return collection.StageResult(8, None)
        return collection.StageResult(7 if as_of > due else None, due + timedelta(days=10))

    options = {
        "rounding": 0.01,
        "digits": 2,
        "tolerance": 1.0,
        "stage_of": stage_of,
        "paused": None,
        "callback": None,
        "today": date(2026, 5, 20),
    }
    options.update(kwargs)
    return collection.invoice_state(installments, **options)


@tagged("post_install", "-at_install")
class TestSkipRules(PureCase):
    def test_an_invoice_still_at_its_stage_is_chased(self):
        assert skip_reason(DUE) is None
        assert skip_reason(replace(DUE, dispute_state="invalid")) is None, "a rejected dispute no longer protects"
        assert skip_reason(replace(DUE, is_agreement_entry=True, debtor_has_active_agreement=True)) is None

    @cases(
        prescribed=({"prescribed": True}, collection.SKIP_PRESCRIBED),
        excluded=({"excluded": True}, collection.SKIP_EXCLUDED),
        dispute_open=({"dispute_state": "open"}, collection.SKIP_DISPUTE),
        dispute_valid=({"dispute_state": "valid"}, collection.SKIP_DISPUTE),
        paid=({"current_stage_id": None}, collection.SKIP_PAID),
        superseded=({"current_stage_id": 3}, collection.SKIP_SUPERSEDED),
        promise=({"paused": True}, collection.SKIP_PROMISE),
        agreement=({"debtor_has_active_agreement": True}, collection.SKIP_AGREEMENT),
        do_not_contact=({"do_not_contact": True}, collection.SKIP_DO_NOT_CONTACT),
        with_agency=({"with_agency": True}, collection.SKIP_AGENCY),
    )
    def test_each_rule_gives_its_reason(self, change, reason):
        assert skip_reason(replace(DUE, **change)) == reason

    def test_prescription_wins_over_everything(self):
        facts = replace(DUE, prescribed=True, excluded=True, dispute_state="open", paused=True, do_not_contact=True)
        assert skip_reason(facts) == collection.SKIP_PRESCRIBED

    def test_every_reason_has_a_label(self):
        reasons = {value for name, value in vars(collection).items() if name.startswith("SKIP_")}
        assert reasons == {key for key, _label in SKIP_REASONS}

    def test_invoice_state_sums_overdue_installments_from_the_oldest_one(self):
        state = _state([(date(2026, 5, 15), 100.1), (date(2026, 5, 18), 0.2), (date(2026, 6, 15), 500.0)])
        assert state == collection.InvoiceState(7, 5, 100.3, date(2026, 5, 15), date(2026, 5, 25))
        assert _state([]) == collection.InvoiceState(), "nothing open: no state"

    def test_invoice_state_tolerance_pause_callback_and_no_stage(self):
        below = _state([(date(2026, 5, 15), 0.5), (date(2026, 6, 15), 500.0)])
        assert below == collection.InvoiceState(None, 0, 0.0, date(2026, 6, 15), date(2026, 6, 25)), "below tolerance"
        paused = _state([(date(2026, 5, 1), 50.0)], paused=date(2026, 5, 5))
        assert (paused.stage_id, paused.next_action_date) == (7, None), "the stage of the day it was paused, no next"
        called = _state([(date(2026, 5, 15), 50.0)], callback=date(2026, 5, 21))
        assert called.next_action_date == date(2026, 5, 21), "the agent's callback comes first"
        excluded = _state([(date(2026, 5, 15), 50.0)], stage_of=None)
        assert excluded == collection.InvoiceState(None, 5, 50.0, date(2026, 5, 15), None)

    def test_invoice_state_knows_the_day_it_changes_by_itself(self):
        # The next stage (25 May) comes before the next installment falls due (16 June, the day after 15 June).
        state = _state([(date(2026, 5, 15), 100.0), (date(2026, 6, 15), 500.0)])
        assert state.change_date == date(2026, 5, 25)
        # At the last stage, the installment falling due is the next change; the day after it, not on it.
        last = _state([(date(2026, 5, 1), 100.0), (date(2026, 6, 15), 500.0)])
        assert (last.stage_id, last.change_date) == (8, date(2026, 6, 16))
        # A callback stops being the next action the day after it.
        called = _state([(date(2026, 5, 15), 50.0)], callback=date(2026, 5, 21))
        assert called.change_date == date(2026, 5, 22)
        # Paused at the last stage with nothing upcoming, or nothing open: it never changes by itself.
        assert _state([(date(2026, 5, 1), 50.0)], paused=date(2026, 5, 15)).change_date is None
        assert _state([]).change_date is None
        # No stage (excluded): only an installment falling due changes it; days overdue follow when read.
        excluded = _state([(date(2026, 5, 15), 50.0), (date(2026, 5, 30), 50.0)], stage_of=None)
        assert excluded.change_date == date(2026, 5, 31)
        # The day it was computed on is not part of the state.
        assert state == replace(state, change_date=None)
