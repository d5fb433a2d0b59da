"""Step 7: the site's generated pages, as page models rendered through Jinja2 templates.

Every generated page is a `Page`: where it lives (`src_uri`, a path inside the docs folder),
which template renders it and the context it gets. Python decides what goes on a page (the
grouping, sorting and cross-references below); the templates in `templates/` decide how it
looks. The output is Markdown for MkDocs: headings are Markdown so the table of contents and
the search index see them (a service is `## name {#service-id}`); everything else is HTML,
which the templates wrap in `{% filter html_block %}` so that Markdown never has to read it
(see "HTML blocks kept out of Markdown" below).

Pages and their templates: index.md (home.md.j2), services/ (services.md.j2), teams/
(teams.md.j2), teams/<team>/ (team.md.j2, theme layout charter.html), groups/<group>/
(group.md.j2), customers/ (customers.md.j2), customers/<segment>/ (segment.md.j2),
mission/ (mission.md.j2), map/ (org_overview.md.j2), health/ (health.md.j2); shared pieces in
partials/charter.html.j2. The maps' slots are described at `map_context`.

Charter text is never trusted. The Jinja environment escapes HTML everywhere (autoescape),
and text that lands inside Markdown (headings) also goes through the `md` filter, which
backslash-escapes Markdown syntax, so `**bold**`, `[x](javascript:...)` and `<script>` all
show as the characters they are.

Links between generated pages are written as final relative URLs (HTML blocks are not
rewritten by MkDocs), computed by `Urls` for the page being rendered.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import posixpath
import re
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .analyses import Analysis, Bottleneck, InfeasiblePromise
from .analyses.review import due_date
from .findings import Finding, Severity
from .models import SAFE_URL_SCHEMES, SLUG_PATTERN
from .organisation import (
    CustomerRef,
    Dependency,
    Group,
    Organisation,
    Service,
    Team,
)

# The stable addresses (src_uri inside the docs folder). People bookmark these: keep them.
HOME = "index.md"
SERVICES = "services/index.md"
TEAMS = "teams/index.md"
MISSION = "mission/index.md"
CUSTOMERS = "customers/index.md"
MAP = "map/index.md"
HEALTH = "health/index.md"
NAMED_PAGES = {
    "home": HOME,
    "services": SERVICES,
    "teams": TEAMS,
    "mission": MISSION,
    "customers": CUSTOMERS,
    "map": MAP,
    "health": HEALTH,
}

# Optional templates other parts of the project provide; pages include them when present.
SLOTS = {
    "org_map": "partials/org_map.html.j2",
    "team_map": "partials/team_map.html.j2",
}

_SLUG = re.compile(SLUG_PATTERN)

# A group with more teams than this is split into alphabetical sub-sections in the
# navigation, so no page carries a long list of links (see issue 7's measurements).
NAV_CHUNK = 40


def team_uri(team_id: str) -> str:
    return f"teams/{team_id}/index.md"


def group_uri(group_id: str) -> str:
    return f"groups/{group_id}/index.md"


def segment_uri(segment_id: str) -> str:
    return f"customers/{segment_id}/index.md"


@lru_cache(maxsize=1 << 16)  # every page links to dozens of others: compute each URL once
def page_url(src_uri: str, use_directory_urls: bool) -> str:
    """The URL (relative to the site root) MkDocs gives the page at `src_uri`."""
    stem, _ = posixpath.splitext(src_uri)
    if not use_directory_urls:
        return f"{stem}.html"
    if stem == "index":
        return ""
    if posixpath.basename(stem) == "index":
        return posixpath.dirname(stem) + "/"
    return stem + "/"


# --- text filters -------------------------------------------------------------------------

# Python-Markdown's backslash escapes (markdown.Markdown.ESCAPED_CHARS). `<`, `>` and `&`
# are not among them: they become HTML entities, which Markdown leaves as they are.
_MD_ESCAPED = frozenset("\\`*_{}[]()#+-.!")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def markdown_text(value: object) -> Markup:
    """Plain text made safe for one line of Markdown: shown exactly, never interpreted."""
    text = " ".join(str(value).split())
    out = []
    for char in text:
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _MD_ESCAPED:
            out.append("\\" + char)
        else:
            out.append(char)
    return Markup("".join(out))


def paragraphs(value: object) -> list[str]:
    """Text split into paragraphs at blank lines, each with its whitespace collapsed."""
    blocks = re.split(r"\n\s*\n", str(value).strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]


def safe_url(value: object) -> str:
    """The URL when it is http, https or mailto, else '' (templates then show no link)."""
    text = str(value or "").strip()
    if text.lower().startswith(SAFE_URL_SCHEMES) and not any(c.isspace() for c in text):
        return text
    return ""


def percent(value: float) -> str:
    number = round(value * 100, 2)
    return f"{int(number)}%" if float(number).is_integer() else f"{number:g}%"


def iso_date(value: dt.date) -> str:
    return value.isoformat()


def long_date(value: dt.date) -> str:
    # Written out by hand so the output never depends on the machine's locale.
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


# --- HTML blocks kept out of Markdown ----------------------------------------------------------
#
# Python-Markdown reads every raw HTML block tag by tag (md_in_html's parser), which made it
# the slowest step of a large build. Templates wrap their HTML in
# `{% filter html_block %}...{% endfilter %}`: the block is set aside and Markdown sees a
# one-word paragraph instead; the plugin puts the HTML back after Markdown. Headings stay
# Markdown, so the table of contents and the search sections are unchanged.
#
# `{% filter html_block(search=False) %}` marks a block search should not read (who relies
# on whom, the maps). Inside a searched block, `{% filter unsearched %}...{% endfilter %}`
# marks a part search should skip (promises, customers, goals: what nobody types into a
# search box). The plugin hands the search plugin each page as search is to read it (see
# `fill_blocks`) and puts the whole blocks in once the page is indexed, before the theme
# renders it. The search index then holds what people look for (names, summaries, how to
# ask, contacts) and the search plugin parses a fraction of the HTML it used to.

_BLOCK_TOKEN = "CHARTERSHTMLBLOCK{}X"
_BLOCK_PARAGRAPH = re.compile(r"<p>CHARTERSHTMLBLOCK(\d+)X</p>")
# Autoescape turns every `<` of charter text into `&lt;`: only templates can write these.
_UNSEARCHED_START = "<!--charters-unsearched-->"
_UNSEARCHED_END = "<!--/charters-unsearched-->"
_UNSEARCHED_PART = re.compile(
    re.escape(_UNSEARCHED_START) + ".*?" + re.escape(_UNSEARCHED_END), re.S
)
# Tags mkdocs-material's search keeps (or acts on) in the text it indexes; it drops all
# others and keeps their text. Dropping them here first spares its (slow, pure Python) HTML
# parser two thirds of the tags of a page.
_WHITESPACE = re.compile(r"\s+")
_SEARCH_IGNORED_TAG = re.compile(
    r"</?(?!(?:p|code|pre|li|ol|ul|sub|sup|h[1-6]|script|style|object)\b)[A-Za-z][^>]*>"
)


@dataclass(frozen=True)
class HtmlBlock:
    html: str  # what the page shows
    search_html: str  # what search reads: the text of the searched parts ("" for none)


def unsearched(html: str) -> Markup:
    return Markup(_UNSEARCHED_START) + html + Markup(_UNSEARCHED_END)


def _search_text(html: str) -> str:
    """The block as search reads it: the same text, without the tags search drops anyway.
    A block that marks elements `data-search-exclude` is left whole for search to act on."""
    if not html or "data-search-exclude" in html:
        return html
    text = _SEARCH_IGNORED_TAG.sub("", html)
    # Search shows each run of whitespace as one space (except in <pre>): store it so.
    return text if "<pre" in text else _WHITESPACE.sub(" ", text)


@jinja2.pass_context
def html_block(context: jinja2.runtime.Context, html: str, search: bool = True) -> Markup:
    blocks: list[HtmlBlock] = context["html_blocks"]
    page = context.get("page")
    if page is not None and not page.search:
        search = False  # the page is left out of search: nothing of it is read
    text = str(html).strip()
    searched = text if search else ""
    if _UNSEARCHED_START in text:
        searched = _UNSEARCHED_PART.sub("", text) if search else ""
        text = text.replace(_UNSEARCHED_START, "").replace(_UNSEARCHED_END, "")
    blocks.append(HtmlBlock(text, _search_text(searched)))
    return Markup("\n\n" + _BLOCK_TOKEN.format(len(blocks) - 1) + "\n\n")


def fill_blocks(html: str, blocks: list[HtmlBlock], *, for_search: bool = False) -> str:
    """The page's HTML (from Markdown) with its blocks in place of their tokens: as the page
    shows them, or `for_search` as search is to read them. One pass: a block's own text is
    never searched for tokens."""
    if not blocks:
        return html
    if for_search:
        return _BLOCK_PARAGRAPH.sub(lambda m: blocks[int(m.group(1))].search_html, html)
    return _BLOCK_PARAGRAPH.sub(lambda m: blocks[int(m.group(1))].html, html)


@dataclass(frozen=True)
class RenderedPage:
    markdown: str
    blocks: list[HtmlBlock]


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """The Jinja2 environment for the page templates: HTML-escaping on, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        html_block=html_block,
        unsearched=unsearched,
        md=markdown_text,
        paragraphs=paragraphs,
        safe_url=safe_url,
        percent=percent,
        iso_date=iso_date,
        long_date=long_date,
    )
    env.globals.update(plural=plural, escape=escape)
    return env


def available_slots(env: jinja2.Environment) -> dict[str, bool]:
    """Which optional partials exist, so pages can leave out a section that would be empty."""
    names = set(env.list_templates())
    slots = {slot: template in names for slot, template in SLOTS.items()}
    slots["group_map_page"] = MAP_PAGE_TEMPLATES["group-map"] in names
    return slots


# --- settings and URLs ------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSettings:
    use_directory_urls: bool = True
    # Link pattern to a file in the repository, with {path} and {line}; None when unknown.
    repo_file_url: str | None = None


@lru_cache(maxsize=1 << 16)
def _url_parts(target: str) -> tuple[bool, tuple[str, ...]]:
    """Whether `target` is a folder URL, and its path parts."""
    return not target or target.endswith("/"), tuple(part for part in target.split("/") if part)


class Urls:
    """Relative URLs from the page being rendered to every other place on the site."""

    def __init__(self, src_uri: str, settings: SiteSettings) -> None:
        self.src_uri = src_uri
        self.settings = settings
        here = page_url(src_uri, settings.use_directory_urls)
        # The folder relative links are resolved against: the page's own folder.
        base = here.rstrip("/") if here.endswith("/") else posixpath.dirname(here)
        self._base = tuple(part for part in base.split("/") if part)

    def _rel(self, target: str) -> str:
        """`target` (a URL relative to the site root; '' is the home page) from this page.

        Equal to posixpath.relpath, done on path parts: it runs for every link of every page.
        """
        is_dir, parts = _url_parts(target)
        base = self._base
        common = 0
        for mine, theirs in zip(base, parts, strict=False):
            if mine != theirs:
                break
            common += 1
        rel = "/".join([".."] * (len(base) - common) + list(parts[common:]))
        if not rel:
            return "./"
        return rel + "/" if is_dir else rel

    @property
    def root(self) -> str:
        """The way from this page to the site root, e.g. '../../' ('./' on the home page)."""
        return self._rel("")

    def to(self, src_uri: str, anchor: str | None = None) -> str:
        url = self._rel(page_url(src_uri, self.settings.use_directory_urls))
        return f"{url}#{anchor}" if anchor else url

    def page(self, name: str, anchor: str | None = None) -> str:
        return self.to(NAMED_PAGES[name], anchor)

    def team(self, team_id: str, anchor: str | None = None) -> str:
        return self.to(team_uri(team_id), anchor)

    def service(self, service: Service) -> str:
        return self.team(service.team.id, service.id)

    def group(self, group_id: str) -> str:
        return self.to(group_uri(group_id))

    def group_map(self, group_id: str) -> str:
        return self.to(f"map/{group_id}/index.md")

    def segment(self, segment_id: str) -> str:
        return self.to(segment_uri(segment_id))

    def goal(self, goal_id: str) -> str:
        return self.to(MISSION, goal_id)

    def customer(self, ref: CustomerRef) -> str | None:
        if ref.kind == "team":
            return self.team(ref.id)
        if ref.kind == "group":
            return self.group(ref.id)
        if ref.kind == "segment":
            return self.segment(ref.id)
        return None

    def asset(self, path: str) -> str:
        """A file copied into the site (theme overrides or handbook), by its site path."""
        return self._rel(path.lstrip("/"))

    def repo(self, file: str, line: int = 0) -> str | None:
        pattern = self.settings.repo_file_url
        if not pattern:
            return None
        return pattern.format(path=file, line=max(line, 1))


# --- what pages show, computed once ------------------------------------------------------


@dataclass(frozen=True)
class ProviderUse:
    """A service of another team that this team's services wait on."""

    provider: Service
    dependencies: list[Dependency]

    @property
    def blocking(self) -> bool:
        return any(dep.blocking for dep in self.dependencies)


@dataclass(frozen=True)
class ConsumerTeam:
    """Another team whose services wait on this team's services."""

    team: Team
    dependencies: list[Dependency]


@dataclass(frozen=True)
class ChainStep:
    kind: str  # "team" | "segment"
    id: str
    name: str


@dataclass(frozen=True)
class FindingGroup:
    """Findings about one team (or, with `team_id` None, about the organisation)."""

    team_id: str | None
    team: Team | None
    findings: list[Finding]

    @property
    def anchor(self) -> str:
        """The heading id on the health page: the team id (ids are slugs), else `_other`."""
        if self.team_id is None:
            return "_organisation"
        return self.team_id if _SLUG.match(self.team_id) else "_other"

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity.value == severity)


@dataclass(frozen=True)
class FilterOption:
    label: str
    value: str  # what the address shows: ?for=<value>
    match: str  # the customer tokens of the services that serve it


@dataclass
class Facts:
    """Questions the templates ask about the organisation, answered from the analyses."""

    org: Organisation
    analysis: Analysis
    findings: list[Finding]
    _unacknowledged: set[int] = field(default_factory=set)
    _services_by_goal: dict[str, list[Service]] = field(default_factory=dict)
    _services_by_segment: dict[str, list[Service]] = field(default_factory=dict)
    _filter_tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._unacknowledged = {id(dep) for dep in self.analysis.unacknowledged}
        # The catalogue's filter tokens: short ("t12", "g3", "o1", "s0") because each of its
        # rows carries its own (10,000 rows at 2,000 teams). Numbered in id order, so stable.
        kinds = {"segment": "s", "group": "g", "team": "t", "goal": "o"}
        ids = {"segment": self.org.segments, "group": self.org.groups, "team": self.org.teams}
        ids["goal"] = self.org.goals
        self._filter_tokens = {
            (kind, key): f"{kinds[kind]}{number}"
            for kind in kinds
            for number, key in enumerate(sorted(ids[kind]))
        }
        self._services_by_goal = {goal_id: [] for goal_id in self.org.goals}
        self._services_by_segment = {segment_id: [] for segment_id in self.org.segments}
        for service in self.org.services.values():
            for goal in service.goals:
                self._services_by_goal.setdefault(goal.id, []).append(service)
            for customer in service.customers:
                if customer.kind == "segment":
                    self._services_by_segment.setdefault(customer.id, []).append(service)

    # services
    def unacknowledged(self, dependency: Dependency) -> bool:
        return id(dependency) in self._unacknowledged

    def infeasible(self, service: Service) -> InfeasiblePromise | None:
        return self.analysis.infeasible.get(service.key)

    def waiters(self, service: Service) -> Bottleneck | None:
        return getattr(self.analysis, "waiters", {}).get(service.key)

    def services_for_goal(self, goal_id: str) -> list[Service]:
        return self._services_by_goal.get(goal_id, [])

    def teams_for_goal(self, goal_id: str) -> list[Team]:
        teams = {s.team.id: s.team for s in self.services_for_goal(goal_id)}
        return [teams[t] for t in sorted(teams)]

    def services_for_segment(self, segment_id: str) -> list[Service]:
        return self._services_by_segment.get(segment_id, [])

    # teams
    def overdue(self, team: Team) -> bool:
        return team.id in self.analysis.overdue

    def review_due(self, team: Team) -> dt.date:
        return due_date(team, self.org.standards.review_every)

    def relies_on(self, team: Team) -> list[ProviderUse]:
        """Other teams' services this team waits on, with the dependencies on each."""
        uses: dict[str, list[Dependency]] = {}
        providers: dict[str, Service] = {}
        for dep in team.depends_on:
            if dep.provider.team is team:
                continue
            uses.setdefault(dep.provider.key, []).append(dep)
            providers[dep.provider.key] = dep.provider
        return [ProviderUse(providers[key], uses[key]) for key in sorted(uses)]

    def relied_on_by(self, team: Team) -> list[ConsumerTeam]:
        """Other teams whose services wait on this team's, with their dependencies."""
        by_team: dict[str, list[Dependency]] = {}
        teams: dict[str, Team] = {}
        for dep in team.relied_on_by:
            consumer = dep.consumer.team
            if consumer is team:
                continue
            by_team.setdefault(consumer.id, []).append(dep)
            teams[consumer.id] = consumer
        return [
            ConsumerTeam(
                teams[t], sorted(by_team[t], key=lambda d: (d.consumer.key, d.provider.key))
            )
            for t in sorted(by_team)
        ]

    def chains(self, team: Team) -> list[list[ChainStep]]:
        """Line of sight: each chain from the team to an external segment, as named steps."""
        result = []
        for chain in self.analysis.line_of_sight.get(team.id, []):
            steps = []
            for item in chain:
                if item in self.org.teams:
                    steps.append(ChainStep("team", item, self.org.teams[item].name))
                elif item in self.org.segments:
                    steps.append(ChainStep("segment", item, self.org.segments[item].name))
            result.append(steps)
        return result

    def team_findings(self, team: Team) -> list[Finding]:
        return [f for f in self.findings if f.team == team.id or f.file == team.file]

    # site-wide
    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for f in self.findings if f.severity is s) for s in Severity}

    def finding_groups(self) -> list[FindingGroup]:
        """All findings: the organisation's first, then by team id."""
        team_of_file = {team.file: team.id for team in self.org.teams.values()}
        grouped: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            team_id = finding.team or team_of_file.get(finding.file)
            grouped.setdefault(team_id, []).append(finding)
        order = sorted(grouped, key=lambda k: (k is not None, k or ""))
        return [FindingGroup(k, self.org.teams.get(k) if k else None, grouped[k]) for k in order]

    def filter_token(self, kind: str, key: str = "") -> str:
        """The catalogue's token for a segment, group, team or goal (or "everyone")."""
        return "e" if kind == "everyone" else self._filter_tokens[kind, key]

    def customer_filter_options(self) -> list[FilterOption]:
        """Catalogue filter: "services for ..." a team, group or segment.

        An option's match lists every customer token that serves it: a team is served by
        services for it, for its group and for everyone. Rows carry their own tokens; the
        script shows a row when the two lists share one.
        """
        everyone = self.filter_token("everyone")
        options = [FilterOption("Everyone in the organisation", "everyone", everyone)]
        for segment in _by_name(self.org.segments.values()):
            token = self.filter_token("segment", segment.id)
            options.append(FilterOption(f"{segment.name} (external)", segment.id, token))
        for group in _by_name(self.org.groups.values()):
            token = self.filter_token("group", group.id)
            options.append(FilterOption(f"{group.name} (group)", group.id, f"{token} {everyone}"))
        for team in _by_name(self.org.teams.values()):
            tokens = [self.filter_token("team", team.id), self.filter_token("group", team.group.id)]
            options.append(FilterOption(team.name, team.id, " ".join([*tokens, everyone])))
        return options

    def customer_tokens(self, service: Service) -> str:
        """A catalogue row's customer tokens (data-c), as the options above match them."""
        return " ".join(sorted(self.filter_token(ref.kind, ref.id) for ref in service.customers))

    def goal_tokens(self, service: Service) -> str:
        """A catalogue row's goal tokens (data-o); "none" for a service that states none."""
        return " ".join(self.filter_token("goal", goal.id) for goal in service.goals) or "none"


def _by_name(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda item: (item.name.casefold(), item.id))


def teams_by_name(teams: Iterable[Team]) -> list[Team]:
    return _by_name(teams)


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    src_uri: str
    template: str
    context: dict[str, Any]
    # What the page shows: home, services, teams, mission, customers, map, health, group,
    # segment, team, group-map, explorer. Extra context (the maps) is chosen by it.
    kind: str = ""
    # Front matter for mkdocs-material: leave the page out of search, hide sidebars.
    search: bool = True
    hide: tuple[str, ...] = ()
    # A theme template from site_overrides/ for this page, e.g. the charter page layout.
    layout: str | None = None
    # False for pages reached only through links (the group maps, the explorer).
    in_nav: bool = True


def site_pages(org: Organisation, templates: set[str] | frozenset[str] = frozenset()) -> list[Page]:
    """Every generated page, in a stable order.

    `templates` are the names the template folder holds: the optional map pages are made
    only when their templates exist (see MAP_PAGE_TEMPLATES).
    """
    pages = [
        Page(HOME, "home.md.j2", {}, "home", hide=("navigation", "toc")),
        Page(SERVICES, "services.md.j2", {}, "services", search=False, hide=("navigation", "toc")),
        Page(TEAMS, "teams.md.j2", {}, "teams", search=False),
        Page(MISSION, "mission.md.j2", {}, "mission"),
        Page(CUSTOMERS, "customers.md.j2", {}, "customers"),
        Page(MAP, "org_overview.md.j2", {}, "map", hide=("navigation", "toc")),
        Page(HEALTH, "health.md.j2", {}, "health", search=False),
    ]
    pages += [
        Page(group_uri(g.id), "group.md.j2", {"group": g}, "group") for g in org.groups.values()
    ]
    pages += [
        Page(segment_uri(s.id), "segment.md.j2", {"segment": s}, "segment")
        for s in org.segments.values()
    ]
    pages += [
        Page(team_uri(t.id), "team.md.j2", {"team": t}, "team", layout="charter.html")
        for t in org.teams.values()
    ]
    group_map_template = MAP_PAGE_TEMPLATES["group-map"]
    if group_map_template in templates:
        pages += [
            Page(
                f"map/{g.id}/index.md",
                group_map_template,
                {"group": g},
                "group-map",
                search=False,
                hide=("navigation", "toc"),
                in_nav=False,
            )
            for g in org.groups.values()
            if g.id != "explorer"
        ]
    if MAP_PAGE_TEMPLATES["explorer"] in templates:
        pages.append(
            Page(
                EXPLORER,
                MAP_PAGE_TEMPLATES["explorer"],
                {},
                "explorer",
                search=False,
                hide=("navigation", "toc"),
                in_nav=False,
            )
        )
    return pages


# --- the maps' slot ---------------------------------------------------------------------------
#
# The dependency maps are drawn by generator/maps.py and templates/partials/*map*.html.j2.
# Pages include those partials when they exist (team page: partials/team_map.html.j2, map
# page: partials/org_map.html.j2) and get the context below. Two more pages exist only when
# their templates do: map/<group-id>/ (a group's map) and map/explorer/. Their src_uri never
# collides with map/index.md; a group whose id is "explorer" gets no map page.

EXPLORER = "map/explorer/index.md"
MAP_PAGE_TEMPLATES = {"group-map": "map_group.md.j2", "explorer": "map_explorer.md.j2"}


def map_context(
    page: Page, org: Organisation, analysis: Analysis, urls: Urls, slots: dict[str, bool]
) -> dict[str, Any]:
    """What the map partials need on `page`: computed only where a map is shown."""
    kind = page.kind
    wanted = (
        (kind == "team" and slots.get("team_map"))
        or (kind == "map" and slots.get("org_map"))
        or kind in ("group-map", "explorer")
    )
    if not wanted:
        return {}
    from . import maps  # imported late: only builds that draw maps pay for it

    map_urls = maps.Urls(root=urls.root)
    context: dict[str, Any] = {"map_root": urls.root, "map_urls": map_urls}
    if kind == "team":
        context["team_map"] = maps.team_map(org, analysis, page.context["team"], map_urls)
    elif kind == "map":
        context["org_map"] = maps.org_map(org, analysis, map_urls)
        context["map_groups"] = maps.map_groups(org, analysis, map_urls)
    elif kind == "group-map":
        group = page.context["group"]
        context["group_map"] = maps.group_map(org, analysis, group, map_urls)
        context["group_listing"] = maps.group_listing(org, analysis, group, map_urls)
    elif kind == "explorer":
        context["org_map"] = maps.org_map(org, analysis, map_urls, explorer=True)
        context["map_groups"] = maps.map_groups(org, analysis, map_urls)
        context["explorer_data"] = maps.explorer_data(org, analysis, map_urls)
    return context


class TemplateProblem(Exception):
    """A template failed to render; the message names the template and line."""


class _Renderer:
    """Renders one page at a time with what every page shares (the facts, the slots)."""

    def __init__(
        self,
        env: jinja2.Environment,
        org: Organisation,
        analysis: Analysis,
        findings: list[Finding],
        settings: SiteSettings,
    ) -> None:
        self.env = env
        self.org = org
        self.analysis = analysis
        self.settings = settings
        self.slots = available_slots(env)
        self.shared = {
            "org": org,
            "analysis": analysis,
            "facts": Facts(org, analysis, findings),
            "settings": settings,
            "slots": self.slots,
            "teams_by_name": teams_by_name,
            "by_name": _by_name,
        }

    def render(self, page: Page) -> RenderedPage:
        urls = Urls(page.src_uri, self.settings)
        blocks: list[HtmlBlock] = []
        context = {
            **self.shared,
            **page.context,
            **map_context(page, self.org, self.analysis, urls, self.slots),
            "urls": urls,
            "page": page,
            "html_blocks": blocks,
        }
        markdown = _front_matter(page) + _render(self.env, page.template, context)
        return RenderedPage(markdown, blocks)


# Fewer pages than this render in this process: starting a worker would cost more.
PARALLEL_MIN_PAGES = 200


def render_pages(
    pages: list[Page],
    env: jinja2.Environment,
    org: Organisation,
    analysis: Analysis,
    findings: list[Finding],
    settings: SiteSettings,
    workers: int = 1,
) -> dict[str, RenderedPage]:
    """Render every page to Markdown and its set-aside HTML blocks, by src_uri.

    With `workers` > 1 (and many pages, on a system that can fork) the pages are shared
    out between this process and `workers - 1` forked ones; the result is the same.
    """
    renderer = _Renderer(env, org, analysis, findings, settings)
    if workers > 1 and len(pages) >= PARALLEL_MIN_PAGES and _can_fork():
        return _render_in_parallel(renderer, pages, workers)
    return {page.src_uri: renderer.render(page) for page in pages}


def _can_fork() -> bool:
    # Linux only: fork is the only start method that shares the loaded organisation and the
    # compiled templates with the workers for free (macOS deems fork unsafe).
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


# What a forked worker renders: set just before the fork, read by the worker's copy.
_JOB: tuple[_Renderer, list[Page]] | None = None


def _render_share(share: int, workers: int) -> list[RenderedPage]:
    assert _JOB is not None
    renderer, pages = _JOB
    return [renderer.render(page) for page in pages[share::workers]]


def _render_in_parallel(
    renderer: _Renderer, pages: list[Page], workers: int
) -> dict[str, RenderedPage]:
    """Page i is rendered by share i % workers; share 0 here, the others in forked workers.

    Rendering is the largest step of a big build and every page is independent: two cores
    halve it. Pages are dealt out in turn so that each share gets some of the big pages.
    """
    global _JOB
    from . import maps  # noqa: F401  imported before the fork, not once in every worker

    _JOB = (renderer, pages)
    sys.stdout.flush()  # a worker flushes its copy of any buffered output when it ends
    sys.stderr.flush()
    shares: list[list[RenderedPage]] = []
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
            futures = [pool.submit(_render_share, share, workers) for share in range(1, workers)]
            shares.append(_render_share(0, workers))
            shares += [future.result() for future in futures]
    except BrokenProcessPool:
        # A worker died (killed, out of memory): render everything here instead.
        return {page.src_uri: renderer.render(page) for page in pages}
    finally:
        _JOB = None
    rendered: dict[str, RenderedPage] = {}
    for index, page in enumerate(pages):
        rendered[page.src_uri] = shares[index % workers][index // workers]
    return rendered


def _front_matter(page: Page) -> str:
    lines = []
    if page.layout:
        lines.append(f"template: {page.layout}")
    if not page.search:
        lines += ["search:", "  exclude: true"]
    if page.hide:
        lines += ["hide:", *(f"  - {item}" for item in page.hide)]
    return "---\n" + "\n".join(lines) + "\n---\n\n" if lines else ""


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise TemplateProblem(f"{where}: template syntax error: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise TemplateProblem(f"template '{error.name}' not found (needed by {name})") from None
    except (jinja2.TemplateError, TypeError, AttributeError, KeyError, ValueError) as error:
        raise TemplateProblem(
            f"{_template_place(error, name)}: template error: {type(error).__name__}: {error}"
        ) from None


def _template_place(error: BaseException, fallback: str) -> str:
    """The innermost template file and line in the traceback of a rendering error."""
    place = fallback
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            place = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place


# --- navigation -------------------------------------------------------------------------------

NavItem = str | dict[str, Any]


def navigation(
    org: Organisation, handbook: list[NavItem], handbook_title: str = "Handbook"
) -> list[NavItem]:
    """The site's navigation, in the shape of mkdocs.yml's `nav`.

    Teams are sections by group, each opened by its group page; big groups are split in
    alphabetical chunks. With mkdocs-material's navigation.prune each page then carries the
    group titles and its own group's teams only, whatever the size of the organisation.
    Section titles are HTML-escaped here because the theme prints them as they are; page
    titles come from each page's first heading, which is escaped already.
    """
    teams: list[NavItem] = [TEAMS]
    for group in _by_name(org.groups.values()):
        members = [team_uri(t.id) for t in teams_by_name(group.teams)]
        teams.append({_title(group.name): [group_uri(group.id), *_chunks(group, members)]})
    nav: list[NavItem] = [
        {"Home": HOME},
        SERVICES,
        {"Teams": teams},
        MISSION,
        {"Customers": [CUSTOMERS, *(segment_uri(s.id) for s in _by_name(org.segments.values()))]},
        MAP,
        HEALTH,
    ]
    if handbook:
        nav.append({_title(handbook_title): handbook})
    return nav


def _chunks(group: Group, members: list[str]) -> list[NavItem]:
    if len(members) <= NAV_CHUNK:
        return members
    teams = teams_by_name(group.teams)
    chunks: list[NavItem] = []
    for start in range(0, len(members), NAV_CHUNK):
        part = teams[start : start + NAV_CHUNK]
        title = f"{_initial(part[0].name)} – {_initial(part[-1].name)}"
        chunks.append({_title(title): members[start : start + NAV_CHUNK]})
    return chunks


def _initial(name: str) -> str:
    """A short label for where a chunk starts or ends: the name's first word."""
    words = name.split()
    return (words[0][:14] if words else "") or "?"


def _title(text: str) -> str:
    return str(escape(" ".join(text.split())))


def handbook_navigation(paths: list[str], reserved: Callable[[str], bool]) -> list[NavItem]:
    """Hand-written pages as a nested nav, sorted by path; folders become sections.

    `paths` are Markdown src_uris from the docs folder; `reserved` says which ones are
    replaced by generated pages (they are left out).
    """
    tree: dict[str, Any] = {}
    for path in sorted(p for p in paths if not reserved(p)):
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part + "/", {})
        node[parts[-1]] = path

    def build(node: dict[str, Any]) -> list[NavItem]:
        # A folder's index.md comes first so it opens the section (navigation.indexes).
        items: list[NavItem] = []
        keys = sorted(node, key=lambda k: (k != "index.md", k.endswith("/"), k))
        for key in keys:
            value = node[key]
            if isinstance(value, dict):
                title = key.rstrip("/").replace("-", " ").replace("_", " ").capitalize()
                items.append({_title(title): build(value)})
            else:
                items.append(value)
        return items

    return build(tree)
