"""Review: a charter is overdue when `reviewed` plus the organisation's `review_every` is
before today.

The finding is a warning, but a time-bound one (findings.TIME_BOUND_CODES): it does not fail
`charters build --strict`, because no change to the charters caused it.

Months and years are calendar months and years (a review on 31 August every 6 months is
due on 28 or 29 February); business days count working days on the team's calendar.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
import math

from ..calendars import add_working_days
from ..durations import Duration
from ..findings import Finding, Severity
from ..organisation import Organisation, Team

CODE = "review-overdue"


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar_module.monthrange(year, month)[1]))


def due_date(team: Team, every: Duration) -> dt.date:
    """The date the team's next review is due."""
    if every.unit in ("month", "year"):
        months = every.amount * (12 if every.unit == "year" else 1)
        whole = int(months)
        # A fraction of a month (`1.5 months`) counts as 30-day months, rounded up to a day.
        extra = dt.timedelta(days=math.ceil((months - whole) * 30))
        return _add_months(team.reviewed, whole) + extra
    if every.business:
        per_day = team.calendar.minutes_per_day
        days = every.amount if every.unit == "business day" else every.amount * 60 / per_day
        return add_working_days(team.calendar, team.reviewed, days)
    minutes = every.calendar_minutes
    return team.reviewed + dt.timedelta(days=math.ceil(minutes / (24 * 60)))


def analyse(org: Organisation, today: dt.date) -> tuple[list[Finding], dict[str, Team]]:
    """Findings and the overdue teams by id."""
    findings: list[Finding] = []
    overdue: dict[str, Team] = {}
    every = org.standards.review_every
    for team_id, team in sorted(org.teams.items()):
        due = due_date(team, every)
        if not due < today:
            continue
        overdue[team_id] = team
        where = team.reviewed_location or team.location
        findings.append(
            Finding.at(
                where,
                Severity.WARNING,
                CODE,
                message=(
                    f"{team_id}'s charter was last reviewed on {team.reviewed.isoformat()}; "
                    f"with a review every {every} it was due by {due.isoformat()}"
                ),
                hint=(
                    "go through the charter with the team and its customers, update what "
                    "changed and set `reviewed` to the date of the review"
                ),
                team=team_id,
            )
        )
    return findings, overdue


def check(org: Organisation, today: dt.date | None = None) -> list[Finding]:
    return analyse(org, today or dt.date.today())[0]
