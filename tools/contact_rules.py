"""When a debtor may be contacted: weekly window, holidays and per-day / per-week caps.

The rules work on *local* naive datetimes (the debtor's time zone); :func:`contact_moment` is the
one entry point from a UTC moment (the ORM's): it converts to the debtor's clock, decides, and
gives the next allowed moment back in UTC, an unknown time zone read as UTC in one place. The run,
the delivery, the contact log and *Contact now* all call it. Weeks are ISO weeks (Monday to Sunday).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytz

from .timezone import FALLBACK_TZ

OK = "ok"
OUTSIDE_WINDOW = "window"
HOLIDAY = "holiday"
DAY_CAP = "day_cap"
WEEK_CAP = "week_cap"


def _hours_to_time(hours: float) -> time:
    if hours >= 24:
        return time.max
    minutes = round(hours * 60)
    return time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class ContactWindow:
    """Allowed intervals per weekday (``date.weekday()``: Monday = 0), in hours, and holidays."""

    intervals: dict = field(default_factory=dict)  # {weekday: ((hour_from, hour_to), ...)}
    holidays: frozenset = frozenset()

    def day_intervals(self, day: date):
        if day in self.holidays:
            return ()
        return tuple(
            (datetime.combine(day, _hours_to_time(start)), datetime.combine(day, _hours_to_time(end)))
            for start, end in sorted(self.intervals.get(day.weekday(), ()))
        )

    def is_allowed(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.day_intervals(moment.date()))

    def next_allowed(self, moment: datetime, horizon_days: int = 370):
        """``moment`` if allowed, else the start of the next allowed interval (``None`` if none)."""
        for offset in range(horizon_days + 1):
            day = moment.date() + timedelta(days=offset)
            for start, end in self.day_intervals(day):
                if moment < end:
                    return max(start, moment)
        return None

    def refusal(self, moment: datetime) -> str:
        if self.is_allowed(moment):
            return OK
        return HOLIDAY if moment.date() in self.holidays else OUTSIDE_WINDOW


@dataclass(frozen=True)
class ContactDecision:
    reason: str
    next_moment: datetime | None

    @property
    def allowed(self) -> bool:
        return self.reason == OK


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def decide_contact(moment: datetime, window: ContactWindow, day_counts, max_per_day: int, max_per_week: int):
    """May one more outbound contact happen at ``moment``, and if not, when next?

    ``day_counts`` maps local dates to the outbound contacts already made that day
    (all channels). The reason given is the first rule that ``moment`` breaks.
    """

    def week_count(day):
        start = week_start(day)
        return sum(count for other, count in day_counts.items() if start <= other < start + timedelta(days=7))

    def breaks(candidate):
        if max_per_week and week_count(candidate.date()) >= max_per_week:
            return WEEK_CAP
        if max_per_day and day_counts.get(candidate.date(), 0) >= max_per_day:
            return DAY_CAP
        return window.refusal(candidate)

    reason = breaks(moment)
    if reason == OK:
        return ContactDecision(OK, moment)
    candidate = moment
    for _attempt in range(400):
        rule = breaks(candidate)
        if rule == OK:
            return ContactDecision(reason, candidate)
        if rule == WEEK_CAP:
            candidate = datetime.combine(week_start(candidate.date()) + timedelta(days=7), time.min)
        elif rule == DAY_CAP:
            candidate = datetime.combine(candidate.date() + timedelta(days=1), time.min)
        else:
            candidate = window.next_allowed(candidate)
            if candidate is None:
                break
    return ContactDecision(reason, None)


def zone(tz_name: str | None):
    """The pytz zone of ``tz_name``; an unknown or empty name is UTC (a debtor's free-typed
    ``tz`` never stops a run)."""
    try:
        return pytz.timezone(tz_name or FALLBACK_TZ)
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def to_local(moment_utc: datetime, tz_name: str | None) -> datetime:
    """The naive UTC ``moment_utc`` on the clock of ``tz_name`` (naive)."""
    return pytz.utc.localize(moment_utc).astimezone(zone(tz_name)).replace(tzinfo=None)


def to_utc(moment_local: datetime, tz_name: str | None) -> datetime:
    """The naive local ``moment_local`` of ``tz_name`` in UTC (naive)."""
    return zone(tz_name).localize(moment_local).astimezone(pytz.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class ContactMoment:
    """:func:`contact_moment`'s answer: ``reason`` (``OK`` when allowed), the next allowed moment in
    UTC (``None`` when the window has none) and the moment on the debtor's clock."""

    reason: str
    next_utc: datetime | None
    local: datetime

    @property
    def allowed(self) -> bool:
        return self.reason == OK


def contact_moment(now_utc: datetime, tz_name, window: ContactWindow, day_counts, caps: tuple[int, int]):
    """May one more outbound contact happen at the naive UTC ``now_utc`` for a debtor whose clock
    is ``tz_name``, with ``caps`` = (per day, per week) (see :func:`decide_contact`)? The one
    conversion of the contact rules."""
    local = to_local(now_utc, tz_name)
    decision = decide_contact(local, window, day_counts, *caps)
    next_utc = to_utc(decision.next_moment, tz_name) if decision.next_moment else None
    return ContactMoment(decision.reason, next_utc, local)
