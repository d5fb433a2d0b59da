"""Dependency maps: graph models with a deterministic layered layout, drawn by templates.

Three maps, each a `Map` of positioned nodes, edges and clusters that
`templates/partials/map_svg.html.j2` turns into inline SVG (no markup is built here):

- the organisation map (`org_map`): every group a box holding its teams, boxes laid out in
  columns from the groups others wait on (left) to the groups that wait (right), joined by
  the strongest group-to-group links. It stays a readable directory at 2,000 teams, where a
  team-level drawing of every dependency would be a hairball of ~15,000 edges;
- a map per group (`group_map`): the group's teams and the dependencies between them, laid
  out in layers, with what the group waits on outside on the left and who waits on it on the
  right (one node per team when few, one per group when many);
- the neighbourhood of one team (`team_map`): the services it waits on (left), the team with
  its services (middle), the teams that rely on it (right).

Edges always run from the service waited on (left) to the one that waits (right). Layers come
from networkx: strongly connected components (cycles) are broken at their DFS back edges,
topological generations give the layers, dummy nodes carry long edges through the layers
between, a few barycenter sweeps order each layer and an isotonic fit (pool adjacent
violators) places nodes near their neighbours without overlap. Everything is linear or
n log n in nodes plus edges, and every iteration runs over sorted input so that two runs
give byte-identical pages.

Labels are measured with a conservative per-character width table (no font metrics exist at
build time) and truncated with an ellipsis to fit their box; the full text is in <title>.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise

import networkx as nx

from .analyses import Analysis, Bottleneck
from .organisation import Dependency, Group, Organisation, Service, Team

# --- text measurement --------------------------------------------------------------------

FONT = 13  # px, node labels
SUB_FONT = 11  # px, second lines
PILL_FONT = 12  # px, team names inside group boxes
HEAD_FONT = 14  # px, group and column headings
_NARROW = frozenset("ijl.,;:'!|` ")
_SLIM = frozenset('ftrI()[]{}/\\-"')
_WIDE = frozenset("mwMW@%")
ELLIPSIS = "\u2026"


def text_width(text: str, size: float) -> float:
    """Width estimate in px, on the wide side for the usual sans-serif fonts (DejaVu, Arial,
    Roboto, Helvetica) so that a label that fits here fits in the browser."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.34
        elif char in _SLIM:
            em += 0.44
        elif char in _WIDE:
            em += 0.95
        elif char.isupper():
            em += 0.74
        elif char.isdigit():
            em += 0.6
        elif ord(char) >= 0x2E80:  # CJK and other full-width scripts
            em += 1.0
        else:
            em += 0.56
    return em * size


@lru_cache(maxsize=1 << 16)
def fit_text(text: str, width: float, size: float) -> str:
    """`text` if it fits in `width` px, else its longest prefix that fits with an ellipsis."""
    text = " ".join(text.split())
    if text_width(text, size) <= width:
        return text
    budget = width - text_width(ELLIPSIS, size)
    used = 0.0
    cut = 0
    for index, char in enumerate(text):
        used += text_width(char, size)
        if used > budget:
            break
        cut = index + 1
    return text[:cut].rstrip(" ,;:-") + ELLIPSIS


# --- the model the templates draw --------------------------------------------------------


def _r(value: float) -> int | float:
    """Coordinates rounded to 0.5 px: stable output, compact SVG."""
    halves = round(value * 2)
    return halves >> 1 if not halves & 1 else halves / 2


@dataclass(frozen=True)
class Text:
    """One line of text at (x, y) (baseline), with the box it occupies for overlap checks."""

    x: int | float
    y: int | float
    text: str
    size: int
    css: str = ""
    anchor: str = "start"  # SVG text-anchor

    @property
    def box(self) -> tuple[float, float, float, float]:
        width = text_width(self.text, self.size)
        left = self.x - {"start": 0, "middle": width / 2, "end": width}[self.anchor]
        # Ascent about 0.9 em and descent 0.25 em in the usual sans-serif fonts.
        return (left, self.y - self.size * 0.9, width, self.size * 1.15)


@dataclass(frozen=True)
class Badge:
    """A small marker (circle with a symbol) with its own tooltip: colour is never alone."""

    x: int | float  # centre
    y: int | float
    symbol: str
    title: str
    css: str  # is-bottleneck | is-infeasible | is-unacknowledged

    @property
    def text_y(self) -> int | float:
        """Baseline of the symbol: 0.35 em (11 px) below the centre centres it; set here
        rather than as a dy attribute on every badge."""
        return _r(float(self.y) + 4)


# Node kinds the stylesheet draws differently (map.css); the others need no class.
_STYLED_KINDS = frozenset({"row", "more"})  # pills: every node of the org map (.map-org > a)


def text_runs(lines: Sequence[Text]) -> list[tuple[Text, Text | None, int | float]]:
    """Lines as the SVG writes them: a second line ("map-sub") goes inside the line before
    it as a <tspan> (dy: how far below), which map.css styles without a class of its own."""
    runs: list[tuple[Text, Text | None, int | float]] = []
    for line in lines:
        if line.css == "map-sub" and runs and runs[-1][1] is None and line.anchor == "start":
            previous = runs[-1][0]
            runs[-1] = (previous, line, _r(float(line.y) - float(previous.y)))
        else:
            runs.append((line, None, 0))
    return runs


@dataclass
class Node:
    id: str  # unique within the map
    x: int | float
    y: int | float
    w: int | float
    h: int | float
    title: str  # full text for <title> and the accessible name
    lines: list[Text]
    href: str | None
    kind: str  # team | service | group | more | row | pill
    css: list[str] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)  # data-* attributes for the explorer

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (float(self.x), float(self.y), float(self.w), float(self.h))

    @property
    def runs(self) -> list[tuple[Text, Text | None, int | float]]:
        return text_runs(self.lines)

    @property
    def classes(self) -> str:
        """The classes after "map-node", each with its leading space: only those map.css
        uses, since a 2,000-team site repeats them on ~50,000 boxes."""
        kind = f" is-{self.kind}" if self.kind in _STYLED_KINDS else ""
        return kind + "".join(f" {css}" for css in self.css)


@dataclass(frozen=True)
class Segment:
    """One path command: M x y | L x y | C x1 y1 x2 y2 x y."""

    cmd: str
    points: tuple[int | float, ...]


def _number(value: float) -> str:
    """A coordinate as short as SVG allows: 12, 12.5, .5, -.5."""
    text = str(int(value)) if value == int(value) else repr(value)
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _numbers(values: Iterable[float]) -> str:
    out = ""
    for value in values:
        text = _number(value)
        # A minus sign separates numbers by itself.
        out += text if not out or text[0] == "-" else " " + text
    return out


def path_data(path: Sequence[Segment]) -> str:
    """SVG path data in relative commands (h and v for straight runs): the same shape in
    about two thirds of the characters, as every edge's path is written twice."""
    if not path:
        return ""
    x, y = float(path[0].points[0]), float(path[0].points[1])
    out = "M" + _numbers((x, y))
    for segment in path[1:]:
        values = [float(v) for v in segment.points]
        end_x, end_y = values[-2], values[-1]
        if segment.cmd == "L" and end_y == y:
            out += "h" + _numbers((end_x - x,))
        elif segment.cmd == "L" and end_x == x:
            out += "v" + _numbers((end_y - y,))
        else:
            relative = [v - (x if i % 2 == 0 else y) for i, v in enumerate(values)]
            out += segment.cmd.lower() + _numbers(relative)
        x, y = end_x, end_y
    return out


@dataclass
class Edge:
    id: str
    source: str  # node id of the service waited on
    target: str  # node id of what waits
    path: list[Segment]
    title: str
    css: list[str] = field(default_factory=list)  # is-blocking / is-optional + flags
    width: int | float = 1.5
    marker: Badge | None = None
    deps: int = 1  # dependencies this edge stands for

    @property
    def d(self) -> str:
        return path_data(self.path)

    @property
    def arrow(self) -> str:
        """Which arrowhead: "" (the map's default), "warn" or "danger"."""
        if "is-infeasible" in self.css:
            return "danger"
        return "warn" if "is-unacknowledged" in self.css else ""

    @property
    def classes(self) -> str:
        """Its classes in the SVG: a solid (blocking) line is the default, so only a dashed
        one (is-optional) and the flags are written."""
        return " ".join(css for css in self.css if css != "is-blocking")


@dataclass
class Cluster:
    id: str
    x: int | float
    y: int | float
    w: int | float
    h: int | float
    title: str
    lines: list[Text]
    href: str | None = None
    css: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)

    @property
    def runs(self) -> list[tuple[Text, Text | None, int | float]]:
        return text_runs(self.lines)


@dataclass
class Map:
    dom_id: str  # prefix for ids inside the SVG (several maps may share a page)
    kind: str  # org | group | team
    label: str  # accessible name of the SVG
    width: int | float
    height: int | float
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)  # column headings and notes
    notes: list[str] = field(default_factory=list)  # shown under the map, plain text
    legend: list[str] = field(default_factory=list)  # legend entries that apply
    # The explorer's map carries the data-* attributes explorer.js reads (data-team,
    # data-group); the other maps (one on each of 2,000 team pages) leave them out, as no
    # script reads them there.
    explorer: bool = False

    @property
    def arrows(self) -> list[tuple[str, str]]:
        """Arrowhead markers the edges use: (id suffix, extra css) for each, none unused."""
        used = {edge.arrow for edge in self.edges}
        return [
            (f"-{arrow}" if arrow else "", css)
            for arrow, css in (
                ("", ""),
                ("warn", " is-unacknowledged"),
                ("danger", " is-infeasible"),
            )
            if arrow in used or (not arrow and self.edges)
        ]

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)


# --- layered layout ----------------------------------------------------------------------


@dataclass
class Layout:
    """Positions from `layered_layout`: top-left corners of real nodes, routes of edges."""

    layer: dict[str, int]
    x: dict[str, float]
    y: dict[str, float]  # top
    routes: list[list[Segment]]  # one per input edge, from its first node to its second
    mids: list[tuple[float, float]]  # a point half-way along each route
    width: float
    height: float
    layer_x: list[float]
    layer_w: list[float]
    extents: list[tuple[float, float]]  # per layer: top and bottom of everything in it
    reversed_edges: frozenset[int] = frozenset()


def break_cycles(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """The graph with each cycle's DFS back edges turned round, so it is acyclic.

    Only strongly connected components (what condensation collapses) can hold cycles; inside
    each, a depth-first search from the first node in input order numbers the nodes, and an
    edge that points against that numbering is a back edge.
    """
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((u, v) for u, v in edges if u != v)
    dag: nx.DiGraph = nx.DiGraph()
    dag.add_nodes_from(nodes)
    flipped: set[tuple[str, str]] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)  # a view: iterates in the graph's (input) order
        rank = {n: i for i, n in enumerate(reversed(list(nx.dfs_postorder_nodes(sub))))}
        flipped.update((u, v) for u, v in sub.edges if rank[u] > rank[v])
    for u, v in graph.edges:
        dag.add_edge(*((v, u) if (u, v) in flipped else (u, v)))
    return dag


def assign_layers(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Layer of each node: edges (u, v) put u left of v; cycles are broken first."""
    dag = break_cycles(nodes, edges)
    layer: dict[str, int] = {}
    for index, generation in enumerate(nx.topological_generations(dag)):
        for node in generation:
            layer[node] = index
    # A source sits next to the nearest node it feeds rather than at the far left, which
    # shortens its edges (fewer dummy nodes, less clutter). Reverse topological order lets
    # a chain of sources slide right together.
    for node in reversed(list(nx.topological_sort(dag))):
        if dag.in_degree(node) == 0 and dag.out_degree(node) > 0:
            layer[node] = min(layer[s] for s in dag.successors(node)) - 1
    return layer


def _crossings(upper: list[str], lower_pos: dict[str, int], down: dict[str, list[str]]) -> int:
    """Edge crossings between two adjacent layers (inversions, Fenwick tree)."""
    targets = [lower_pos[t] for node in upper for t in sorted(down[node], key=lower_pos.get)]
    size = max(targets, default=0) + 2
    tree = [0] * (size + 1)
    crossings = 0
    for seen, value in enumerate(targets):
        # Earlier targets strictly greater than this one cross it.
        index = value + 1
        below = 0
        while index > 0:
            below += tree[index]
            index -= index & -index
        crossings += seen - below
        index = value + 1
        while index <= size:
            tree[index] += 1
            index += index & -index
    return crossings


def _isotonic(desired: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Positions closest (least squares) to `desired`, in order, at least `gaps[i]` apart.

    Subtracting the cumulative gaps turns the spacing constraint into "non-decreasing", which
    pool-adjacent-violators solves exactly in linear time.
    """
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for value, weight, offset in zip(desired, weights, offsets, strict=True):
        blocks.append([(value - offset) * weight, weight, 1])
        while len(blocks) > 1 and (blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]):
            total, weight_sum, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight_sum
            blocks[-1][2] += count
    fitted: list[float] = []
    for total, weight_sum, count in blocks:
        fitted.extend([total / weight_sum] * int(count))
    return [value + offset for value, offset in zip(fitted, offsets, strict=True)]


def layered_layout(
    sizes: dict[str, tuple[float, float]],
    edges: Sequence[tuple[str, str]],
    layers: dict[str, int] | None = None,
    *,
    layer_gap: float = 90,
    node_gap: float = 14,
    edge_gap: float = 8,
    sweeps: int = 6,
    last: Iterable[str] = (),
    port_spread: float = 0.7,
) -> Layout:
    """Lay out a directed graph left to right; `sizes` order breaks every tie.

    `layers` fixes each node's layer (else `assign_layers`). An edge inside one layer is drawn
    as a loop on the right-hand side; an edge against the layers is routed backwards. Nodes in
    `last` stay at the bottom of their layer (e.g. a "more" node).
    """
    names = list(sizes)
    layer = dict(layers) if layers is not None else assign_layers(names, edges)
    low = min(layer.values(), default=0)
    layer = {name: layer[name] - low for name in names}
    count = max(layer.values(), default=-1) + 1
    at_bottom = set(last)

    # Chains through dummy nodes, one per edge, always from a lower to a higher layer.
    chains: list[list[str]] = []
    flipped: set[int] = set()
    height = {name: sizes[name][1] for name in names}
    width = {name: sizes[name][0] for name in names}
    layer_of = dict(layer)
    members: list[list[str]] = [[] for _ in range(count)]
    for name in names:
        members[layer[name]].append(name)
    for number, (u, v) in enumerate(edges):
        if layer[u] == layer[v]:
            chains.append([u, v])
            continue
        if layer[u] > layer[v]:
            u, v = v, u
            flipped.add(number)
        chain = [u]
        for step in range(layer[u] + 1, layer[v]):
            dummy = f"\x00{number}:{step}"
            layer_of[dummy] = step
            height[dummy] = 0.0
            width[dummy] = 0.0
            members[step].append(dummy)
            chain.append(dummy)
        chain.append(v)
        chains.append(chain)

    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for chain in chains:
        for a, b in pairwise(chain):
            if layer_of[a] != layer_of[b]:
                down[a].append(b)
                up[b].append(a)

    # Ordering: barycenter sweeps, keeping the order with the fewest crossings.
    order = [list(layer_nodes) for layer_nodes in members]

    def positions() -> dict[str, int]:
        return {name: i for layer_nodes in order for i, name in enumerate(layer_nodes)}

    def total_crossings() -> int:
        pos = positions()
        return sum(_crossings(order[i], pos, down) for i in range(count - 1))

    def sweep(index: int, neighbours: dict[str, list[str]], pos: dict[str, int]) -> None:
        current = order[index]
        scale = max(1, len(current) - 1)
        keyed = []
        for i, name in enumerate(current):
            linked = neighbours.get(name)
            if linked:
                other = len(order[layer_of[linked[0]]])
                key = sum(pos[n] for n in linked) / len(linked) / max(1, other - 1) * scale
            else:
                key = float(i)
            keyed.append((name in at_bottom, key, i, name))
        keyed.sort()
        order[index] = [name for *_, name in keyed]
        for i, name in enumerate(order[index]):
            pos[name] = i

    best = [list(o) for o in order]
    best_crossings = total_crossings() if count > 1 else 0
    for _ in range(sweeps if count > 1 and best_crossings else 0):
        pos = positions()
        for index in range(1, count):
            sweep(index, up, pos)
        for index in range(count - 2, -1, -1):
            sweep(index, down, pos)
        crossings = total_crossings()
        if crossings < best_crossings:
            best_crossings = crossings
            best = [list(o) for o in order]
        if not crossings:
            break
    order = best

    # Horizontal: one column per layer, as wide as its widest node.
    layer_w = [max((width[n] for n in order[i]), default=0.0) or 24.0 for i in range(count)]
    layer_x: list[float] = []
    x_at = 0.0
    for i in range(count):
        layer_x.append(x_at)
        x_at += layer_w[i] + layer_gap
    total_width = x_at - layer_gap if count else 0.0

    # Vertical: centres placed near their neighbours', in order, without overlap.
    centre: dict[str, float] = {}
    for layer_nodes in order:
        y = 0.0
        previous = None
        for name in layer_nodes:
            if previous is not None:
                y += _gap(previous, name, height, node_gap, edge_gap)
            centre[name] = y
            previous = name

    def place(index: int, neighbour_sets: Sequence[dict[str, list[str]]]) -> None:
        layer_nodes = order[index]
        if not layer_nodes:
            return
        desired = []
        weights = []
        for name in layer_nodes:
            linked = [n for side in neighbour_sets for n in side.get(name, ())]
            desired.append(sum(centre[n] for n in linked) / len(linked) if linked else centre[name])
            # Dummies weigh less: a long edge bends before a node moves away from its peers.
            weights.append(1.0 if linked else 0.25)
            if name.startswith("\x00"):
                weights[-1] *= 0.5
        gaps = [_gap(a, b, height, node_gap, edge_gap) for a, b in pairwise(layer_nodes)]
        for name, y in zip(layer_nodes, _isotonic(desired, weights, gaps), strict=True):
            centre[name] = y

    for _ in range(3):
        for index in range(1, count):
            place(index, (up,))
        for index in range(count - 2, -1, -1):
            place(index, (down,))
    for index in range(count):
        place(index, (up, down))

    top = min((centre[n] - height[n] / 2 for n in centre), default=0.0)
    for name in centre:
        centre[name] -= top
    bottom = max((centre[n] + height[n] / 2 for n in centre), default=0.0)

    x = {name: layer_x[layer[name]] + (layer_w[layer[name]] - width[name]) / 2 for name in names}
    y = {name: centre[name] - height[name] / 2 for name in names}

    # Ports: edges leaving or entering a tall node spread along its side, in the order of
    # where they go, so they do not all meet in one point.
    out_port: dict[tuple[int, str], float] = {}
    in_port: dict[tuple[int, str], float] = {}
    leaving: dict[str, list[tuple[float, int]]] = defaultdict(list)
    entering: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for number, chain in enumerate(chains):
        if len(chain) == 2 and layer_of[chain[0]] == layer_of[chain[1]]:
            continue
        leaving[chain[0]].append((centre[chain[1]], number))
        entering[chain[-1]].append((centre[chain[-2]], number))
    for side, ports in ((leaving, out_port), (entering, in_port)):
        for name, items in side.items():
            items.sort()
            spread = min(height[name] * port_spread, (len(items) - 1) * 6.0)
            for i, (_, number) in enumerate(items):
                offset = -spread / 2 + (spread * i / (len(items) - 1) if len(items) > 1 else 0)
                ports[(number, name)] = centre[name] + offset

    routes: list[list[Segment]] = []
    mids: list[tuple[float, float]] = []
    for number, chain in enumerate(chains):
        first, final = chain[0], chain[-1]
        if len(chain) == 2 and layer_of[first] == layer_of[final]:
            right = layer_x[layer_of[first]] + layer_w[layer_of[first]]
            a = (x[first] + width[first], centre[first])
            b = (x[final] + width[final], centre[final])
            bulge = right + min(layer_gap * 0.6, 18 + abs(a[1] - b[1]) * 0.15)
            route = [
                Segment("M", (_r(a[0]), _r(a[1]))),
                Segment("C", tuple(_r(v) for v in (bulge, a[1], bulge, b[1], b[0], b[1]))),
            ]
            routes.append(route)
            mids.append((bulge - (bulge - right) * 0.25, (a[1] + b[1]) / 2))
            continue
        points: list[tuple[float, float]] = [(x[first] + width[first], out_port[(number, first)])]
        for dummy in chain[1:-1]:
            column = layer_of[dummy]
            points.append((layer_x[column], centre[dummy]))
            points.append((layer_x[column] + layer_w[column], centre[dummy]))
        points.append((x[final], in_port[(number, final)]))
        if number in flipped:
            points.reverse()
        routes.append(_curve(points))
        middle = len(points) // 2
        a, b = points[middle - 1], points[middle]
        mids.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))

    return Layout(
        layer=layer,
        x=x,
        y=y,
        routes=routes,
        mids=mids,
        width=total_width,
        height=bottom,
        layer_x=layer_x,
        layer_w=layer_w,
        extents=[
            (
                min((centre[n] - height[n] / 2 for n in nodes), default=0.0),
                max((centre[n] + height[n] / 2 for n in nodes), default=0.0),
            )
            for nodes in order
        ],
        reversed_edges=frozenset(flipped),
    )


def _gap(a: str, b: str, height: dict[str, float], node_gap: float, edge_gap: float) -> float:
    dummy_a, dummy_b = a.startswith("\x00"), b.startswith("\x00")
    gap = edge_gap if dummy_a or dummy_b else node_gap
    return (height[a] + height[b]) / 2 + gap


def _curve(points: Sequence[tuple[float, float]]) -> list[Segment]:
    """Smooth path through points: horizontal tangents at each, straight runs through dummy
    columns (pairs of points at one height)."""
    path = [Segment("M", (_r(points[0][0]), _r(points[0][1])))]
    for (ax, ay), (bx, by) in pairwise(points):
        if abs(ay - by) < 0.5:
            path.append(Segment("L", (_r(bx), _r(by))))
            continue
        # Backward runs (bx < ax) still leave and arrive horizontally.
        dx = max(abs(bx - ax) / 2, 30.0)
        sign = 1 if bx >= ax else -1
        path.append(
            Segment(
                "C",
                tuple(_r(v) for v in (ax + sign * dx, ay, bx - sign * dx, by, bx, by)),
            )
        )
    return path


def _shift(segments: list[Segment], dx: float, dy: float) -> list[Segment]:
    shifted = []
    for segment in segments:
        values = list(segment.points)
        for i in range(0, len(values), 2):
            values[i] = _r(values[i] + dx)
            values[i + 1] = _r(values[i + 1] + dy)
        shifted.append(Segment(segment.cmd, tuple(values)))
    return shifted


# --- what the maps know about the organisation, computed once per build -----------------


@dataclass(frozen=True)
class Urls:
    """Links between generated pages, relative to the page the map is drawn on.

    `root` leads from that page to the site root, e.g. "../../" from teams/<id>/.
    """

    root: str = ""
    # From a team's page (teams/<id>/) other teams' pages are siblings: "../<id>/" is
    # shorter than "../../teams/<id>/", and a team map holds a dozen such links.
    teams: str | None = None

    def team(self, team_id: str) -> str:
        base = self.teams if self.teams is not None else f"{self.root}teams/"
        return f"{base}{team_id}/"

    def service(self, team_id: str, service_id: str) -> str:
        return f"{self.team(team_id)}#{service_id}"

    def group(self, group_id: str) -> str:
        # A group called "explorer" gets no map page (pages.py): its group page instead.
        if group_id == "explorer":
            return f"{self.root}groups/{group_id}/"
        return f"{self.root}map/{group_id}/"

    def overview(self) -> str:
        return f"{self.root}map/"

    def explorer(self, selected: str = "") -> str:
        return f"{self.root}map/explorer/" + (f"#{selected}" if selected else "")


@dataclass
class Link:
    """Every dependency of one team's services on another team's: one edge on a map."""

    provider: Team
    consumer: Team
    deps: list[Dependency] = field(default_factory=list)
    blocking: int = 0
    unacknowledged: int = 0
    infeasible: int = 0


class MapIndex:
    """Flags and team-level links derived from the analysis; shared by every map of a build."""

    def __init__(self, org: Organisation, analysis: Analysis | None) -> None:
        self.org = org
        self.analysis = analysis or Analysis()
        analysis = self.analysis
        from .analyses import bottlenecks  # the reporting rule lives with the analysis

        # The bottlenecks the analysis reports (its findings) are the ones highlighted;
        # every service's waiter count is still in its tooltip.
        self.hot: dict[str, Bottleneck] = {}
        for item in analysis.bottlenecks[: bottlenecks.TOP]:
            if item.transitive >= bottlenecks.MIN_WAITERS:
                self.hot[item.service.key] = item
        self.waiters: dict[str, Bottleneck] = {b.service.key: b for b in analysis.bottlenecks}
        self.unacknowledged: set[int] = {id(dep) for dep in analysis.unacknowledged}
        # Each link of an infeasible chain (consumer key, provider key) is flagged.
        self.infeasible_links: dict[tuple[str, str], str] = {}
        for key in sorted(analysis.infeasible):
            promise = analysis.infeasible[key]
            chain = (promise.service, *promise.chain)
            for consumer, provider in pairwise(chain):
                self.infeasible_links.setdefault((consumer.key, provider.key), promise.message)

        self.links: dict[tuple[str, str], Link] = {}
        for key in sorted(org.services):
            service = org.services[key]
            for dep in service.depends_on:
                provider, consumer = dep.provider.team, dep.consumer.team
                if provider is consumer:
                    continue
                link = self.links.get((provider.id, consumer.id))
                if link is None:
                    link = self.links[(provider.id, consumer.id)] = Link(provider, consumer)
                link.deps.append(dep)
                link.blocking += dep.blocking
                link.unacknowledged += self.is_unacknowledged(dep)
                link.infeasible += self.is_infeasible(dep)
        self.links = dict(sorted(self.links.items()))
        # Links touching each group (either end in it), in link order: a group's map reads
        # only its own, so 70 group maps cost one pass over the links, not 70.
        self.group_links: dict[str, list[Link]] = defaultdict(list)
        for link in self.links.values():
            self.group_links[link.provider.group.id].append(link)
            if link.consumer.group is not link.provider.group:
                self.group_links[link.consumer.group.id].append(link)
        self.hot_teams = {self.org.services[key].team.id for key in self.hot}
        self.infeasible_teams = {
            analysis.infeasible[k].service.team.id for k in analysis.infeasible
        }
        self.unacknowledged_teams = {dep.consumer.team.id for dep in analysis.unacknowledged}
        self._team_layers: dict[str, int] | None = None

    def is_unacknowledged(self, dep: Dependency) -> bool:
        return id(dep) in self.unacknowledged

    def is_infeasible(self, dep: Dependency) -> bool:
        return (dep.consumer.key, dep.provider.key) in self.infeasible_links

    def dep_css(self, deps: Iterable[Dependency]) -> list[str]:
        deps = list(deps)
        css = ["is-blocking" if any(d.blocking for d in deps) else "is-optional"]
        if any(self.is_unacknowledged(d) for d in deps):
            css.append("is-unacknowledged")
        if any(self.is_infeasible(d) for d in deps):
            css.append("is-infeasible")
        return css

    def dep_text(self, dep: Dependency, here: Team | None = None, *, teams: bool = True) -> str:
        """One dependency in words, with its flags, for tooltips."""
        return self.deps_text([dep], here, teams=teams)

    def deps_text(
        self, deps: Sequence[Dependency], here: Team | None = None, *, teams: bool = True
    ) -> str:
        """Dependencies in words, with their flags, for an edge's tooltip.

        A service of `here` (the team whose page the map is on) goes without its team's name,
        and so does every service when `teams` is False (the tooltip has named the two teams
        already). Several services of one team waiting on one service (one edge of a team
        map) are said in one sentence, their team, the service and a shared purpose once:
        "Payroll: Pay runs (blocking) and Audits (not blocking) wait on Laptops for kit".
        """

        def name(service: Service) -> str:
            if not teams or service.team is here:
                return service.name
            return f"{service.team.name}: {service.name}"

        by_pair: dict[tuple[str, str], list[Dependency]] = {}
        for dep in deps:
            by_pair.setdefault((dep.consumer.team.id, dep.provider.key), []).append(dep)
        sentences = []
        for group in by_pair.values():
            first = group[0]
            purposes = {_sentence(d.purpose) for d in group if d.purpose}
            shared = len(purposes) == 1 and all(d.purpose for d in group)
            waiting = []
            for dep in group:
                kind = "blocking" if dep.blocking else "not blocking"
                if dep.purpose and not shared:
                    kind += f", for {_sentence(dep.purpose)}"
                waiting.append(f"{dep.consumer.name} ({kind})")
            team = (
                f"{first.consumer.team.name}: " if teams and first.consumer.team is not here else ""
            )
            if len(group) == 1:
                kind = "blocking" if first.blocking else "not blocking"
                text = f"{name(first.consumer)} waits on {name(first.provider)} ({kind})"
                if first.purpose:
                    text += f" for {_sentence(first.purpose)}"
            else:
                listed = ", ".join(waiting[:-1]) + " and " + waiting[-1]
                text = f"{team}{listed} wait on {name(first.provider)}"
                if shared:
                    text += f" for {next(iter(purposes))}"
            if any(self.is_unacknowledged(d) for d in group):
                text += (
                    f". Not acknowledged: {first.provider.key} does not list "
                    f"{first.consumer.team.id} among its customers"
                )
            messages = [
                self.infeasible_links[(d.consumer.key, d.provider.key)]
                for d in group
                if (d.consumer.key, d.provider.key) in self.infeasible_links
            ]
            for message in dict.fromkeys(messages):
                text += f". On an infeasible chain: {message}"
            sentences.append(text)
        return _summarise(sentences)

    def team_layers(self) -> dict[str, int]:
        """Layer of every team in the team-level dependency graph (providers first)."""
        if self._team_layers is None:
            self._team_layers = assign_layers(list(self.org.teams), list(self.links))
        return self._team_layers

    def service_flags(
        self, service: Service, *, with_counts: bool = True
    ) -> list[tuple[str, str, str]]:
        """Badges (symbol, tooltip, css) for a service.

        `with_counts=False` for another team's service (on a team's map of what it waits
        on): how many wait on it changes with every team's edits, and a page should change
        with what its team and its neighbours say, not with edits anywhere (which `charters
        serve` would have to re-render it for). Its own team's page gives the counts.
        """
        flags: list[tuple[str, str, str]] = []
        hot = self.hot.get(service.key)
        if hot:
            # The badge sits in the service's box: "it" is that service.
            title = (
                f"Bottleneck: {hot.transitive} services wait on it ({hot.direct} directly)"
                if with_counts
                else "Bottleneck: one of the services the most others wait on"
            )
            flags.append(("B", title, "is-bottleneck"))
        promise = self.analysis.infeasible.get(service.key)
        if promise:
            flags.append(("!", f"Infeasible promise: {promise.message}", "is-infeasible"))
        return flags


_LAST_INDEX: list[MapIndex] = []  # the current build's index (one: a rebuild replaces it)


def index_for(org: Organisation, analysis: Analysis | None) -> MapIndex:
    """The build's MapIndex, made on first use: maps of 2,000 teams share one. Only the
    latest is kept, so `charters serve` does not hold on to every rebuilt organisation."""
    if _LAST_INDEX:
        index = _LAST_INDEX[0]
        if index.org is org and (analysis is None or index.analysis is analysis):
            return index
    index = MapIndex(org, analysis)
    _LAST_INDEX[:] = [index]
    return index


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _summarise(items: list[str], limit: int = 6) -> str:
    shown = items[:limit]
    if len(items) > limit:
        shown.append(f"and {len(items) - limit} more")
    return "; ".join(shown)


def _edge_width(deps: int) -> int | float:
    return _r(min(6.0, 1.5 + math.log2(deps) * 0.9))


def _link_title(link: Link, index: MapIndex) -> str:
    if len(link.deps) == 1:
        return index.dep_text(link.deps[0])
    head = (
        f"{link.consumer.name} waits on {link.provider.name}: "
        f"{_plural(len(link.deps), 'dependency', 'dependencies')}, {link.blocking} blocking"
    )
    return head + ". " + index.deps_text(link.deps, teams=False)


# --- geometry of the three maps ------------------------------------------------------------

MARGIN = 12
BADGE_R = 8
BADGE_STEP = 2 * BADGE_R + 4
PAD_X = 10  # text inset inside a node
LINE1 = 17  # baseline of a node's first line, from its top
LINE2 = 32  # baseline of its second line
NODE_H = 42
TOP = 34  # room for column headings

# team map
SIDE_W = 196
MID_W = 240
GAP = 64
HEAD_H = 48
ROW_H = 40
ROW_GAP = 6
LEFT_CAP = 24
RIGHT_CAP = 20

# group map
GROUP_NODE_W = 200
EXTERNAL_TEAM_CAP = 16
EXTERNAL_GROUP_CAP = 15

# organisation map
PILL_W = 188
PILL_H = 24
PILL_GAP = 6
BOX_PAD = 10
BOX_HEAD = 46
ALL_GROUP_LINKS = 24  # at most this many group links: all drawn; more: each group's strongest
LINKS_PER_GROUP = 2


@lru_cache(maxsize=1 << 16)
def wrap_text(text: str, width: float, size: float, max_lines: int) -> tuple[str, ...]:
    """Greedy word wrap into at most `max_lines` lines; the last one truncated if need be."""
    words = text.split()
    lines: list[str] = []
    while words and len(lines) < max_lines - 1:
        line, used = words[0], 1
        if text_width(line, size) > width:
            break
        while used < len(words) and text_width(f"{line} {words[used]}", size) <= width:
            line = f"{line} {words[used]}"
            used += 1
        lines.append(line)
        words = words[used:]
    if words:
        lines.append(fit_text(" ".join(words), width, size))
    return tuple(lines)


def _node(
    node_id: str,
    x: float,
    y: float,
    w: float,
    h: float | None,
    title: str,
    first: str,
    second: str = "",
    *,
    href: str | None,
    kind: str,
    css: Sequence[str] = (),
    badges: Sequence[tuple[str, str, str]] = (),
    data: dict[str, str] | None = None,
    wrap: int = 1,
) -> Node:
    """A box with its name (wrapped to `wrap` lines) and a second line, leaving room for its
    badges (symbol, tooltip, css) at the right; `h` None: as tall as the text needs."""
    room = w - 2 * PAD_X - len(badges) * BADGE_STEP
    names = wrap_text(first, room, FONT, wrap)
    needed = LINE1 + 16 * (len(names) - 1) + (LINE2 - LINE1 if second else 0) + 10
    height = needed if h is None else h
    single = not second and len(names) == 1
    lines = [
        Text(
            _r(x + PAD_X),
            _r(y + (height / 2 + FONT * 0.36 if single else LINE1 + 16 * i)),
            text,
            FONT,
        )
        for i, text in enumerate(names)
    ]
    if second:
        lines.append(
            Text(
                _r(x + PAD_X),
                _r(y + LINE1 + 16 * (len(names) - 1) + (LINE2 - LINE1)),
                fit_text(second, room, SUB_FONT),
                SUB_FONT,
                "map-sub",
            )
        )
    placed = [
        Badge(_r(x + w - PAD_X - BADGE_R - BADGE_STEP * i), _r(y + height / 2), sym, tip, cls)
        for i, (sym, tip, cls) in enumerate(badges)
    ]
    return Node(
        node_id,
        _r(x),
        _r(y),
        _r(w),
        _r(height),
        title,
        lines,
        href,
        kind,
        list(css),
        placed,
        data or {},
    )


def _team_flags(index: MapIndex, team: Team) -> tuple[list[str], list[tuple[str, str, str]]]:
    css: list[str] = []
    badges: list[tuple[str, str, str]] = []
    if team.id in index.hot_teams:
        css.append("is-bottleneck")
        names = ", ".join(s.key for s in team.services if s.key in index.hot)
        badges.append(("B", f"Bottleneck: many services wait on {names}", "is-bottleneck"))
    if team.id in index.infeasible_teams:
        css.append("is-infeasible")
        names = ", ".join(s.key for s in team.services if s.key in index.analysis.infeasible)
        badges.append(("!", f"Infeasible promise: {names}", "is-infeasible"))
    if team.id in index.unacknowledged_teams:
        css.append("is-unacknowledged")
        badges.append(
            ("?", f"{team.name} waits on services that do not list it", "is-unacknowledged")
        )
    return css, badges


# --- the neighbourhood of one team ----------------------------------------------------------


def team_map(
    org: Organisation, analysis: Analysis | None, team: Team, urls: Urls | None = None
) -> Map:
    """Services `team` waits on (left), its own services (middle), who relies on it (right)."""
    index = index_for(org, analysis)
    urls = replace(urls or Urls(), teams="../")  # drawn on teams/<team.id>/
    # A side with nothing on it takes no room: the map stays narrow enough for the page.
    has_left = any(d.provider.team is not team for s in team.services for d in s.depends_on)
    has_right = any(d.consumer.team is not team for s in team.services for d in s.relied_on_by)
    left_x = MARGIN
    mid_x = left_x + (SIDE_W + GAP if has_left else 0)
    right_x = mid_x + MID_W + GAP
    result = Map(
        dom_id=f"map-team-{team.id}",
        kind="team",
        label=f"Dependency map of {team.name}: "
        + (
            "the services it waits on, on the left, and the teams that rely on it, on the right"
            if has_left and has_right
            else "the services it waits on, on the left"
            if has_left
            else "the teams that rely on it, on the right"
            if has_right
            else "it neither waits on nor serves another team"
        ),
        width=(right_x + SIDE_W if has_right else mid_x + MID_W) + MARGIN,
        height=0,
    )

    # Middle: the team as a box, one row per service, in charter order.
    rows: dict[str, Node] = {}
    y = TOP + HEAD_H
    for service in team.services:
        row = rows[service.key] = _node(
            f"row-{service.id}",
            mid_x + 8,
            y,
            MID_W - 16,
            None,
            f"{service.name}: {_promise_text(service)}",
            service.name,
            _promise_text(service),
            href=f"#{service.id}",
            kind="row",
            badges=index.service_flags(service),
            css=_service_css(index, service),
            wrap=2,
        )
        y += float(row.h) + ROW_GAP
    box_bottom = y - ROW_GAP + 8
    css, badge_specs = _team_flags(index, team)
    result.clusters.append(
        Cluster(
            "team",
            _r(mid_x),
            TOP,
            MID_W,
            _r(box_bottom - TOP),
            f"{team.name} ({team.group.name})",
            [
                Text(
                    _r(mid_x + PAD_X),
                    TOP + 19,
                    fit_text(team.name, MID_W - 20, HEAD_FONT),
                    HEAD_FONT,
                    "is-strong",
                ),
                Text(
                    _r(mid_x + PAD_X),
                    TOP + 36,
                    fit_text(team.group.name, MID_W - 20, SUB_FONT),
                    SUB_FONT,
                    "map-sub",
                ),
            ],
            href=urls.group(team.group.id),
            css=["is-current", *css],
        )
    )
    centre = {key: float(node.y) + float(node.h) / 2 for key, node in rows.items()}

    # Left: each service of another team that one of ours waits on.
    providers: dict[str, list[Dependency]] = defaultdict(list)
    internal: list[Dependency] = []
    for service in team.services:
        for dep in service.depends_on:
            if dep.provider.team is team:
                internal.append(dep)
            else:
                providers[dep.provider.key].append(dep)
    left_items = sorted(
        providers.items(),
        key=lambda item: (
            not any(index.is_infeasible(d) or index.is_unacknowledged(d) for d in item[1]),
            not any(d.blocking for d in item[1]),
            -len(item[1]),
            item[0],
        ),
    )
    shown_left = left_items if len(left_items) <= LEFT_CAP else left_items[: LEFT_CAP - 1]
    hidden_left = left_items[len(shown_left) :]

    left_nodes: list[tuple[float, Node, list[Dependency]]] = []
    for key, deps in shown_left:
        provider = org.services[key]
        target = sum(centre[d.consumer.key] for d in deps) / len(deps)
        node = _node(
            f"in-{key.replace('/', '--')}",
            left_x,
            0,
            SIDE_W,
            None,
            f"{provider.team.name} ({provider.team.group.name}): {provider.name}, "
            f"{_promise_text(provider)}",
            provider.name,
            provider.team.name,
            href=urls.service(provider.team.id, provider.id),
            kind="service",
            badges=index.service_flags(provider, with_counts=False),
            css=_service_css(index, provider),
            data={"team": provider.team.id},
            wrap=2,
        )
        left_nodes.append((target, node, deps))
    if hidden_left:
        count = len(hidden_left)
        deps = [d for _, ds in hidden_left for d in ds]
        node = _node(
            "in--more",  # a double hyphen: no team id or service key has one
            left_x,
            0,
            SIDE_W,
            NODE_H,
            f"{_plural(count, 'more service')} this team waits on: "
            + _summarise([key for key, _ in hidden_left], 12),
            f"+ {_plural(count, 'more service')}",
            "open the explorer",
            href=urls.explorer(team.id),
            kind="more",
        )
        left_nodes.append((math.inf, node, deps))
    _stack(left_nodes, TOP)

    # Right: each other team with a service that waits on one of ours.
    consumers: dict[str, list[Dependency]] = defaultdict(list)
    for service in team.services:
        for dep in service.relied_on_by:
            if dep.consumer.team is not team:
                consumers[dep.consumer.team.id].append(dep)
    right_items = sorted(
        consumers.items(),
        key=lambda item: (
            not any(index.is_infeasible(d) or index.is_unacknowledged(d) for d in item[1]),
            not any(d.blocking for d in item[1]),
            -len(item[1]),
            org.teams[item[0]].name,
            item[0],
        ),
    )
    shown_right = right_items if len(right_items) <= RIGHT_CAP else right_items[: RIGHT_CAP - 1]
    hidden_right = right_items[len(shown_right) :]
    right_nodes: list[tuple[float, Node, list[Dependency]]] = []
    for team_id, deps in shown_right:
        other = org.teams[team_id]
        target = sum(centre[d.provider.key] for d in deps) / len(deps)
        css, specs = _team_flags(index, other)
        waiting = sorted({d.consumer.name for d in deps})
        node = _node(
            f"out-{team_id}",
            right_x,
            0,
            SIDE_W,
            None,
            f"{other.name} ({other.group.name}): {', '.join(waiting)} "
            f"{'waits' if len(waiting) == 1 else 'wait'} on {team.name}",
            other.name,
            other.group.name,
            href=urls.team(team_id),
            kind="team",
            badges=specs,
            css=css,
            data={"team": team_id},
            wrap=2,
        )
        right_nodes.append((target, node, deps))
    if hidden_right:
        count = len(hidden_right)
        deps = [d for _, ds in hidden_right for d in ds]
        node = _node(
            "out--more",
            right_x,
            0,
            SIDE_W,
            NODE_H,
            f"{_plural(count, 'more team')} rely on {team.name}: "
            + _summarise([org.teams[t].name for t, _ in hidden_right], 12),
            f"+ {_plural(count, 'more team')}",
            "open the explorer",
            href=urls.explorer(team.id),
            kind="more",
        )
        right_nodes.append((math.inf, node, deps))
    _stack(right_nodes, TOP)

    # Edges, flowing left to right into and out of the rows; where several meet a box they
    # spread along its side in the order of their other ends, so arrowheads do not pile up.
    specs: list[tuple[Node, Node, list[Dependency]]] = []
    for _, node, deps in left_nodes:
        by_row: dict[str, list[Dependency]] = defaultdict(list)
        for dep in deps:
            by_row[dep.consumer.key].append(dep)
        specs += [(node, rows[key], row_deps) for key, row_deps in sorted(by_row.items())]
    for _, node, deps in right_nodes:
        by_row = defaultdict(list)
        for dep in deps:
            by_row[dep.provider.key].append(dep)
        specs += [(rows[key], node, row_deps) for key, row_deps in sorted(by_row.items())]
    ports = _ports([(a, b) for a, b, _ in specs])
    for number, (a, b, deps) in enumerate(specs):
        start = (float(a.x) + float(a.w), ports[(number, "out")])
        end = (float(b.x), ports[(number, "in")])
        result.edges.append(
            _edge(index, f"e-{a.id}-{b.id}", a.id, b.id, [start, end], deps, here=team)
        )
    for dep in internal:
        a, b = rows[dep.provider.key], rows[dep.consumer.key]
        start = (mid_x + 8.0, centre[dep.provider.key])
        end = (mid_x + 8.0, centre[dep.consumer.key])
        bulge = mid_x - 30 - min(20.0, abs(end[1] - start[1]) * 0.1)
        path = [
            Segment("M", (_r(start[0]), _r(start[1]))),
            Segment("C", tuple(_r(v) for v in (bulge, start[1], bulge, end[1], *end))),
        ]
        middle = (bulge + 8, (start[1] + end[1]) / 2)
        result.edges.append(
            _edge(index, f"e-{a.id}-{b.id}", a.id, b.id, path, [dep], mid=middle, here=team)
        )

    result.nodes = (
        [n for _, n, _ in left_nodes] + list(rows.values()) + [n for _, n, _ in right_nodes]
    )
    result.labels = [Text(mid_x, 20, "This team", HEAD_FONT, "map-heading")]
    if left_nodes:
        result.labels.append(Text(left_x, 20, "Waits on", HEAD_FONT, "map-heading"))
    if right_nodes:
        result.labels.append(Text(right_x, 20, "Relied on by", HEAD_FONT, "map-heading"))
    # What is missing is said under the team's box, in words.
    note_y = box_bottom + 22
    for missing, text in (
        (not left_nodes, "It waits on no other team."),
        (not right_nodes, "No other team relies on it yet."),
    ):
        if missing:
            result.labels.append(Text(mid_x, _r(note_y), text, SUB_FONT + 1, "map-note"))
            box_bottom = note_y
            note_y += 18
    bottom = max([box_bottom] + [float(n.y) + float(n.h) for n in result.nodes])
    result.height = _r(bottom + MARGIN)
    result.width = _r(result.width)
    _place_markers(result)
    result.legend = _legend(result)
    return result


def _ports(pairs: list[tuple[Node, Node]]) -> dict[tuple[int, str], float]:
    """Where each edge (source, target) leaves its source and enters its target."""
    sides: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    boxes: dict[str, Node] = {}
    for number, (a, b) in enumerate(pairs):
        boxes[a.id], boxes[b.id] = a, b
        sides[(a.id, "out")].append((float(b.y) + float(b.h) / 2, number))
        sides[(b.id, "in")].append((float(a.y) + float(a.h) / 2, number))
    ports: dict[tuple[int, str], float] = {}
    for (node_id, side), items in sides.items():
        node = boxes[node_id]
        items.sort()
        spread = min(float(node.h) * 0.6, (len(items) - 1) * 5.0)
        centre = float(node.y) + float(node.h) / 2
        for i, (_, number) in enumerate(items):
            step = spread / (len(items) - 1) if len(items) > 1 else 0.0
            ports[(number, side)] = centre - spread / 2 + step * i
    return ports


def _stack(column: list[tuple[float, Node, list[Dependency]]], top: float) -> None:
    """Order a side column by where its edges go and place it without overlaps."""
    column.sort(key=lambda item: (item[0], item[1].id))
    if not column:
        return
    desired: list[float] = []
    for target, node, _ in column:
        wanted = target if math.isfinite(target) else (desired[-1] + 60 if desired else top)
        desired.append(wanted - float(node.h) / 2)
    gaps = [float(a[1].h) + 10.0 for a in column[:-1]]
    placed = _isotonic(desired, [1.0] * len(column), gaps)
    shift = max(0.0, top - placed[0])
    for (_, node, _), y in zip(column, placed, strict=True):
        _move(node, node.x, y + shift)


def _move(node: Node, x: float, y: float) -> None:
    """Put a node (with its text and badges) at (x, y)."""
    dx, dy = x - float(node.x), y - float(node.y)
    node.x, node.y = _r(x), _r(y)
    node.lines = [
        Text(_r(t.x + dx), _r(t.y + dy), t.text, t.size, t.css, t.anchor) for t in node.lines
    ]
    node.badges = [Badge(_r(b.x + dx), _r(b.y + dy), b.symbol, b.title, b.css) for b in node.badges]


def _edge(
    index: MapIndex,
    edge_id: str,
    source: str,
    target: str,
    route: list[tuple[float, float]] | list[Segment],
    deps: list[Dependency],
    *,
    title: str | None = None,
    mid: tuple[float, float] | None = None,
    here: Team | None = None,
) -> Edge:
    if route and isinstance(route[0], Segment):
        path = list(route)  # type: ignore[arg-type]
    else:
        points = list(route)  # type: ignore[arg-type]
        path = _curve(points)
        if mid is None:
            middle = len(points) // 2
            a, b = points[middle - 1], points[middle]
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    css = index.dep_css(deps)
    text = title or index.deps_text(deps, here)
    marker = None
    if mid is not None and ("is-infeasible" in css or "is-unacknowledged" in css):
        infeasible = "is-infeasible" in css
        # Say the flag first, unless the dependencies' own words already say it.
        if ("On an infeasible chain:" if infeasible else "Not acknowledged:") not in text:
            text = (
                "Infeasible promise on this chain. " if infeasible else "Not acknowledged. "
            ) + text
        # The marker sits inside the edge and shares its tooltip (drawn once, on the edge).
        marker = Badge(
            _r(mid[0]),
            _r(mid[1]),
            "!" if infeasible else "?",
            text,
            "is-infeasible" if infeasible else "is-unacknowledged",
        )
    return Edge(edge_id, source, target, path, text, css, _edge_width(len(deps)), marker, len(deps))


def _promise_text(service: Service) -> str:
    if service.resolution:
        return f"resolves in {service.resolution}"
    return f"answers in {service.response}"


def _service_css(index: MapIndex, service: Service) -> list[str]:
    css = []
    if service.key in index.hot:
        css.append("is-bottleneck")
    if service.key in index.analysis.infeasible:
        css.append("is-infeasible")
    return css


def _point_on(path: list[Segment], t: float) -> tuple[float, float]:
    """The point a fraction `t` along a path (by approximate length)."""
    pieces: list[tuple[float, tuple[float, ...]]] = []
    x, y = float(path[0].points[0]), float(path[0].points[1])
    for segment in path[1:]:
        values = [float(v) for v in segment.points]
        if segment.cmd == "C":
            ctrl = [(x, y), (values[0], values[1]), (values[2], values[3]), (values[4], values[5])]
            polygon = sum(math.dist(a, b) for a, b in pairwise(ctrl))
            length = (polygon + math.dist(ctrl[0], ctrl[3])) / 2
            pieces.append((length, (x, y, *values)))
        else:
            pieces.append((math.dist((x, y), (values[0], values[1])), (x, y, *values)))
        x, y = values[-2], values[-1]
    total = sum(length for length, _ in pieces) or 1.0
    goal = t * total
    for length, values in pieces:
        if goal <= length or values is pieces[-1][1]:
            u = min(1.0, goal / length) if length else 0.0
            if len(values) == 4:
                return (
                    values[0] + (values[2] - values[0]) * u,
                    values[1] + (values[3] - values[1]) * u,
                )
            x0, y0, x1, y1, x2, y2, x3, y3 = values
            a, b, c, d = (1 - u) ** 3, 3 * (1 - u) ** 2 * u, 3 * (1 - u) * u**2, u**3
            return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)
        goal -= length
    return x, y


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _place_markers(result: Map) -> None:
    """Slide each edge marker along its edge until it covers no box, text or other marker."""
    obstacles: list[tuple[float, float, float, float]] = []
    for node in result.nodes:
        obstacles.append(node.box)
    for text in result.labels:
        obstacles.append(text.box)
    for cluster in result.clusters:
        obstacles += [text.box for text in cluster.lines]
    size = 2 * BADGE_R + 2
    for edge in result.edges:
        if edge.marker is None:
            continue
        chosen = None
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.15, 0.85):
            x, y = _point_on(edge.path, t)
            box = (x - size / 2, y - size / 2, size, size)
            if not any(_overlaps(box, other) for other in obstacles):
                chosen = (x, y, box)
                break
        if chosen is None:
            continue  # keep the midpoint: crowded, but its tooltip still says it all
        x, y, box = chosen
        edge.marker = Badge(_r(x), _r(y), edge.marker.symbol, edge.marker.title, edge.marker.css)
        obstacles.append(box)


def _legend(result: Map) -> list[str]:
    """Legend entries for what the map shows, in a fixed order."""
    present: set[str] = set()
    for edge in result.edges:
        present.update(edge.css)
    for node in result.nodes:
        present.update(node.css)
        if node.kind == "more":
            present.add("more")
    for cluster in result.clusters:
        present.update(cluster.css)
    order = ["is-blocking", "is-optional", "is-unacknowledged", "is-infeasible", "is-bottleneck"]
    return [entry for entry in order if entry in present] + (["more"] if "more" in present else [])


# --- one group: its teams, what it waits on outside, who waits on it ------------------------


def group_map(
    org: Organisation, analysis: Analysis | None, group: Group, urls: Urls | None = None
) -> Map:
    """The group's teams in layers; outside teams (or, when many, groups) at the sides."""
    index = index_for(org, analysis)
    urls = urls or Urls()
    members = sorted(group.teams, key=lambda t: t.id)
    member_ids = {t.id for t in members}
    internal: list[Link] = []
    incoming: list[Link] = []  # an outside team's service waited on by one of ours
    outgoing: list[Link] = []
    for link in index.group_links.get(group.id, ()):
        inside = (link.provider.id in member_ids, link.consumer.id in member_ids)
        if inside == (True, True):
            internal.append(link)
        elif inside == (False, True):
            incoming.append(link)
        elif inside == (True, False):
            outgoing.append(link)
    left_teams = sorted({link.provider.id for link in incoming})
    right_teams = sorted({link.consumer.id for link in outgoing})
    left_detailed = len(left_teams) <= EXTERNAL_TEAM_CAP
    right_detailed = len(right_teams) <= EXTERNAL_TEAM_CAP
    result = Map(
        dom_id=f"map-group-{group.id}",
        kind="group",
        label=f"Dependency map of {group.name}: its teams, what they wait on outside the group "
        "(left) and who outside waits on them (right)",
        width=0,
        height=0,
    )
    if not members:
        result.clusters.append(
            Cluster(
                group.id,
                MARGIN,
                MARGIN,
                GROUP_NODE_W + 2 * BOX_PAD,
                BOX_HEAD + 24,
                f"{group.name}: no team yet",
                [
                    Text(
                        MARGIN + PAD_X,
                        MARGIN + 20,
                        fit_text(group.name, GROUP_NODE_W, HEAD_FONT),
                        HEAD_FONT,
                        "is-strong",
                    ),
                    Text(MARGIN + PAD_X, MARGIN + 36, "No team yet", SUB_FONT, "map-sub"),
                ],
                css=["is-current"],
                data={"group": group.id},
            )
        )
        result.width = GROUP_NODE_W + 2 * BOX_PAD + 2 * MARGIN
        result.height = BOX_HEAD + 24 + 2 * MARGIN
        return result

    layers_inside = assign_layers(
        [t.id for t in members], [(link.provider.id, link.consumer.id) for link in internal]
    )
    offset = 1 if left_detailed and left_teams else 0
    last_inside = max(layers_inside.values(), default=0) + offset
    sizes: dict[str, tuple[float, float]] = {}
    layers: dict[str, int] = {}
    if left_detailed:
        for team_id in left_teams:
            sizes[f"in-{team_id}"] = (GROUP_NODE_W, NODE_H)
            layers[f"in-{team_id}"] = 0
    for team in members:
        sizes[team.id] = (GROUP_NODE_W, NODE_H)
        layers[team.id] = layers_inside[team.id] + offset
    if right_detailed:
        for team_id in right_teams:
            sizes[f"out-{team_id}"] = (GROUP_NODE_W, NODE_H)
            layers[f"out-{team_id}"] = last_inside + 1
    edges: list[tuple[str, str]] = []
    edge_links: list[Link] = []
    if left_detailed:
        for link in incoming:
            edges.append((f"in-{link.provider.id}", link.consumer.id))
            edge_links.append(link)
    for link in internal:
        edges.append((link.provider.id, link.consumer.id))
        edge_links.append(link)
    if right_detailed:
        for link in outgoing:
            edges.append((link.provider.id, f"out-{link.consumer.id}"))
            edge_links.append(link)
    layout = layered_layout(sizes, edges, layers, layer_gap=GAP)

    # The group's box around its layers (dummy nodes included, so edges stay inside).
    first_inside = offset
    top = min(layout.extents[i][0] for i in range(first_inside, last_inside + 1))
    bottom = max(layout.extents[i][1] for i in range(first_inside, last_inside + 1))
    box_left = layout.layer_x[first_inside] - BOX_PAD
    box_right = layout.layer_x[last_inside] + layout.layer_w[last_inside] + BOX_PAD
    # Shift so the box's heading, the column headings and a summary column fit.
    dx = MARGIN + (GROUP_NODE_W + GAP if not left_detailed and left_teams else 0)
    dx += BOX_PAD if offset == 0 else 0
    dy = max(TOP + BOX_HEAD - top, TOP - min((e[0] for e in layout.extents), default=0.0))
    box = (
        box_left + dx,
        top + dy - BOX_HEAD,
        box_right - box_left,
        bottom - top + BOX_HEAD + BOX_PAD,
    )
    hot = [t for t in members if t.id in index.hot_teams]
    result.clusters.append(
        Cluster(
            group.id,
            _r(box[0]),
            _r(box[1]),
            _r(box[2]),
            _r(box[3]),
            f"{group.name}: {_plural(len(members), 'team')}",
            [
                Text(
                    _r(box[0] + PAD_X),
                    _r(box[1] + 20),
                    fit_text(group.name, box[2] - 20, HEAD_FONT),
                    HEAD_FONT,
                    "is-strong",
                ),
                Text(
                    _r(box[0] + PAD_X),
                    _r(box[1] + 36),
                    fit_text(
                        f"{_plural(len(members), 'team')}"
                        + (f" · {_plural(len(hot), 'bottleneck')}" if hot else ""),
                        box[2] - 20,
                        SUB_FONT,
                    ),
                    SUB_FONT,
                    "map-sub",
                ),
            ],
            href=None,
            css=["is-current"],
            data={"group": group.id},
        )
    )

    for name in sizes:
        x, y = layout.x[name] + dx, layout.y[name] + dy
        if name.startswith(("in-", "out-")) and name.split("-", 1)[1] in org.teams:
            team = org.teams[name.split("-", 1)[1]]
            second = team.group.name
            kind = "team"
            css, specs = _team_flags(index, team)
            css = [*css, "is-external"]
        else:
            team = org.teams[name]
            services = len(team.services)
            second = _plural(services, "service")
            kind = "team"
            css, specs = _team_flags(index, team)
        result.nodes.append(
            _node(
                name,
                x,
                y,
                GROUP_NODE_W,
                NODE_H,
                f"{team.name} ({team.group.name})",
                team.name,
                second,
                href=urls.team(team.id),
                kind=kind,
                css=css,
                badges=specs,
                data={"team": team.id, "group": team.group.id},
            )
        )
    for number, ((source, target), link) in enumerate(zip(edges, edge_links, strict=True)):
        mid = layout.mids[number]
        result.edges.append(
            _edge(
                index,
                f"e{number}",
                source,
                target,
                _shift(layout.routes[number], dx, dy),
                link.deps,
                title=_link_title(link, index),
                mid=(mid[0] + dx, mid[1] + dy),
            )
        )

    right_edge = max([box[0] + box[2]] + [float(n.x) + float(n.w) for n in result.nodes])
    if not left_detailed:
        _summary_column(result, index, urls, incoming, "in", MARGIN, box, org)
    if not right_detailed:
        _summary_column(result, index, urls, outgoing, "out", right_edge + GAP, box, org)

    columns: list[Text] = []
    if left_teams:
        columns.append(Text(MARGIN, 20, "Waits on, outside the group", HEAD_FONT, "map-heading"))
    if right_teams:
        x_right = max(float(n.x) for n in result.nodes if n.id.startswith("out-"))
        columns.append(Text(_r(x_right), 20, "Relied on by, outside", HEAD_FONT, "map-heading"))
    result.labels = columns
    result.width = _r(
        max([box[0] + box[2]] + [float(n.x) + float(n.w) for n in result.nodes]) + MARGIN
    )
    result.height = _r(
        max([box[1] + box[3]] + [float(n.y) + float(n.h) for n in result.nodes]) + MARGIN
    )
    if not left_detailed:
        result.notes.append(
            f"The group waits on {_plural(len(left_teams), 'team')} outside it: shown by their "
            "group; each team page lists them one by one."
        )
    if not right_detailed:
        result.notes.append(
            f"{_plural(len(right_teams), 'team')} outside the group wait on it: shown by their "
            "group; each team page lists them one by one."
        )
    _place_markers(result)
    result.legend = _legend(result)
    return result


def _summary_column(
    result: Map,
    index: MapIndex,
    urls: Urls,
    links: list[Link],
    side: str,
    x: float,
    box: tuple[float, float, float, float],
    org: Organisation,
) -> None:
    """Outside teams by their group: one node per group, joined to the group's box."""
    by_group: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        other = link.provider if side == "in" else link.consumer
        by_group[other.group.id].append(link)
    ranked = sorted(
        by_group.items(), key=lambda item: (-sum(len(link.deps) for link in item[1]), item[0])
    )
    shown = ranked if len(ranked) <= EXTERNAL_GROUP_CAP else ranked[: EXTERNAL_GROUP_CAP - 1]
    hidden = ranked[len(shown) :]
    items: list[tuple[str, str, str, str | None, list[Link], str]] = []
    for group_id, group_links in shown:
        group = org.groups[group_id]
        teams = {(link.provider if side == "in" else link.consumer).id for link in group_links}
        deps = sum(len(link.deps) for link in group_links)
        items.append(
            (
                f"{side}-group-{group_id}",
                group.name,
                f"{_plural(len(teams), 'team')} · {_plural(deps, 'dependency', 'dependencies')}",
                urls.group(group_id),
                group_links,
                "group",
            )
        )
    if hidden:
        group_links = [link for _, ls in hidden for link in ls]
        items.append(
            (
                f"{side}--more",
                f"+ {_plural(len(hidden), 'more group')}",
                _plural(_deps(group_links), "dependency", "dependencies"),
                urls.overview(),
                group_links,
                "more",
            )
        )
    total = len(items) * (NODE_H + 10) - 10
    y = max(float(TOP), box[1] + box[3] / 2 - total / 2)
    for node_id, first, second, href, group_links, kind in items:
        deps = [d for link in group_links for d in link.deps]
        node = _node(
            node_id,
            x,
            y,
            GROUP_NODE_W,
            NODE_H,
            f"{first}: {second}",
            first,
            second,
            href=href,
            kind=kind,
            css=["is-external"],
        )
        result.nodes.append(node)
        centre = y + NODE_H / 2
        at_box = min(max(centre, box[1] + BOX_HEAD), box[1] + box[3] - BOX_PAD)
        if side == "in":
            points = [(x + GROUP_NODE_W, centre), (box[0], at_box)]
            source, target = node_id, f"cluster-{result.clusters[0].id}"
        else:
            points = [(box[0] + box[2], at_box), (x, centre)]
            source, target = f"cluster-{result.clusters[0].id}", node_id
        title = (
            f"{first} and {result.clusters[0].title.split(':')[0]}: "
            f"{_plural(len(deps), 'dependency', 'dependencies')}, "
            f"{sum(d.blocking for d in deps)} blocking"
        )
        result.edges.append(_edge(index, f"e-{node_id}", source, target, points, deps, title=title))
        result.edges[-1].width = _edge_width(len(deps))
        y += NODE_H + 10


# --- the organisation: groups as boxes of teams ----------------------------------------------


def org_map(
    org: Organisation,
    analysis: Analysis | None,
    urls: Urls | None = None,
    *,
    explorer: bool = False,
) -> Map:
    """Every group a box of team links, in columns from providers to consumers."""
    index = index_for(org, analysis)
    urls = urls or Urls()
    groups = sorted(org.groups.values(), key=lambda g: g.id)
    result = Map(
        dom_id="map-explorer" if explorer else "map-org",
        explorer=explorer,
        kind="org",
        label=f"Dependency map of {org.name}: {_plural(len(groups), 'group')} of teams; groups "
        "that others wait on are on the left, and lines join groups that wait on each other",
        width=0,
        height=0,
    )

    # Group links: every dependency between two teams of different groups.
    links: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in index.links.values():
        pair = (link.provider.group.id, link.consumer.group.id)
        if pair[0] != pair[1]:
            links[pair].append(link)
    ranked = sorted(links.items(), key=lambda item: (-_deps(item[1]), item[0]))
    if len(ranked) <= ALL_GROUP_LINKS:
        drawn = dict(ranked)
    else:
        # Each group's strongest links as waiter and as provider: the picture of who leans on
        # whom, without the hairball of every pair.
        keep: set[tuple[str, str]] = set()
        for side in (0, 1):
            count: dict[str, int] = defaultdict(int)
            for pair, _ in ranked:
                if count[pair[side]] < LINKS_PER_GROUP:
                    keep.add(pair)
                    count[pair[side]] += 1
        drawn = {pair: group_links for pair, group_links in ranked if pair in keep}
        result.notes.append(
            f"Lines show each group's {LINKS_PER_GROUP} strongest links in each direction "
            f"({len(drawn)} of {len(ranked)} pairs of groups that depend on each other); each "
            "group's own map shows all of its links."
        )

    rows = {g.id: math.ceil(len(g.teams) / 2) for g in groups}
    box_w = 2 * PILL_W + PILL_GAP + 2 * BOX_PAD
    sizes = {
        g.id: (box_w, BOX_HEAD + max(1, rows[g.id]) * (PILL_H + PILL_GAP) - PILL_GAP + BOX_PAD)
        for g in groups
    }
    layers = _org_columns(index, groups, sizes)
    edges = list(drawn)
    layout = layered_layout(sizes, edges, layers, layer_gap=110, node_gap=24, port_spread=0.6)
    dx, dy = MARGIN, MARGIN

    for group in groups:
        x, y = layout.x[group.id] + dx, layout.y[group.id] + dy
        w, h = sizes[group.id]
        teams = sorted(group.teams, key=lambda t: (t.name.lower(), t.id))
        hot = sum(t.id in index.hot_teams for t in teams)
        second = _plural(len(teams), "team") + (f" · {_plural(hot, 'bottleneck')}" if hot else "")
        result.clusters.append(
            Cluster(
                group.id,
                _r(x),
                _r(y),
                _r(w),
                _r(h),
                f"{group.name}: {_plural(len(teams), 'team')}; open the group's map",
                [
                    Text(
                        _r(x + PAD_X),
                        _r(y + 20),
                        fit_text(group.name, w - 2 * PAD_X, HEAD_FONT),
                        HEAD_FONT,
                        "is-strong",
                    ),
                    Text(
                        _r(x + PAD_X),
                        _r(y + 36),
                        fit_text(second, w - 2 * PAD_X, SUB_FONT),
                        SUB_FONT,
                        "map-sub",
                    ),
                ],
                href=urls.group(group.id),
                data={"group": group.id},
            )
        )
        for i, team in enumerate(teams):
            px = x + BOX_PAD + (i % 2) * (PILL_W + PILL_GAP)
            py = y + BOX_HEAD + (i // 2) * (PILL_H + PILL_GAP)
            css, specs = _team_flags(index, team)
            badges = [
                Badge(_r(px + PILL_W - 12 - (BADGE_STEP - 4) * j), _r(py + PILL_H / 2), s, t, c)
                for j, (s, t, c) in enumerate(specs)
            ]
            room = PILL_W - 2 * 8 - len(badges) * (BADGE_STEP - 4)
            result.nodes.append(
                Node(
                    team.id,
                    _r(px),
                    _r(py),
                    PILL_W,
                    PILL_H,
                    f"{team.name} ({group.name})",
                    [
                        Text(
                            _r(px + 8),
                            _r(py + PILL_H / 2 + PILL_FONT * 0.36),
                            fit_text(team.name, room, PILL_FONT),
                            PILL_FONT,
                        )
                    ],
                    urls.team(team.id),
                    "pill",
                    css,
                    badges,
                    {"team": team.id, "group": group.id},
                )
            )
    for number, (pair, group_links) in enumerate(drawn.items()):
        deps = [d for link in group_links for d in link.deps]
        provider, consumer = org.groups[pair[0]], org.groups[pair[1]]
        teams = len({t for link in group_links for t in (link.provider.id, link.consumer.id)})
        mid = layout.mids[number]
        result.edges.append(
            _edge(
                index,
                f"e-{pair[0]}-{pair[1]}",
                f"cluster-{pair[0]}",
                f"cluster-{pair[1]}",
                _shift(layout.routes[number], dx, dy),
                deps,
                title=(
                    f"{consumer.name} waits on {provider.name}: "
                    f"{_plural(len(deps), 'dependency', 'dependencies')} "
                    f"({sum(d.blocking for d in deps)} blocking) between "
                    f"{_plural(teams, 'team')}"
                ),
                mid=(mid[0] + dx, mid[1] + dy),
            )
        )
        result.edges[-1].width = _edge_width(len(deps))
    result.width = _r(layout.width + 2 * MARGIN + 40)  # room for loops on the right
    result.height = _r(layout.height + 2 * MARGIN)
    _place_markers(result)
    result.legend = _legend(result)
    return result


def _org_columns(
    index: MapIndex, groups: list[Group], sizes: dict[str, tuple[float, float]]
) -> dict[str, int]:
    """Column of each group box: providers left, waiters right, columns of even height.

    A group's place in the flow is the share of its cross-group dependencies in which it
    waits (0: others only wait on it; 1: it only waits), then the mean layer of its teams.
    Groups in that order are cut into columns of about equal height; the number of columns
    makes the whole about 1.6 times as wide as it is tall, so 20 or 70 groups stay a
    compact grid rather than one long column (team layers alone put most groups of a large
    organisation in the same layer).
    """
    waits: dict[str, int] = defaultdict(int)
    served: dict[str, int] = defaultdict(int)
    for link in index.links.values():
        if link.provider.group is not link.consumer.group:
            waits[link.consumer.group.id] += len(link.deps)
            served[link.provider.group.id] += len(link.deps)
    team_layer = index.team_layers()

    def flow(group: Group) -> tuple[float, float, str]:
        total = waits[group.id] + served[group.id]
        share = waits[group.id] / total if total else 0.5
        layers = [team_layer[t.id] for t in group.teams]
        return (round(share, 6), round(sum(layers) / len(layers), 6) if layers else 0.0, group.id)

    ordered = sorted(groups, key=flow)
    heights = [sizes[g.id][1] + 24 for g in ordered]
    area = sum(h * (sizes[g.id][0] + 110) for g, h in zip(ordered, heights, strict=True))
    columns = round(math.sqrt(area * 1.6) / (sizes[ordered[0].id][0] + 110)) if ordered else 1
    columns = max(min(len(ordered), 3), min(len(ordered), columns))
    target = sum(heights) / max(1, columns)
    layers: dict[str, int] = {}
    column, filled = 0, 0.0
    for i, (group, height) in enumerate(zip(ordered, heights, strict=True)):
        left = len(ordered) - i  # groups still to place, this one included
        must_move = left <= columns - 1 - column  # one group per remaining column at least
        if (
            filled
            and column < columns - 1
            and (filled + height / 2 > target * (column + 1) or must_move)
        ):
            column += 1
        layers[group.id] = column
        filled += height
    return layers


def _deps(links: Iterable[Link]) -> int:
    return sum(len(link.deps) for link in links)


# --- plain lists beside the maps (work without SVG, CSS or JavaScript) ----------------------


@dataclass(frozen=True)
class ListedTeam:
    id: str
    name: str
    href: str
    group: str = ""  # the group's name when it differs from the list's
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListedGroup:
    id: str
    name: str
    href: str
    teams: tuple[ListedTeam, ...]


@dataclass(frozen=True)
class GroupListingRow:
    name: str
    href: str
    waits_on: tuple[ListedTeam, ...]
    relied_on_by: tuple[ListedTeam, ...]


def _flag_words(index: MapIndex, team: Team) -> tuple[str, ...]:
    words = []
    if team.id in index.hot_teams:
        words.append("bottleneck")
    if team.id in index.infeasible_teams:
        words.append("infeasible promise")
    if team.id in index.unacknowledged_teams:
        words.append("unacknowledged dependency")
    return tuple(words)


def map_groups(org: Organisation, analysis: Analysis | None, urls: Urls) -> list[ListedGroup]:
    """Every group with its teams, as links: the map's text equivalent."""
    index = index_for(org, analysis)
    return [
        ListedGroup(
            group.id,
            group.name,
            urls.group(group.id),
            tuple(
                ListedTeam(t.id, t.name, urls.team(t.id), flags=_flag_words(index, t))
                for t in sorted(group.teams, key=lambda t: (t.name.lower(), t.id))
            ),
        )
        for group in sorted(org.groups.values(), key=lambda g: g.id)
    ]


def group_listing(
    org: Organisation, analysis: Analysis | None, group: Group, urls: Urls
) -> list[GroupListingRow]:
    """Each team of the group with the teams it waits on and that wait on it, as links."""
    index = index_for(org, analysis)
    waits: dict[str, list[Team]] = defaultdict(list)
    relied: dict[str, list[Team]] = defaultdict(list)
    for link in index.group_links.get(group.id, ()):
        waits[link.consumer.id].append(link.provider)
        relied[link.provider.id].append(link.consumer)

    def listed(teams: list[Team]) -> tuple[ListedTeam, ...]:
        return tuple(
            ListedTeam(t.id, t.name, urls.team(t.id), "" if t.group is group else t.group.name)
            for t in sorted(teams, key=lambda t: (t.name.lower(), t.id))
        )

    return [
        GroupListingRow(t.name, urls.team(t.id), listed(waits[t.id]), listed(relied[t.id]))
        for t in sorted(group.teams, key=lambda t: (t.name.lower(), t.id))
    ]


# --- the explorer's data -----------------------------------------------------------------------


def explorer_data(org: Organisation, analysis: Analysis | None, urls: Urls) -> dict[str, object]:
    """Everything explorer.js needs, as compact JSON-ready lists indexed by position.

    groups: [id, name]; teams: [id, name, group index]; services: [key, name, team index,
    promise, flags (1 bottleneck, 2 infeasible)]; deps: [waiting service, service waited on,
    flags (1 blocking, 2 unacknowledged, 4 on an infeasible chain)]; chain: for each service,
    the next service on its longest blocking chain (-1: none), so the script can show the
    chain without re-deriving it; infeasible: service index -> the analysis' message.
    Links are built by the script from `root` and the team id, as Urls does.
    """
    index = index_for(org, analysis)
    groups = sorted(org.groups.values(), key=lambda g: g.id)
    group_at = {g.id: i for i, g in enumerate(groups)}
    teams = list(org.teams.values())  # sorted by id
    team_at = {t.id: i for i, t in enumerate(teams)}
    keys = sorted(org.services)
    service_at = {key: i for i, key in enumerate(keys)}

    services = []
    for key in keys:
        service = org.services[key]
        flags = (1 if key in index.hot else 0) | (2 if key in index.analysis.infeasible else 0)
        services.append(
            [key, service.name, team_at[service.team.id], _promise_text(service), flags]
        )
    deps = []
    blocking_graph: nx.DiGraph = nx.DiGraph()
    blocking_graph.add_nodes_from(keys)
    for key in keys:
        for dep in org.services[key].depends_on:
            flags = (
                (1 if dep.blocking else 0)
                | (2 if index.is_unacknowledged(dep) else 0)
                | (4 if index.is_infeasible(dep) else 0)
            )
            deps.append([service_at[key], service_at[dep.provider.key], flags])
            if dep.blocking and dep.provider.key != key:
                blocking_graph.add_edge(key, dep.provider.key)

    # Longest blocking chain from each service (in steps), on the graph with cycles broken:
    # dynamic programming over a topological order, ties to the smaller key.
    dag = break_cycles(keys, blocking_graph.edges)
    length = dict.fromkeys(keys, 0)
    following: dict[str, str | None] = dict.fromkeys(keys)
    for key in reversed(list(nx.topological_sort(dag))):
        for provider in sorted(dag.successors(key)):
            if length[provider] + 1 > length[key]:
                length[key] = length[provider] + 1
                following[key] = provider
    # An infeasible promise shows the analysis' own chain, the one its message names.
    for promise in index.analysis.infeasible.values():
        chain = [promise.service.key, *(s.key for s in promise.chain)]
        for a, b in pairwise(chain):
            following[a] = b
    chain_next = [service_at[following[key]] if following[key] else -1 for key in keys]
    return {
        "root": urls.root,
        "groups": [[g.id, g.name] for g in groups],
        "teams": [[t.id, t.name, group_at[t.group.id]] for t in teams],
        "services": services,
        "deps": deps,
        "chain": chain_next,
        "infeasible": {
            str(service_at[key]): index.analysis.infeasible[key].message
            for key in sorted(index.analysis.infeasible)
        },
    }
