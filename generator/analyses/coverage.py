"""Mission coverage: every service serves a goal, and every goal is served.

A service that lists no goal is a warning at the service (why does the organisation pay
for it?); a goal in `organization.yaml` that no service lists is a warning at the goal (who
works towards it?).
"""

from __future__ import annotations

from ..findings import Finding, Severity
from ..organisation import Organisation

SERVICE_CODE = "service-without-goal"
GOAL_CODE = "goal-unserved"


def check(org: Organisation) -> list[Finding]:
    findings: list[Finding] = []
    served: set[str] = set()
    for key in sorted(org.services):
        service = org.services[key]
        served.update(goal.id for goal in service.goals)
        if service.goals:
            continue
        findings.append(
            Finding.at(
                service.location,
                Severity.WARNING,
                SERVICE_CODE,
                message=f"{service.key} serves none of the organisation's goals",
                hint=(
                    "add the goals it serves under `goals:` ("
                    + ", ".join(sorted(org.goals))
                    + "), or ask whether the service is still needed"
                ),
                team=service.team.id,
            )
        )
    for goal_id in sorted(org.goals):
        if goal_id in served:
            continue
        goal = org.goals[goal_id]
        findings.append(
            Finding.at(
                goal.location,
                Severity.WARNING,
                GOAL_CODE,
                message=f"goal '{goal_id}' ({goal.name}) is served by no service",
                hint=(
                    f"list '{goal_id}' under `goals:` of the services that work towards it, "
                    "or retire the goal"
                ),
            )
        )
    return findings
