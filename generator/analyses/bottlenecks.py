"""Bottlenecks: the services and teams that the most other services wait on.

A service's waiters are the services with a blocking chain to it: directly (one
dependency) or transitively (through any number). Services on one blocking cycle all wait
on each other. A team's load is the number of services of other teams that wait on any of
its services, transitively.

Counting is exact and near-linear in practice: waiters are propagated down the
condensation DAG in topological order as bitsets (Python integers, one bit per service).

A service is reported (info `bottleneck`) when at least `MIN_WAITERS` (5) services wait on
it transitively and it ranks among the `TOP` (3) most waited-on services; both numbers are
small on purpose, so that a sample-sized organisation shows its real pinch points and a
large one shows only the worst.
"""

from __future__ import annotations

import networkx as nx

from ..findings import Finding, Severity
from ..organisation import Organisation
from . import Bottleneck
from . import graph as graphs

CODE = "bottleneck"
MIN_WAITERS = 5
TOP = 3


def analyse(
    org: Organisation, blocking: graphs.BlockingGraph | None = None
) -> tuple[list[Finding], list[Bottleneck], dict[str, int]]:
    """Findings, services with at least one waiter (most first), and load by team id."""
    blocking = blocking or graphs.build(org)
    keys = list(blocking.services)  # sorted
    bit = {key: 1 << i for i, key in enumerate(keys)}
    components = blocking.components
    condensation = blocking.condensation
    members_bits = [0] * len(components)
    for index, members in enumerate(components):
        for key in members:
            members_bits[index] |= bit[key]
    # above[c]: every service outside component c that waits on c, through any chain.
    above = [0] * len(components)
    for index in nx.topological_sort(condensation):
        for consumer in condensation.predecessors(index):
            above[index] |= above[consumer] | members_bits[consumer]

    waiters: dict[str, int] = {}
    bottlenecks: list[Bottleneck] = []
    for key in keys:
        index = blocking.component_of[key]
        # On a cycle every member waits on every other one; a service never waits on itself.
        mask = (above[index] | members_bits[index]) & ~bit[key]
        waiters[key] = mask
        direct = sum(1 for consumer in blocking.graph.predecessors(key) if consumer != key)
        transitive = mask.bit_count()
        if transitive:
            bottlenecks.append(Bottleneck(blocking.services[key], direct, transitive))
    bottlenecks.sort(key=lambda b: (-b.transitive, -b.direct, b.service.key))

    team_load: dict[str, int] = {}
    for team_id, team in org.teams.items():
        own = 0
        union = 0
        for service in team.services:
            own |= bit[service.key]
            union |= waiters[service.key]
        team_load[team_id] = (union & ~own).bit_count()
    team_load = dict(sorted(team_load.items(), key=lambda item: (-item[1], item[0])))

    findings: list[Finding] = []
    for item in bottlenecks[:TOP]:
        if item.transitive < MIN_WAITERS:
            break
        service = item.service
        findings.append(
            Finding.at(
                service.location,
                Severity.INFO,
                CODE,
                message=(
                    f"{service.key} is a bottleneck: {item.transitive} services wait on it "
                    f"({item.direct} directly)"
                ),
                hint=(
                    "keep its promise realistic and its capacity in view; tell the teams that "
                    "wait on it early when it slips"
                ),
                team=service.team.id,
            )
        )
    return findings, bottlenecks, team_load


def check(org: Organisation) -> list[Finding]:
    return analyse(org)[0]
