"""Pure helpers, tested without a database."""

from datetime import date

from odoo.tests import tagged

from ..tools.business_days import BusinessCalendar, holiday_dates, public_holidays
from ..tools.collection import (
    ProfileRule,
    StageRule,
    agreement_awaits_payment,
    credit_status,
    payments_to_restore,
    select_profile,
    stage_for_due_date,
)
from ..tools.phone import (
    INVALID,
    LANDLINE,
    LETTERS,
    MOBILE,
    UNKNOWN,
    best_phone,
    display_phone,
    example_phone,
    has_letters,
    normalize_phone,
)
from ..tools.sql import batch_update
from .common import PureCase, cases

TIRADENTES = date(2026, 4, 21)  # a Tuesday
CALENDAR = BusinessCalendar(weekdays=frozenset(range(5)), holidays=frozenset({TIRADENTES}))
RULES = [StageRule(1, -3), StageRule(2, 1), StageRule(3, 15), StageRule(4, 60)]


@tagged("post_install", "-at_install")
class TestPureHelpers(PureCase):
    def test_add_business_days_skips_weekend_and_holiday(self):
        friday = date(2026, 4, 17)
        assert CALENDAR.add_business_days(friday, 0) == friday
        assert CALENDAR.add_business_days(friday, 1) == date(2026, 4, 20)
        # Mon 20, (Tue 21 holiday), Wed 22, Thu 23, Fri 24, Mon 27
        assert CALENDAR.add_business_days(friday, 5) == date(2026, 4, 27)
        assert BusinessCalendar().add_business_days(friday, 5) == date(2026, 4, 24)

    def test_add_business_days_refuses_negative_count(self):
        with self.assertRaises(ValueError):
            CALENDAR.add_business_days(date(2026, 4, 17), -1)

    def test_next_business_day_and_six_day_week(self):
        saturday_week = BusinessCalendar(weekdays=frozenset(range(6)))
        assert CALENDAR.next_business_day(date(2026, 4, 18)) == date(2026, 4, 20)
        assert CALENDAR.next_business_day(TIRADENTES) == date(2026, 4, 22)
        assert saturday_week.next_business_day(date(2026, 4, 18)) == date(2026, 4, 18)

    def test_calendar_needs_a_working_day(self):
        with self.assertRaises(ValueError):
            BusinessCalendar(weekdays=frozenset())

    def test_holiday_dates_expands_inclusive_periods(self):
        days = holiday_dates([(date(2026, 12, 24), date(2026, 12, 26)), (date(2026, 1, 1), date(2026, 1, 1))])
        assert days == frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 1, 1)})

    @cases(
        nothing_yet=(date(2026, 4, 13), None, date(2026, 4, 14)),  # 4 days before due: nothing yet
        reminder=(date(2026, 4, 14), 1, date(2026, 4, 28)),  # 3 days before due: reminder
        grace_not_over=(date(2026, 4, 24), 1, date(2026, 4, 28)),  # grace (5 business days, holiday) not over
        last_day_of_grace=(date(2026, 4, 27), 1, date(2026, 4, 28)),  # last day of grace
        notice_after_grace=(date(2026, 4, 28), 2, date(2026, 5, 2)),  # notice right after the grace
        day_14=(date(2026, 5, 1), 2, date(2026, 5, 2)),  # day 14
        day_15_alert=(date(2026, 5, 2), 3, date(2026, 6, 16)),  # day 15: alert
        day_59=(date(2026, 6, 15), 3, date(2026, 6, 16)),  # day 59
        day_60_legal=(date(2026, 6, 16), 4, None),  # day 60: legal action, nothing after
    )
    def test_stage_for_due_date_boundaries(self, today, stage, next_action):
        result = stage_for_due_date(date(2026, 4, 17), today, RULES, 5, CALENDAR)
        assert (result.stage_id, result.next_action_date) == (stage, next_action)

    def test_stage_without_grace_starts_on_trigger_day(self):
        result = stage_for_due_date(date(2026, 4, 17), date(2026, 4, 18), RULES, 0, CALENDAR)
        assert result.stage_id == 2

    @cases(
        br_mobile=("(11) 98765-4321", "BR", "+5511987654321", MOBILE),
        br_landline=("11 3456-7890", "BR", "+551134567890", LANDLINE),
        br_mobile_from_us=("+55 21 99876-5432", "US", "+5521998765432", MOBILE),
        us_from_br=("+1 650-253-0000", "BR", "+16502530000", UNKNOWN),
        gb_landline=("020 7946 0958", "GB", "+442079460958", LANDLINE),
    )
    def test_normalize_valid_numbers(self, raw, country, e164, kind):
        info = normalize_phone(raw, country)
        assert (info.valid, info.e164, info.kind) == (True, e164, kind)

    @cases(
        letters=("abc",),
        too_short=("123",),
        truncated=("(11) 1234",),
        zeros=("+55 11 0000-0000",),
        too_long=("99999999999999999999",),
    )
    def test_normalize_junk_is_invalid_and_never_raises(self, raw):
        info = normalize_phone(raw, "BR")
        assert not info.valid
        assert info.e164 == ""
        assert info.raw == raw

    @cases(
        keypad_letters=("11 9ABC-DEFG", "BR"),
        vanity_0800=("0800-FLOWERS", "BR"),
        letters_in_e164=("+55 11 9ABCD-1234", "BR"),
        vanity_us=("1-800-FLOWERS", "US"),
        extension=("(11) 99123-4567 ramal 2", "BR"),
        accented=("(11) 99123-456é", "BR"),
        tel_prefix=("tel:+5511991234567", None),
    )
    def test_normalize_refuses_letters_never_reads_them_as_keypad_digits(self, raw, country):
        """phonenumbers reads letters as keypad digits: "11 9ABC-DEFG" would be +55 11 9222-3334,
        somebody else's number."""
        info = normalize_phone(raw, country)
        assert (info.valid, info.e164, info.raw, info.problem) == (False, "", raw, LETTERS)
        assert has_letters(raw)
        assert best_phone(info) is None

    def test_normalize_says_why_a_number_is_invalid(self):
        assert normalize_phone("(11) 1234", "BR").problem == INVALID
        assert normalize_phone("11 98765-4321", "BR").problem == ""
        assert normalize_phone("", "BR").problem == ""
        assert not has_letters("+55 (11) 98765-4321")

    def test_example_phone_in_the_national_form(self):
        assert example_phone("BR") == "(11) 96123-4567"
        assert normalize_phone(example_phone("br"), "BR").kind == MOBILE
        assert example_phone("") == example_phone(None) == example_phone("ZZ") == ""

    def test_normalize_empty_and_no_country(self):
        assert normalize_phone(None, "BR").raw == ""
        assert not normalize_phone("", None).valid
        assert not normalize_phone("11 98765-4321", None).valid  # no country, no prefix: cannot tell
        assert normalize_phone("+5511987654321", None).valid

    def test_best_phone_prefers_valid_mobile(self):
        landline = normalize_phone("11 3456-7890", "BR")
        mobile = normalize_phone("11 98765-4321", "BR")
        junk = normalize_phone("abc", "BR")
        assert best_phone(landline, mobile) == mobile
        assert best_phone(junk, landline) == landline
        assert best_phone(junk) is None

    def test_select_profile_takes_most_severe_match(self):
        rules = [
            ProfileRule(10, 10),
            ProfileRule(20, 20, min_episodes=3, min_broken=1),
            ProfileRule(30, 30, min_episodes=6, min_broken=2),
        ]
        assert select_profile(rules, 0, 0) == 10
        assert select_profile(rules, 2, 0) == 10
        assert select_profile(rules, 3, 0) == 20
        assert select_profile(rules, 0, 1) == 20
        assert select_profile(rules, 5, 2) == 30
        assert select_profile(rules, 6, 0) == 30
        assert select_profile(rules[1:], 0, 0) is None

    def test_credit_status_restricted_restored_normal(self):
        assert credit_status(True, 0) == credit_status(True, 4) == "restricted"
        assert credit_status(False, 2) == "restored", "paid, but late in the last 12 months"
        assert credit_status(False, 0) == "normal"

    def test_credit_waits_for_the_agreement_payments_the_policy_asks_for(self):
        assert credit_status(False, 2, True) == credit_status(False, 0, True) == "agreement_pending"
        assert credit_status(True, 2, True) == "restricted", "something overdue comes first"
        # (paid, count, rule, installments) -> still awaiting payment
        assert agreement_awaits_payment(0, 3, "first_payment")
        assert not agreement_awaits_payment(1, 3, "first_payment")
        assert agreement_awaits_payment(1, 3, "installments", 2)
        assert not agreement_awaits_payment(2, 3, "installments", 2)
        assert not agreement_awaits_payment(1, 1, "installments", 2), "never more payments than the agreement has"
        assert agreement_awaits_payment(2, 3, "full")
        assert not agreement_awaits_payment(3, 3, "full")
        assert payments_to_restore(4, "full") == 4
        assert payments_to_restore(4, "installments", 9) == 4

    def test_public_holidays_national_and_state(self):
        national = public_holidays("BR", None, [2027], "pt_BR")
        assert national[date(2027, 4, 21)] == "Tiradentes"
        assert date(2027, 7, 9) not in national
        sao_paulo = public_holidays("BR", "SP", [2026, 2027], "pt_BR")
        assert date(2027, 7, 9) in sao_paulo and date(2026, 7, 9) in sao_paulo  # Revolução Constitucionalista
        assert public_holidays("BR", "XX", [2027]).keys() == public_holidays("BR", None, [2027]).keys()
        assert public_holidays("ZZ", None, [2027]) == {}

    def test_display_phone_national_at_home_international_abroad(self):
        assert display_phone("+5561992345678", "BR") == "(61) 99234-5678"
        assert display_phone("+551133334444", "BR") == "(11) 3333-4444"
        assert display_phone("+351912345678", "BR") == "+351 912 345 678"
        assert display_phone("", "BR") == ""
        assert display_phone("junk", "BR") == "junk"
        assert display_phone("0800-FLOWERS", "BR") == "0800-FLOWERS", "never spelled into digits"

    def test_batch_update_keeps_what_a_row_leaves_out(self):
        query = batch_update(
            "credit_recovery_dispatch",
            {7: {"state": "sent", "note": "ok"}, 9: {"state": "cancelled"}},
            {},
            overwrite={"note"},
        )
        assert query.code == (
            'UPDATE "credit_recovery_dispatch" t SET "note" = v."note", "state" = COALESCE(v."state", t."state") '
            'FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::varchar[]) AS "note", '
            'unnest(%s::varchar[]) AS "state") v '
            "WHERE t.id = v.id"
        ), query.code
        assert query.params == [[7, 9], ["ok", None], ["sent", "cancelled"]]
