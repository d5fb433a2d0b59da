"""Step 4: follow every reference between files and build one `Organisation`.

Validation has already guaranteed each file's shape; this step checks what no single file
can: that groups, calendars, customers, goals and services named in one file exist in
another, and that ids are unique across the organisation.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from . import models
from .durations import Duration
from .findings import Finding, Severity
from .organisation import (
    EVERYONE,
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
from .source import PathKey, SourceFile


class _Reporter:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def error(
        self,
        source: SourceFile,
        path: PathKey,
        code: str,
        message: str,
        hint: str,
        *,
        team: str | None = None,
        related: Iterable[str] = (),
        severity: Severity = Severity.ERROR,
    ) -> None:
        line, col = source.position(path)
        self.findings.append(
            Finding(severity, code, source.path, line, col, message, hint, team, tuple(related))
        )


def _location(source: SourceFile, path: PathKey) -> Location:
    return Location(source.path, *source.position(path))


def _suggest(name: str, known: Iterable[str], fallback: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else fallback


def resolve_organisation(
    model: models.OrganisationFile, source: SourceFile
) -> tuple[Organisation, list[Finding]]:
    report = _Reporter()

    def named(items: list[models.NamedItem], key: str, kind: str) -> dict[str, NamedItem]:
        result: dict[str, NamedItem] = {}
        for index, item in enumerate(items):
            if item.id in result:
                report.error(
                    source,
                    (key, index, "id"),
                    "duplicate-id",
                    f"{kind} id '{item.id}' is used twice",
                    "give each one its own id",
                )
                continue
            cls = Group if key == "groups" else NamedItem
            result[item.id] = cls(
                item.id, item.name, item.description, _location(source, (key, index))
            )
        return result

    goals = named(model.goals, "goals", "goal")
    values = list(named(model.values, "values", "value").values())
    groups = named(model.groups, "groups", "group")
    segments = named(model.customers, "customers", "customer segment")
    for segment_id in sorted(set(segments) & set(groups)):
        index = next(i for i, c in enumerate(model.customers) if c.id == segment_id)
        report.error(
            source,
            ("customers", index, "id"),
            "duplicate-id",
            f"'{segment_id}' is both a group and a customer segment",
            "ids are shared by teams, groups and segments so a customer can be a plain id",
        )
    for key, items in (("groups", model.groups), ("customers", model.customers)):
        for index, item in enumerate(items):
            if item.id == EVERYONE:
                report.error(
                    source,
                    (key, index, "id"),
                    "reserved-id",
                    "'everyone' is reserved for services open to the whole organisation",
                    "choose another id",
                )

    calendars: dict[str, Calendar] = {}
    for cal_id, cal in sorted(model.calendars.items()):
        start, end = models.parse_hours(cal.hours)
        calendars[cal_id] = Calendar(
            id=cal_id,
            timezone=cal.timezone,
            days=models.parse_days(cal.days),
            start_minute=start,
            end_minute=end,
            holidays=tuple(sorted(cal.holidays)),
            days_text=cal.days,
            hours_text=cal.hours,
        )
    if "default" not in calendars:
        report.error(
            source,
            ("calendars",),
            "missing-default-calendar",
            "no calendar is named 'default'",
            "add 'default:' under calendars; teams without 'hours' use it",
        )

    organisation = Organisation(
        name=model.name,
        mission=model.mission,
        vision=model.vision,
        logo=model.logo,
        file=source.path,
        values=values,
        goals=goals,
        groups={k: v for k, v in groups.items() if isinstance(v, Group)},
        segments=segments,
        calendars=calendars,
        standards=Standards(
            model.standards.review_every, model.standards.response, model.standards.target
        ),
    )
    return organisation, report.findings


def resolve_teams(
    organisation: Organisation,
    charters: list[tuple[models.CharterFile, SourceFile]],
    unreadable_team_ids: set[str],
) -> list[Finding]:
    """Add the teams to `organisation`, checking every reference they make.

    `unreadable_team_ids` are teams whose files exist but failed to load: references to them
    are not reported again, since their own file's findings already explain the problem.
    """
    report = _Reporter()
    org = organisation
    # Teams skipped below join the unreadable ones: their own finding explains the problem,
    # so references to them are not reported again. A copy: the caller's set stays as given.
    unreadable_team_ids = set(unreadable_team_ids)
    taken = {**{g: "group" for g in org.groups}, **{s: "segment" for s in org.segments}}

    accepted: list[tuple[models.CharterFile, SourceFile, Team]] = []
    for charter, source in sorted(charters, key=lambda item: item[1].path):
        stem = source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if charter.team != stem:
            report.error(
                source,
                ("team",),
                "team-id-mismatch",
                f"team id '{charter.team}' differs from the file name '{stem}'",
                f"rename the file to '{charter.team}.yaml' or set 'team: {stem}'",
                team=stem,
            )
            unreadable_team_ids.add(stem)
            continue
        if charter.team in taken or charter.team == EVERYONE:
            if charter.team == EVERYONE:
                code = "reserved-id"
                message = "'everyone' is reserved for services open to the whole organisation"
            else:
                code = "duplicate-id"
                message = f"team id '{charter.team}' is already a {taken[charter.team]} id"
            report.error(
                source,
                ("team",),
                code,
                message,
                "ids are shared by teams, groups and segments; choose another team id",
                team=charter.team,
            )
            unreadable_team_ids.add(stem)
            continue
        taken[charter.team] = "team"
        team = _team(org, charter, source, report)
        org.teams[team.id] = team
        accepted.append((charter, source, team))

    known_customers = set(org.teams) | set(org.groups) | set(org.segments) | {EVERYONE}
    kept: list[tuple[SourceFile, Team, int, models.Service, Service]] = []
    for charter, source, team in accepted:
        seen_ids: dict[str, int] = {}
        for index, spec in enumerate(charter.services):
            path: PathKey = ("services", index)
            if spec.id in seen_ids:
                report.error(
                    source,
                    (*path, "id"),
                    "duplicate-service",
                    f"service id '{spec.id}' is used twice in this charter",
                    f"the first is services[{seen_ids[spec.id]}]; give each service its own id",
                    team=team.id,
                )
                continue
            seen_ids[spec.id] = index
            service = _service(
                org, team, spec, source, path, known_customers, unreadable_team_ids, report
            )
            team.services.append(service)
            org.services[service.key] = service
            kept.append((source, team, index, spec, service))

    # Dependencies last: every service must exist before one can point at another.
    for source, team, index, spec, consumer in kept:
        for dep_index, dep in enumerate(spec.depends_on):
            path = ("services", index, "depends_on", dep_index, "service")
            provider_team, provider_id = dep.service.split("/")
            provider = org.services.get(dep.service)
            if provider is None:
                if provider_team in unreadable_team_ids:
                    continue
                if provider_team not in org.teams:
                    report.error(
                        source,
                        path,
                        "unknown-team",
                        f"no team '{provider_team}'",
                        _suggest(provider_team, org.teams, "check the team id"),
                        team=team.id,
                    )
                else:
                    known = [s.id for s in org.teams[provider_team].services]
                    report.error(
                        source,
                        path,
                        "unknown-service",
                        f"team '{provider_team}' has no service '{provider_id}'",
                        _suggest(
                            provider_id, known, f"its services are: {', '.join(sorted(known))}"
                        ),
                        team=team.id,
                    )
                continue
            dependency = Dependency(
                consumer=consumer,
                provider=provider,
                purpose=dep.purpose,
                blocking=dep.blocking,
                location=_location(source, ("services", index, "depends_on", dep_index)),
            )
            consumer.depends_on.append(dependency)
            provider.relied_on_by.append(dependency)

    org.teams = dict(sorted(org.teams.items()))
    org.services = dict(sorted(org.services.items()))
    for group in org.groups.values():
        group.teams.sort(key=lambda t: t.id)
    for service in org.services.values():
        service.relied_on_by.sort(key=lambda d: (d.consumer.key, d.location.line))
    return report.findings


def _team(
    org: Organisation, charter: models.CharterFile, source: SourceFile, report: _Reporter
) -> Team:
    group = org.groups.get(charter.group)
    if group is None:
        report.error(
            source,
            ("group",),
            "unknown-group",
            f"no group '{charter.group}'",
            _suggest(charter.group, org.groups, f"groups are: {', '.join(sorted(org.groups))}"),
            team=charter.team,
        )
    calendar = org.calendars.get(charter.hours)
    if calendar is None:
        report.error(
            source,
            ("hours",),
            "unknown-calendar",
            f"no calendar '{charter.hours}'",
            _suggest(
                charter.hours,
                org.calendars,
                f"calendars are: {', '.join(sorted(org.calendars))}"
                if org.calendars
                else "define calendars in organization.yaml",
            ),
            team=charter.team,
        )
        # Fall back so the rest of the charter is still checked; the error fails the run.
        calendar = (
            org.calendars.get("default")
            or next(iter(org.calendars.values()), None)
            or _placeholder_calendar()
        )
    contact = charter.contact
    if not (contact.email or contact.chat or contact.url):
        report.error(
            source,
            ("contact",),
            "missing-contact",
            "contact gives no way to reach the team",
            "add at least one of email, chat or url",
            team=charter.team,
        )
    # A team in an unknown group still gets pages; it is filed under a placeholder group so
    # the rest of the organisation can be checked and shown.
    if group is None:
        group = org.groups.setdefault(
            "ungrouped", Group("ungrouped", "Ungrouped", "", Location(org.file, 1, 1))
        )
    team = Team(
        id=charter.team,
        name=charter.name,
        group=group,
        purpose=charter.purpose,
        lead=charter.lead,
        contact=Contact(contact.email, contact.chat, contact.url),
        calendar=calendar,
        owners=list(charter.owners),
        reviewed=charter.reviewed,
        feedback=charter.feedback,
        file=source.path,
        location=_location(source, ()),
        reviewed_location=_location(source, ("reviewed",)),
    )
    group.teams.append(team)
    return team


def _placeholder_calendar() -> Calendar:
    """Stand-in when the organisation defines no calendar at all (already an error)."""
    return Calendar(
        "default", "UTC", (0, 1, 2, 3, 4), 9 * 60, 17 * 60, (), "Mon-Fri", "09:00-17:00"
    )


def _service(
    org: Organisation,
    team: Team,
    spec: models.Service,
    source: SourceFile,
    path: PathKey,
    known_customers: set[str],
    unreadable_team_ids: set[str],
    report: _Reporter,
) -> Service:
    customers: list[CustomerRef] = []
    for index, customer_id in enumerate(spec.customers):
        ref = org.customer_ref(customer_id)
        if ref is None:
            if customer_id not in unreadable_team_ids:
                report.error(
                    source,
                    (*path, "customers", index),
                    "unknown-customer",
                    f"no team, group or customer segment '{customer_id}'",
                    _suggest(
                        customer_id,
                        known_customers,
                        "use a team, group or segment id, or 'everyone'",
                    ),
                    team=team.id,
                )
            continue
        if ref not in customers:
            customers.append(ref)
    goals: list[NamedItem] = []
    for index, goal_id in enumerate(spec.goals):
        goal = org.goals.get(goal_id)
        if goal is None:
            report.error(
                source,
                (*path, "goals", index),
                "unknown-goal",
                f"no goal '{goal_id}'",
                _suggest(goal_id, org.goals, f"goals are: {', '.join(sorted(org.goals))}"),
                team=team.id,
            )
        elif goal not in goals:
            goals.append(goal)
    response = spec.response or org.standards.response
    if response is None:
        report.error(
            source,
            path,
            "missing-response",
            f"service '{spec.id}' states no response time and the organisation sets no default",
            "add 'response:' (e.g. '4 business hours') or a default under standards",
            team=team.id,
        )
        response = Duration(1, "business day")  # placeholder; the error fails the build
    return Service(
        team=team,
        id=spec.id,
        name=spec.name,
        summary=spec.summary,
        customers=customers,
        request=spec.request,
        request_url=spec.request_url,
        response=response,
        response_is_default=spec.response is None,
        resolution=spec.resolution,
        target=spec.target if spec.target is not None else org.standards.target,
        goals=goals,
        location=_location(source, path),
    )
