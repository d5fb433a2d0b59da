"""`charters codeowners`: a CODEOWNERS file from each charter's `owners`.

GitHub and GitLab both read CODEOWNERS: a change to a file needs a review from its owners
(when the branch protection asks for code owner review). One line per charter file, in team
order, so a change to a team's charter needs that team's review. The file is generated and
committed; CI runs `charters codeowners --check` so it never drifts from the charters.

Owners are written as given when they are `@user`, `@org/team` or an email address; a bare
name gets an `@` in front (`acme/payroll` -> `@acme/payroll`). Anything else (spaces, a
`#`) would change the meaning of the line and is reported instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .findings import Finding, Severity
from .organisation import Organisation
from .pipeline import CheckResult
from .templating import text_environment

# A GitHub/GitLab handle (@user, @org/team, @group/subgroup) or an email address.
_HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)*$")
_EMAIL = re.compile(r"^[^@\s#]+@[^@\s#]+\.[^@\s#]+$")


@dataclass(frozen=True)
class Entry:
    pattern: str  # "/charters/payroll.yaml"
    owners: tuple[str, ...]
    team: str


def owner_handle(owner: str) -> str | None:
    """The owner as CODEOWNERS writes it, or None when it cannot be written safely."""
    owner = owner.strip()
    if _EMAIL.match(owner) or _HANDLE.match(owner):
        return owner
    if _HANDLE.match(f"@{owner}"):
        return f"@{owner}"
    return None


def entries(org: Organisation) -> tuple[list[Entry], list[Finding]]:
    """One entry per team charter, in team order, and a finding per unusable owner."""
    result: list[Entry] = []
    findings: list[Finding] = []
    for team in org.teams.values():
        owners: list[str] = []
        for owner in team.owners:
            handle = owner_handle(owner)
            if handle is None:
                findings.append(
                    Finding(
                        Severity.ERROR,
                        "bad-owner",
                        team.file,
                        team.location.line,
                        team.location.column,
                        f"owner '{owner}' is not a user, team or email address",
                        "write owners as '@user', '@organisation/team' or an email address",
                        team=team.id,
                    )
                )
            elif handle not in owners:
                owners.append(handle)
        result.append(Entry(f"/{team.file.lstrip('/')}", tuple(owners), team.id))
    return result, findings


def render(org: Organisation, command: str = "charters codeowners") -> tuple[str, list[Finding]]:
    """The CODEOWNERS text for `org`, and any finding that stops it being trusted."""
    found, findings = entries(org)
    env = text_environment()  # plain text; every value was checked by owner_handle
    text = env.get_template("CODEOWNERS.j2").render(entries=found, command=command)
    return text, findings


def unresolved_charters(result: CheckResult) -> list[Finding]:
    """Errors of charter files that did not become a team: their owners are unknown.

    Other errors (an unknown customer, say) leave the team and its owners intact, so the
    file can still be generated; `charters check` reports those.
    """
    org = result.organisation
    if org is None:
        return [f for f in result.findings if f.severity is Severity.ERROR]
    resolved = {team.file for team in org.teams.values()} | {org.file}
    return [
        f
        for f in result.findings
        if f.severity is Severity.ERROR and f.file in set(result.files) - resolved
    ]


def generate(result: CheckResult) -> tuple[str | None, list[Finding]]:
    """The CODEOWNERS text, or None and the findings that prevent writing it."""
    blocking = unresolved_charters(result)
    if blocking or result.organisation is None:
        return None, blocking
    text, findings = render(result.organisation)
    return (None, findings) if findings else (text, [])


def stale_message(path: Path, expected: str, actual: str | None) -> str | None:
    """Why the committed file differs from what the charters say, or None when it does not."""
    if actual == expected:
        return None
    if actual is None:
        return f"{path} does not exist; run `charters codeowners` and commit it"
    wanted = expected.splitlines()
    found = actual.splitlines()
    missing = [line for line in wanted if line not in found]
    extra = [line for line in found if line not in wanted]
    detail = "".join(f"\n  + {line}" for line in missing) + "".join(
        f"\n  - {line}" for line in extra
    )
    if not detail:
        detail = "\n  (same lines, different order or spacing)"
    return (
        f"{path} is out of date with the charters' owners; run `charters codeowners` and "
        f"commit the result. Lines to add (+) and remove (-):{detail}"
    )
