"""Business-day arithmetic on a working-week + holidays calendar.

The ORM side reads a ``resource.calendar`` once (working weekdays from its
attendances, holidays from its global leaves) and builds a
:class:`BusinessCalendar`; everything below is plain date arithmetic, so a whole
batch of invoices is handled without touching the database again.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working weekdays (``date.weekday()`` numbers, Monday = 0) and holiday dates."""

    weekdays: frozenset = frozenset(range(5))
    holidays: frozenset = field(default_factory=frozenset)

    def __post_init__(self):
        if not self.weekdays:
            raise ValueError("A business calendar needs at least one working weekday.")

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def add_business_days(self, start: date, count: int) -> date:
        """The date ``count`` business days after ``start`` (``start`` itself not counted).

        ``count == 0`` returns ``start`` unchanged, business day or not.
        """
        if count < 0:
            raise ValueError("count must be positive or zero")
        day = start
        while count:
            day += ONE_DAY
            if self.is_business_day(day):
                count -= 1
        return day

    def next_business_day(self, day: date) -> date:
        """``day`` itself when it is a business day, else the first one after it."""
        while not self.is_business_day(day):
            day += ONE_DAY
        return day


def holiday_dates(periods):
    """Expand ``(first_day, last_day)`` pairs (inclusive) into a frozenset of dates."""
    days = set()
    for first, last in periods:
        day = first
        while day <= last:
            days.add(day)
            day += ONE_DAY
    return frozenset(days)


def public_holidays(country: str, subdivision: str | None, years, language: str | None = None) -> dict:
    """``{date: name}`` of the public holidays of ``country`` (and its ``subdivision``, e.g. ``"SP"``) in ``years``.

    From the ``holidays`` package (maintained yearly, knows Brazil and its states). An
    unknown subdivision falls back to the national holidays; an unknown country gives none.
    """
    supported = holidays.list_supported_countries()
    if country not in supported:
        return {}
    subdivision = subdivision if subdivision in supported[country] else None
    kwargs = {"subdiv": subdivision, "years": list(years)}
    languages = getattr(holidays.country_holidays(country), "supported_languages", ())
    if language in languages:
        kwargs["language"] = language
    return dict(holidays.country_holidays(country, **kwargs).items())
