"""`charters new TEAM`: a new, commented charter that passes `charters check` as written.

The charter comes from templates/charter.yaml.j2. Every field is explained in a comment;
the values that only the team can give are marked TODO and are valid placeholders, so the
file checks cleanly the moment it is written and the team fills it in at its own pace.

Its first line points editors at the JSON Schema (`# yaml-language-server: $schema=...`).
The path is relative to the charter, to the file `charters schema` writes by default
(schema/charter.schema.json in the folder the command runs from, the repository root): for
charters/TEAM.yaml that is `../schema/charter.schema.json`, the line every sample charter
carries.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from .findings import Finding, Severity
from .models import SLUG_PATTERN
from .organisation import EVERYONE, Organisation
from .pipeline import display_path, load_charters
from .templating import text_environment
from .validate import ID_HINT

SCHEMA_FILE = Path("schema") / "charter.schema.json"
_SLUG = re.compile(SLUG_PATTERN)


class ScaffoldError(Exception):
    """A request `charters new` refuses; the message says what to do instead."""


@dataclass(frozen=True)
class NewCharter:
    team: str
    name: str
    group: str
    lead: str


def stdin_is_terminal() -> bool:
    """True when someone can answer prompts (tests replace this to drive the prompts)."""
    return sys.stdin is not None and sys.stdin.isatty()


def default_name(team: str) -> str:
    return " ".join(word.capitalize() for word in team.split("-"))


def check_team_id(team: str, charters_dir: Path, org: Organisation | None) -> Path:
    """The path of the new charter; ScaffoldError when the id or the file is unusable."""
    if not _SLUG.match(team):
        suggestion = re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-")
        hint = f"; try '{suggestion}'" if suggestion and _SLUG.match(suggestion) else ""
        raise ScaffoldError(f"'{team}' is not a valid team id: {ID_HINT}{hint}")
    if team == EVERYONE:
        raise ScaffoldError("'everyone' is reserved for services open to the whole organisation")
    if org is not None:
        if team in org.groups:
            raise ScaffoldError(f"'{team}' is already a group id; team ids must be unique")
        if team in org.segments:
            raise ScaffoldError(f"'{team}' is already a customer segment id; choose another")
    for suffix in (".yaml", ".yml"):
        existing = charters_dir / f"{team}{suffix}"
        if existing.exists():
            raise ScaffoldError(
                f"{existing.as_posix()} already exists; edit it, or choose another team id"
            )
    return charters_dir / f"{team}.yaml"


def group_hint(group: str, org: Organisation) -> str:
    close = difflib.get_close_matches(group, sorted(org.groups), n=1, cutoff=0.6)
    listing = ", ".join(sorted(org.groups))
    return (
        f"did you mean '{close[0]}'? Groups are: {listing}" if close else f"groups are: {listing}"
    )


def check_group(group: str, org: Organisation) -> None:
    if group not in org.groups:
        raise ScaffoldError(
            f"no group '{group}' in the organisation file; {group_hint(group, org)}"
        )


def check_text(label: str, value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ScaffoldError(f"the {label} cannot be empty")
    return value


def collect(
    team: str,
    name: str | None,
    group: str | None,
    lead: str | None,
    org: Organisation,
    interactive: bool,
) -> NewCharter:
    """The new charter's details: from the options, else asked for when someone can answer."""
    missing = [
        option
        for option, value in (("--name", name), ("--group", group), ("--lead", lead))
        if value is None
    ]
    if missing and not interactive:
        example = (
            f"charters new {team} --name {_shell_word(name or default_name(team))} "
            f"--group {group or sorted(org.groups)[0]} --lead {_shell_word(lead or 'Ada Lovelace')}"
        )
        raise ScaffoldError(
            f"missing {_and_list(missing)}: standard input is not a terminal, so `charters new` "
            f"cannot ask for {'it' if len(missing) == 1 else 'them'}. Pass "
            f"{'it' if len(missing) == 1 else 'them'} as options, e.g. {example}; "
            f"groups are: {', '.join(sorted(org.groups))}"
        )
    if name is None:
        name = click.prompt("Team name", default=default_name(team))
    name = check_text("team name", name)
    if group is None:
        click.echo("Groups in the organisation file:")
        for item in sorted(org.groups.values(), key=lambda g: g.id):
            click.echo(f"  {item.id}: {_comment(item.name)}")
        group = click.prompt("Group id", type=click.Choice(sorted(org.groups)), show_choices=False)
    check_group(group, org)
    if lead is None:
        lead = click.prompt("Team lead (name)")
    lead = check_text("team lead", lead)
    return NewCharter(team, name, group, lead)


def write(path: Path, text: str) -> None:
    """Create the charter; never overwrite one that appeared since the check."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path.as_posix()} already exists; edit it instead") from None


def errors_in(charters_dir: Path, path: Path, cwd: Path) -> list[Finding]:
    """The errors `charters check` reports in the charter at `path` (none, by design)."""
    shown = display_path(path, cwd)
    result = load_charters(charters_dir, root=cwd)
    return [f for f in result.findings if f.file == shown and f.severity is Severity.ERROR]


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _shell_word(text: str) -> str:
    return (
        text if re.fullmatch(r"[A-Za-z0-9._/-]+", text) else "'" + text.replace("'", "'\\''") + "'"
    )


def schema_reference(charters_dir: Path, cwd: Path) -> str:
    """The schema path as the charter's first line gives it: relative to the charter."""
    target = (cwd / SCHEMA_FILE).resolve()
    return Path(os.path.relpath(target, (cwd / charters_dir).resolve())).as_posix()


def _yaml_scalar(value: object) -> str:
    """`value` as a YAML scalar: plain when that reads back the same, quoted otherwise."""
    text = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_flow_style=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(value: object) -> str:
    """Text safe inside a `#` comment: on one line."""
    return " ".join(str(value).split())


def render(
    charter: NewCharter, org: Organisation, schema_path: str, today: dt.date | None = None
) -> str:
    env = text_environment()  # YAML, not HTML: values go through the `yaml` filter instead
    env.filters["yaml"] = _yaml_scalar
    env.filters["comment"] = _comment
    standards = org.standards
    return env.get_template("charter.yaml.j2").render(
        charter=charter,
        org=org,
        schema_path=schema_path,
        reviewed=(today or dt.date.today()).isoformat(),
        review_every=str(standards.review_every),
        response=str(standards.response or "1 business day"),
        default_response=str(standards.response) if standards.response else None,
        target=f"{standards.target * 100:g}%",
        groups=sorted(org.groups.values(), key=lambda g: g.id),
        segments=sorted(org.segments.values(), key=lambda s: s.id),
        goals=sorted(org.goals.values(), key=lambda g: g.id),
        calendars=sorted(org.calendars.values(), key=lambda c: c.id),
    )
