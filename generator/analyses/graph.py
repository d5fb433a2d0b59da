"""The blocking-dependency graph the analyses share, built once per run.

Nodes are service keys ("team/service"), edges run from the service that waits to the
service it waits on, for blocking dependencies only: a non-blocking dependency lets work go
on, so it neither delays a promise nor makes a cycle. Everything is inserted in sorted order
so that networkx's traversal order, and so every result, is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ..organisation import Dependency, Organisation, Service


@dataclass
class BlockingGraph:
    graph: nx.DiGraph
    services: dict[str, Service]
    # The first blocking dependency behind each edge (a service may list a provider twice).
    dependency: dict[tuple[str, str], Dependency]
    components: list[frozenset[str]] = field(default_factory=list)  # strongly connected
    component_of: dict[str, int] = field(default_factory=dict)
    condensation: nx.DiGraph = field(default_factory=nx.DiGraph)
    cyclic: frozenset[str] = frozenset()  # services that are part of a blocking cycle

    def waits_on(self, key: str) -> list[str]:
        """Services `key` waits on directly, sorted."""
        return sorted(self.graph.successors(key))


def build(org: Organisation) -> BlockingGraph:
    graph: nx.DiGraph = nx.DiGraph()
    services = dict(sorted(org.services.items()))
    graph.add_nodes_from(services)
    dependency: dict[tuple[str, str], Dependency] = {}
    for key, service in services.items():
        deps = sorted(
            (d for d in service.depends_on if d.blocking),
            key=lambda d: (d.provider.key, d.location.line, d.location.column),
        )
        for dep in deps:
            edge = (key, dep.provider.key)
            if edge not in dependency:
                dependency[edge] = dep
                graph.add_edge(*edge)
    result = BlockingGraph(graph=graph, services=services, dependency=dependency)
    # Tarjan's components, then numbered by their smallest member for a stable order.
    components = sorted(
        (frozenset(c) for c in nx.strongly_connected_components(graph)), key=lambda c: min(c)
    )
    result.components = components
    result.component_of = {key: i for i, members in enumerate(components) for key in members}
    result.condensation = nx.condensation(graph, scc=components)
    result.cyclic = frozenset(
        key
        for members in components
        for key in members
        if len(members) > 1 or graph.has_edge(key, key)
    )
    return result
