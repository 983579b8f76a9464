from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestPublicHolidays(CreditRecoveryCommon):
    """The policy calendar's public holidays keep themselves up to date; hand-entered ones are kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.br").id, "state_id": cls.env.ref("base.state_br_sp").id})
        cls.calendar.tz = "America/Sao_Paulo"

    def holidays(self):
        return self.env["resource.calendar.leaves"].search(
            [("calendar_id", "=", self.calendar.id), ("resource_id", "=", False)]
        )

    @freeze_time(datetime(2026, 11, 23, 12, 0))
    def test_cron_fills_this_year_and_the_next_without_touching_hand_entered_days(self):
        self.add_holiday(date(2027, 4, 21))  # Tiradentes typed in by hand
        by_hand = self.holidays()
        self.env["credit.recovery.policy"]._cron_fill_holidays()
        business = self.policy._get_business_calendar()
        for day in (date(2026, 12, 25), date(2027, 1, 1), date(2027, 7, 9), date(2027, 11, 20)):
            self.assertFalse(business.is_business_day(day), day)
        self.assertTrue(business.is_business_day(date(2028, 1, 3)))
        self.assertFalse(business.is_business_day(date(2027, 4, 21)))
        self.assertTrue(by_hand.exists(), "the hand-entered holiday is kept")
        self.assertFalse(by_hand.recovery_holiday_key)
        auto = self.holidays() - by_hand
        self.assertNotIn("BR-SP:2027-04-21", auto.mapped("recovery_holiday_key"), "no duplicate of a hand-entered day")
        # The next runs change nothing, and a removed holiday of ours comes back.
        self.env["credit.recovery.policy"]._cron_fill_holidays()
        self.assertEqual(self.holidays(), by_hand | auto)
        auto[:1].unlink()
        self.env["credit.recovery.policy"]._cron_fill_holidays()
        self.assertEqual(len(self.holidays()), len(by_hand | auto))
        # Local days: Christmas in São Paulo covers the whole local day.
        christmas = self.holidays().filtered(lambda leave: leave.recovery_holiday_key == "BR-SP:2026-12-25")
        self.assertEqual(
            (christmas.date_from, christmas.date_to), (datetime(2026, 12, 25, 3, 0), datetime(2026, 12, 26, 2, 59, 59))
        )
