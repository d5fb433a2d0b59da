"""Business-time arithmetic on a team's working calendar.

A calendar has working days (a weekly pattern, Monday = 0), one working window a day
(`start_minute`..`end_minute` local time), listed holidays and an IANA time zone.

- A **business hour** is 60 minutes inside the working window; a **business day** is one
  working day's window, `minutes_per_day` business minutes. So "2 business days" on a
  09:00-17:30 calendar is 1,020 business minutes.
- Business time says how much working time a promise uses, not how long a customer waits.
  The wait (elapsed wall-clock time) depends on when the request arrives, so this module
  gives **bounds**:
  - `min_elapsed`: the shortest wait, starting at the opening of the best working day,
    with no holidays (holidays only make a wait longer), less an allowance for a night made
    one hour shorter by daylight saving.
  - `max_elapsed`: the longest wait, starting just as the window closes before the longest
    stretch of non-working days, listed holidays included, plus the daylight saving
    allowance.
  - `business_within`: the business time every span of a given length is sure to contain
    (the inverse of `max_elapsed`), used to say "at least N business days".

All amounts are minutes (floats, since durations such as `1.5 hours` are allowed).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import zoneinfo
from functools import lru_cache

from .durations import Duration
from .organisation import Calendar

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_YEAR = 365 * MINUTES_PER_DAY
# Any date whose weekday is Monday works as the origin of the plain weekly pattern.
_MONDAY = dt.date(2001, 1, 1).toordinal()
# Daylight saving rules are sampled over these years to know whether a zone shifts its clocks.
_DST_YEARS = range(2020, 2036)


def profile(calendar: Calendar) -> tuple[int, int]:
    """(business minutes per day, working days per week): what makes business time comparable."""
    return calendar.minutes_per_day, len(calendar.days)


def business_minutes(duration: Duration, calendar: Calendar) -> float:
    """Business minutes of a business duration on `calendar`."""
    if duration.unit == "business day":
        return duration.amount * calendar.minutes_per_day
    if duration.unit == "business hour":
        return duration.amount * 60
    raise ValueError(f"{duration} is not business time")


@lru_cache(maxsize=256)
def dst_shift(timezone: str) -> int:
    """The largest clock change, in minutes, the zone makes in a year (0 without DST)."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 60  # unknown zone: assume the usual one-hour change, the safe side for bounds
    shift = 0
    for year in _DST_YEARS:
        offsets = {
            dt.datetime(year, month, 15, 12, tzinfo=zone).utcoffset() for month in range(1, 13)
        }
        minutes = [o.total_seconds() / 60 for o in offsets if o is not None]
        shift = max(shift, int(max(minutes) - min(minutes)))
    return shift


def _dst_allowance(calendar: Calendar, span: float) -> float:
    # A zone changes its clocks at most once each way a year.
    shift = dst_shift(calendar.timezone)
    return shift * (1 + int(span // MINUTES_PER_YEAR)) if shift else 0.0


class BusinessClock:
    """Bounds on the wall-clock time business time takes on one calendar, cached."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.per_day = calendar.minutes_per_day
        self.days = frozenset(calendar.days)
        self.per_week = len(self.days)
        self.holidays = sorted(set(calendar.holidays))
        self._holiday_ordinals = frozenset(day.toordinal() for day in self.holidays)
        self._min: dict[float, float] = {}
        self._max: dict[float, float] = {}
        self._spans: dict[int, int] = {}
        self._reach = 0  # how far around the holidays `_working_days` reaches
        self._working_days: list[int] = []

    # -- the plain weekly pattern ---------------------------------------------------------

    def _weekly_finish(self, weekday: int, business: float) -> float:
        """Minutes from the opening of `weekday`'s window (offset 0) until `business` is done."""
        if business <= self.per_day:
            return business
        elapsed = 0.0
        remaining = business - self.per_day
        # Every 7 consecutive days hold exactly `per_week` working days: skip whole weeks.
        weeks = max(0, math.ceil(remaining / (self.per_week * self.per_day)) - 1)
        elapsed += weeks * 7 * MINUTES_PER_DAY
        remaining -= weeks * self.per_week * self.per_day
        day = weekday
        while True:
            day = (day + 1) % 7
            elapsed += MINUTES_PER_DAY
            if day in self.days:
                if remaining <= self.per_day:
                    return elapsed + remaining
                remaining -= self.per_day

    def min_elapsed(self, business: float) -> float:
        """Lower bound of the wall-clock minutes `business` business minutes can take."""
        if business <= 0:
            return 0.0
        if business not in self._min:
            # The quickest start is a window's opening: waiting before it only adds time.
            best = min(self._weekly_finish(day, business) for day in self.days)
            self._min[business] = max(business, best - _dst_allowance(self.calendar, best))
        return self._min[business]

    # -- the worst case, holidays included ------------------------------------------------

    def _working(self, ordinal: int) -> bool:
        return (ordinal - _MONDAY) % 7 in self.days and ordinal not in self._holiday_ordinals

    def max_elapsed(self, business: float) -> float:
        """Upper bound of the wall-clock minutes `business` business minutes can take."""
        if business <= 0:
            return 0.0
        if business in self._max:
            return self._max[business]
        # The slowest start is just as a window closes: a request that arrives at any other
        # moment either starts working at once or waits less for the next opening.
        needed = math.ceil(business / self.per_day)  # working days after the closing one
        last = business - (needed - 1) * self.per_day  # minutes used on the last of them
        closing_gap = MINUTES_PER_DAY - self.calendar.end_minute + self.calendar.start_minute
        worst = (self._longest_span(needed) - 1) * MINUTES_PER_DAY + closing_gap + last
        result = worst + _dst_allowance(self.calendar, worst)
        self._max[business] = result
        return result

    def _longest_span(self, needed: int) -> int:
        """Most days from a working day's close to the `needed`-th working day after it."""
        if needed not in self._spans:
            span = max(self._weekly_span(weekday, needed) for weekday in self.days)
            if self.holidays:
                span = max(span, self._holiday_span(needed))
            self._spans[needed] = span
        return self._spans[needed]

    def _weekly_span(self, weekday: int, needed: int) -> int:
        full_weeks = (needed - 1) // self.per_week
        days = full_weeks * 7
        found = full_weeks * self.per_week
        day = weekday
        while found < needed:
            day = (day + 1) % 7
            days += 1
            if day in self.days:
                found += 1
        return days

    def _holiday_span(self, needed: int) -> int:
        # Only starts shortly before a holiday can differ from the weekly pattern: a wait
        # spans at most `needed` working days plus a week per holiday and two of slack.
        reach = (needed // self.per_week + 2) * 7 + 7 * len(self.holidays)
        last_holiday = self.holidays[-1].toordinal()
        if reach > self._reach:
            first = self.holidays[0].toordinal() - reach
            self._working_days = [
                o for o in range(first, last_holiday + reach + 8) if self._working(o)
            ]
            self._reach = reach
        working = self._working_days
        starts = bisect.bisect_right(working, last_holiday)
        starts = min(starts, len(working) - needed)
        return max(b - a for a, b in zip(working[:starts], working[needed:], strict=False))

    def business_within(self, elapsed: float) -> float:
        """Business minutes that every span of `elapsed` wall-clock minutes is sure to hold.

        The largest whole number of business minutes whose slowest wait still fits.
        """
        if self.max_elapsed(1) > elapsed:
            return 0.0
        low, high = 1, max(1, int(elapsed))
        while low < high:
            middle = (low + high + 1) // 2
            if self.max_elapsed(middle) <= elapsed:
                low = middle
            else:
                high = middle - 1
        return float(low)


class Clocks:
    """One `BusinessClock` per calendar, so each bound is computed once per run."""

    def __init__(self) -> None:
        self._clocks: dict[int, BusinessClock] = {}

    def __getitem__(self, calendar: Calendar) -> BusinessClock:
        clock = self._clocks.get(id(calendar))
        if clock is None or clock.calendar is not calendar:
            clock = self._clocks[id(calendar)] = BusinessClock(calendar)
        return clock

    def bounds(self, duration: Duration, calendar: Calendar) -> tuple[float, float]:
        """(lower, upper) bound of the wall-clock minutes a promise of `duration` can take."""
        if not duration.business:
            minutes = duration.calendar_minutes
            return minutes, minutes
        clock = self[calendar]
        amount = business_minutes(duration, calendar)
        return clock.min_elapsed(amount), clock.max_elapsed(amount)


def add_working_days(calendar: Calendar, start: dt.date, days: float) -> dt.date:
    """The date `days` working days after `start` on `calendar` (partial days round up)."""
    remaining = math.ceil(days)
    holidays = set(calendar.holidays)
    working = set(calendar.days)
    current = start
    # Guard against a calendar whose every day is a holiday: give up after a generous span.
    for _ in range(remaining * 7 + 7 * len(holidays) + 7):
        if remaining <= 0:
            break
        current += dt.timedelta(days=1)
        if current.weekday() in working and current not in holidays:
            remaining -= 1
    return current
