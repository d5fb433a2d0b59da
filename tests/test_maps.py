"""The dependency maps: what they draw, that it reads (no overlaps), and that it is the same
every time.

The map models (generator/maps.py) are checked directly for geometry; the SVG is checked as
the templates render it (parsed as XML), and once more in a site built with `charters
build`, where every link must lead to a page that exists. tests/fixtures/maps/flags has one
of everything a map flags: a bottleneck, unacknowledged dependencies, an infeasible promise,
a cycle between two teams, a dependency inside a team, a team with no links, a long name and
names with markup in them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import pytest

from generator import maps
from generator.pages import make_environment
from generator.pipeline import CheckResult, load_charters

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[1]
FLAGS = REPO / "tests" / "fixtures" / "maps" / "flags"
SAMPLE = REPO / "charters"
TODAY = dt.date(2026, 11, 1)
SVG = "{http://www.w3.org/2000/svg}"


# --- helpers ------------------------------------------------------------------------------


def load(path: Path) -> CheckResult:
    result = load_charters(path, today=TODAY)
    assert result.organisation is not None and result.analysis is not None
    return result


@pytest.fixture(scope="module")
def flags() -> CheckResult:
    return load(FLAGS)


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return make_environment(REPO / "templates")


def all_maps(result: CheckResult) -> Iterator[maps.Map]:
    org, analysis = result.organisation, result.analysis
    assert org is not None
    yield maps.org_map(org, analysis, maps.Urls("../"))
    for group in org.groups.values():
        yield maps.group_map(org, analysis, group, maps.Urls("../../"))
    for team in org.teams.values():
        yield maps.team_map(org, analysis, team, maps.Urls("../../"))


def render_svg(env: jinja2.Environment, drawn: maps.Map) -> str:
    module = env.get_template("partials/map_svg.html.j2").module
    return str(module.svg(drawn))  # type: ignore[attr-defined]


def parse_svg(markup: str) -> ET.Element:
    """The SVG as XML: also proves the markup is well formed."""
    return ET.fromstring(markup)


def resolve(page_url: str, href: str) -> str:
    """Where a relative link on the page at `page_url` (e.g. 'map/') leads, from the root."""
    path = href.split("#")[0]
    return posixpath.normpath(posixpath.join(page_url, path)) + "/"


Box = tuple[float, float, float, float]


def overlap(a: Box, b: Box, slack: float = 0.0) -> bool:
    return (
        a[0] + slack < b[0] + b[2]
        and b[0] + slack < a[0] + a[2]
        and a[1] + slack < b[1] + b[3]
        and b[1] + slack < a[1] + a[3]
    )


def inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0] - 0.5
        and inner[1] >= outer[1] - 0.5
        and inner[0] + inner[2] <= outer[0] + outer[2] + 0.5
        and inner[1] + inner[3] <= outer[1] + outer[3] + 0.5
    )


def pairs_overlapping(boxes: list[tuple[str, Box]]) -> list[tuple[str, str]]:
    """Overlapping pairs, by a sweep over x: fast enough for thousands of boxes."""
    found = []
    ordered = sorted(boxes, key=lambda item: item[1][0])
    active: list[tuple[str, Box]] = []
    for name, box in ordered:
        active = [(n, b) for n, b in active if b[0] + b[2] > box[0]]
        found += [(n, name) for n, b in active if overlap(b, box)]
        active.append((name, box))
    return found


def badge_box(badge: maps.Badge) -> Box:
    return (float(badge.x) - 8, float(badge.y) - 8, 16.0, 16.0)


def assert_readable(drawn: maps.Map) -> None:
    """No two boxes overlap, every text sits in its box and crosses no other text or box,
    badges sit in their boxes, edge markers cover nothing, and everything is on the canvas."""
    where = f"{drawn.dom_id}"
    canvas: Box = (0.0, 0.0, float(drawn.width), float(drawn.height))
    nodes = [(node.id, node.box) for node in drawn.nodes]
    assert not pairs_overlapping(nodes), f"{where}: boxes overlap: {pairs_overlapping(nodes)}"
    texts: list[tuple[str, Box]] = []
    for node in drawn.nodes:
        assert inside(node.box, canvas), f"{where}: {node.id} is off the canvas"
        for number, line in enumerate(node.lines):
            assert inside(line.box, node.box), f"{where}: text '{line.text}' leaves {node.id}"
            texts.append((f"{node.id}:{number}", line.box))
        for badge in node.badges:
            assert inside(badge_box(badge), node.box), f"{where}: badge leaves {node.id}"
        badges = [(f"{node.id}:b{i}", badge_box(b)) for i, b in enumerate(node.badges)]
        lines = [(f"{node.id}:{i}", line.box) for i, line in enumerate(node.lines)]
        assert not pairs_overlapping(badges + lines), f"{where}: badge on text in {node.id}"
    for cluster in drawn.clusters:
        box = (float(cluster.x), float(cluster.y), float(cluster.w), float(cluster.h))
        assert inside(box, canvas), f"{where}: cluster {cluster.id} is off the canvas"
        for number, line in enumerate(cluster.lines):
            assert inside(line.box, box), f"{where}: '{line.text}' leaves its cluster"
            texts.append((f"cluster-{cluster.id}:{number}", line.box))
    for number, label in enumerate(drawn.labels):
        assert inside(label.box, canvas), f"{where}: label '{label.text}' is off the canvas"
        texts.append((f"label:{number}", label.box))
    assert not pairs_overlapping(texts), f"{where}: texts overlap: {pairs_overlapping(texts)}"
    # A text may only touch the box it belongs to.
    owner_of = {name: name.split(":")[0] for name, _ in texts}
    crossing = [
        (a, b)
        for a, b in pairs_overlapping(texts + nodes)
        if not (owner_of.get(a) == b or owner_of.get(b) == a)
        and not (a in owner_of and b in owner_of)
        and not (a not in owner_of and b not in owner_of)
    ]
    assert not crossing, f"{where}: text over another box: {crossing}"
    markers = [(edge.id, badge_box(edge.marker)) for edge in drawn.edges if edge.marker]
    assert not pairs_overlapping(markers), f"{where}: edge markers overlap"
    clash = [
        (a, b)
        for a, b in pairs_overlapping(markers + nodes + texts)
        if (a in dict(markers)) != (b in dict(markers))
    ]
    assert not clash, f"{where}: an edge marker covers a box or a text: {clash}"


# --- what the maps draw --------------------------------------------------------------------


def test_every_team_is_a_node_linking_to_its_page_on_the_org_map(
    flags: CheckResult, env: jinja2.Environment
) -> None:
    org = flags.organisation
    assert org is not None
    drawn = maps.org_map(org, flags.analysis, maps.Urls("../"))
    svg = parse_svg(render_svg(env, drawn))
    nodes = svg.findall(f"{SVG}a")  # the nodes: links straight inside the SVG
    linked = sorted(resolve("map/", a.get("href") or "") for a in nodes)
    assert linked == sorted(f"teams/{team_id}/" for team_id in org.teams)
    for a in nodes:  # each box is named by its team, in its tooltip and its text
        team = org.teams[resolve("map/", a.get("href") or "").split("/")[1]]
        assert team.name in (a.findtext(f"{SVG}title") or "")
        assert (a.findtext(f"{SVG}text") or "").rstrip("\u2026") in team.name
    # Each group is a box whose heading opens the group's own map.
    heads = [
        g.find(f"{SVG}a")
        for g in svg.iter(f"{SVG}g")
        if "map-cluster" in (g.get("class") or "").split()
    ]
    assert sorted(resolve("map/", a.get("href") or "") for a in heads if a is not None) == sorted(
        f"map/{gid}/" for gid in org.groups
    )
    # Named by its caption, which says whose map it is.
    assert svg.get("role") == "group" and svg.get("aria-labelledby") == "map-org-caption"
    page = env.get_template("partials/org_map.html.j2").render(org_map=drawn, map_root="../")
    caption = re.search(r'<figcaption id="map-org-caption">([^<]*)</figcaption>', page)
    assert caption is not None and "Map Fixture Org" in caption.group(1)
    # Ids and data-* attributes are for the explorer's script, on the explorer's map only.
    ided = {e.tag.removeprefix(SVG) for e in svg.iter() if e.get("id")}
    assert ided == {"marker"}  # the arrowheads, which edges point to by id
    assert not any(key.startswith("data-") for e in svg.iter() for key in e.attrib)
    explorer = parse_svg(render_svg(env, maps.org_map(org, flags.analysis, explorer=True)))
    teams = sorted(a.get("data-team") or "" for a in explorer.findall(f"{SVG}a"))
    assert teams == sorted(org.teams)
    groups = {g.get("data-group") for g in explorer.iter(f"{SVG}g") if g.get("data-group")}
    assert groups == set(org.groups)


def test_group_maps_draw_every_team_and_every_link(flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    index = maps.index_for(org, flags.analysis)
    seen_teams: set[str] = set()
    for group in org.groups.values():
        drawn = maps.group_map(org, flags.analysis, group, maps.Urls("../../"))
        members = {t.id for t in group.teams}
        nodes = {node.id: node for node in drawn.nodes}
        for team_id in members:
            assert resolve(f"map/{group.id}/", nodes[team_id].href or "") == f"teams/{team_id}/"
            seen_teams.add(team_id)
        edges = {(edge.source, edge.target) for edge in drawn.edges}
        for (provider, consumer), link in index.links.items():
            if provider in members and consumer in members:
                assert (provider, consumer) in edges
            elif consumer in members:
                assert (f"in-{provider}", consumer) in edges
                assert resolve("map/x/", nodes[f"in-{provider}"].href or "") == (
                    f"teams/{provider}/"
                )
            elif provider in members:
                assert (provider, f"out-{consumer}") in edges
            else:
                continue
            drawn_edge = next(
                e
                for e in drawn.edges
                if e.source.endswith(provider) and e.target.endswith(consumer)
            )
            assert drawn_edge.deps == len(link.deps)
    assert seen_teams == set(org.teams)


def test_team_maps_draw_every_dependency_once(flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    for team in org.teams.values():
        drawn = maps.team_map(org, flags.analysis, team, maps.Urls("../../"))
        edges = {(edge.source, edge.target): edge for edge in drawn.edges}
        expected = 0
        for service in team.services:
            for dep in service.depends_on:
                expected += 1
                if dep.provider.team is team:
                    assert (f"row-{dep.provider.id}", f"row-{service.id}") in edges
                else:
                    source = "in-" + dep.provider.key.replace("/", "--")
                    assert (source, f"row-{service.id}") in edges
            for dep in service.relied_on_by:
                if dep.consumer.team is not team:
                    expected += 1
                    assert (f"row-{service.id}", f"out-{dep.consumer.team.id}") in edges
        assert sum(edge.deps for edge in drawn.edges) == expected, team.id
        for node in drawn.nodes:
            if node.kind == "team":
                team_id = node.data["team"]
                assert resolve(f"teams/{team.id}/", node.href or "") == f"teams/{team_id}/"


def test_edges_show_blocking_and_flags(flags: CheckResult, env: jinja2.Environment) -> None:
    org = flags.organisation
    assert org is not None
    drawn = maps.team_map(org, flags.analysis, org.teams["desk"], maps.Urls("../../"))
    edges = {(edge.source, edge.target): edge for edge in drawn.edges}
    # desk/laptops waits on hub/access on onboard/starters' infeasible chain.
    into = edges[("in-hub--access", "row-laptops")]
    assert "is-blocking" in into.css and "is-infeasible" in into.css
    assert into.marker is not None and into.marker.symbol == "!"
    assert "at least 6 business days" in into.marker.title
    # Payroll and the hub wait on the laptops without being among its customers.
    for consumer in ("payroll", "hub"):
        edge = edges[("row-laptops", f"out-{consumer}")]
        assert "is-unacknowledged" in edge.css
        assert edge.marker is not None and edge.marker.symbol == "?"
        assert "does not list" in edge.title
    assert "is-optional" in edges[("row-laptops", "out-hub")].css  # hub/audit: not blocking
    assert "is-infeasible" in edges[("row-laptops", "out-onboard")].css
    hub_access = drawn.node("in-hub--access")
    assert "is-bottleneck" in hub_access.css
    assert [b.symbol for b in hub_access.badges] == ["B"]
    # Another team's service: flagged, without counts that edits anywhere would change.
    assert hub_access.badges[0].title == "Bottleneck: one of the services the most others wait on"
    # On its own team's map, the counts.
    hub = maps.team_map(org, flags.analysis, org.teams["hub"], maps.Urls("../../"))
    assert "Bottleneck: 6 services wait on it" in hub.node("row-access").badges[0].title
    assert drawn.legend == [
        "is-blocking",
        "is-optional",
        "is-unacknowledged",
        "is-infeasible",
        "is-bottleneck",
    ]
    # In the SVG: dashed and solid lines by class, a tooltip on every edge and flag, and a
    # text legend beside the map.
    svg = parse_svg(render_svg(env, drawn))
    edges_group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-edges")
    groups = list(edges_group)
    assert len(groups) == len(drawn.edges)
    markers = {m.get("id"): m.get("class") for m in svg.iter(f"{SVG}marker")}
    assert markers == {
        "map-team-desk-arrow": "map-arrow",
        "map-team-desk-arrow-warn": "map-arrow is-unacknowledged",
        "map-team-desk-arrow-danger": "map-arrow is-infeasible",
    }
    assert edges_group.get("marker-end") == "url(#map-team-desk-arrow)"
    for g, edge in zip(groups, drawn.edges, strict=True):
        # Solid (blocking) is the default line; dashed ones and flags are classes.
        classes = set((g.get("class") or "").split())
        assert classes == set(edge.css) - {"is-blocking"}
        assert ("is-optional" in classes) != ("is-blocking" in edge.css)
        assert edge.title and g.findtext(f"{SVG}title") == edge.title
        # The line, then the same path again, wider and transparent, for the pointer.
        line, hit = g.findall(f"{SVG}path")
        assert line.get("d") == hit.get("d") and (line.get("d") or "").startswith("M")
        arrow = g.get("marker-end")
        if "is-infeasible" in classes:
            assert arrow == "url(#map-team-desk-arrow-danger)"
        elif "is-unacknowledged" in classes:
            assert arrow == "url(#map-team-desk-arrow-warn)"
        else:
            assert arrow is None  # the map's default arrowhead, inherited
    markers = [g for g in svg.iter(f"{SVG}g") if "map-badge" in (g.get("class") or "").split()]
    assert {m.findtext(f"{SVG}text") for m in markers} == {"!", "?", "B"}
    page = env.get_template("partials/team_map.html.j2").render(team_map=drawn)
    for words in ("Solid line", "Dashed line", "Amber line", "Red line", "bottleneck"):
        assert words in page


def test_a_team_alone_says_so_in_words(flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    drawn = maps.team_map(org, flags.analysis, org.teams["lonely"], maps.Urls("../../"))
    assert [label.text for label in drawn.labels] == [
        "This team",
        "It waits on no other team.",
        "No other team relies on it yet.",
    ]
    assert not drawn.edges
    assert drawn.width < 300  # no empty side columns


def test_long_names_are_cut_to_fit_with_the_full_name_in_the_tooltip(flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    recruit = org.teams["recruit"]
    drawn = maps.org_map(org, flags.analysis, maps.Urls("../"))
    node = drawn.node("recruit")
    assert node.lines[0].text.endswith("\u2026")
    assert recruit.name in node.title
    team = maps.team_map(org, flags.analysis, recruit, maps.Urls("../../"))
    row = team.node("row-hiring")
    shown = " ".join(line.text for line in row.lines[:-1])
    assert shown != recruit.services[0].name and shown.endswith("\u2026")
    assert recruit.services[0].name in row.title


# --- readability and determinism -------------------------------------------------------------


@pytest.mark.parametrize("folder", [FLAGS, SAMPLE], ids=["flags", "sample"])
def test_no_box_or_label_overlaps(folder: Path) -> None:
    result = load(folder)
    for drawn in all_maps(result):
        assert_readable(drawn)


# Markup per shape (box, edge, badge, line of text) once words, links and path data are
# taken out: ~50-75 bytes now, 110-125 before the markup was trimmed (issue 7: a 2,000-team
# site draws ~100,000 shapes, so every attribute repeated on each one costs megabytes).
MARKUP_PER_SHAPE = 90
MARKUP_FIXED = 700  # the <svg> element and its three arrowheads


@pytest.mark.parametrize("folder", [FLAGS, SAMPLE], ids=["flags", "sample"])
def test_map_markup_stays_lean(folder: Path, env: jinja2.Environment) -> None:
    for drawn in all_maps(load(folder)):
        markup = render_svg(env, drawn)
        bare = re.sub(r"<title>[^<]*</title>", "", markup)
        bare = re.sub(r">[^<]+<", "><", bare)  # text
        bare = re.sub(r' (href|d)="[^"]*"', "", bare)
        shapes = (
            len(drawn.nodes)
            + len(drawn.edges)
            + len(drawn.clusters)
            + len(drawn.labels)
            + sum(len(node.badges) + len(node.lines) for node in drawn.nodes)
            + sum(len(cluster.lines) for cluster in drawn.clusters)
            + sum(1 for edge in drawn.edges if edge.marker)
        )
        budget = MARKUP_FIXED + MARKUP_PER_SHAPE * shapes
        assert len(bare) <= budget, f"{drawn.dom_id}: {len(bare)} bytes of markup for {shapes}"
        # Each edge's path is written twice (line and pointer target): relative and short.
        for edge in drawn.edges:
            absolute = "".join(f"{s.cmd}{' '.join(map(str, s.points))}" for s in edge.path)
            assert len(edge.d) <= len(absolute), edge.id


def test_relative_path_data_draws_the_same_route() -> None:
    path = [
        maps.Segment("M", (414, 603)),
        maps.Segment("C", (469, 603, 469, 1118.5, 524, 1118.5)),
        maps.Segment("L", (926, 1118.5)),
        maps.Segment("L", (926, 1000)),
        maps.Segment("C", (981, 1000, 981, 1097, 1036.5, 1097)),
    ]
    assert maps.path_data(path) == "M414 603c55 0 55 515.5 110 515.5h402v-118.5c55 0 55 97 110.5 97"
    assert maps.path_data([maps.Segment("M", (0.5, -0.5))]) == "M.5-.5"


def test_maps_are_identical_on_every_run() -> None:
    """Same input, same SVG: in fresh interpreters with different hash seeds (which change
    set and dict-of-set iteration order), and twice in one interpreter."""
    script = (
        "import hashlib, datetime as dt, sys; from pathlib import Path\n"
        "from generator import maps; from generator.pages import make_environment\n"
        "from generator.pipeline import load_charters\n"
        "env = make_environment(Path('templates'))\n"
        "svg = env.get_template('partials/map_svg.html.j2').module.svg\n"
        "digest = hashlib.sha256()\n"
        "for folder in sys.argv[1:]:\n"
        "    r = load_charters(Path(folder), today=dt.date(2026, 11, 1))\n"
        "    org, a = r.organisation, r.analysis\n"
        "    drawn = [maps.org_map(org, a, maps.Urls('../'))]\n"
        "    drawn += [maps.group_map(org, a, g, maps.Urls('../../'))\n"
        "              for g in org.groups.values()]\n"
        "    drawn += [maps.team_map(org, a, t, maps.Urls('../../')) for t in org.teams.values()]\n"
        "    for m in drawn:\n"
        "        digest.update(str(svg(m)).encode())\n"
        "    digest.update(repr(maps.explorer_data(org, a, maps.Urls('../../'))).encode())\n"
        "print(digest.hexdigest())\n"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(FLAGS), str(SAMPLE)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1

    environment = make_environment(REPO / "templates")
    runs = [[render_svg(environment, m) for m in all_maps(load(FLAGS))] for _ in range(2)]
    assert runs[0] == runs[1]


def test_500_teams_lay_out_without_overlaps(tmp_path: Path) -> None:
    """A synthetic organisation of 500 teams (benchmarks/generate_org.py): every map reads,
    big neighbourhoods are capped with a "+ more" box, and outside teams are summed up by
    group when a group has many. Not a timing test, but it has to finish in seconds."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate_org
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    generate_org.write_org(500, tmp_path / "org", seed=7, today=TODAY)
    result = load(tmp_path / "org")
    org = result.organisation
    assert org is not None and len(org.teams) == 500
    capped = summarised = 0
    every_pill = set()
    for drawn in all_maps(result):
        assert_readable(drawn)
        if drawn.kind == "org":
            every_pill = {node.id for node in drawn.nodes if node.kind == "pill"}
            assert drawn.notes, "the org map says which group links it leaves out"
        if drawn.kind == "team":
            assert len([n for n in drawn.nodes if n.id.startswith("out-")]) <= maps.RIGHT_CAP
            capped += any(node.kind == "more" for node in drawn.nodes)
        if drawn.kind == "group":
            summarised += any(
                node.id.startswith(("in-group-", "out-group-")) for node in drawn.nodes
            )
    assert every_pill == set(org.teams)
    assert capped and summarised


# --- escaping ------------------------------------------------------------------------------------


def test_markup_in_names_is_escaped(flags: CheckResult, env: jinja2.Environment) -> None:
    org = flags.organisation
    assert org is not None
    hub = org.teams["hub"]
    assert "<script>" in hub.name and "<img" in hub.services[0].name
    drawn = [
        maps.org_map(org, flags.analysis, maps.Urls("../")),
        maps.group_map(org, flags.analysis, org.groups["tech"], maps.Urls("../../")),
        maps.team_map(org, flags.analysis, hub, maps.Urls("../../")),
        maps.team_map(org, flags.analysis, org.teams["desk"], maps.Urls("../../")),
    ]
    for one in drawn:
        markup = render_svg(env, one)
        assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
        assert "&lt;script&gt;" in markup or "&lt;img" in markup
        parse_svg(markup)  # still well-formed XML
        names = " ".join(t.text or "" for t in parse_svg(markup).iter(f"{SVG}title"))
        assert "Hub <script>" in names  # the reader sees the name as written
    urls = maps.Urls("../../")
    page = env.get_template("partials/map_explorer.html.j2").render(
        org_map=maps.org_map(org, flags.analysis, urls, explorer=True),
        map_groups=maps.map_groups(org, flags.analysis, urls),
        explorer_data=maps.explorer_data(org, flags.analysis, urls),
        map_root="../../",
    )
    block = re.search(
        r'<script type="application/json" id="map-explorer-data">(.*?)</script>', page, re.S
    )
    assert block is not None
    assert "<" not in block.group(1)  # tojson writes \u003c: nothing can close the element
    data = json.loads(block.group(1))
    assert hub.name in [team[1] for team in data["teams"]]  # and reads back as written


# --- the layout engine ---------------------------------------------------------------------------


def test_cycles_are_broken_and_layers_run_left_to_right() -> None:
    nodes = ["a", "b", "c", "d", "e"]
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "d")]
    dag = maps.break_cycles(nodes, edges)
    import networkx as nx

    assert nx.is_directed_acyclic_graph(dag)
    assert dag.number_of_edges() == len(edges)  # turned round, not dropped
    layers = maps.assign_layers(nodes, edges)
    assert layers["a"] < layers["b"] < layers["c"] < layers["d"]
    assert layers["e"] == layers["d"] - 1  # a source sits next to what it feeds
    layout = maps.layered_layout(dict.fromkeys(nodes, (100.0, 30.0)), edges)
    assert layout.reversed_edges == frozenset({2})
    boxes = [(n, (layout.x[n], layout.y[n], 100.0, 30.0)) for n in nodes]
    assert not pairs_overlapping(boxes)


def test_positions_keep_order_and_spacing() -> None:
    placed = maps._isotonic([10.0, 0.0, 5.0, 100.0], [1.0] * 4, [20.0, 20.0, 20.0])
    assert all(b - a >= 20.0 - 1e-9 for a, b in itertools.pairwise(placed))
    assert placed[3] == pytest.approx(100.0)


def test_long_edges_pass_between_boxes() -> None:
    """An edge over several layers bends through the gaps (dummy nodes), not across boxes."""
    sizes = {name: (120.0, 40.0) for name in ("a", "b", "c", "d", "x", "y")}
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d"), ("x", "y")]
    layout = maps.layered_layout(sizes, edges, {"a": 0, "b": 1, "c": 2, "d": 3, "x": 1, "y": 2})
    boxes = {n: (layout.x[n], layout.y[n], 120.0, 40.0) for n in sizes}
    for segment in layout.routes[3]:
        if segment.cmd == "L":  # the straight runs through the layers in between
            x, y = segment.points
            for name in ("b", "c", "x", "y"):
                left, top, width, height = boxes[name]
                assert not (left <= x <= left + width and top <= y <= top + height)


# --- the explorer's data ---------------------------------------------------------------------


def test_explorer_data_holds_every_dependency_and_the_blocking_chain(flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    data = maps.explorer_data(org, flags.analysis, maps.Urls("../../"))
    keys = [service[0] for service in data["services"]]  # type: ignore[union-attr]
    assert keys == sorted(org.services)
    deps = data["deps"]
    assert len(deps) == sum(len(s.depends_on) for s in org.services.values())  # type: ignore[arg-type]

    def chain(key: str) -> list[str]:
        out, at = [key], keys.index(key)
        while data["chain"][at] >= 0:  # type: ignore[index]
            at = data["chain"][at]  # type: ignore[index]
            out.append(keys[at])
        return out

    assert chain("onboard/starters") == ["onboard/starters", "desk/laptops", "hub/access"]
    assert chain("recruit/hiring")[1] in ("onboard/starters", "hub/kit")
    assert data["infeasible"] == {  # type: ignore[comparison-overlap]
        str(keys.index("onboard/starters")): flags.analysis.infeasible["onboard/starters"].message  # type: ignore[union-attr]
    }
    flagged = {
        (keys[c], keys[p]): f
        for c, p, f in deps  # type: ignore[misc]
    }
    assert flagged[("payroll/pay", "desk/laptops")] & 2  # unacknowledged
    assert flagged[("onboard/starters", "desk/laptops")] & 4  # on the infeasible chain
    assert not flagged[("hub/audit", "desk/laptops")] & 1  # not blocking


# --- in the built site ----------------------------------------------------------------------


def build_site(tmp: Path, charters: Path) -> Path:
    project = tmp / "project"
    project.mkdir()
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "templates").symlink_to(REPO / "templates", target_is_directory=True)
    (project / "site_overrides").symlink_to(REPO / "site_overrides", target_is_directory=True)
    shutil.copytree(charters, project / "charters")
    (project / "handbook").mkdir()
    (project / "handbook" / "about.md").write_text("# About\n\nA page.\n", encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1793491200"}  # 1 November 2026
    done = subprocess.run(
        [sys.executable, "-c", "from generator.cli import main; main()", "build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "site"


@pytest.fixture(scope="module")
def flags_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("maps-site"), FLAGS)


def svgs_in(html: str) -> list[str]:
    return re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="map-svg.*?</svg>', html, re.S
    )


def test_built_maps_link_to_pages_that_exist(flags_site: Path, flags: CheckResult) -> None:
    org = flags.organisation
    assert org is not None
    pages = {
        "map/": flags_site / "map" / "index.html",
        **{f"map/{g}/": flags_site / "map" / g / "index.html" for g in org.groups},
        **{f"teams/{t}/": flags_site / "teams" / t / "index.html" for t in org.teams},
        "map/explorer/": flags_site / "map" / "explorer" / "index.html",
    }
    linked_teams: set[str] = set()
    for url, path in pages.items():
        html = path.read_text(encoding="utf-8")
        drawn = svgs_in(html)
        assert len(drawn) == 1, f"{url}: one map expected"
        # Markdown left the SVG alone: no paragraph or escaped markup inside it.
        assert "<p>" not in drawn[0] and "&lt;svg" not in html
        svg = parse_svg(drawn[0])
        for a in svg.iter(f"{SVG}a"):
            href = a.get("href") or ""
            if href.startswith("#"):
                assert f'id="{href[1:]}"' in html, f"{url}: no anchor {href}"
                continue
            target = resolve(url, href)
            assert (flags_site / target / "index.html").is_file(), f"{url}: {href} is broken"
            if target.startswith("teams/"):
                linked_teams.add(target.split("/")[1])
    assert linked_teams == set(org.teams)
    explorer = pages["map/explorer/"].read_text(encoding="utf-8")
    script = re.search(r'<script src="([^"]+explorer\.js)"', explorer)
    assert script is not None
    assert (flags_site / resolve("map/explorer/", script.group(1)).rstrip("/")).is_file()
    assert 'id="map-explorer-data"' in explorer
    css = (flags_site / "assets" / "stylesheets" / "map.css").read_text(encoding="utf-8")
    assert "--md-default-fg-color" in css and '[data-md-color-scheme="slate"]' in css


# --- the explorer in a browser ------------------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@pytest.fixture(scope="module")
def served(flags_site: Path) -> Iterator[str]:
    handler = partial(_Quiet, directory=str(flags_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_explorer_works_from_the_keyboard_and_without_javascript(
    served: str, browser: Browser
) -> None:
    try:
        context = browser.new_context()
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "request",
            lambda r: problems.append(r.url) if not r.url.startswith(served) else None,
        )
        page.goto(served + "map/explorer/")
        assert page.locator(".map-explorer-controls").is_visible()
        # Tab to a team on the map, select it with Space, then another with Enter.
        pill = page.locator('a.map-node[data-team="desk"]')
        pill.focus()
        page.keyboard.press("Space")
        status = page.locator(".map-explorer-status")
        assert "IT Desk selected: waits on 1 service in 1 team;" in status.inner_text()
        assert "is-selected" in (pill.get_attribute("class") or "")
        hub = page.locator('a.map-node[data-team="hub"]')
        assert "is-upstream" in (hub.get_attribute("class") or "")
        assert "is-downstream" in (
            page.locator('a.map-node[data-team="onboard"]').get_attribute("class") or ""
        )
        page.locator('a.map-node[data-team="onboard"]').focus()
        page.keyboard.press("Enter")
        assert page.url.endswith("/map/explorer/#onboard")  # selected, not followed
        chain = page.locator(".map-explorer-chains").inner_text()
        assert "Infeasible promise" in chain and "Laptops" in chain
        # The search field finds a service; the group filter fades other groups.
        page.fill("#map-explorer-pick", "Pay changes \u2014 Payroll (payroll/pay)")
        page.dispatch_event("#map-explorer-pick", "change")
        assert "Pay changes selected" in status.inner_text()
        page.select_option("#map-explorer-group", "ops")
        assert "is-dimmed" in (
            page.locator('.map-cluster[data-group="tech"]').get_attribute("class") or ""
        )
        assert not problems, problems

        # Without JavaScript: no controls, and a team box is a plain link to its page.
        quiet_context = browser.new_context(java_script_enabled=False)
        quiet = quiet_context.new_page()
        quiet.goto(served + "map/explorer/")
        assert not quiet.locator(".map-explorer-controls").is_visible()
        quiet.locator('a.map-node[data-team="desk"]').click()
        quiet.wait_for_url(served + "teams/desk/")
        quiet_context.close()
    finally:
        context.close()
