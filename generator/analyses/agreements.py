"""Two-sided agreement: a dependency counts only when the provider agrees to serve.

A dependency of a service of team T on `team/service` is acknowledged when that service
lists T among its customers: by id, through T's group, or as `everyone`. A dependency
between two services of the same team needs no acknowledgement. Blocking or not, an
unacknowledged dependency is a warning at the dependency, naming both places.
"""

from __future__ import annotations

from ..findings import Finding, Severity
from ..organisation import Dependency, Organisation

CODE = "unacknowledged-dependency"


def check(org: Organisation) -> list[Finding]:
    return analyse(org)[0]


def analyse(org: Organisation) -> tuple[list[Finding], list[Dependency]]:
    """The findings and the unacknowledged dependencies, in file order."""
    findings: list[Finding] = []
    unacknowledged: list[Dependency] = []
    for key in sorted(org.services):
        consumer = org.services[key]
        team = consumer.team
        for dep in consumer.depends_on:
            provider = dep.provider
            if provider.team is team or org.serves_team(provider, team):
                continue
            unacknowledged.append(dep)
            findings.append(
                Finding.at(
                    dep.location,
                    Severity.WARNING,
                    CODE,
                    message=(
                        f"{consumer.key} ({dep.location.file}:{dep.location.line}) depends on "
                        f"{provider.key} ({provider.location.file}:{provider.location.line}), "
                        f"which does not list {team.id} among its customers"
                    ),
                    hint=(
                        f"agree it with {provider.team.name}: they add '{team.id}' (or its "
                        f"group '{team.group.id}') to the customers of {provider.key} in "
                        f"{provider.location.file}"
                    ),
                    team=team.id,
                    related=(str(provider.location),),
                )
            )
    unacknowledged.sort(key=lambda d: (d.location.file, d.location.line, d.location.column))
    return findings, unacknowledged
