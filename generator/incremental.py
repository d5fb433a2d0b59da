"""`charters serve`: after an edit, render and build only the pages it changed.

`mkdocs serve` rebuilds the whole site on every change (at 500 teams, nine seconds from
saving a charter to seeing it). The plugin instance lives on between those rebuilds, so it
keeps what it made last time and redoes only what an edit changed, in three steps:

1. Which generated pages to render again (`pages_to_render`). The new organisation is
   compared with the previous one. Charter files whose bytes did not change are not even
   read again (the loader's cache).

   - Wording only (purpose, lead, contacts, owners, feedback link, a service's summary or
     how to ask): no analysis can have changed, and the pages that show those words are
     known: the team's page, its group's page and the team list (purpose, lead), the
     service catalogue and the customer segments the service serves (summary), and the
     health and home pages when the findings changed (with the team pages they note).
   - A promise (first answer, resolution, target), a dependency added, removed or changed,
     a service's or team's name, customers, goals, a review date: the analyses may change
     anywhere, so both organisations are compared page by page. For every team,
     `_team_inputs` gathers all its page can show (its charter, what the analyses say of
     it, the services it waits on and the teams that wait on it, with their names, promises
     and flags, the names on its line-of-sight chains, its findings); a team page is
     rendered again when they differ. So are the group page and group map of such a team,
     the pages of the segments its services serve, and the pages about the whole
     organisation (home, catalogue, team list, mission, customers, map, explorer, health).
     A promise edit at 500 teams renders some 70 pages of 550, of which MkDocs then builds
     the 3 to 15 whose Markdown changed.
   - A team added or removed, organization.yaml, the templates, the settings, a new day:
     every page.

2. Which pages MkDocs must build again (`ServeSession`). A generated page whose Markdown and
   HTML blocks are the same as last time, in a site whose navigation, page titles,
   configuration and theme are the same, would come out byte for byte as last time. Under
   `charters serve` (dirty builds) MkDocs skips it; the session gives back its title and
   search entries. Everything else is built as usual. The navigation counts per section
   (NavigationSignature): a team renamed changes its group's section, which only that
   group's pages show, so they are built again; a change to what every page shows (the
   top of the navigation, a group's name, the configuration, the theme) builds every page.

3. No garbage collection during a rebuild (`Collector`): Python's cyclic collector went
   through every object of the process twice in each rebuild, a third of its time. It now
   runs once, a moment after the rebuild.

   Measured on 500 teams (`python3 benchmarks/serve_latency.py --teams 500 --runs 5`:
   median from saving a charter to every page concerned showing the edit; 2 cores shared
   with other builds, so give or take a few tenths), before the page-by-page comparison,
   step 3 and the quicker file watcher (generator/build.py), and after: purpose
   1.1 s -> 0.7 s; promise 3.4 s -> 1.4 s; a dependency added or removed 3.3 s -> 1.2 s; a
   service renamed 3.1 s -> 1.2 s (MkDocs' own rebuild: 2.6-3.2 s before, 0.8-1.5 s
   after). A team renamed built every page (about 4 s in-process); now its group's pages
   and the pages that name it (in-process 1.4 s at 500 teams, 90 pages built of 547).

`charters build` never uses any of this: every build starts from nothing.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import threading
import weakref
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import pages
from .findings import Finding
from .organisation import Organisation, Service, Team
from .pipeline import CheckResult, FileCache

# --- 1. which pages an edit changed ----------------------------------------------------------


def _service_shape(service: Service) -> tuple[Any, ...]:
    """What of a service analyses and other pages read: everything but its wording."""
    return (
        service.id,
        service.name,
        tuple((ref.kind, ref.id, ref.name) for ref in service.customers),
        service.response,
        service.response_is_default,
        service.resolution,
        service.target,
        tuple(goal.id for goal in service.goals),
        tuple((dep.provider.key, dep.purpose, dep.blocking) for dep in service.depends_on),
    )


def _team_shape(team: Team) -> tuple[Any, ...]:
    """What of a team analyses and other pages read: everything but its charter's wording."""
    return (
        team.id,
        team.name,
        team.group.id,
        team.calendar.id,
        team.reviewed,
        team.file,
        tuple(_service_shape(service) for service in team.services),
    )


def _team_wording(team: Team) -> tuple[Any, ...]:
    """The words of a charter only its own page shows (and where noted, a few lists)."""
    return (
        team.contact.email,
        team.contact.chat,
        team.contact.url,
        tuple(team.owners),
        team.feedback,
        tuple((s.request, s.request_url) for s in team.services),
    )


def _organisation_shape(org: Organisation) -> tuple[Any, ...]:
    """Everything organization.yaml says, and which teams and services exist."""

    def named(items: Iterable[Any]) -> tuple[Any, ...]:
        return tuple((item.id, item.name, item.description) for item in items)

    return (
        org.name,
        org.mission,
        org.vision,
        org.logo,
        org.file,
        named(org.values),
        named(org.goals.values()),
        named(org.groups.values()),
        named(org.segments.values()),
        tuple(
            (c.id, c.timezone, c.days, c.start_minute, c.end_minute, c.holidays)
            for c in org.calendars.values()
        ),
        (str(org.standards.review_every), str(org.standards.response), org.standards.target),
        tuple(org.teams),
        tuple(org.services),
    )


def _finding_lines(findings: Iterable[Finding]) -> list[str]:
    return [f"{finding.to_text()}|{finding.team}" for finding in findings]


def pages_to_render(
    old: CheckResult | None, new: CheckResult, site_uris: Iterable[str]
) -> set[str] | None:
    """The src_uris of the generated pages an edit changed; None when all must be rendered.

    `site_uris`: every generated page of the new site. An edit beyond wording renders all of
    them but the team pages again, and the team pages whose inputs changed (`_team_inputs`).
    """
    old_org, new_org = (old.organisation if old else None), new.organisation
    if old is None or old_org is None or new_org is None:
        return None
    if old.analysis is None or new.analysis is None:
        return None
    if _organisation_shape(old_org) != _organisation_shape(new_org):
        return None
    if any(
        _team_shape(old_org.teams[team_id]) != _team_shape(team)
        for team_id, team in new_org.teams.items()
    ):
        # A name, promise or dependency: analyses may change anywhere.
        return _pages_beyond_wording(old, new, site_uris)
    changed: set[str] = set()
    for team_id, team in new_org.teams.items():
        before = old_org.teams[team_id]
        purpose_or_lead = (before.purpose, before.lead) != (team.purpose, team.lead)
        summaries = [
            service
            for service, earlier in zip(team.services, before.services, strict=True)
            if service.summary != earlier.summary
        ]
        if not purpose_or_lead and not summaries and _team_wording(before) == _team_wording(team):
            continue
        changed.add(pages.team_uri(team_id))
        if purpose_or_lead:
            changed |= {pages.group_uri(team.group.id), pages.TEAMS}
        for service in summaries:
            changed.add(pages.SERVICES)
            changed |= {
                pages.segment_uri(ref.id) for ref in service.customers if ref.kind == "segment"
            }
    old_findings, new_findings = _finding_lines(old.findings), _finding_lines(new.findings)
    if old_findings != new_findings:
        # Counts on the home page, the list on the health page, a note on team pages.
        changed |= {pages.HEALTH, pages.HOME}
        # As multisets: two alike findings becoming one changes a page's count too.
        old_counts, new_counts = Counter(old_findings), Counter(new_findings)
        moved = set((old_counts - new_counts) + (new_counts - old_counts))
        for finding in [*old.findings, *new.findings]:
            if f"{finding.to_text()}|{finding.team}" not in moved:
                continue
            for team in new_org.teams.values():
                if finding.team == team.id or finding.file == team.file:
                    changed.add(pages.team_uri(team.id))
    return changed


def _pages_beyond_wording(old: CheckResult, new: CheckResult, site_uris: Iterable[str]) -> set[str]:
    """An edit of names, promises or dependencies: the pages of the teams whose inputs
    changed (`_team_inputs`), of their groups (the group page and its map) and of the
    customer segments their services serve; and every page about the whole organisation
    (home, catalogue, team list, mission, customers, map, explorer, health), which MkDocs
    then builds only where its Markdown changed."""
    old_org, new_org = old.organisation, new.organisation
    assert old_org is not None and new_org is not None
    before, after = _team_inputs(old), _team_inputs(new)
    moved = sorted(team_id for team_id, inputs in after.items() if before[team_id] != inputs)
    concerned: set[tuple[str, str]] = {("team", team_id) for team_id in moved}
    for org in (old_org, new_org):  # a team that left a group or a segment shows there too
        for team_id in moved:
            team = org.teams[team_id]
            concerned.add(("group", team.group.id))
            concerned |= {
                ("segment", ref.id)
                for service in team.services
                for ref in service.customers
                if ref.kind == "segment"
            }
    return {uri for uri in site_uris if _page_about(uri) in concerned or not _page_about(uri)}


def _page_about(src_uri: str) -> tuple[str, str] | None:
    """What a page of one team, group or segment is about; None for the other pages."""
    parts = src_uri.split("/")
    if len(parts) != 3 or parts[2] != "index.md":
        return None
    folder, name = parts[0], parts[1]
    if folder == "teams":
        return ("team", name)
    if folder in ("groups", "map") and src_uri != pages.EXPLORER:
        return ("group", name)  # the group's page and its map
    if folder == "customers":
        return ("segment", name)
    return None


# The inputs of the last organisation `_team_inputs` saw: the next edit compares with them.
_LAST_INPUTS: list[tuple[CheckResult, dict[str, Hashable]]] = []


def _team_inputs(result: CheckResult) -> dict[str, Hashable]:
    """For each team, everything its page can show: when it is the same before and after an
    edit, so is the page (the templates and the maps then render it the same).

    A team's page shows its own charter and what the analyses say of it (line of sight,
    waiters, overdue, infeasible promises and their chains, findings, flags on its links);
    of each service it waits on: the service's name, promises and flags, its team's name and
    group; of each team that waits on its services: the team's name, group and flags, the
    waiting services' names and the dependencies themselves; and the names of the teams on
    its line-of-sight chains. Everything organization.yaml says is compared before (any
    change renders every page). A template or map that starts showing more of other teams
    must be added here; tests/test_scale.py edits each kind of thing under `charters serve`
    and compares the site with a fresh build.
    """
    if _LAST_INPUTS and _LAST_INPUTS[0][0] is result:
        return _LAST_INPUTS[0][1]
    org, analysis = result.organisation, result.analysis
    assert org is not None and analysis is not None
    from .analyses import bottlenecks  # the reporting rule lives with the analysis

    hot = {
        item.service.key
        for item in analysis.bottlenecks[: bottlenecks.TOP]
        if item.transitive >= bottlenecks.MIN_WAITERS
    }
    # Flags on the links that touch each team: not agreed, on an infeasible chain.
    touching: dict[str, list[tuple[str, ...]]] = {team_id: [] for team_id in org.teams}
    unacknowledged: set[str] = set()
    for dep in analysis.unacknowledged:
        item = ("unacknowledged", dep.consumer.key, dep.provider.key)
        touching[dep.consumer.team.id].append(item)
        touching[dep.provider.team.id].append(item)
        unacknowledged.add(dep.consumer.team.id)
    for key in sorted(analysis.infeasible):
        promise = analysis.infeasible[key]
        chain = (promise.service, *promise.chain)
        for consumer, provider in zip(chain, chain[1:], strict=False):
            item = ("infeasible-link", consumer.key, provider.key, promise.message)
            touching[consumer.team.id].append(item)
            touching[provider.team.id].append(item)

    def infeasible(service: Service) -> tuple[Any, ...] | None:
        promise = analysis.infeasible.get(service.key)
        if promise is None:
            return None
        chain = tuple((s.key, s.name, s.team.name) for s in promise.chain)
        return (promise.message, chain, str(promise.total))

    def flags(team: Team) -> tuple[Any, ...]:
        """The team's and its services' flags, as maps and tables show them."""
        return (
            tuple((s.id, s.key in hot, infeasible(s)) for s in team.services),
            team.id in unacknowledged,
        )

    def as_provider(team: Team) -> tuple[Any, ...]:
        """What a page that waits on the team's services shows of it."""
        return (
            team.name,
            team.group.id,
            tuple(
                (
                    s.id,
                    s.name,
                    s.response,
                    s.response_is_default,
                    s.resolution,
                    s.target,
                )
                for s in team.services
            ),
            flagged[team.id],
        )

    def as_consumer(team: Team, provider: Team) -> tuple[Any, ...]:
        """What the page of `provider` shows of a team that waits on its services."""
        return (
            team.name,
            team.group.id,
            tuple((s.id, s.name) for s in team.services),
            tuple(
                (dep.consumer.id, dep.provider.key, dep.purpose, dep.blocking)
                for dep in team.depends_on
                if dep.provider.team is provider
            ),
            flagged[team.id],
        )

    findings: dict[str, list[str]] = {team_id: [] for team_id in org.teams}
    team_of_file = {team.file: team_id for team_id, team in org.teams.items()}
    for finding in result.findings:
        line = f"{finding.to_text()}|{finding.team}"
        # As Facts.team_findings: by the finding's team, or by its file.
        for team_id in sorted({finding.team, team_of_file.get(finding.file)} & set(findings)):
            findings[team_id].append(line)

    flagged = {team_id: flags(team) for team_id, team in org.teams.items()}
    providing = {team_id: as_provider(team) for team_id, team in org.teams.items()}
    inputs: dict[str, Hashable] = {}
    for team_id, team in org.teams.items():
        providers = sorted(
            {dep.provider.team.id for dep in team.depends_on if dep.provider.team is not team}
        )
        consumers = sorted(
            {dep.consumer.team.id for dep in team.relied_on_by if dep.consumer.team is not team}
        )
        chains = tuple(
            tuple((step, org.teams[step].name if step in org.teams else None) for step in chain)
            for chain in analysis.line_of_sight.get(team_id, [])
        )
        waiters = tuple(
            (item.direct, item.transitive) if item else None
            for item in (analysis.waiters.get(s.key) for s in team.services)
        )
        inputs[team_id] = (
            _team_shape(team),
            team.purpose,
            team.lead,
            _team_wording(team),
            tuple(s.summary for s in team.services),
            flagged[team_id],
            team_id in analysis.overdue,
            tuple(sorted(touching[team_id])),
            tuple((other, providing[other]) for other in providers),
            tuple((other, as_consumer(org.teams[other], team)) for other in consumers),
            chains,
            waiters,
            analysis.team_load.get(team_id),
            tuple(findings[team_id]),
        )
    _LAST_INPUTS[:] = [(result, inputs)]
    return inputs


# --- 2. which pages MkDocs must build again ---------------------------------------------------


@dataclass
class BuiltPage:
    """A generated page as the last build left it: what MkDocs learned from its Markdown
    and what it wrote."""

    rendered: pages.RenderedPage
    title: str | None
    toc: Any
    anchors: set[str] | None
    links: Any
    output: str


def site_signature(config_file: str | None, theme_dirs: Iterable[str]) -> Hashable:
    """What every page's output depends on beyond its own Markdown and the navigation: the
    configuration file and the theme's files (by modification time)."""
    parts: list[Any] = []
    if config_file:
        path = Path(config_file)
        parts.append(path.read_bytes() if path.is_file() else b"")
    for folder in theme_dirs:
        parts.append(tree_signature(Path(folder)))
    return tuple(parts)


def tree_signature(folder: Path) -> tuple[tuple[str, int], ...]:
    """Every file under `folder` with its modification time: changes when a file does."""
    if not folder.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()))


@dataclass(frozen=True)
class NavigationSignature:
    """The navigation as the built pages show it, in two parts.

    With navigation.prune (and plugin.NavigationViews) a page shows the whole of the
    sections on its own path and only the first page of every other section. So the pages
    inside a section two levels down (a group's section under Teams: its page, its teams,
    its chunks) are the only ones that show that section's inside; every page shows the
    rest (`outline`): the top of the navigation, every section's title and first page and,
    for the previous/next links between sections, their last page. `sections` holds each
    such section's inside and the pages in it. A team renamed changes its own group's
    section: only that group's pages are built again.
    """

    outline: Hashable
    sections: dict[str, tuple[Hashable, frozenset[str]]]

    def pages_to_build(self, old: NavigationSignature | None) -> set[str] | None:
        """The pages whose navigation changed since `old` (None: every page's)."""
        if old is None or self.outline != old.outline:
            return None
        changed: set[str] = set()
        for key in self.sections.keys() | old.sections.keys():
            new_section, old_section = self.sections.get(key), old.sections.get(key)
            if new_section is None or old_section is None or new_section[0] != old_section[0]:
                for section in (new_section, old_section):
                    if section is not None:
                        changed |= section[1]
        return changed


def navigation_signature(
    nav: list[Any], markdown: dict[str, str], sources: dict[str, str | None]
) -> NavigationSignature:
    """The navigation's shape with what decides every page's title: the front matter and
    first heading of its Markdown (`markdown` for generated pages, by src_uri; the files of
    `sources` for the others); see NavigationSignature for its two parts."""

    def title(src_uri: str) -> str:
        text = markdown.get(src_uri)
        if text is None:
            path = sources.get(src_uri)
            try:
                text = Path(path).read_text(encoding="utf-8") if path else ""
            except (OSError, UnicodeDecodeError):
                text = ""
        head = []
        for line in text.splitlines():
            head.append(line)
            if line.startswith("# "):
                break
        return "\n".join(head)

    def walk(items: Any) -> Any:
        if isinstance(items, list):
            return tuple(walk(item) for item in items)
        if isinstance(items, dict):
            return tuple((key, walk(value)) for key, value in items.items())
        return (items, title(items))

    def pages_in(items: Any) -> list[str]:
        if isinstance(items, list):
            return [page for item in items for page in pages_in(item)]
        if isinstance(items, dict):
            return [page for value in items.values() for page in pages_in(value)]
        return [items]

    sections: dict[str, tuple[Hashable, frozenset[str]]] = {}

    def outline(items: Any, depth: int, path: str) -> Any:
        """`walk`, with each section two levels down replaced by what other pages see of it."""
        if isinstance(items, list):
            return tuple(outline(item, depth, f"{path}/{n}") for n, item in enumerate(items))
        if not isinstance(items, dict):
            return (items, title(items))
        shown = []
        for key, value in items.items():
            if depth >= 1 and isinstance(value, list) and value:
                inside = pages_in(value)
                sections[f"{path}/{key}"] = (walk(value), frozenset(inside))
                first = outline(value[0], depth + 1, f"{path}/{key}/0")
                shown.append((key, first, inside[-1]))
            else:
                shown.append((key, outline(value, depth + 1, f"{path}/{key}")))
        return tuple(shown)

    return NavigationSignature(outline(nav, 0, ""), sections)


class ServeSession:
    """What `charters serve` keeps from one build to the next (the plugin lives on).

    MkDocs is run with `dirty` builds (`charters serve` asks for them): it then skips a page
    whose source file is older than its output. Generated pages get source files in a
    folder of their own, rewritten only when their Markdown changed, so MkDocs skips every
    page whose Markdown is unchanged, and this session gives back what the skipped pages
    would have given: their titles (for the navigation of the pages built) and their search
    entries. When something every page shows changed (the navigation, a title, the
    configuration, the theme), the outputs of all pages are deleted first, so that MkDocs
    builds them all. Under a plain `mkdocs serve` (not dirty) MkDocs goes through every
    page; the pages taken from the last build then cost an empty template each.
    """

    def __init__(self) -> None:
        self.file_cache: FileCache = {}
        self.previous: CheckResult | None = None
        self.rendered: dict[str, pages.RenderedPage] = {}
        self.rendered_with: Hashable = None
        self.built: dict[str, BuiltPage] = {}  # by src_uri, as the last build left them
        self.site: Hashable = None
        self.navigation: NavigationSignature | None = None
        self.reused: set[str] = set()  # this build's generated pages taken from the last
        self.entries: dict[str, list[dict[str, Any]]] = {}  # search entries, by src_uri
        self.order: list[str] = []  # this build's pages, in MkDocs' order
        self.outputs: dict[str, str] = {}  # the last build's pages: their output files
        self.sources: Path | None = None  # the generated pages' Markdown files
        self._cleanup: weakref.finalize | None = None
        self.collector = Collector()

    # on_files
    def wanted(
        self, new: CheckResult, rendered_with: Hashable, site_uris: Iterable[str]
    ) -> set[str] | None:
        """The generated pages to render again (None: all of them)."""
        if not self.rendered or rendered_with != self.rendered_with:
            return None
        return pages_to_render(self.previous, new, site_uris)

    def keep_rendered(
        self, new: CheckResult, rendered: dict[str, pages.RenderedPage], rendered_with: Hashable
    ) -> None:
        self.previous, self.rendered, self.rendered_with = new, rendered, rendered_with

    def source_file(self, src_uri: str, markdown: str, unchanged: bool) -> str:
        """The path of the page's Markdown file, written when it is new or changed."""
        if self.sources is None:
            self.sources = Path(tempfile.mkdtemp(prefix="charters-serve-pages-"))
            # Removed when the session ends (on_shutdown) or, failing that, is collected or
            # the interpreter exits.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.sources, True)
        path = self.sources / src_uri
        if not unchanged or not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown, encoding="utf-8")
        return str(path)

    def start(
        self,
        site: Hashable,
        navigation: NavigationSignature,
        rendered: dict[str, pages.RenderedPage],
        outputs: dict[str, str],
    ) -> None:
        """A build begins. `outputs`: every page's output file, by src_uri."""
        # The pages whose look changed with the site or their navigation (None: all).
        restyled = navigation.pages_to_build(self.navigation) if site == self.site else None
        if restyled is None:
            self.built = {}
        else:
            for src_uri in restyled:
                self.built.pop(src_uri, None)
        self.site, self.navigation = site, navigation
        self.reused = {
            src_uri
            for src_uri, page in rendered.items()
            if src_uri in self.built and self.built[src_uri].rendered == page
        }
        # What a dirty build would leave wrong: pages whose look changed with the site or
        # their navigation, and pages that are gone.
        stale = (
            outputs
            if restyled is None
            else {src_uri: outputs[src_uri] for src_uri in sorted(restyled) if src_uri in outputs}
        )
        gone = {src_uri: path for src_uri, path in self.outputs.items() if src_uri not in outputs}
        for path in [*stale.values(), *gone.values()]:
            Path(path).unlink(missing_ok=True)
        for src_uri in gone:
            self.entries.pop(src_uri, None)
        self.outputs = outputs

    def reuses(self, src_uri: str) -> bool:
        return src_uri in self.reused

    def page_built(self, src_uri: str, page: BuiltPage) -> None:
        self.built[src_uri] = page

    def search_entries(self) -> list[dict[str, Any]]:
        """Every page's search entries in page order: this build's, else the last known."""
        return [entry for src_uri in self.order for entry in self.entries.get(src_uri, [])]

    def finish(self) -> None:
        self.reused = set()

    def forget(self) -> None:
        """A build failed: the next one starts from nothing (the site folder too)."""
        self.rendered, self.rendered_with = {}, None
        self.built, self.reused = {}, set()
        self.site = self.navigation = None

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()
        self.sources = self._cleanup = None
        self.collector.stop()


# Seconds after a rebuild that the garbage it left is collected (see Collector).
COLLECT_AFTER = 1.5
# Rebuilds in a row that may start before that collection (saves every second, say); the
# next one collects first, so the old organisations do not pile up.
MAX_UNCOLLECTED = 3


class Collector:
    """Python's cyclic garbage collection, moved out of `charters serve`'s rebuilds.

    A rebuild at 500 teams allocates millions of objects, and the old organisation, linked
    in cycles (a team and its services), is garbage only the cyclic collector frees. Left to
    itself, the collector went through every object of the process twice during each
    rebuild: a third of its time (0.4 s of 1.3 s). So during a rebuild it is off; when the
    rebuild ends, everything alive is set aside (`gc.freeze`, so the collections that follow
    do not go through it again), and a moment later, while the person reads the page, one
    full collection frees the old organisation. A rebuild that starts first postpones it,
    at most MAX_UNCOLLECTED times in a row.
    """

    def __init__(self) -> None:
        self._timer: threading.Timer | None = None
        self._paused = False
        self._uncollected = 0  # rebuilds since the last full collection

    def pause(self) -> None:
        """A rebuild begins."""
        self._cancel()
        if self._uncollected >= MAX_UNCOLLECTED:
            self._collect()
        if gc.isenabled():
            gc.disable()
            self._paused = True

    def resume(self) -> None:
        """A rebuild ended (or failed)."""
        if not self._paused:
            return
        self._paused = False
        self._uncollected += 1
        gc.freeze()
        gc.enable()
        self._timer = threading.Timer(COLLECT_AFTER, self._collect)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._cancel()
        if self._paused:
            self._paused = False
            gc.enable()
        gc.unfreeze()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _collect(self) -> None:
        self._uncollected = 0
        gc.unfreeze()
        gc.collect()
