"""Contact window, caps and evidence hashes, tested without a database."""

from datetime import date, datetime

from odoo.tests import tagged

from ..tools.contact_rules import (
    DAY_CAP,
    HOLIDAY,
    OK,
    OUTSIDE_WINDOW,
    WEEK_CAP,
    ContactWindow,
    contact_moment,
    decide_contact,
)
from ..tools.evidence import canonical_json, evidence_hash, sha256_hex
from .common import PureCase

SP_WINDOW = ContactWindow(
    intervals={**dict.fromkeys(range(5), ((8.0, 20.0),)), 5: ((8.0, 14.0),)},
    holidays=frozenset({date(2026, 11, 20)}),  # a Friday
)


@tagged("post_install", "-at_install")
class TestContactRules(PureCase):
    def test_window_bounds_are_half_open(self):
        assert SP_WINDOW.is_allowed(datetime(2026, 11, 23, 8, 0))
        assert SP_WINDOW.is_allowed(datetime(2026, 11, 23, 19, 59))
        assert not SP_WINDOW.is_allowed(datetime(2026, 11, 23, 20, 0))
        assert not SP_WINDOW.is_allowed(datetime(2026, 11, 23, 7, 59))
        assert SP_WINDOW.is_allowed(datetime(2026, 11, 21, 13, 30))  # Saturday morning
        assert not SP_WINDOW.is_allowed(datetime(2026, 11, 21, 14, 0))
        assert not SP_WINDOW.is_allowed(datetime(2026, 11, 22, 10, 0))  # Sunday

    def test_next_allowed_moment(self):
        # Thursday night -> Friday is a holiday -> Saturday 08:00
        assert SP_WINDOW.next_allowed(datetime(2026, 11, 19, 21, 0)) == datetime(2026, 11, 21, 8, 0)
        # Saturday afternoon -> Monday 08:00
        assert SP_WINDOW.next_allowed(datetime(2026, 11, 21, 15, 0)) == datetime(2026, 11, 23, 8, 0)
        # Early morning -> same day 08:00; inside the window -> itself
        assert SP_WINDOW.next_allowed(datetime(2026, 11, 23, 6, 30)) == datetime(2026, 11, 23, 8, 0)
        assert SP_WINDOW.next_allowed(datetime(2026, 11, 23, 9, 15)) == datetime(2026, 11, 23, 9, 15)
        assert ContactWindow().next_allowed(datetime(2026, 11, 23, 9, 0)) is None

    def test_window_and_holiday_refusals(self):
        assert decide_contact(datetime(2026, 11, 23, 9, 0), SP_WINDOW, {}, 1, 3).reason == OK
        decision = decide_contact(datetime(2026, 11, 20, 10, 0), SP_WINDOW, {}, 1, 3)
        assert (decision.reason, decision.next_moment) == (HOLIDAY, datetime(2026, 11, 21, 8, 0))
        decision = decide_contact(datetime(2026, 11, 22, 10, 0), SP_WINDOW, {}, 1, 3)
        assert (decision.reason, decision.next_moment) == (OUTSIDE_WINDOW, datetime(2026, 11, 23, 8, 0))

    def test_day_cap_moves_to_next_allowed_day(self):
        counts = {date(2026, 11, 23): 1}
        decision = decide_contact(datetime(2026, 11, 23, 15, 0), SP_WINDOW, counts, 1, 3)
        assert (decision.reason, decision.next_moment) == (DAY_CAP, datetime(2026, 11, 24, 8, 0))
        assert decide_contact(datetime(2026, 11, 23, 15, 0), SP_WINDOW, counts, 2, 3).allowed

    def test_week_cap_moves_to_next_week(self):
        counts = {date(2026, 11, 23): 1, date(2026, 11, 24): 1, date(2026, 11, 25): 1}
        decision = decide_contact(datetime(2026, 11, 26, 10, 0), SP_WINDOW, counts, 1, 3)
        assert (decision.reason, decision.next_moment) == (WEEK_CAP, datetime(2026, 11, 30, 8, 0))
        # Contacts of the previous week do not count.
        assert decide_contact(datetime(2026, 11, 30, 10, 0), SP_WINDOW, counts, 1, 3).allowed

    def test_contact_moment_converts_once(self):
        # 10:30 UTC is 07:30 in São Paulo (UTC-3): before the window; next allowed 08:00 local = 11:00 UTC.
        moment = contact_moment(datetime(2026, 11, 23, 10, 30), "America/Sao_Paulo", SP_WINDOW, {}, (1, 3))
        assert (moment.reason, moment.local, moment.next_utc) == (
            OUTSIDE_WINDOW,
            datetime(2026, 11, 23, 7, 30),
            datetime(2026, 11, 23, 11, 0),
        )
        # The local day counts with the caps: 01:30 UTC on the 24th is still the 23rd in São Paulo.
        counts = {date(2026, 11, 23): 1}
        moment = contact_moment(datetime(2026, 11, 24, 1, 30), "America/Sao_Paulo", SP_WINDOW, counts, (1, 3))
        assert (moment.reason, moment.next_utc) == (DAY_CAP, datetime(2026, 11, 24, 11, 0))
        assert contact_moment(datetime(2026, 11, 23, 12, 0), "America/Sao_Paulo", SP_WINDOW, {}, (1, 3)).allowed

    def test_contact_moment_unknown_time_zone_is_utc(self):
        for name in ("Mars/Olympus_Mons", "", None):
            moment = contact_moment(datetime(2026, 11, 23, 7, 30), name, SP_WINDOW, {}, (1, 3))
            assert (moment.reason, moment.local, moment.next_utc) == (
                OUTSIDE_WINDOW,
                datetime(2026, 11, 23, 7, 30),
                datetime(2026, 11, 23, 8, 0),
            )

    def test_evidence_hash_is_canonical_and_sensitive(self):
        first = {"b": 1, "a": [1, 2], "when": date(2026, 11, 23), "notes": "Prometeu pagar sexta"}
        second = {"notes": "Prometeu pagar sexta", "when": date(2026, 11, 23), "a": [1, 2], "b": 1}
        assert canonical_json(first) == canonical_json(second)
        assert evidence_hash(first) == evidence_hash(second)
        assert evidence_hash(first) != evidence_hash({**first, "notes": "Prometeu pagar sábado"})
        assert len(evidence_hash(first)) == 64
        assert sha256_hex("") == sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
