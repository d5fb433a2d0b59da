"""Step 2: the file formats as pydantic models, the single source of truth for the JSON Schema.

Field names are part of the product: teams write them. Each model forbids unknown keys so a
typo is reported (with a "did you mean" hint) instead of silently ignored. Values keep the
shape the user wrote; cross-file references are checked later, in `resolve.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .durations import EXAMPLES, Duration, DurationError, parse_duration

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)
_SERVICE_REF = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/([a-z0-9]+(?:-[a-z0-9]+)*)$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SAFE_URL_SCHEMES = ("http://", "https://", "mailto:")


def _slug(value: Any) -> Any:
    if isinstance(value, str) and not _SLUG.match(value):
        raise PydanticCustomError(
            "bad_id",
            "'{value}' is not a valid id",
            {"value": value},
        )
    return value


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    try:
        return parse_duration(value)
    except DurationError as error:
        raise PydanticCustomError("bad_duration", "{reason}", {"reason": str(error)}) from None


def _percentage(value: Any) -> float:
    # "95%" is what people write; 0.95 and 95 are accepted as the same thing.
    number: float | None = None
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*%\s*", value):
        number = float(value.strip().rstrip("%")) / 100
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value / 100 if value > 1 else float(value)
    if number is None or not 0 < number <= 1:
        raise PydanticCustomError(
            "bad_target", "'{value}' is not a share of requests", {"value": value}
        )
    return number


def _url(value: Any) -> Any:
    if isinstance(value, str) and not value.lower().startswith(SAFE_URL_SCHEMES):
        raise PydanticCustomError(
            "bad_url", "'{value}' is not an http, https or mailto link", {"value": value}
        )
    if isinstance(value, str) and any(c.isspace() or c in "<>\"'" for c in value.strip()):
        raise PydanticCustomError(
            "bad_url", "'{value}' contains spaces or quotes", {"value": value}
        )
    return value.strip() if isinstance(value, str) else value


def _email(value: Any) -> Any:
    if isinstance(value, str) and not _EMAIL.match(value):
        raise PydanticCustomError(
            "bad_email", "'{value}' is not an email address", {"value": value}
        )
    return value


def _service_ref(value: Any) -> Any:
    if isinstance(value, str) and not _SERVICE_REF.match(value):
        raise PydanticCustomError(
            "bad_service_ref", "'{value}' is not a team-id/service-id reference", {"value": value}
        )
    return value


def _date(value: Any) -> Any:
    # PyYAML turns an unquoted 2026-03-01 into a date; a quoted one arrives as text.
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "bad_date", "'{value}' is not a date in YYYY-MM-DD form", {"value": value}
            ) from None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, (dt.date, bool)):  # yes/no is reported as a wrong type
        # pydantic would read a number as seconds since 1970: a date must look like one.
        raise PydanticCustomError(
            "bad_date", "'{value}' is not a date in YYYY-MM-DD form", {"value": value}
        )
    return value


Id = Annotated[
    str,
    BeforeValidator(_slug),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": SLUG_PATTERN,
            "description": "lowercase letters, digits and single hyphens",
        }
    ),
]
DurationText = Annotated[
    Duration,
    BeforeValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\d+(\.\d+)?\s*[A-Za-z][A-Za-z ]*$",
            "description": f"a duration, e.g. {EXAMPLES}",
            "examples": ["4 business hours", "2 business days", "30 minutes"],
        }
    ),
]
Percentage = Annotated[
    float,
    BeforeValidator(_percentage),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
                {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            ],
            "examples": ["95%"],
        }
    ),
]
Url = Annotated[
    str,
    BeforeValidator(_url),
    WithJsonSchema({"type": "string", "pattern": r"^(https?://|mailto:)\S+$"}),
]
Email = Annotated[
    str, BeforeValidator(_email), WithJsonSchema({"type": "string", "format": "email"})
]
ServiceRef = Annotated[
    str,
    BeforeValidator(_service_ref),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[a-z0-9-]+/[a-z0-9-]+$",
            "description": "team-id/service-id",
        }
    ),
]
Date = Annotated[
    dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})
]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


# --- organisation file -------------------------------------------------------------------


class NamedItem(_Strict):
    id: Id
    name: Text
    description: str = ""


class Calendar(_Strict):
    """A working-time calendar: business time is counted only inside it."""

    timezone: Text = Field(description="IANA time zone, e.g. Europe/London")
    days: Text = Field("Mon-Fri", description="working days, e.g. 'Mon-Fri' or 'Mon,Tue,Thu'")
    hours: Text = Field("09:00-17:00", description="working hours, e.g. '09:00-17:30'")
    holidays: list[Date] = Field(default_factory=list, description="dates with no working hours")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in _timezones():
            raise PydanticCustomError(
                "unknown_timezone", "'{value}' is not an IANA time zone", {"value": value}
            )
        return value

    @field_validator("days")
    @classmethod
    def _valid_days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        parse_hours(value)
        return value


class Standards(_Strict):
    review_every: DurationText = Field(
        description="how often every charter must be reviewed, e.g. '6 months'"
    )
    response: DurationText | None = Field(
        None, description="response promise for services that state none"
    )
    target: Percentage = Field(0.9, description="default share of requests meeting promises")


class OrganisationFile(_Strict):
    """`charters/organization.yaml`: the one file that states what the organisation is for."""

    name: Text
    mission: Text
    vision: Text
    logo: str | None = Field(
        None, description="optional: path of a logo image inside handbook/, shown in the header"
    )
    values: list[NamedItem] = Field(default_factory=list)
    goals: list[NamedItem] = Field(min_length=1)
    groups: list[NamedItem] = Field(min_length=1)
    customers: list[NamedItem] = Field(
        default_factory=list, description="external customer segments"
    )
    calendars: dict[Id, Calendar]
    standards: Standards


# --- team charter ------------------------------------------------------------------------


class Contact(_Strict):
    email: Email | None = None
    chat: str | None = Field(None, description="chat channel, e.g. '#payroll-help'")
    url: Url | None = None


class DependsOn(_Strict):
    service: ServiceRef
    purpose: Text = Field(alias="for", description="what the service needs it for")
    blocking: bool = Field(True, description="false when work can go on while waiting")


class Service(_Strict):
    id: Id
    name: Text
    summary: Text
    customers: list[Id] = Field(min_length=1, description="team, group or segment ids, or everyone")
    request: Text = Field(description="how to ask for this service, in plain words")
    request_url: Url | None = None
    response: DurationText | None = Field(
        None, description="time to first answer; defaults to the organisation's standard"
    )
    resolution: DurationText | None = Field(None, description="time to resolve a request")
    target: Percentage | None = Field(None, description="share of requests meeting the promise")
    goals: list[Id] = Field(default_factory=list)
    depends_on: list[DependsOn] = Field(default_factory=list)


class CharterFile(_Strict):
    """`charters/<team-id>.yaml`: one team's declared interface to the rest of the organisation."""

    team: Id
    name: Text
    group: Id
    purpose: Text
    lead: Text
    contact: Contact
    hours: Id = Field("default", description="calendar id from the organisation file")
    owners: list[Text] = Field(default_factory=list, description="repository handles")
    reviewed: Date
    feedback: Url
    services: list[Service] = Field(min_length=1)


# --- calendar parsing helpers, shared by validation and business-time arithmetic -------------


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def parse_days(text: str) -> tuple[int, ...]:
    """'Mon-Fri' or 'Mon,Wed,Fri' (or a mix) to weekday numbers, Monday = 0."""
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", text.strip().lower()):
        bounds = [p.strip()[:3] for p in part.split("-")]
        if len(bounds) > 2 or any(b not in DAY_NAMES for b in bounds):
            raise PydanticCustomError(
                "bad_days", "'{value}' is not a list of days such as 'Mon-Fri'", {"value": text}
            )
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        if last < first:
            raise PydanticCustomError(
                "bad_days", "'{value}' runs backwards; write e.g. 'Mon-Fri'", {"value": text}
            )
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def parse_hours(text: str) -> tuple[int, int]:
    """'09:00-17:30' to (start, end) minutes after midnight."""
    match = _HOURS.match(text.strip())
    if not match:
        raise PydanticCustomError(
            "bad_hours", "'{value}' is not a span of hours such as '09:00-17:30'", {"value": text}
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start or end > 24 * 60:
        raise PydanticCustomError(
            "bad_hours", "'{value}' must end after it starts, on the same day", {"value": text}
        )
    return start, end
