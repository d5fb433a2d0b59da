"""`charters diff`: what a change to the charters does to the organisation.

The organisation is loaded at two git revisions (or a revision and the working tree) with
the same `load_charters` every command uses, then compared object by object. Nothing here
reads YAML or git output beyond what it needs to put the charters folder on disk.

Identity, and what counts as a rename (the rules the report and the README state):

- A charter is its team id (the file name). A charter that disappears and one that appears
  in the same change are one **renamed** charter when they have the same team name
  (ignoring case and surrounding spaces), or, failing that, exactly the same service ids.
- A service is `team/service`. Services of the same team (after following a charter rename)
  are one **renamed** service when the old id disappears, a new id appears and both have the
  same name (ignoring case). A service that moves to another team is removed and added.
- When a charter is renamed its services keep their ids and are compared as the same
  services; they are not listed as renamed one by one.

A promise is a service's `response` and its `resolution`, compared one by one. "Longer" and
"shorter" are exact when both durations are calendar time, or both business time on
calendars with the same working day; otherwise they use the wall-clock bounds of
`calendars.Clocks`: longer only when the new promise's shortest wait exceeds the old one's
longest, shorter the other way round, and plain "changed" when the ranges overlap.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup, escape

from .calendars import Clocks, business_minutes, profile
from .durations import Duration
from .findings import Finding, Severity
from .organisation import Calendar, Organisation, Service, Standards, Team
from .pipeline import CheckResult, load_charters
from .templating import text_environment

WORKING_TREE = "the working tree"
FAIL_ON = ("infeasible",)


class GitError(Exception):
    """A git problem the user can fix (not a repository, unknown revision): a usage error."""


# --- git --------------------------------------------------------------------------------


def _git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            text=not binary,
        )
    except FileNotFoundError:
        raise GitError("git is not installed; `charters diff` needs it to read revisions") from None


def repository_root(start: Path) -> Path:
    """The top folder of the git work tree that holds `start`."""
    done = _git(start, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise GitError(
            f"'{start}' is not inside a git repository; `charters diff` compares revisions, "
            "so run it in a clone of the charters repository"
        )
    return Path(done.stdout.strip())


def resolve_revision(root: Path, revision: str) -> tuple[str, str]:
    """(full commit id, label for people) of `revision`; GitError when git does not know it."""
    if not revision or revision.startswith("-"):
        raise GitError(f"'{revision}' is not a revision")
    done = _git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
    )
    if done.returncode != 0:
        raise GitError(
            f"unknown revision '{revision}'; name a branch, tag or commit, e.g. 'origin/main' "
            "(in CI, fetch the history first: a shallow clone does not have the base branch)"
        )
    commit = done.stdout.strip()
    short = _git(root, "rev-parse", "--short", commit).stdout.strip() or commit[:12]
    return commit, f"{revision} ({short})" if not commit.startswith(revision) else short


def export_charters(root: Path, commit: str, folder: PurePosixPath, destination: Path) -> bool:
    """Write the charter files of `folder` at `commit` under `destination`/`folder`.

    Returns False when the folder does not exist at that commit. Only regular files directly
    in the folder are written (that is all `load_charters` reads), by name, so an archive
    can never write outside `destination`.
    """
    spec = folder.as_posix()
    listing = _git(root, "ls-tree", "--name-only", commit, "--", spec)
    if listing.returncode != 0:
        raise GitError(listing.stderr.strip() or f"cannot list '{spec}' at {commit}")
    if not listing.stdout.strip():
        return False
    archive = _git(root, "archive", "--format=tar", commit, "--", spec, binary=True)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"cannot read '{spec}' at {commit}")
    target = destination / folder
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout), mode="r:") as tar:
        for member in tar.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or path.parent != folder or path.name in ("", ".", ".."):
                continue
            extracted = tar.extractfile(member)
            if extracted is not None:
                (target / path.name).write_bytes(extracted.read())
    return True


# --- snapshots --------------------------------------------------------------------------


@dataclass
class Snapshot:
    """The charters as they were at one revision; `result` is None when there were none."""

    label: str
    result: CheckResult | None

    @property
    def organisation(self) -> Organisation | None:
        return self.result.organisation if self.result else None

    @property
    def broken(self) -> bool:
        return self.result is not None and (not self.result.ok or self.result.organisation is None)

    @property
    def errors(self) -> list[Finding]:
        if self.result is None:
            return []
        return [f for f in self.result.findings if f.severity is Severity.ERROR]

    @property
    def infeasible(self) -> set[str]:
        if self.result is None or self.result.analysis is None:
            return set()
        return set(self.result.analysis.infeasible)


def load_snapshots(
    cwd: Path,
    charters_dir: Path,
    base: str,
    head: str | None,
    today: dt.date | None = None,
) -> tuple[Snapshot, Snapshot]:
    """Load the charters at `base` and at `head` (None: the working tree)."""
    root = repository_root(cwd)
    absolute = (cwd / charters_dir).resolve()
    try:
        folder = PurePosixPath(absolute.relative_to(root.resolve()).as_posix())
    except ValueError:
        raise GitError(f"'{charters_dir}' is not inside the repository at {root}") from None
    base_commit, base_label = resolve_revision(root, base)
    head_commit = None
    head_label = WORKING_TREE
    if head is not None:
        head_commit, head_label = resolve_revision(root, head)
    today = today or dt.date.today()  # one "today" for both sides: reviews age alike
    with tempfile.TemporaryDirectory(prefix="charters-diff-") as scratch:
        snapshots = []
        for name, commit, label in (
            ("base", base_commit, base_label),
            ("head", head_commit, head_label),
        ):
            if commit is None:
                result = (
                    load_charters(absolute, root=root, today=today) if absolute.is_dir() else None
                )
            else:
                destination = Path(scratch) / name
                present = export_charters(root, commit, folder, destination)
                result = (
                    load_charters(destination / folder, root=destination, today=today)
                    if present
                    else None
                )
            snapshots.append(Snapshot(label, result))
    return snapshots[0], snapshots[1]


# --- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A charter or service that was added or removed."""

    key: str  # team id, or team/service
    name: str
    file: str


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    name: str
    old_file: str = ""
    new_file: str = ""


@dataclass(frozen=True)
class PromiseChange:
    service: str  # key at HEAD
    name: str
    field: str  # "response" | "resolution"
    old: Duration | None
    new: Duration | None
    direction: str  # "longer" | "shorter" | "changed"


@dataclass(frozen=True)
class CustomerChange:
    service: str
    service_name: str
    customer: str  # customer id
    customer_name: str
    kind: str  # team | group | segment | everyone
    added: bool


@dataclass(frozen=True)
class DependencyChange:
    consumer: str
    provider: str
    purpose: str
    blocking: bool
    added: bool


@dataclass(frozen=True)
class Reason:
    """Why a consumer team is affected by one provider service."""

    consumer: str  # the consumer's service key at HEAD
    provider: str  # the provider's key at HEAD (at BASE when it was removed)
    provider_name: str
    kind: str  # "promise" | "dropped" | "removed"
    changes: tuple[PromiseChange, ...] = ()


@dataclass(frozen=True)
class AffectedTeam:
    id: str
    name: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Infeasible:
    service: str
    name: str
    message: str
    chain: tuple[str, ...]


@dataclass
class Impact:
    base_label: str
    head_label: str
    charters_added: list[Item] = field(default_factory=list)
    charters_removed: list[Item] = field(default_factory=list)
    charters_renamed: list[Rename] = field(default_factory=list)
    services_added: list[Item] = field(default_factory=list)
    services_removed: list[Item] = field(default_factory=list)
    services_renamed: list[Rename] = field(default_factory=list)
    promises: list[PromiseChange] = field(default_factory=list)
    customers: list[CustomerChange] = field(default_factory=list)
    dependencies: list[DependencyChange] = field(default_factory=list)
    affected: list[AffectedTeam] = field(default_factory=list)
    infeasible: list[Infeasible] = field(default_factory=list)
    feasible_again: list[Infeasible] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.charters_added,
                self.charters_removed,
                self.charters_renamed,
                self.services_added,
                self.services_removed,
                self.services_renamed,
                self.promises,
                self.customers,
                self.dependencies,
                self.affected,
                self.infeasible,
                self.feasible_again,
            )
        )

    def promises_by(self, direction: str) -> list[PromiseChange]:
        return [p for p in self.promises if p.direction == direction]


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _match_teams(base: Organisation, head: Organisation) -> tuple[dict[str, str], list[Rename]]:
    """Base team id -> head team id for every team present on both sides."""
    mapping = {team_id: team_id for team_id in base.teams if team_id in head.teams}
    removed = [t for t in base.teams.values() if t.id not in head.teams]
    added = [t for t in head.teams.values() if t.id not in base.teams]
    renames: list[Rename] = []

    def pair(same: Callable[[Team, Team], bool]) -> None:
        for old in list(removed):
            match = next((new for new in added if same(old, new)), None)
            if match is not None:
                mapping[old.id] = match.id
                renames.append(Rename(old.id, match.id, match.name, old.file, match.file))
                removed.remove(old)
                added.remove(match)

    def services(team: Team) -> frozenset[str]:
        return frozenset(s.id for s in team.services)

    pair(lambda old, new: _norm(old.name) == _norm(new.name))
    pair(lambda old, new: bool(services(old)) and services(old) == services(new))
    return mapping, sorted(renames, key=lambda r: r.old)


def _match_services(
    base: Organisation, head: Organisation, teams: dict[str, str]
) -> tuple[dict[str, str], list[Rename]]:
    """Base service key -> head service key for every service present on both sides."""
    mapping: dict[str, str] = {}
    renames: list[Rename] = []
    for old_team_id, new_team_id in sorted(teams.items()):
        old_services = base.teams[old_team_id].services
        new_services = {s.id: s for s in head.teams[new_team_id].services}
        unmatched_old = []
        for service in old_services:
            if service.id in new_services:
                mapping[service.key] = new_services.pop(service.id).key
            else:
                unmatched_old.append(service)
        for service in sorted(unmatched_old, key=lambda s: s.id):
            match = next(
                (
                    new
                    for new in sorted(new_services.values(), key=lambda s: s.id)
                    if _norm(new.name) == _norm(service.name)
                ),
                None,
            )
            if match is not None:
                del new_services[match.id]
                mapping[service.key] = match.key
                renames.append(Rename(service.key, match.key, match.name))
    return mapping, sorted(renames, key=lambda r: r.old)


def compare_durations(
    old: Duration, old_calendar: Calendar, new: Duration, new_calendar: Calendar, clocks: Clocks
) -> str | None:
    """The change from `old` to `new`: longer, shorter, changed, or None for the same time."""
    if old == new:
        return None  # same words: a change of working hours is not a change of promise
    exact: tuple[float, float] | None = None
    if not old.business and not new.business:
        exact = (old.calendar_minutes, new.calendar_minutes)
    elif old.business and new.business and profile(old_calendar) == profile(new_calendar):
        exact = (business_minutes(old, old_calendar), business_minutes(new, new_calendar))
    if exact is not None:
        before, after = exact
        if abs(after - before) < 1e-9:
            return None
        return "longer" if after > before else "shorter"
    old_low, old_high = clocks.bounds(old, old_calendar)
    new_low, new_high = clocks.bounds(new, new_calendar)
    if new_low > old_high:
        return "longer"
    if new_high < old_low:
        return "shorter"
    return "changed"


def _promise_changes(old: Service, new: Service, clocks: Clocks) -> list[PromiseChange]:
    changes = []
    for name in ("response", "resolution"):
        before: Duration | None = getattr(old, name)
        after: Duration | None = getattr(new, name)
        if before is None and after is None:
            continue
        if before is None or after is None:
            direction: str | None = "changed"
        else:
            direction = compare_durations(
                before, old.team.calendar, after, new.team.calendar, clocks
            )
        if direction is not None:
            changes.append(PromiseChange(new.key, new.name, name, before, after, direction))
    return changes


def _item(team: Team) -> Item:
    return Item(team.id, team.name, team.file)


def _service_item(service: Service) -> Item:
    return Item(service.key, service.name, service.team.file)


def _empty_like(other: Organisation | None) -> Organisation:
    """An organisation with no teams, standing in for a revision with no charters folder."""
    return Organisation(
        name=other.name if other else "",
        mission="",
        vision="",
        logo=None,
        file="",
        values=[],
        goals={},
        groups={},
        segments={},
        calendars={},
        standards=Standards(Duration(6, "month"), None, 0.9),
    )


def compare(base: Snapshot, head: Snapshot) -> Impact:
    """What changed from `base` to `head`; both must have loaded without errors."""
    base_org = base.organisation or _empty_like(head.organisation)
    head_org = head.organisation or _empty_like(base.organisation)
    impact = Impact(base.label, head.label)
    clocks = Clocks()

    teams, impact.charters_renamed = _match_teams(base_org, head_org)
    kept_heads = set(teams.values())
    impact.charters_removed = [_item(t) for t in base_org.teams.values() if t.id not in teams]
    impact.charters_added = [_item(t) for t in head_org.teams.values() if t.id not in kept_heads]

    services, impact.services_renamed = _match_services(base_org, head_org, teams)
    mapped = set(services.values())
    impact.services_removed = [
        _service_item(s) for key, s in base_org.services.items() if key not in services
    ]
    impact.services_added = [
        _service_item(s) for key, s in head_org.services.items() if key not in mapped
    ]

    changes_by_service: dict[str, list[PromiseChange]] = {}
    for old_key, new_key in sorted(services.items(), key=lambda item: item[1]):
        old, new = base_org.services[old_key], head_org.services[new_key]
        changes = _promise_changes(old, new, clocks)
        if changes:
            changes_by_service[new_key] = changes
            impact.promises += changes
        impact.customers += _customer_changes(old, new, teams)

    impact.dependencies = _dependency_changes(base_org, head_org, services)
    impact.affected = _affected_teams(base_org, head_org, services, changes_by_service)
    impact.infeasible, impact.feasible_again = _feasibility_changes(base, head, services)
    return impact


def _customer_changes(old: Service, new: Service, teams: dict[str, str]) -> list[CustomerChange]:
    def key(kind: str, customer_id: str) -> tuple[str, str]:
        if kind == "team":
            customer_id = teams.get(customer_id, customer_id)
        return kind, customer_id

    before = {key(c.kind, c.id): c for c in old.customers}
    after = {key(c.kind, c.id): c for c in new.customers}
    changes = [
        CustomerChange(new.key, new.name, c.id, c.name, c.kind, True)
        for k, c in sorted(after.items())
        if k not in before
    ]
    changes += [
        CustomerChange(new.key, new.name, c.id, c.name, c.kind, False)
        for k, c in sorted(before.items())
        if k not in after
    ]
    return changes


def _dependency_changes(
    base: Organisation, head: Organisation, services: dict[str, str]
) -> list[DependencyChange]:
    before = {}
    for service in base.services.values():
        for dep in service.depends_on:
            pair = (
                services.get(dep.consumer.key, dep.consumer.key),
                services.get(dep.provider.key, dep.provider.key),
            )
            before[pair] = dep
    after = {
        (dep.consumer.key, dep.provider.key): dep
        for service in head.services.values()
        for dep in service.depends_on
    }
    changes = [
        DependencyChange(c, p, dep.purpose, dep.blocking, True)
        for (c, p), dep in after.items()
        if (c, p) not in before
    ]
    changes += [
        DependencyChange(c, p, dep.purpose, dep.blocking, False)
        for (c, p), dep in before.items()
        if (c, p) not in after
    ]
    return sorted(changes, key=lambda d: (not d.added, d.consumer, d.provider))


def _affected_teams(
    base: Organisation,
    head: Organisation,
    services: dict[str, str],
    changes_by_service: dict[str, list[PromiseChange]],
) -> list[AffectedTeam]:
    """Teams that relied (at BASE) on a service whose promise changed, or that dropped them.

    The team is named as it is at HEAD; a consumer service that is gone at HEAD is not
    affected by anything, and a team relying on its own service is left out (the change is
    its own).
    """
    reasons: dict[str, set[Reason]] = {}
    names: dict[str, str] = {}
    for provider in base.services.values():
        new_provider_key = services.get(provider.key)
        new_provider = head.services.get(new_provider_key) if new_provider_key else None
        for dep in provider.relied_on_by:
            consumer_key = services.get(dep.consumer.key)
            if consumer_key is None:
                continue
            consumer = head.services[consumer_key]
            if new_provider is not None and consumer.team is new_provider.team:
                continue
            if new_provider is None and dep.consumer.team is provider.team:
                continue
            found: list[Reason] = []
            if new_provider is None:
                found.append(Reason(consumer.key, provider.key, provider.name, "removed"))
            else:
                promise = tuple(changes_by_service.get(new_provider.key, ()))
                if promise:
                    found.append(
                        Reason(
                            consumer.key, new_provider.key, new_provider.name, "promise", promise
                        )
                    )
                if base.serves_team(provider, dep.consumer.team) and not head.serves_team(
                    new_provider, consumer.team
                ):
                    found.append(
                        Reason(consumer.key, new_provider.key, new_provider.name, "dropped")
                    )
            if found:
                reasons.setdefault(consumer.team.id, set()).update(found)
                names[consumer.team.id] = consumer.team.name
    order = {"removed": 0, "dropped": 1, "promise": 2}
    return [
        AffectedTeam(
            team_id,
            names[team_id],
            tuple(sorted(found, key=lambda r: (r.consumer, r.provider, order[r.kind]))),
        )
        for team_id, found in sorted(reasons.items())
    ]


def _feasibility_changes(
    base: Snapshot, head: Snapshot, services: dict[str, str]
) -> tuple[list[Infeasible], list[Infeasible]]:
    base_result = base.result.analysis if base.result else None
    head_result = head.result.analysis if head.result else None
    base_infeasible = base_result.infeasible if base_result else {}
    head_infeasible = head_result.infeasible if head_result else {}
    was = {services.get(key, key) for key in base_infeasible}
    became = [
        Infeasible(
            key,
            promise.service.name,
            promise.message,
            tuple(s.key for s in promise.chain),
        )
        for key, promise in sorted(head_infeasible.items())
        if key not in was
    ]
    head_services = head.organisation.services if head.organisation else {}
    again = []
    for key, promise in sorted(base_infeasible.items()):
        new_key = services.get(key)
        if new_key is not None and new_key in head_services and new_key not in head_infeasible:
            again.append(Infeasible(new_key, head_services[new_key].name, promise.message, ()))
    return became, again


# --- rendering --------------------------------------------------------------------------


# Characters that change the meaning of Markdown inline text; charter text is shown as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|~#!])")


def _markdown_text(value: object) -> object:
    """Every value printed by the Markdown template: escaped for Markdown, then for HTML.

    GitHub renders job summaries as Markdown with inline HTML, so charter text is escaped
    for both; ids and durations contain none of these characters and print unchanged.
    """
    if isinstance(value, Markup) or value is None:
        return value
    text = re.sub(r"\s+", " ", str(value))  # a value never breaks out of its line
    return Markup(escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text)))


def _environment(output_format: str) -> jinja2.Environment:
    markdown = output_format == "markdown"
    return text_environment(autoescape=markdown, finalize=_markdown_text if markdown else None)


def render(impact: Impact, output_format: str) -> str:
    suffix = "md" if output_format == "markdown" else "txt"
    return _environment(output_format).get_template(f"diff.{suffix}.j2").render(impact=impact)


def render_broken(snapshots: Iterable[Snapshot], output_format: str) -> str:
    """Why there is no report: the findings of every revision whose charters have errors."""
    broken = [s for s in snapshots if s.broken]
    texts = {s.label: "\n".join(f.to_text() for f in s.errors) for s in broken}
    if output_format == "markdown":
        # Shown inside a code fence, where Markdown and HTML are not interpreted.
        texts = {label: Markup(text) for label, text in texts.items()}
    longest_run = max((_longest_backtick_run(t) for t in texts.values()), default=0)
    fence = Markup("`" * max(3, longest_run + 1))
    suffix = "md" if output_format == "markdown" else "txt"
    template = _environment(output_format).get_template(f"diff-broken.{suffix}.j2")
    return template.render(broken=broken, texts=texts, fence=fence)


def _longest_backtick_run(text: str) -> int:
    longest = current = 0
    for char in text:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    return longest


def exit_code(impact: Impact, fail_on: Iterable[str]) -> int:
    """0, or 1 when a condition named in `fail_on` holds."""
    return 1 if "infeasible" in set(fail_on) and impact.infeasible else 0
