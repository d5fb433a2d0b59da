"""`charters serve`: after an edit, render and build only the pages it changed.

`mkdocs serve` rebuilds the whole site on every change (at 500 teams, nine seconds from
saving a charter to seeing it). The plugin instance lives on between those rebuilds, so it
keeps what it made last time and redoes only what an edit changed, in two steps:

1. Which generated pages to render again (`pages_to_render`). The new organisation is
   compared with the previous one. When the only differences are the wording of some teams'
   charters (purpose, lead, contacts, owners, feedback link, a service's summary or how to
   ask), no analysis can have changed, and the pages that show those words are known: the
   team's page, its group's page and the team list (purpose, lead), the service catalogue and
   the customer segments the service serves (summary), and the health and home pages when
   the findings changed. Anything else (a name, a promise, a dependency, a team added or
   removed, organization.yaml, the templates) renders every page again.

   Charter files whose bytes did not change are not even read again (the loader's cache).

2. Which pages MkDocs must build again (`ServeSession`). A generated page whose Markdown and
   HTML blocks are the same as last time, in a site whose navigation, page titles,
   configuration and theme are the same, would come out byte for byte as last time. Under
   `charters serve` (dirty builds) MkDocs skips it; the session gives back its title and
   search entries. Everything else is built as usual, and when something every page shows
   changed, every page is built.

   Measured on 500 teams: from saving a charter's purpose to the served page showing it,
   9 s before, under 1 s after; a change that renders every page again takes about 3 s.

`charters build` never uses any of this: every build starts from nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
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
        str(service.response),
        service.response_is_default,
        str(service.resolution),
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


def pages_to_render(old: CheckResult | None, new: CheckResult) -> set[str] | None:
    """The src_uris of the generated pages an edit changed; None when all must be rendered."""
    old_org, new_org = (old.organisation if old else None), new.organisation
    if old is None or old_org is None or new_org is None:
        return None
    if _organisation_shape(old_org) != _organisation_shape(new_org):
        return None
    changed: set[str] = set()
    for team_id, team in new_org.teams.items():
        before = old_org.teams[team_id]
        if _team_shape(before) != _team_shape(team):
            return None  # a name, promise or dependency: analyses and many pages change
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
        moved = set(old_findings).symmetric_difference(new_findings)
        for finding in [*old.findings, *new.findings]:
            if f"{finding.to_text()}|{finding.team}" not in moved:
                continue
            for team in new_org.teams.values():
                if finding.team == team.id or finding.file == team.file:
                    changed.add(pages.team_uri(team.id))
    return changed


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


def navigation_signature(
    nav: list[Any], markdown: dict[str, str], sources: dict[str, str | None]
) -> Hashable:
    """The navigation's shape with what decides every page's title: the front matter and
    first heading of its Markdown (`markdown` for generated pages, by src_uri; the files of
    `sources` for the others)."""

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

    return walk(nav)


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
        self.navigation: Hashable = None
        self.reused: set[str] = set()  # this build's generated pages taken from the last
        self.entries: dict[str, list[dict[str, Any]]] = {}  # search entries, by src_uri
        self.order: list[str] = []  # this build's pages, in MkDocs' order
        self.outputs: dict[str, str] = {}  # the last build's pages: their output files
        self.sources: Path | None = None  # the generated pages' Markdown files
        self._cleanup: weakref.finalize | None = None

    # on_files
    def wanted(self, new: CheckResult, rendered_with: Hashable) -> set[str] | None:
        """The generated pages to render again (None: all of them)."""
        if not self.rendered or rendered_with != self.rendered_with:
            return None
        return pages_to_render(self.previous, new)

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
        navigation: Hashable,
        rendered: dict[str, pages.RenderedPage],
        outputs: dict[str, str],
    ) -> None:
        """A build begins. `outputs`: every page's output file, by src_uri."""
        same_site = site == self.site and navigation == self.navigation
        if not same_site:
            self.built = {}
        self.site, self.navigation = site, navigation
        self.reused = {
            src_uri
            for src_uri, page in rendered.items()
            if src_uri in self.built and self.built[src_uri].rendered == page
        }
        # What a dirty build would leave wrong: pages whose look changed with the site, and
        # pages that are gone.
        stale = outputs if not same_site else {}
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
