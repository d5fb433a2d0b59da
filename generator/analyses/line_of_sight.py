"""Line of sight: how each team's work reaches an external customer segment.

Team T **serves** segment S directly when one of T's services lists S among its customers
(groups, teams and `everyone` are not external, so they do not count). T reaches S
**through** team U when a service of U depends (blocking or not) on a service of T and U
reaches S. A chain reads from the team to the segment: ("it", "payroll", "retail") means
IT serves payroll, which serves the retail segment.

Each team gets up to `MAX_CHAINS` (3) chains, shortest first (ties by the ids along them):
one per segment it serves directly and one per first step towards each segment, each of
them as short as possible. Teams with none get an info `no-line-of-sight` finding, unless
the organisation names no segments at all.
"""

from __future__ import annotations

from collections import deque

from ..findings import Finding, Severity
from ..organisation import Organisation

CODE = "no-line-of-sight"
MAX_CHAINS = 3


def analyse(org: Organisation) -> tuple[list[Finding], dict[str, list[tuple[str, ...]]]]:
    """Findings and, for every team id, its chains (possibly none)."""
    # served_by[T]: teams U with a service depending on one of T's services, sorted.
    served: dict[str, set[str]] = {team_id: set() for team_id in org.teams}
    direct: dict[str, set[str]] = {team_id: set() for team_id in org.teams}
    for team_id, team in org.teams.items():
        for service in team.services:
            for customer in service.customers:
                if customer.kind == "segment":
                    direct[team_id].add(customer.id)
            for dep in service.depends_on:
                provider = dep.provider.team.id
                if provider != team_id:
                    served[provider].add(team_id)
    serves = {team_id: sorted(users) for team_id, users in served.items()}
    # reverse links: for a breadth-first search outwards from each segment's teams
    served_by: dict[str, list[str]] = {team_id: [] for team_id in org.teams}
    for provider in sorted(serves):
        for user in serves[provider]:
            served_by[user].append(provider)

    # For each segment: distance of every team to it and the next team on a shortest chain.
    next_step: dict[str, dict[str, str | None]] = {}
    for segment in sorted(org.segments):
        steps: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for team_id in sorted(org.teams):
            if segment in direct[team_id]:
                steps[team_id] = None
                queue.append(team_id)
        # Breadth-first from the serving teams, visiting users in id order, so every team's
        # recorded step is the smallest id among those on a shortest chain.
        while queue:
            user = queue.popleft()
            for provider in served_by[user]:
                if provider not in steps:
                    steps[provider] = user
                    queue.append(provider)
        next_step[segment] = steps

    def shortest(team_id: str, segment: str) -> tuple[str, ...]:
        chain = [team_id]
        step = next_step[segment][team_id]
        while step is not None:
            chain.append(step)
            step = next_step[segment][step]
        return (*chain, segment)

    chains: dict[str, list[tuple[str, ...]]] = {}
    findings: list[Finding] = []
    for team_id, team in sorted(org.teams.items()):
        candidates: set[tuple[str, ...]] = set()
        for segment, steps in next_step.items():
            if team_id not in steps:
                continue
            if segment in direct[team_id]:
                candidates.add((team_id, segment))
            for user in serves[team_id]:
                if user in steps:
                    onward = shortest(user, segment)
                    if team_id not in onward:  # a chain never passes a team twice
                        candidates.add((team_id, *onward))
        team_chains = sorted(candidates, key=lambda c: (len(c), c))[:MAX_CHAINS]
        chains[team_id] = team_chains
        if not team_chains and org.segments:
            findings.append(
                Finding.at(
                    team.location,
                    Severity.INFO,
                    CODE,
                    message=(
                        f"{team_id} has no line of sight to an external customer: no chain "
                        "of services leads from its work to a customer segment"
                    ),
                    hint=(
                        "if your work reaches customers, name their segment in a service's "
                        "`customers`, or check that the teams you serve list their "
                        "dependency on you in `depends_on`"
                    ),
                    team=team_id,
                )
            )
    return findings, chains


def check(org: Organisation) -> list[Finding]:
    return analyse(org)[0]
