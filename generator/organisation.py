"""The resolved organisation: every reference followed, every object linked both ways.

This is what analyses and pages read. It is built by `resolve.py` from validated files and
holds no YAML: locations are kept so findings can point back at the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .durations import Duration

EVERYONE = "everyone"


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(eq=False)
class NamedItem:
    """A value, goal, group or external customer segment."""

    id: str
    name: str
    description: str
    location: Location


@dataclass(eq=False)
class Group(NamedItem):
    teams: list[Team] = field(default_factory=list, repr=False)


@dataclass(eq=False)
class Calendar:
    id: str
    timezone: str
    days: tuple[int, ...]  # Monday = 0
    start_minute: int  # minutes after midnight
    end_minute: int
    holidays: tuple[dt.date, ...]
    days_text: str
    hours_text: str

    @property
    def minutes_per_day(self) -> int:
        return self.end_minute - self.start_minute


@dataclass(frozen=True)
class CustomerRef:
    """Who a service is for: a team, a group, an external segment, or everyone."""

    kind: str  # "team" | "group" | "segment" | "everyone"
    id: str
    name: str


@dataclass(eq=False)
class Dependency:
    consumer: Service = field(repr=False)
    provider: Service = field(repr=False)
    purpose: str
    blocking: bool
    location: Location


@dataclass(eq=False)
class Service:
    team: Team = field(repr=False)
    id: str
    name: str
    summary: str
    customers: list[CustomerRef]
    request: str
    request_url: str | None
    response: Duration
    response_is_default: bool
    resolution: Duration | None
    target: float
    goals: list[NamedItem]
    location: Location
    depends_on: list[Dependency] = field(default_factory=list)
    # Filled after all services exist: the dependencies that point at this service.
    relied_on_by: list[Dependency] = field(default_factory=list, repr=False)

    @property
    def key(self) -> str:
        return f"{self.team.id}/{self.id}"

    @property
    def promise(self) -> Duration:
        """The promise a customer waits on: resolution when stated, else response."""
        return self.resolution or self.response


@dataclass(eq=False)
class Contact:
    email: str | None
    chat: str | None
    url: str | None


@dataclass(eq=False)
class Team:
    id: str
    name: str
    group: Group
    purpose: str
    lead: str
    contact: Contact
    calendar: Calendar
    owners: list[str]
    reviewed: dt.date
    feedback: str
    file: str
    location: Location
    reviewed_location: Location
    services: list[Service] = field(default_factory=list)

    @property
    def depends_on(self) -> list[Dependency]:
        return [dep for service in self.services for dep in service.depends_on]

    @property
    def relied_on_by(self) -> list[Dependency]:
        return [dep for service in self.services for dep in service.relied_on_by]


@dataclass(eq=False)
class Standards:
    review_every: Duration
    response: Duration | None
    target: float


@dataclass(eq=False)
class Organisation:
    name: str
    mission: str
    vision: str
    logo: str | None
    file: str
    values: list[NamedItem]
    goals: dict[str, NamedItem]
    groups: dict[str, Group]
    segments: dict[str, NamedItem]
    calendars: dict[str, Calendar]
    standards: Standards
    teams: dict[str, Team] = field(default_factory=dict)  # sorted by id
    services: dict[str, Service] = field(default_factory=dict)  # "team/service" -> Service

    def customer_ref(self, customer_id: str) -> CustomerRef | None:
        if customer_id == EVERYONE:
            return CustomerRef("everyone", EVERYONE, "Everyone")
        if customer_id in self.teams:
            return CustomerRef("team", customer_id, self.teams[customer_id].name)
        if customer_id in self.groups:
            return CustomerRef("group", customer_id, self.groups[customer_id].name)
        if customer_id in self.segments:
            return CustomerRef("segment", customer_id, self.segments[customer_id].name)
        return None

    def serves_team(self, service: Service, team: Team) -> bool:
        """True when `team` is among `service`'s customers: directly, by group, or as everyone."""
        for customer in service.customers:
            if customer.kind == "everyone":
                return True
            if customer.kind == "team" and customer.id == team.id:
                return True
            if customer.kind == "group" and customer.id == team.group.id:
                return True
        return False
