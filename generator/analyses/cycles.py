"""Cycles of blocking dependencies: an error, since no request on the cycle can ever finish.

Each cycle is reported once, spelled out from its smallest service key back to itself
("a/x -> b/y -> a/x"), at the dependency of that smallest service that starts the cycle.
A knot of services can hold very many cycles; each strongly connected component reports at
most `MAX_CYCLES_PER_COMPONENT` (10): the shortest ones, or in a knot of more than 50
services the first ones found. That is enough to show where to cut.
"""

from __future__ import annotations

import itertools

import networkx as nx

from ..findings import Finding, Severity
from ..organisation import Organisation, Service
from . import graph as graphs

CODE = "dependency-cycle"
MAX_CYCLES_PER_COMPONENT = 10
# How many cycles to look at before keeping the shortest ones; bounds the work on a knot.
_SCAN_LIMIT = 200
# Up to this many services in a knot, the reported cycles are guaranteed the shortest.
_SMALL_KNOT = 50


def _canonical(cycle: list[str]) -> tuple[str, ...]:
    """The cycle rotated to start at its smallest member."""
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def find_cycles(blocking: graphs.BlockingGraph) -> list[tuple[str, ...]]:
    """Every reported cycle as service keys, smallest first, sorted by length then keys."""
    found: list[tuple[str, ...]] = []
    graph = blocking.graph
    for key in sorted(blocking.cyclic):
        if graph.has_edge(key, key):
            found.append((key,))
    for members in blocking.components:
        if len(members) < 2:
            continue
        sub = graph.subgraph(sorted(members)).copy()
        sub.remove_edges_from([(k, k) for k in members if sub.has_edge(k, k)])
        cycles: set[tuple[str, ...]] = set()
        if len(members) <= _SMALL_KNOT:
            # Longer and longer bounds: each pass either finds every cycle up to the bound
            # or enough of them, so what is kept is the shortest.
            for bound in range(2, len(members) + 1):
                search = nx.simple_cycles(sub, length_bound=bound)
                cycles.update(_canonical(c) for c in itertools.islice(search, _SCAN_LIMIT))
                if len(cycles) >= MAX_CYCLES_PER_COMPONENT:
                    break
        else:
            # A big knot: bounded searches could take long, so keep the first ones found.
            search = nx.simple_cycles(sub)
            cycles.update(_canonical(c) for c in itertools.islice(search, _SCAN_LIMIT))
        found.extend(sorted(cycles, key=lambda c: (len(c), c))[:MAX_CYCLES_PER_COMPONENT])
    return sorted(found, key=lambda c: (c[0], len(c), c))


def check(org: Organisation) -> list[Finding]:
    return analyse(org)[0]


def analyse(
    org: Organisation, blocking: graphs.BlockingGraph | None = None
) -> tuple[list[Finding], list[tuple[Service, ...]]]:
    """The findings and the cycles themselves, as services."""
    blocking = blocking or graphs.build(org)
    findings: list[Finding] = []
    cycles: list[tuple[Service, ...]] = []
    for cycle in find_cycles(blocking):
        services = tuple(blocking.services[k] for k in cycle)
        cycles.append(services)
        first = services[0]
        following = cycle[1] if len(cycle) > 1 else cycle[0]
        dep = blocking.dependency[(cycle[0], following)]
        spelled = " -> ".join((*cycle, cycle[0]))
        related = tuple(
            str(blocking.dependency[(a, b)].location)
            for a, b in ((cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(1, len(cycle)))
        )
        findings.append(
            Finding.at(
                dep.location,
                Severity.ERROR,
                CODE,
                message=f"blocking dependencies form a cycle: {spelled}",
                hint=(
                    "no request on this cycle can ever finish; mark one of these dependencies "
                    "`blocking: false` if work can go on while waiting, or remove it"
                ),
                team=first.team.id,
                related=related,
            )
        )
    return findings, cycles
