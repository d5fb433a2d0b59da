"""The organisation analyses: each fixture under tests/fixtures/analyses/<case>/ is a small
organisation built through the real pipeline, and the tests assert the findings a user sees
(code, file, line, column, message, team, related places) and what must not be flagged.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from generator.analyses import bottlenecks, cycles, run_analyses
from generator.analyses import graph as graphs
from generator.analyses.feasibility import analyse as feasibility_analyse
from generator.calendars import MINUTES_PER_DAY, BusinessClock, Clocks, add_working_days
from generator.cli import main
from generator.durations import Duration
from generator.findings import Finding, Severity
from generator.organisation import (
    Calendar,
    Contact,
    CustomerRef,
    Dependency,
    Group,
    Location,
    NamedItem,
    Organisation,
    Service,
    Standards,
    Team,
)
from generator.pipeline import CheckResult, load_charters

FIXTURES = Path(__file__).parent / "fixtures" / "analyses"
SAMPLE = Path(__file__).parent.parent / "charters"
TODAY = dt.date(2026, 3, 1)


def load(case: str, today: dt.date = TODAY) -> CheckResult:
    result = load_charters(FIXTURES / case, today=today)
    assert result.organisation is not None and result.analysis is not None
    return result


def rows(result: CheckResult) -> list[tuple]:
    return [
        (f.severity.value, f.code, f.location, f.team, f.message, f.related)
        for f in result.findings
    ]


# --- two-sided agreement -------------------------------------------------------------------


def test_unacknowledged_dependencies_name_both_ends() -> None:
    result = load("agreements")
    assert rows(result) == [
        (
            "warning",
            "unacknowledged-dependency",
            "agreements/onboarding.yaml:23:9",
            "onboarding",
            "onboarding/new-starter (agreements/onboarding.yaml:23) depends on it/servers "
            "(agreements/it.yaml:27), which does not list onboarding among its customers",
            ("agreements/it.yaml:27:5",),
        ),
        (
            "warning",
            "unacknowledged-dependency",
            "agreements/onboarding.yaml:25:9",
            "onboarding",
            "onboarding/new-starter (agreements/onboarding.yaml:25) depends on it/printers "
            "(agreements/it.yaml:33), which does not list onboarding among its customers",
            ("agreements/it.yaml:33:5",),
        ),
    ]
    hint = result.findings[0].hint
    assert "'onboarding' (or its group 'operations')" in hint
    assert "customers of it/servers in agreements/it.yaml" in hint
    assert [d.provider.key for d in result.analysis.unacknowledged] == ["it/servers", "it/printers"]


def test_acknowledged_directly_by_group_by_everyone_and_within_a_team() -> None:
    analysis = load("agreements").analysis
    flagged = {(d.consumer.key, d.provider.key) for d in analysis.unacknowledged}
    for edge in [
        ("onboarding/new-starter", "it/laptops"),  # everyone
        ("onboarding/new-starter", "it/vpn"),  # the operations group
        ("platform/hosting", "it/servers"),  # the team by id
        ("platform/hosting", "it/printers"),  # the technology group
        ("it/vpn", "it/servers"),  # within one team
    ]:
        assert edge not in flagged


# --- cycles ----------------------------------------------------------------------------------


def test_each_blocking_cycle_is_an_error_spelled_out_once() -> None:
    result = load("cycles")
    assert rows(result) == [
        (
            "error",
            "dependency-cycle",
            "cycles/alpha.yaml:19:9",
            "alpha",
            "blocking dependencies form a cycle: alpha/intake -> beta/review -> alpha/intake",
            ("cycles/beta.yaml:19:9",),
        ),
        (
            "error",
            "dependency-cycle",
            "cycles/alpha.yaml:19:9",
            "alpha",
            "blocking dependencies form a cycle: "
            "alpha/intake -> beta/review -> beta/audit -> alpha/intake",
            ("cycles/beta.yaml:21:9", "cycles/beta.yaml:31:9"),
        ),
        (
            "error",
            "dependency-cycle",
            "cycles/delta.yaml:19:9",
            "delta",
            "blocking dependencies form a cycle: "
            "delta/test -> gamma/deploy -> gamma/build -> delta/test",
            ("cycles/gamma.yaml:29:9", "cycles/gamma.yaml:19:9"),
        ),
        (
            "error",
            "dependency-cycle",
            "cycles/gamma.yaml:39:9",
            "gamma",
            "blocking dependencies form a cycle: gamma/lint -> gamma/lint",
            (),
        ),
    ]
    # delta/quiet -> gamma/calm -> delta/quiet is no cycle: the way back is not blocking.
    spelled = [[s.key for s in cycle] for cycle in result.analysis.cycles]
    assert not any("delta/quiet" in cycle for cycle in spelled)
    # alpha/waiter waits on a cycle: feasibility skips the cycle instead of looping, and the
    # rest of its chain (delta/quiet, 3 business days, 5 in all) fits its 5 business days.
    assert result.analysis.infeasible == {}


def test_cycles_cli_exits_with_an_error() -> None:
    outcome = CliRunner().invoke(main, ["check", str(FIXTURES / "cycles")])
    assert outcome.exit_code == 1
    assert (
        "cycles/delta.yaml:19:9: error[dependency-cycle]: blocking dependencies form a cycle: "
        "delta/test -> gamma/deploy -> gamma/build -> delta/test"
    ) in outcome.output


def _synthetic_org(
    teams: int,
    per_team: int,
    seed: int,
    *,
    promises: list[Duration] | None = None,
    calendars: list[Calendar] | None = None,
    edges: int = 3,
    window: int = 3000,
) -> Organisation:
    """An organisation built in memory, for properties and scale that fixtures cannot show."""
    rng = random.Random(seed)
    calendars = calendars or [
        Calendar("default", "Europe/London", (0, 1, 2, 3, 4), 540, 1020, (), "Mon-Fri", "9-17"),
        Calendar("lisbon", "UTC", (0, 1, 2, 3, 4), 540, 1050, (dt.date(2026, 12, 25),), "", ""),
    ]
    promises = promises or [
        Duration(4, "business hour"),
        Duration(1, "business day"),
        Duration(3, "business day"),
        Duration(2, "day"),
        Duration(1, "week"),
        Duration(10, "business day"),
    ]
    groups = {
        f"g{i}": Group(f"g{i}", f"G{i}", "", Location("org.yaml", i + 1, 5)) for i in range(7)
    }
    goals = {"care": NamedItem("care", "Care", "", Location("org.yaml", 50, 5))}
    segments = {
        s: NamedItem(s, s, "", Location("org.yaml", 60 + i, 5))
        for i, s in enumerate(["clinics", "patients"])
    }
    org = Organisation(
        "Synthetic",
        "m",
        "v",
        None,
        "org.yaml",
        [],
        goals,
        groups,
        segments,
        {c.id: c for c in calendars},
        Standards(Duration(6, "month"), Duration(1, "business day"), 0.9),
    )
    for t in range(teams):
        tid = f"team-{t:05d}"
        file = f"{tid}.yaml"
        group = groups[f"g{t % len(groups)}"]
        team = Team(
            tid,
            tid,
            group,
            "purpose",
            "lead",
            Contact("a@example.org", None, None),
            calendars[t % len(calendars)],
            [],
            dt.date(2026, 1, 1),
            "https://example.org",
            file,
            Location(file, 1, 1),
            Location(file, 9, 11),
        )
        group.teams.append(team)
        org.teams[tid] = team
        for s in range(per_team):
            customer = rng.choice(
                [
                    CustomerRef("everyone", "everyone", "Everyone"),
                    CustomerRef("segment", "clinics", "clinics"),
                    CustomerRef("group", group.id, group.name),
                ]
            )
            service = Service(
                team,
                f"s{s}",
                "name",
                "summary",
                [customer],
                "ask",
                None,
                rng.choice(promises),
                False,
                None,
                0.9,
                [goals["care"]],
                Location(file, 12 + 10 * s, 5),
            )
            team.services.append(service)
            org.services[service.key] = service
    keys = list(org.services)
    for index, key in enumerate(keys):
        consumer = org.services[key]
        for number in range(rng.randrange(edges + 1)):
            if index == 0:
                break
            provider = org.services[keys[rng.randrange(max(0, index - window), index)]]
            _depend(consumer, provider, rng.random() < 0.7, number)
    return org


def _depend(consumer: Service, provider: Service, blocking: bool, number: int = 0) -> None:
    location = Location(consumer.location.file, consumer.location.line + 5 + 2 * number, 9)
    dep = Dependency(consumer, provider, "input", blocking, location)
    consumer.depends_on.append(dep)
    provider.relied_on_by.append(dep)


def test_a_knot_of_services_reports_only_its_shortest_cycles() -> None:
    org = _synthetic_org(1, 7, seed=3, edges=0)
    services = list(org.services.values())
    for a, b in itertools.permutations(services, 2):
        _depend(a, b, True)
    findings, found = cycles.analyse(org)
    assert len(findings) == cycles.MAX_CYCLES_PER_COMPONENT
    assert all(len(cycle) == 2 for cycle in found)
    assert found[0][0].key == "team-00000/s0"


# --- feasibility -----------------------------------------------------------------------------


def test_infeasible_promises_name_the_whole_chain() -> None:
    result = load("feasibility")
    assert rows(result) == [
        (
            "warning",
            "infeasible-promise",
            "feasibility/it.yaml:12:5",
            "it",
            "it/laptops promises 2 business days but waits on procurement/orders "
            "(5 business days): at least 5 business days",
            ("feasibility/it.yaml:20:9",),
        ),
        (
            "warning",
            "infeasible-promise",
            "feasibility/late.yaml:12:5",
            "late",
            # 09:00-17:30 days against 09:00-17:00 ones: compared through wall-clock time.
            "late/triage promises 4 business hours but waits on data/archive "
            "(5 business days): at least 2 business days",
            ("feasibility/late.yaml:20:9",),
        ),
        (
            "warning",
            "infeasible-promise",
            "feasibility/onboarding.yaml:12:5",
            "onboarding",
            # UTC and Tokyo calendars of the same shape: business days add up exactly.
            "onboarding/new-starter promises 3 business days but waits on it/laptops "
            "(2 business days) then procurement/orders (5 business days): "
            "at least 7 business days",
            ("feasibility/onboarding.yaml:22:9", "feasibility/it.yaml:20:9"),
        ),
        (
            "warning",
            "infeasible-promise",
            "feasibility/reports.yaml:22:5",
            "reports",
            # Three 8-hour days take at least 8 + 16 + 8 + 16 + 8 = 56 hours.
            "reports/daily promises 2 days but waits on data/extract (3 business days): "
            "at least 56 hours",
            ("feasibility/reports.yaml:30:9",),
        ),
        (
            "warning",
            "infeasible-promise",
            "feasibility/reports.yaml:32:5",
            "reports",
            # 6 + 6 business hours on one calendar are one stretch of 12: 8 + 16 + 4 hours.
            "reports/quick promises 1 day but waits on data/clean (6 business hours) then "
            "data/prep (6 business hours): at least 28 hours",
            ("feasibility/reports.yaml:40:9", "feasibility/data.yaml:34:9"),
        ),
        (
            "warning",
            "infeasible-promise",
            "feasibility/support.yaml:22:5",
            "support",
            # 4 days (96 hours) hold at least 2 business days, whenever they start.
            "support/urgent promises 1 business day but waits on vendors/express (4 days): "
            "at least 2 business days",
            ("feasibility/support.yaml:30:9",),
        ),
    ]
    infeasible = result.analysis.infeasible["onboarding/new-starter"]
    assert [s.key for s in infeasible.chain] == ["it/laptops", "procurement/orders"]
    assert str(infeasible.total) == "7 business days"
    assert result.findings[2].hint.startswith("promise at least 7 business days")


@pytest.mark.parametrize(
    ("service", "why"),
    [
        ("support/callback", "1 business day may run Friday 17:00 to Monday 17:00: 72 hours"),
        ("reports/monthly", "3 business days can fit in 56 hours, under 3 days"),
        ("seasonal/hamper", "over Christmas 1 business day can take 5 days, over 4 days"),
        ("late/sort", "4 business hours may run Friday 17:30 to Monday 13:00, over 56 hours"),
        ("data/clean", "6 business hours waiting on 6 business hours: equal is feasible"),
        ("onboarding/new-starter", "the non-blocking 20-day dependency is not in the chain"),
    ],
)
def test_a_fair_reading_is_never_flagged(service: str, why: str) -> None:
    infeasible = load("feasibility").analysis.infeasible
    if service == "onboarding/new-starter":
        assert "facilities/desks" not in infeasible[service].message, why
    else:
        assert service not in infeasible, why


def test_sample_promises_are_feasible() -> None:
    result = load_charters(SAMPLE, today=TODAY)
    assert result.analysis is not None
    assert result.analysis.infeasible == {}
    assert result.analysis.cycles == []


def _paths(graph: nx.DiGraph, start: str) -> list[list[str]]:
    """Every maximal-or-not blocking path below `start` (excluding it), for brute force."""
    found: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for child in sorted(graph.successors(node)):
            found.append([*path, child])
            walk(child, [*path, child])

    walk(start, [])
    return found


@pytest.mark.parametrize("seed", range(6))
def test_feasibility_is_sound_and_finds_every_violation(seed: int) -> None:
    """Against brute force over every path of small random organisations: a reported chain
    really breaks the promise, and any chain that breaks it under the rule is reported."""
    calendars = [
        Calendar("utc", "UTC", (0, 1, 2, 3, 4), 540, 1020, (), "", ""),
        Calendar("tokyo", "Asia/Tokyo", (0, 1, 2, 3, 4), 540, 1020, (), "", ""),
        Calendar("long", "UTC", (0, 1, 2, 3, 4), 480, 1080, (dt.date(2026, 12, 25),), "", ""),
        Calendar("weekend", "Europe/Lisbon", (4, 5, 6), 600, 1320, (), "", ""),
    ]
    promises = [
        Duration(2, "business hour"),
        Duration(6, "business hour"),
        Duration(1, "business day"),
        Duration(2, "business day"),
        Duration(4, "business day"),
        Duration(8, "hour"),
        Duration(1, "day"),
        Duration(3, "day"),
        Duration(1, "week"),
    ]
    org = _synthetic_org(8, 4, seed, promises=promises, calendars=calendars, edges=2)
    blocking = graphs.build(org)
    dag = blocking.graph.subgraph(set(blocking.graph) - blocking.cyclic)
    _, infeasible = feasibility_analyse(org, blocking)
    clocks = Clocks()

    def profile(service: Service) -> tuple:
        if not service.promise.business:
            return ("calendar",)
        return ("business", service.team.calendar.minutes_per_day, len(service.team.calendar.days))

    def exact(service: Service) -> float:
        if service.promise.business:
            unit = 60 if service.promise.unit == "business hour" else None
            return service.promise.amount * (unit or service.team.calendar.minutes_per_day)
        return service.promise.calendar_minutes

    def lower(chain: list[Service]) -> float:  # with runs on one calendar merged
        total, run, calendar = 0.0, 0.0, None
        for service in [*chain, None]:
            same = service is not None and service.promise.business
            if same and service.team.calendar is calendar:
                run += exact(service)
                continue
            if calendar is not None:
                total += clocks[calendar].min_elapsed(run)
            calendar, run = None, 0.0
            if service is None:
                break
            if service.promise.business:
                calendar, run = service.team.calendar, exact(service)
            else:
                total += service.promise.calendar_minutes
        return total

    for key in sorted(dag):
        service = org.services[key]
        upper = clocks.bounds(service.promise, service.team.calendar)[1]
        violated = False
        for path in _paths(dag, key):
            chain = [org.services[k] for k in path]
            if all(profile(s) == profile(service) for s in chain):
                violated |= sum(exact(s) for s in chain) > exact(service) + 1e-6
            else:
                additive = sum(clocks.bounds(s.promise, s.team.calendar)[0] for s in chain)
                violated |= additive > upper + 1e-6
        if violated:
            assert key in infeasible, key
        if key in infeasible:
            chain = list(infeasible[key].chain)
            path = [service, *chain]
            assert all(dag.has_edge(a.key, b.key) for a, b in itertools.pairwise(path))
            if all(profile(s) == profile(service) for s in chain):
                assert sum(exact(s) for s in chain) > exact(service)
            else:
                assert lower(chain) > upper


# --- business time ---------------------------------------------------------------------------


def _brute_bounds(calendar: Calendar, business: float) -> tuple[float, float]:
    """Shortest and longest wait for `business` minutes, by trying every half-hour start."""
    origin = dt.date(2026, 11, 30).toordinal()  # a Monday, four weeks before Christmas
    windows = []
    for day in range(origin, origin + 200):
        date = dt.date.fromordinal(day)
        if date.weekday() in calendar.days and date not in calendar.holidays:
            base = (day - origin) * MINUTES_PER_DAY
            windows.append((base + calendar.start_minute, base + calendar.end_minute))
    waits = []
    for start in range(0, 6 * 7 * MINUTES_PER_DAY, 30):
        remaining = business
        for opening, closing in windows:
            if closing <= start:
                continue
            begin = max(opening, start)
            if closing - begin >= remaining:
                waits.append(begin + remaining - start)
                break
            remaining -= closing - begin
    return min(waits), max(waits)


@pytest.mark.parametrize(
    "calendar",
    [
        Calendar("office", "UTC", (0, 1, 2, 3, 4), 540, 1020, (), "Mon-Fri", "09:00-17:00"),
        Calendar("thin", "UTC", (0, 2, 4), 480, 720, (), "Mon,Wed,Fri", "08:00-12:00"),
        Calendar("late", "UTC", (1, 2, 3, 4, 5), 1320, 1440, (), "Tue-Sat", "22:00-24:00"),
        Calendar("always", "UTC", tuple(range(7)), 0, 1440, (), "Mon-Sun", "00:00-24:00"),
        Calendar(
            "festive",
            "UTC",
            (0, 1, 2, 3, 4),
            540,
            1020,
            (dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 28)),
            "Mon-Fri",
            "09:00-17:00",
        ),
    ],
    ids=lambda c: c.id,
)
@pytest.mark.parametrize("business", [30, 240, 480, 500, 960, 2400, 5000])
def test_business_time_bounds_match_brute_force(calendar: Calendar, business: int) -> None:
    clock = BusinessClock(calendar)
    shortest, longest = _brute_bounds(calendar, business)
    assert clock.min_elapsed(business) == shortest
    assert clock.max_elapsed(business) == longest
    # Every span as long as the slowest wait holds the business time, and no longer span
    # is promised more.
    assert clock.business_within(longest) == business
    assert clock.business_within(longest - 1) < business


def test_daylight_saving_widens_the_bounds_by_an_hour() -> None:
    london = Calendar("london", "Europe/London", (0, 1, 2, 3, 4), 540, 1020, (), "", "")
    utc = Calendar("utc", "UTC", (0, 1, 2, 3, 4), 540, 1020, (), "", "")
    three_days = 3 * 480
    assert BusinessClock(utc).min_elapsed(three_days) == 56 * 60
    assert BusinessClock(london).min_elapsed(three_days) == 55 * 60
    assert BusinessClock(utc).max_elapsed(480) == 72 * 60
    assert BusinessClock(london).max_elapsed(480) == 73 * 60


def test_working_days_skip_weekends_and_holidays() -> None:
    calendar = Calendar(
        "c", "UTC", (0, 1, 2, 3, 4), 540, 1020, (dt.date(2026, 12, 28),), "Mon-Fri", ""
    )
    # Friday 25 December plus one working day: Monday 28th is a holiday, so Tuesday.
    assert add_working_days(calendar, dt.date(2026, 12, 25), 1) == dt.date(2026, 12, 29)
    assert add_working_days(calendar, dt.date(2026, 12, 21), 0.5) == dt.date(2026, 12, 22)


# --- bottlenecks -----------------------------------------------------------------------------


def test_bottlenecks_count_direct_and_transitive_waiters() -> None:
    result = load("bottlenecks")
    assert rows(result) == [
        (
            "info",
            "bottleneck",
            "bottlenecks/alpha.yaml:12:5",
            "alpha",
            "alpha/work is a bottleneck: 5 services wait on it (1 directly)",
            (),
        ),
        (
            "info",
            "bottleneck",
            "bottlenecks/core.yaml:12:5",
            "core",
            "core/db is a bottleneck: 8 services wait on it (3 directly)",
            (),
        ),
        (
            "info",
            "bottleneck",
            "bottlenecks/core.yaml:19:5",
            "core",
            "core/cache is a bottleneck: 7 services wait on it (2 directly)",
            (),
        ),
    ]
    analysis = result.analysis
    # zulu waits on core/db and hotel/work without blocking: it is counted nowhere.
    assert [(b.service.key, b.direct, b.transitive) for b in analysis.bottlenecks] == [
        ("core/db", 3, 8),
        ("core/cache", 2, 7),
        ("alpha/work", 1, 5),
        ("delta/work", 1, 4),
        ("echo/work", 1, 3),
        ("foxtrot/work", 1, 2),
        ("golf/work", 1, 1),
    ]
    assert analysis.team_load == {
        "core": 8,
        "alpha": 5,
        "delta": 4,
        "echo": 3,
        "foxtrot": 2,
        "golf": 1,
        "bravo": 0,
        "charlie": 0,
        "hotel": 0,
        "zulu": 0,
    }
    assert analysis.waiters["core/db"].transitive == 8
    assert "zulu/work" not in analysis.waiters


def test_only_the_top_few_bottlenecks_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    org = load("bottlenecks").organisation
    monkeypatch.setattr(bottlenecks, "MIN_WAITERS", 1)
    findings = bottlenecks.check(org)
    assert [f.message.split(" ")[0] for f in findings] == ["core/db", "core/cache", "alpha/work"]


# --- line of sight ---------------------------------------------------------------------------


def test_line_of_sight_chains_shortest_first() -> None:
    result = load("line-of-sight")
    assert result.analysis.line_of_sight == {
        "app": [("app", "patients")],
        "back": [("back", "mid", "app", "patients"), ("back", "mid", "front", "clinics")],
        "front": [("front", "clinics")],
        "groupie": [],
        # hub serves both segments itself and reaches them through app and front: 3 shown.
        "hub": [("hub", "clinics"), ("hub", "patients"), ("hub", "app", "patients")],
        "island": [],
        "mid": [("mid", "app", "patients"), ("mid", "front", "clinics")],
    }
    # island serves only `everyone` and groupie only a group: neither is an external segment.
    assert rows(result) == [
        (
            "info",
            "no-line-of-sight",
            "line-of-sight/groupie.yaml:1:1",
            "groupie",
            "groupie has no line of sight to an external customer: no chain of services "
            "leads from its work to a customer segment",
            (),
        ),
        (
            "info",
            "no-line-of-sight",
            "line-of-sight/island.yaml:1:1",
            "island",
            "island has no line of sight to an external customer: no chain of services "
            "leads from its work to a customer segment",
            (),
        ),
    ]
    assert "customers" in result.findings[0].hint


def test_no_line_of_sight_findings_without_segments() -> None:
    result = load("agreements")  # names no external segment at all
    assert not [f for f in result.findings if f.code == "no-line-of-sight"]
    assert set(result.analysis.line_of_sight) == {"it", "onboarding", "platform"}


# --- mission coverage and review -------------------------------------------------------------


def test_services_without_goals_and_goals_without_services() -> None:
    assert rows(load("coverage")) == [
        (
            "warning",
            "service-without-goal",
            "coverage/ops.yaml:26:5",
            "ops",
            "ops/aimless serves none of the organisation's goals",
            (),
        ),
        (
            "warning",
            "goal-unserved",
            "coverage/organization.yaml:10:5",
            None,
            "goal 'unused' (Unused) is served by no service",
            (),
        ),
    ]


def test_review_overdue_points_at_reviewed() -> None:
    result = load("review")
    assert rows(result) == [
        (
            "warning",
            "review-overdue",
            "review/stale.yaml:9:11",
            "stale",
            # 31 August + 6 months is the last day of February; due-today is not late yet.
            "stale's charter was last reviewed on 2025-08-31; with a review every 6 months "
            "it was due by 2026-02-28",
            (),
        )
    ]
    assert list(result.analysis.overdue) == ["stale"]
    later = load("review", today=dt.date(2026, 3, 2)).analysis
    assert list(later.overdue) == ["due-today", "stale"]
    assert load("review", today=dt.date(2026, 2, 28)).analysis.overdue == {}


# --- determinism and scale -------------------------------------------------------------------


def _summary(result: CheckResult) -> tuple:
    analysis = result.analysis
    assert analysis is not None
    return (
        [f.to_text() for f in result.findings],
        [(b.service.key, b.direct, b.transitive) for b in analysis.bottlenecks],
        list(analysis.team_load.items()),
        sorted((k, v.message) for k, v in analysis.infeasible.items()),
        [d.location for d in analysis.unacknowledged],
        [[s.key for s in c] for c in analysis.cycles],
        list(analysis.line_of_sight.items()),
        list(analysis.overdue),
    )


@pytest.mark.parametrize("case", [SAMPLE, FIXTURES / "feasibility", FIXTURES / "cycles"])
def test_analyses_are_deterministic(case: Path) -> None:
    first = load_charters(case, today=TODAY)
    second = load_charters(case, today=TODAY)
    assert _summary(first) == _summary(second)
    # The order the organisation happens to hold things in changes nothing.
    org = second.organisation
    assert org is not None
    org.services = dict(reversed(org.services.items()))
    org.teams = dict(reversed(org.teams.items()))
    for service in org.services.values():
        service.depends_on.reverse()
    shuffled = run_analyses(org, today=TODAY)
    assert [f.to_text() for f in shuffled.findings] == [
        f.to_text() for f in first.analysis.findings
    ]
    assert _summary(CheckResult(org, shuffled, shuffled.findings)) == _summary(
        CheckResult(first.organisation, first.analysis, first.analysis.findings)
    )


def test_scale_two_thousand_teams() -> None:
    """2,000 teams x 6 services: the results are right where brute force can check them.
    Not timed here; benchmarks/ measures the speed."""
    org = _synthetic_org(2000, 6, seed=7)
    keys = list(org.services)
    # A few cycles, so the analyses meet them at scale too.
    for a, b in [(100, 5000), (7000, 11000), (11990, 11995)]:
        _depend(org.services[keys[a]], org.services[keys[b]], True, 8)
        _depend(org.services[keys[b]], org.services[keys[a]], True, 9)
    analysis = run_analyses(org, today=TODAY)
    assert len(analysis.cycles) >= 3
    assert all(isinstance(f, Finding) for f in analysis.findings)
    assert {f.severity for f in analysis.findings} <= set(Severity)

    blocking = nx.DiGraph()
    blocking.add_nodes_from(org.services)
    for service in org.services.values():
        for dep in service.depends_on:
            if dep.blocking:
                blocking.add_edge(service.key, dep.provider.key)
    rng = random.Random(1)
    waiters = analysis.waiters
    for key in rng.sample(keys, 25) + [analysis.bottlenecks[0].service.key]:
        expected = len(nx.ancestors(blocking, key) - {key})
        assert (waiters[key].transitive if key in waiters else 0) == expected
    for team_id in rng.sample(sorted(org.teams), 5):
        own = {s.key for s in org.teams[team_id].services}
        expected = set().union(*(nx.ancestors(blocking, k) for k in own)) - own
        assert analysis.team_load[team_id] == len(expected)
    for key, promise in analysis.infeasible.items():
        path = [key, *(s.key for s in promise.chain)]
        assert all(blocking.has_edge(a, b) for a, b in itertools.pairwise(path))
    for team_id, chains in analysis.line_of_sight.items():
        for chain in chains:
            assert chain[0] == team_id and chain[-1] in org.segments
            last = org.teams[chain[-2]]
            assert any(c.id == chain[-1] for s in last.services for c in s.customers)
