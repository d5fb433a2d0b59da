"""Step 6: analyses over the resolved organisation.

Each analysis module has `check(org, ...) -> list[Finding]` and may compute data the pages and
maps show. `run_analyses` runs them all once and returns one `Analysis` that the command
line, the site and the maps share, so nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..findings import Finding
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


@dataclass
class Analysis:
    findings: list[Finding] = field(default_factory=list)
    bottlenecks: list[Bottleneck] = field(default_factory=list)  # most waited-on first
    team_load: dict[str, int] = field(default_factory=dict)  # team id -> services waiting on it
    infeasible: dict[str, InfeasiblePromise] = field(default_factory=dict)  # by service key
    unacknowledged: list[Dependency] = field(default_factory=list)
    cycles: list[tuple[Service, ...]] = field(default_factory=list)
    # team id -> chains of teams from the team to an external segment id, shortest first
    line_of_sight: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    overdue: dict[str, Team] = field(default_factory=dict)  # team id -> team past review


def run_analyses(org: Organisation, today: date | None = None) -> Analysis:
    """Run every analysis once. Filled in by the analysis modules."""
    return Analysis()
