"""Feasible promises: a promise must be no shorter than the blocking chain it waits on.

The rule, as the site and `charters check` apply it:

1. A service's **promise** is its `resolution`, or its `response` when it states no
   resolution. A **chain** is a path of blocking dependencies from the service (the service
   itself not included): the service waits on A, A waits on B, and so on. The chain's
   length is the sum of the promises along it, since each link can only finish after the
   one it waits on. Non-blocking dependencies are left out, and so are services on a
   blocking cycle (reported as `dependency-cycle` instead).
2. **Same kind of time: exact sums.** When the promise and every promise on the chain are
   calendar time (minutes, hours, days, weeks), or are all business time on calendars with
   the same business minutes per day and working days per week, the durations are summed
   exactly (a business day is one working day of the team's calendar, a business hour 60
   working minutes) and the promise is infeasible when the chain is longer.
3. **Mixed kinds: bounds.** Otherwise business time is turned into elapsed wall-clock time
   through each team's own calendar (its working days, hours, holidays and time zone), as a
   range, and the promise is flagged only when even the **shortest** possible wait for the
   chain is longer than the **longest** possible wait the promise allows:
   - the chain's shortest wait starts each stretch of business time at the opening of the
     best working day, ignores holidays (they only lengthen it) and, in zones with daylight
     saving, allows for a night an hour shorter; consecutive links on the same calendar are
     counted as one stretch, since one link's business time follows the other's;
   - the promise's longest wait starts just as its team's working window closes before the
     longest run of days off, weekends and listed holidays included (plus an hour in zones
     with daylight saving).
   So "1 business day" on a Monday-to-Friday 09:00-17:00 calendar can take up to 72 hours
   (Friday 17:00 to Monday 17:00) and is never flagged against a chain of 3 days, while
   "2 days" is flagged against a chain of "3 business days" only if those three business
   days cannot fit in 48 hours on their calendar (on 09:00-17:00 they take at least 56
   hours, 55 on the night the clocks go forward).
4. The message names the longest chain and its total in the promise's kind of unit: "at
   least 7 business days" for a business promise (under rule 3: the business time of the
   promising team that the chain is sure to outlast), "at least 56 hours" for a calendar
   one: the largest unit (weeks at most, unless the promise itself is in months or years)
   in which the total is exact to a tenth, else rounded down to a tenth, so that "at least"
   stays true.

Each service gets at most one finding. When several chains could break its promise, the one
reported is the longest: by exact sum under rule 2, else by the sum of its links' shortest
waits under rule 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from ..calendars import Clocks, business_minutes, profile
from ..durations import Duration
from ..findings import Finding, Severity
from ..organisation import Organisation, Service
from . import InfeasiblePromise
from . import graph as graphs

CODE = "infeasible-promise"
_EPSILON = 1e-6
_CALENDAR_UNITS = (
    ("year", 365 * 24 * 60),
    ("month", 30 * 24 * 60),
    ("week", 7 * 24 * 60),
    ("day", 24 * 60),
    ("hour", 60),
    ("minute", 1),
)

Family = tuple  # ("calendar",) or ("business", minutes per day, days per week)


def _family(service: Service) -> Family:
    if service.promise.business:
        return ("business", *profile(service.team.calendar))
    return ("calendar",)


def _exact(service: Service) -> float:
    """The promise in its family's exact unit: calendar or business minutes."""
    promise = service.promise
    if promise.business:
        return business_minutes(promise, service.team.calendar)
    return promise.calendar_minutes


@dataclass
class _Chains:
    """Longest chains below each service for one family, by dynamic programming."""

    pure: dict[str, float]  # longest chain from here, all in the family, exact sum
    pure_next: dict[str, str | None]
    mixed: dict[str, float]  # longest chain from here with a link outside, lower bound
    mixed_next: dict[str, str | None]


def _floor(value: float) -> float:
    return math.floor(value * 10 + 1e-9) / 10


def _at_least(total: float, promise: float, units: tuple[tuple[str, float], ...]) -> Duration:
    """`total` minutes as a duration that reads longer than `promise` minutes, never more.

    The first of `units` (largest first) in which the total is exact to one decimal ("8
    days" rather than "1.1 weeks"), else the first in which it, rounded down, still reads
    longer than the promise.
    """
    for unit, size in units:
        amount = total / size
        if abs(amount * 10 - round(amount * 10)) < 1e-6 and amount > promise / size + _EPSILON:
            return Duration(round(amount, 1), unit)
    for unit, size in units:
        amount = _floor(total / size)
        if amount > promise / size + _EPSILON:
            return Duration(amount, unit)
    unit, size = units[-1]
    return Duration(round(total / size, 2), unit)


def _units_for(unit: str, units: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    """The units a total may be written in: from weeks (or the promise's larger unit) down."""
    names = [name for name, _ in units]
    first = min(names.index(unit), names.index("week")) if "week" in names else 0
    return units[first:]


class _Feasibility:
    def __init__(self, org: Organisation, blocking: graphs.BlockingGraph) -> None:
        self.org = org
        self.blocking = blocking
        self.clocks = Clocks()
        self.services = blocking.services
        cyclic = blocking.cyclic
        # Providers before the services that wait on them: the reverse of a topological
        # order of the condensation, keeping only services that are not on a cycle.
        order = list(nx.topological_sort(blocking.condensation))
        self.order = [
            key
            for index in reversed(order)
            for key in sorted(blocking.components[index])
            if key not in cyclic
        ]
        self.children = {
            key: [c for c in blocking.waits_on(key) if c not in cyclic] for key in self.order
        }
        self.lower = {key: self._bounds(self.services[key])[0] for key in self.order}
        self.family = {key: _family(self.services[key]) for key in self.order}
        # Longest chain by lower bound from each service, whatever the family.
        self.any: dict[str, float] = {}
        self.any_next: dict[str, str | None] = {}
        for key in self.order:
            best, best_next = 0.0, None
            for child in self.children[key]:
                if self.any[child] > best + _EPSILON:
                    best, best_next = self.any[child], child
            self.any[key] = self.lower[key] + best
            self.any_next[key] = best_next
        self.families: dict[Family, _Chains] = {}

    def _bounds(self, service: Service) -> tuple[float, float]:
        return self.clocks.bounds(service.promise, service.team.calendar)

    def chains(self, family: Family) -> _Chains:
        if family in self.families:
            return self.families[family]
        pure: dict[str, float] = {}
        pure_next: dict[str, str | None] = {}
        mixed: dict[str, float] = {}
        mixed_next: dict[str, str | None] = {}
        for key in self.order:
            if self.family[key] == family:
                best, best_next = 0.0, None
                for child in self.children[key]:
                    if child in pure and pure[child] > best + _EPSILON:
                        best, best_next = pure[child], child
                pure[key] = _exact(self.services[key]) + best
                pure_next[key] = best_next
                best, best_next = -1.0, None
                for child in self.children[key]:
                    if child in mixed and mixed[child] > best + _EPSILON:
                        best, best_next = mixed[child], child
                if best_next is not None:
                    mixed[key] = self.lower[key] + best
                    mixed_next[key] = best_next
            else:
                # A link outside the family makes any chain through it mixed.
                mixed[key] = self.any[key]
                mixed_next[key] = self.any_next[key]
        result = _Chains(pure, pure_next, mixed, mixed_next)
        self.families[family] = result
        return result

    def _follow(self, start: str, table: dict[str, str | None], family: Family) -> list[str]:
        chain = [start]
        key = start
        mixed_tables = self.families[family]
        while True:
            if table is mixed_tables.mixed_next and self.family[key] != family:
                table = self.any_next  # past the first outside link, any link will do
            following = table.get(key)
            if following is None:
                return chain
            chain.append(following)
            key = following

    def _merged_lower(self, chain: list[Service]) -> float:
        """Shortest wall-clock wait of the chain, counting runs on one calendar together."""
        total = 0.0
        index = 0
        while index < len(chain):
            service = chain[index]
            promise = service.promise
            if not promise.business:
                total += promise.calendar_minutes
                index += 1
                continue
            calendar = service.team.calendar
            amount = 0.0
            while (
                index < len(chain)
                and chain[index].promise.business
                and chain[index].team.calendar is calendar
            ):
                amount += business_minutes(chain[index].promise, calendar)
                index += 1
            total += self.clocks[calendar].min_elapsed(amount)
        return total

    def check_service(self, key: str) -> InfeasiblePromise | None:
        service = self.services[key]
        children = self.children.get(key)
        if not children:
            return None
        family = self.family[key]
        tables = self.chains(family)
        promise_exact = _exact(service)
        # Rule 2: the longest chain of the promise's own kind of time, summed exactly.
        best, start = 0.0, None
        for child in children:
            if child in tables.pure and tables.pure[child] > best + _EPSILON:
                best, start = tables.pure[child], child
        if start is not None and best > promise_exact + _EPSILON:
            chain = self._follow(start, tables.pure_next, family)
            return self._report(service, chain, self._total_exact(service, best))
        # Rule 3: the longest chain with another kind of time, through bounds.
        best, start = -1.0, None
        for child in children:
            if child in tables.mixed and tables.mixed[child] > best + _EPSILON:
                best, start = tables.mixed[child], child
        if start is None:
            return None
        chain = self._follow(start, tables.mixed_next, family)
        lower = self._merged_lower([self.services[k] for k in chain])
        upper = self._bounds(service)[1]
        if lower <= upper + _EPSILON:
            return None
        return self._report(service, chain, self._total_bounded(service, lower))

    def _total_exact(self, service: Service, total: float) -> Duration:
        promise = service.promise
        if promise.business:
            per_day = service.team.calendar.minutes_per_day
            units = (("business day", per_day), ("business hour", 60))
            return _at_least(total, _exact(service), units)
        return _at_least(total, _exact(service), _units_for(promise.unit, _CALENDAR_UNITS))

    def _total_bounded(self, service: Service, lower: float) -> Duration:
        promise = service.promise
        if promise.business:
            calendar = service.team.calendar
            sure = self.clocks[calendar].business_within(lower)
            if sure > _exact(service) + _EPSILON:
                units = (("business day", calendar.minutes_per_day), ("business hour", 60))
                return _at_least(sure, _exact(service), units)
            upper = self._bounds(service)[1]
            return _at_least(lower, upper, _units_for("day", _CALENDAR_UNITS))
        return _at_least(lower, _exact(service), _units_for(promise.unit, _CALENDAR_UNITS))

    def _report(
        self, service: Service, chain_keys: list[str], total: Duration
    ) -> InfeasiblePromise:
        chain = tuple(self.services[k] for k in chain_keys)
        links = " then ".join(f"{s.key} ({s.promise})" for s in chain)
        message = f"{service.key} promises {service.promise} but waits on {links}: at least {total}"
        return InfeasiblePromise(service=service, chain=chain, message=message, total=total)


def analyse(
    org: Organisation, blocking: graphs.BlockingGraph | None = None
) -> tuple[list[Finding], dict[str, InfeasiblePromise]]:
    """The findings and the infeasible promises by service key."""
    blocking = blocking or graphs.build(org)
    feasibility = _Feasibility(org, blocking)
    findings: list[Finding] = []
    infeasible: dict[str, InfeasiblePromise] = {}
    for key in sorted(feasibility.order):
        result = feasibility.check_service(key)
        if result is None:
            continue
        infeasible[key] = result
        service = result.service
        path = (service, *result.chain)
        related = tuple(
            str(blocking.dependency[(a.key, b.key)].location)
            for a, b in zip(path, path[1:], strict=False)
        )
        findings.append(
            Finding.at(
                service.location,
                Severity.WARNING,
                CODE,
                message=result.message,
                hint=(
                    f"promise at least {result.total}, ask for shorter promises along the "
                    "chain, or mark a dependency `blocking: false` if work can go on while "
                    "waiting"
                ),
                team=service.team.id,
                related=related,
            )
        )
    return findings, infeasible


def check(org: Organisation) -> list[Finding]:
    return analyse(org)[0]
