"""Step 6: analyses over the resolved organisation.

Each analysis module has `check(org, ...) -> list[Finding]` and may compute data the pages and
maps show. `run_analyses` runs them all once and returns one `Analysis` that the command
line, the site and the maps share, so nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..durations import Duration
from ..findings import Finding, sorted_findings
from ..organisation import Dependency, Organisation, Service, Team


@dataclass(frozen=True)
class Bottleneck:
    service: Service
    direct: int  # services that wait on it directly (blocking)
    transitive: int  # services that wait on it through any blocking chain


@dataclass(frozen=True)
class InfeasiblePromise:
    service: Service
    chain: tuple[Service, ...]  # the blocking chain it waits on, nearest first
    message: str
    total: Duration | None = None  # the least the chain takes, in the promise's kind of unit


@dataclass
class Analysis:
    findings: list[Finding] = field(default_factory=list)
    # Services with at least one blocking waiter, most waited-on first (ties by key).
    bottlenecks: list[Bottleneck] = field(default_factory=list)
    # team id -> services of other teams waiting on it (transitively), most first; every team
    team_load: dict[str, int] = field(default_factory=dict)
    infeasible: dict[str, InfeasiblePromise] = field(default_factory=dict)  # by service key
    unacknowledged: list[Dependency] = field(default_factory=list)
    cycles: list[tuple[Service, ...]] = field(default_factory=list)
    # team id -> chains of teams from the team to an external segment id, shortest first
    line_of_sight: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    overdue: dict[str, Team] = field(default_factory=dict)  # team id -> team past review
    # service key -> services that wait on it directly / through any blocking chain
    waiters: dict[str, Bottleneck] = field(default_factory=dict)


def run_analyses(org: Organisation, today: date | None = None) -> Analysis:
    """Run every analysis once; `today` decides which reviews are overdue (default: today)."""
    # Imported here: the modules import the result types above from this package.
    from . import agreements, bottlenecks, coverage, cycles, feasibility, line_of_sight, review
    from . import graph as graphs

    blocking = graphs.build(org)
    analysis = Analysis()
    findings: list[Finding] = []

    found, analysis.unacknowledged = agreements.analyse(org)
    findings += found
    found, analysis.cycles = cycles.analyse(org, blocking)
    findings += found
    found, analysis.infeasible = feasibility.analyse(org, blocking)
    findings += found
    found, analysis.bottlenecks, analysis.team_load = bottlenecks.analyse(org, blocking)
    findings += found
    analysis.waiters = {b.service.key: b for b in analysis.bottlenecks}
    found, analysis.line_of_sight = line_of_sight.analyse(org)
    findings += found
    findings += coverage.check(org)
    found, analysis.overdue = review.analyse(org, today or date.today())
    findings += found

    analysis.findings = sorted_findings(findings)
    return analysis
