"""Skip rules of the collection run, tested without a database."""

from dataclasses import replace

import pytest

from ..models.credit_recovery_action import SKIP_REASONS
from ..tools import collection
from ..tools.collection import ActionFacts, skip_reason

DUE = ActionFacts(action_stage_id=2, current_stage_id=2)


def test_an_invoice_still_at_its_stage_is_chased():
    assert skip_reason(DUE) is None
    assert skip_reason(replace(DUE, dispute_state="invalid")) is None, "a rejected dispute no longer protects"
    assert skip_reason(replace(DUE, is_agreement_entry=True, debtor_has_active_agreement=True)) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"prescribed": True}, collection.SKIP_PRESCRIBED),
        ({"excluded": True}, collection.SKIP_EXCLUDED),
        ({"dispute_state": "open"}, collection.SKIP_DISPUTE),
        ({"dispute_state": "valid"}, collection.SKIP_DISPUTE),
        ({"current_stage_id": None}, collection.SKIP_PAID),
        ({"current_stage_id": 3}, collection.SKIP_SUPERSEDED),
        ({"paused": True}, collection.SKIP_PROMISE),
        ({"debtor_has_active_agreement": True}, collection.SKIP_AGREEMENT),
        ({"do_not_contact": True}, collection.SKIP_DO_NOT_CONTACT),
    ],
)
def test_each_rule_gives_its_reason(change, reason):
    assert skip_reason(replace(DUE, **change)) == reason


def test_prescription_wins_over_everything():
    facts = replace(DUE, prescribed=True, excluded=True, dispute_state="open", paused=True, do_not_contact=True)
    assert skip_reason(facts) == collection.SKIP_PRESCRIBED


def test_every_reason_has_a_label():
    reasons = {value for name, value in vars(collection).items() if name.startswith("SKIP_")}
    assert reasons == {key for key, _label in SKIP_REASONS}
