"""Plain-English durations: `30 minutes`, `4 business hours`, `2bd`, `6 months`.

A duration is an amount of a unit, in calendar time or in business time. Business time is
counted on a team's working calendar (see `calendars.py`); this module only parses and
formats.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# unit -> (canonical name, minutes per unit in calendar time, business?)
_UNITS: dict[str, tuple[str, int, bool]] = {}


def _unit(names: list[str], canonical: str, minutes: int, business: bool) -> None:
    for name in names:
        _UNITS[name] = (canonical, minutes, business)


_unit(["m", "min", "mins", "minute", "minutes"], "minute", 1, False)
_unit(["h", "hr", "hrs", "hour", "hours"], "hour", 60, False)
_unit(["d", "day", "days"], "day", 24 * 60, False)
_unit(["w", "wk", "week", "weeks"], "week", 7 * 24 * 60, False)
# A month is 30 days and a year 365: only review cadences use them, never promises' sums.
_unit(["mo", "month", "months"], "month", 30 * 24 * 60, False)
_unit(["y", "year", "years"], "year", 365 * 24 * 60, False)
_unit(["bh", "business hour", "business hours"], "business hour", 60, True)
_unit(["bd", "business day", "business days"], "business day", 0, True)

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z][a-z ]*?)\s*$")

EXAMPLES = "30 minutes, 4 hours, 2 business days, 4 business hours, 1 week, 6 months, 4bh, 2bd"


class DurationError(ValueError):
    """A text that is not a duration; the message says why, for the user."""


@dataclass(frozen=True, order=True)
class Duration:
    amount: float
    unit: str  # canonical unit name, e.g. "business day"

    @property
    def business(self) -> bool:
        return _UNITS[self.unit][2]

    @property
    def calendar_minutes(self) -> float:
        """Length in calendar minutes; only for calendar-time durations."""
        if self.business:
            raise ValueError("business time has no fixed calendar length")
        return self.amount * _UNITS[self.unit][1]

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit}{'' if amount == 1 else 's'}"


def parse_duration(text: object) -> Duration:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise DurationError(f"expected a duration such as '4 hours', got {type(text).__name__}")
    if isinstance(text, (int, float)):
        raise DurationError(f"'{text}' has no unit")
    match = _PATTERN.match(text.lower())
    if not match:
        raise DurationError(f"'{text}' is not a duration")
    amount_text, unit_text = match.groups()
    unit_text = re.sub(r"\s+", " ", unit_text)
    if unit_text not in _UNITS:
        close = difflib.get_close_matches(unit_text, sorted(_UNITS), n=1, cutoff=0.75)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        raise DurationError(f"'{text}' has an unknown unit '{unit_text}'{guess}")
    amount = float(amount_text)
    if amount <= 0:
        raise DurationError(f"'{text}' must be longer than zero")
    return Duration(amount=amount, unit=_UNITS[unit_text][0])
