"""What makes big builds fast and `charters serve` quick, checked for giving the same site.

- a build that renders pages in two processes and writes half of them from a forked worker
  writes the same bytes as a build in one process, also when the worker fails;
- each page carries a navigation cut to its own path, and large sections only their open part;
- search reads names, summaries, how to ask and contacts, not promises or goals, while the
  pages still show them all;
- `charters serve` rebuilds only what an edit changed, and the site it serves is the site a
  fresh build makes;
- the whitespace pass and the per-file cache of the loader give what they replace.
"""

from __future__ import annotations

import gc
import html
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.structure.nav import Link, Navigation, Section
from test_build import snapshot
from test_site import FIXTURES, REPO, SAMPLE_TODAY, make_project

from generator import incremental, page_worker, pages, pipeline
from generator.build import build_site
from generator.plugin import ChartersPlugin, NavigationViews, collapse_whitespace

SAMPLE = REPO / "charters"
sys.path.insert(0, str(REPO / "benchmarks"))

import serve_latency  # noqa: E402  (benchmarks/ is not a package)
from generate_org import write_org  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample organisation as a project of its own, judged on a fixed day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path / "project", SAMPLE, handbook=REPO / "handbook")


def _build(project: Path, site: Path) -> dict[str, bytes]:
    assert build_site(project / "mkdocs.yml", site, strict=True, quiet=True) == 0
    return snapshot(site)


# --- builds in two processes ------------------------------------------------------------------


def test_two_processes_write_the_same_site_as_one(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChartersPlugin, "_render_workers", lambda self: 1)
    alone = _build(project, tmp_path / "alone")
    # Two processes even for the sample's few pages: render in two, write half in a worker.
    monkeypatch.setattr(ChartersPlugin, "_render_workers", lambda self: 2)
    monkeypatch.setattr(pages, "PARALLEL_MIN_PAGES", 0)
    monkeypatch.setattr(page_worker, "MIN_PAGES", 0)
    started: list[int] = []
    real_start = page_worker.PageWorker.start

    def start(worker: page_worker.PageWorker) -> bool:
        started.append(len(worker.pages))
        return real_start(worker)

    monkeypatch.setattr(page_worker.PageWorker, "start", start)
    together = _build(project, tmp_path / "together")
    assert started and started[0] > 0, "the page worker did not run"
    assert together == alone


def test_a_failing_worker_leaves_its_pages_to_the_main_process(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChartersPlugin, "_render_workers", lambda self: 1)
    alone = _build(project, tmp_path / "alone")
    monkeypatch.setattr(ChartersPlugin, "_render_workers", lambda self: 2)
    monkeypatch.setattr(page_worker, "MIN_PAGES", 0)
    # The worker dies before writing anything: as if killed, or out of memory.
    main = os.getpid()
    real = page_worker._search_not_indexing

    def dies_in_the_worker(config: Any) -> Any:
        if os.getpid() != main:
            os._exit(3)
        return real(config)

    monkeypatch.setattr(page_worker, "_search_not_indexing", dies_in_the_worker)
    assert _build(project, tmp_path / "rescued") == alone


# --- the navigation a page carries -------------------------------------------------------------


def _page(title: str) -> Any:
    """What NavigationViews reads of a page: its place in the navigation."""
    return SimpleNamespace(title=title, parent=None, ancestors=[], children=None)


def _section(title: str, children: list[Any]) -> Section:
    section = Section(title, children)
    for child in children:
        child.parent = section
    return section


def _ancestors(item: Any) -> list[Any]:
    found = []
    while item.parent is not None:
        item = item.parent
        found.append(item)
    return found


def test_a_page_carries_its_own_path_and_first_links_of_the_rest() -> None:
    teams = _page("Teams")
    groups = [
        _section(f"G{g}", [_page(f"g{g}"), *(_page(f"t{g}{t}") for t in range(3))])
        for g in range(5)
    ]
    section = _section("Teams", [teams, *groups])
    home = _page("Home")
    nav = Navigation([home, section, Link("Elsewhere", "https://example.org")], [])
    for item in [teams, *(p for g in groups for p in g.children)]:
        item.ancestors = _ancestors(item)
    team = groups[2].children[1]

    view = NavigationViews(nav, max_closed=10).for_page(team)
    viewed = view.items[1]
    assert [c.title for c in viewed.children] == ["Teams", "G0", "G1", "G2", "G3", "G4"]
    # Closed groups: their first link only, which is all the theme shows of them.
    assert [c.title for c in viewed.children[1].children] == ["g0"]
    assert [c.title for c in viewed.children[3].children] == ["g2", "t20", "t21", "t22"]
    assert view.items[0] is home and view.items[2] is nav.items[2]

    # More closed groups than max_closed: a page inside one shows only its own...
    small = NavigationViews(nav, max_closed=3)
    assert [c.title for c in small.for_page(team).items[1].children] == ["Teams", "G2"]
    # ...while the section's own index page still lists them all.
    assert len(small.for_page(teams).items[1].children) == 6


def test_the_section_views_follow_the_real_sections_state() -> None:
    team = _page("t")
    group = _section("G", [_page("g"), team])
    nav = Navigation([_section("Teams", [_page("Teams"), group])], [])
    team.ancestors = _ancestors(team)
    view = NavigationViews(nav).for_page(team)
    assert not view.items[0].active
    group.active = True  # what MkDocs does while it renders the team's page
    assert view.items[0].active and view.items[0].children[1].active


# --- search ------------------------------------------------------------------------------------


def test_search_reads_what_people_look_for_and_pages_still_show_the_rest(
    project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    _build(project, site)
    org = pipeline.load_charters(project / "charters").organisation
    assert org is not None
    team = next(t for t in org.teams.values() if t.services)
    service = team.services[0]
    docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    entry = next(d for d in docs if d["location"] == f"teams/{team.id}/#{service.id}")
    words = " ".join(entry["text"].split())
    for text in (service.summary, service.request):  # as search stores text: HTML-escaped
        assert html.escape(" ".join(text.split())[:40], quote=False) in words
    assert "First answer" not in words and "Goals" not in words
    team_entry = next(d for d in docs if d["location"] == f"teams/{team.id}/")
    assert team.lead in team_entry["text"]
    # Sections nobody searches for have no entry; the page still has them.
    locations = {d["location"] for d in docs}
    assert f"teams/{team.id}/#relies_on" not in locations
    page = (site / "teams" / team.id / "index.html").read_text()
    assert "First answer" in page and 'id="relies_on"' in page and "charter-chip--goal" in page


# --- charters serve -------------------------------------------------------------------------


def _serve_build(project: Path, site: Path, *, dirty: bool, fresh: bool = False) -> None:
    """One rebuild as `charters serve` runs it (the plugin instance lives on in between)."""
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=dirty)
    plugin = config.plugins["charters"]
    if fresh:
        plugin.serve = incremental.ServeSession()
    config.site_url = "http://127.0.0.1:8000/"
    mkdocs_build(config, serve_url="http://127.0.0.1:8000/", dirty=dirty)


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text, count = re.subn(
        pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.M
    )
    assert count, pattern
    path.write_text(text, encoding="utf-8")


# Each kind of edit to booking.yaml, and how many pages `serve` renders again for it (None:
# fewer than all, checked below).
SERVE_EDITS = [
    ("wording", r"^(purpose: >-\n  )", r"\g<1>Freshly edited ", 3),
    ("a first-answer time", r"^(    response: ).*$", r"\g<1>3 business days", None),
    ("a target", r"^(    target: ).*$", r"\g<1>50%", None),
    ("a resolution time", r"^(    resolution: ).*$", r"\g<1>1 business day", None),
    (
        "a service's name",
        r"^(  - id: patient-app-fixes\n    name: ).*$",
        r"\g<1>Patient app repairs",
        None,
    ),
    (
        "a dependency added",
        r"^(    depends_on:\n)",
        r"\g<1>      - service: records/record-changes\n        for: Checking the record\n",
        None,
    ),
    (
        "a dependency removed",
        r"^      - service: platform/release-deployments\n        for: .*\n",
        "",
        None,
    ),
    ("a dependency made blocking", r"^(        blocking: )false$", r"\g<1>true", None),
    # customer-support waits on this service: no longer listed, the dependency is not agreed.
    ("a customer removed", r"^(      - patients\n)      - customer-support\n", r"\g<1>", None),
    ("a review date", r"^(reviewed: ).*$", r"\g<1>2020-01-15", None),
    ("the team's name", r"^(name: .*)$", r"\g<1> Renamed", None),
]


@pytest.mark.parametrize(("what", "pattern", "replacement", "rendered"), SERVE_EDITS)
def test_serve_rebuilds_what_changed_and_serves_what_a_fresh_build_makes(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    pattern: str,
    replacement: str,
    rendered: int | None,
) -> None:
    site, reference = tmp_path / "served", tmp_path / "fresh"
    counted: list[int] = []
    real_render = pages.render_pages

    def render(site_pages: list[pages.Page], *args: Any, **kwargs: Any) -> Any:
        counted.append(len(site_pages))
        return real_render(site_pages, *args, **kwargs)

    monkeypatch.setattr(pages, "render_pages", render)
    _serve_build(project, site, dirty=True, fresh=True)
    _edit(project / "charters" / "booking.yaml", pattern, replacement)
    _serve_build(project, site, dirty=True)
    everything, again = counted
    if rendered is not None:
        assert again == rendered, f"{what}: pages rendered again"
    else:
        assert again < everything, f"{what}: every page rendered again"
    _serve_build(project, reference, dirty=False, fresh=True)
    assert snapshot(site) == snapshot(reference), f"after {what}"


@pytest.mark.parametrize(
    ("new_name", "whole_site"),
    [
        # Stays first of its group: only the group's section of the navigation changes.
        ("Appointments and the Patient App", False),
        # Now its group's last page: the previous/next links between sections change.
        ("Zebra Appointments", True),
    ],
)
def test_a_team_renamed_builds_its_groups_pages_not_the_whole_site(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    new_name: str,
    whole_site: bool,
) -> None:
    """A team's name is a page title in its group's navigation, which only that group's
    pages show; the rest of the site keeps its navigation and is not built again."""
    site, reference = tmp_path / "served", tmp_path / "fresh"
    built: list[str] = []
    real_page_built = incremental.ServeSession.page_built

    def page_built(self: incremental.ServeSession, src_uri: str, page: Any) -> None:
        built.append(src_uri)
        real_page_built(self, src_uri, page)

    monkeypatch.setattr(incremental.ServeSession, "page_built", page_built)
    _serve_build(project, site, dirty=True, fresh=True)
    everything = set(built)
    built.clear()
    _edit(project / "charters" / "booking.yaml", r"^name: .*$", f"name: {new_name}")
    _serve_build(project, site, dirty=True)

    members = ("booking", "clinical-safety", "integrations", "records")
    group = {"groups/clinical-products/index.md"} | {f"teams/{t}/index.md" for t in members}
    assert group <= set(built), "the group's pages show the new name in their navigation"
    if whole_site:
        assert set(built) == everything
    else:
        # Other groups' team pages that say nothing of the team keep their navigation.
        assert len(built) < len(everything), sorted(built)
        assert not {"teams/finance/index.md", "teams/payroll/index.md"} & set(built)
    _serve_build(project, reference, dirty=False, fresh=True)
    assert snapshot(site) == snapshot(reference), f"after renaming the team {new_name}"


@pytest.fixture
def generated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A generated organisation of 40 teams (the benchmark's fan-in) as a project."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SAMPLE_TODAY)
    monkeypatch.chdir(tmp_path)
    org = write_org(40, tmp_path / "org", seed=3)
    return make_project(tmp_path / "project", org, handbook=REPO / "handbook")


def test_serve_follows_a_series_of_edits_on_a_generated_organisation(
    generated_project: Path, tmp_path: Path
) -> None:
    """The edits of benchmarks/serve_latency.py, one after another in one `serve`, on an
    organisation with the generator's fan-in: after each, the site a fresh build makes."""
    project = generated_project
    charters = project / "charters"
    scene = serve_latency._scene(charters)
    site = tmp_path / "served"
    _serve_build(project, site, dirty=True, fresh=True)
    edits = [(kind, run) for run in range(2) for kind in serve_latency.EDITS]
    for number, (kind, run) in enumerate(edits):
        serve_latency._make_edit(kind, run, scene, charters)
        _serve_build(project, site, dirty=True)
        reference = tmp_path / f"fresh-{number}"
        _serve_build(project, reference, dirty=False, fresh=True)
        assert snapshot(site) == snapshot(reference), f"after the {kind} edit {run + 1}"
        shutil.rmtree(reference)


def test_serve_after_a_new_waiter_on_a_bottleneck_elsewhere(
    generated_project: Path, tmp_path: Path
) -> None:
    """A team that did not wait on the biggest bottleneck starts to: its count of waiters
    grows, and every page must read as a fresh build makes it (the pages of the teams that
    already waited on it included, whose maps badge it)."""
    project = generated_project
    charters = project / "charters"
    result = pipeline.load_charters(charters)
    assert result.organisation is not None and result.analysis is not None
    bottleneck = result.analysis.bottlenecks[0].service
    waiting = {dep.consumer.team.id for dep in bottleneck.relied_on_by}
    team, service = next(
        (team, service)
        for team in sorted(result.organisation.teams.values(), key=lambda t: t.id)
        for service in team.services
        if team.id not in waiting and team is not bottleneck.team and service.depends_on
    )
    site = tmp_path / "served"
    _serve_build(project, site, dirty=True, fresh=True)
    _edit(
        charters / f"{team.id}.yaml",
        rf"^(- id: {re.escape(service.id)}\n(?:  .*\n)*?  depends_on:\n)",
        rf"\g<1>  - service: {bottleneck.key}\n    for: a second opinion\n    blocking: true\n",
    )
    _serve_build(project, site, dirty=True)
    reference = tmp_path / "fresh"
    _serve_build(project, reference, dirty=False, fresh=True)
    assert snapshot(site) == snapshot(reference)


def test_serve_after_a_failed_build_starts_again(project: Path, tmp_path: Path) -> None:
    site, reference = tmp_path / "served", tmp_path / "fresh"
    _serve_build(project, site, dirty=True, fresh=True)
    charter = project / "charters" / "booking.yaml"
    good = charter.read_text(encoding="utf-8")
    charter.write_text(good + "\nbad: [\n", encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017, PT011 - MkDocs' Abort, as serve shows it
        _serve_build(project, site, dirty=True)
    charter.write_text(good.replace("purpose: >-\n  ", "purpose: >-\n  Back again "), "utf-8")
    _serve_build(project, site, dirty=True)
    _serve_build(project, reference, dirty=False, fresh=True)
    assert snapshot(site) == snapshot(reference)


def test_which_pages_an_edit_changes(project: Path) -> None:
    charters = project / "charters"
    before = pipeline.load_charters(charters)
    _edit(charters / "booking.yaml", r"^(lead: ).*$", r"\g<1>Someone Else")
    after = pipeline.load_charters(charters)
    team = after.organisation.teams["booking"]  # type: ignore[union-attr]
    uris = [p.src_uri for p in pages.site_pages(after.organisation)]  # type: ignore[arg-type]
    assert incremental.pages_to_render(before, after, uris) == {
        pages.team_uri("booking"),
        pages.group_uri(team.group.id),
        pages.TEAMS,
    }
    # A promise: the pages about the whole organisation, and the pages of the teams, groups
    # and segments it concerns.
    _edit(charters / "booking.yaml", r"^(    target: ).*$", r"\g<1>50%")
    again = incremental.pages_to_render(after, pipeline.load_charters(charters), uris)
    assert again is not None
    assert set(pages.NAMED_PAGES.values()) <= again
    assert pages.group_uri(team.group.id) in again
    assert len([uri for uri in again if uri.startswith("groups/")]) < len(
        after.organisation.groups  # type: ignore[union-attr]
    )
    consumer = next(  # customer-support waits on booking's first service, whose target it is
        dep.consumer.team.id
        for dep in team.services[0].relied_on_by
        if dep.consumer.team is not team
    )
    assert {pages.team_uri("booking"), pages.team_uri(consumer)} <= again
    assert len([uri for uri in again if uri.startswith("teams/")]) < len(
        after.organisation.teams  # type: ignore[union-attr]
    )
    # organization.yaml: every page.
    _edit(charters / "organization.yaml", r"^(name: .*)$", r"\g<1> Renamed")
    assert incremental.pages_to_render(after, pipeline.load_charters(charters), uris) is None


# --- smaller pieces -----------------------------------------------------------------------------


def test_serve_collects_garbage_between_rebuilds_not_during_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collector = incremental.Collector()
    monkeypatch.setattr(incremental, "COLLECT_AFTER", 0.05)
    try:
        collector.pause()
        assert not gc.isenabled()
        collector.resume()
        assert gc.isenabled() and gc.get_freeze_count() > 0  # set aside until collected
        deadline = time.monotonic() + 10
        while gc.get_freeze_count() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gc.get_freeze_count() == 0, "no collection after the rebuild"
        # Rebuilds in a row, each before the collection: every few, one collects first.
        monkeypatch.setattr(incremental, "COLLECT_AFTER", 60)
        for _ in range(incremental.MAX_UNCOLLECTED):
            collector.pause()
            collector.resume()
        assert gc.get_freeze_count() > 0
        collector.pause()
        assert gc.get_freeze_count() == 0 and not gc.isenabled()
        collector.resume()
    finally:
        collector.stop()
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    "html",
    [
        "",
        "no break",
        "<p>a</p>   \n\n   <p>b</p>\n",
        "  lead\t \r\n \xa0x \xa0\n\n\tlast  ",
        "x \xa0 \n\x0b y\n  \n",
        "\n\n\n",
        "a\r\n\r\nb",
    ],
)
def test_collapse_whitespace_is_the_regular_expression_it_replaced(html: str) -> None:
    assert collapse_whitespace(html) == re.sub(r"[ \t\r]*\n\s*", "\n", html)


def test_pages_with_preformatted_text_keep_their_whitespace() -> None:
    html = "<pre>a\n\n   b</pre>\n\n  <p>x</p>"
    assert collapse_whitespace(html) == html


def test_the_loader_cache_reads_only_changed_files(tmp_path: Path) -> None:
    charters = tmp_path / "charters"
    shutil.copytree(FIXTURES / "small" / "charters", charters)
    cache: pipeline.FileCache = {}
    first = pipeline.load_charters(charters, cache=cache)
    again = pipeline.load_charters(charters, cache=cache)
    assert [f.to_text() for f in again.findings] == [f.to_text() for f in first.findings]
    assert first.organisation is not None and again.organisation is not None
    assert list(again.organisation.teams) == list(first.organisation.teams)
    path = sorted(p for p in charters.glob("*.yaml") if p.name != "organization.yaml")[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nunknown_key: 1\n", encoding="utf-8")
    changed = pipeline.load_charters(charters, cache=cache)
    assert [f for f in changed.findings if f.file.endswith(path.name)] != [
        f for f in first.findings if f.file.endswith(path.name)
    ]
