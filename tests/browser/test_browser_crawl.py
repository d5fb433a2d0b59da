"""Every page of the site: links resolve, and each page loads cleanly in the browser.

The crawl reads the built files with the standard library's HTML parser (fast, no browser);
the browser then visits every page to catch what only running it shows.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import pytest

if TYPE_CHECKING:
    from conftest import Site
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

# Past this many pages of one section (e.g. 2,000 teams) the browser visits an even sample.
PAGES_PER_SECTION = 40
# Pages loading side by side while visiting every page.
TABS = 4


@dataclass
class ParsedPage:
    path: str  # site-relative file path, e.g. "teams/platform/index.html"
    url_path: str  # the address people use, e.g. "teams/platform/"
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag.attribute, value)


class _LinkParser(HTMLParser):
    """Collects element ids and every href/src of an HTML or SVG file."""

    LINK_ATTRIBUTES = frozenset({"href", "xlink:href", "src"})

    def __init__(self, page: ParsedPage) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.page.ids.add(value)
            elif name in self.LINK_ATTRIBUTES or (tag == "object" and name == "data"):
                if tag == "link" and name == "href":
                    rel = dict(attrs).get("rel") or ""
                    # The canonical address is the published one (site_url), not this copy.
                    if "canonical" in rel.split():
                        continue
                self.page.links.append((f"{tag}.{name}", value))

    handle_startendtag = handle_starttag


def url_path_of(file_path: str) -> str:
    if file_path == "index.html":
        return ""
    if file_path.endswith("/index.html"):
        return file_path[: -len("index.html")]
    return file_path


def parse_site(root: Path) -> dict[str, ParsedPage]:
    """Every HTML and SVG file of the site by site-relative path, parsed once."""
    pages: dict[str, ParsedPage] = {}
    for file in sorted([*root.rglob("*.html"), *root.rglob("*.svg")]):
        rel = file.relative_to(root).as_posix()
        page = ParsedPage(path=rel, url_path=url_path_of(rel))
        _LinkParser(page).feed(file.read_text(encoding="utf-8", errors="replace"))
        pages[rel] = page
    return pages


@pytest.fixture(scope="module")
def parsed_site(site_dir: Path) -> dict[str, ParsedPage]:
    return parse_site(site_dir)


def html_pages(parsed: dict[str, ParsedPage]) -> list[ParsedPage]:
    """The site's HTML pages (the 404 page too: people see it), sorted by address."""
    return sorted(
        (p for p in parsed.values() if p.path.endswith(".html")), key=lambda p: p.url_path
    )


def resolve_file(root: Path, url_path: str) -> Path | None:
    """The file the server answers for a site-relative URL path, or None for a 404."""
    relative = unquote(url_path).lstrip("/")
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        return None
    if relative == "" or relative.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _search_index_links(site: Site) -> list[tuple[str, str]]:
    """Where each search result leads: the index's locations, relative to the site root."""
    index = site.root / "search" / "search_index.json"
    if not index.is_file():
        return []
    docs = json.loads(index.read_text(encoding="utf-8"))["docs"]
    return [("search result", doc["location"] or "./") for doc in docs]


def test_every_internal_link_resolves(site: Site, parsed_site: dict[str, ParsedPage]) -> None:
    """A crawl of every href/src of every page and of every search result: no 404, and every
    #fragment exists on the page it points at."""
    host = urlsplit(site.base_url).netloc
    broken: list[str] = []
    checked = 0
    sources = [(p.path, p.links) for p in parsed_site.values()]
    sources.append(("search/search_index.json", _search_index_links(site)))
    for source, links in sources:
        # Search locations are relative to the site root, like the pages' own addresses.
        base = site.url("" if source.startswith("search/") else source)
        for attribute, value in links:
            target = urljoin(base, value.strip())
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                continue  # mailto:, external sites: not ours to resolve
            checked += 1
            file = resolve_file(site.root, parts.path)
            if file is None:
                broken.append(f"{source}: {attribute}={value!r} -> 404 ({parts.path})")
                continue
            fragment = unquote(parts.fragment)
            if not fragment or file.suffix not in (".html", ".svg"):
                continue
            target_page = parsed_site.get(file.relative_to(site.root).as_posix())
            if target_page is not None and fragment not in target_page.ids:
                broken.append(
                    f"{source}: {attribute}={value!r} -> no id {fragment!r} on {target_page.path}"
                )
    assert checked > 0, "the crawl found no internal links at all"
    if broken:
        unique = sorted(set(broken))
        pytest.fail(f"{len(unique)} broken internal links:\n" + "\n".join(unique), pytrace=False)


def _sample(pages: list[ParsedPage]) -> list[ParsedPage]:
    """All pages of small sections; an even, deterministic spread of large ones."""
    sections: dict[str, list[ParsedPage]] = {}
    for page in pages:
        sections.setdefault(page.url_path.split("/", 1)[0], []).append(page)
    chosen: list[ParsedPage] = []
    for members in sections.values():
        if len(members) <= PAGES_PER_SECTION:
            chosen.extend(members)
        else:
            step = len(members) / PAGES_PER_SECTION
            chosen.extend(members[int(i * step)] for i in range(PAGES_PER_SECTION))
    return chosen


def test_every_page_loads_without_errors_or_outside_requests(
    page: Page, site: Site, parsed_site: dict[str, ParsedPage]
) -> None:
    """Visit every page: the `page` fixture fails the test on any console error, uncaught
    exception, HTTP error, or request to a host other than localhost."""
    pages = _sample(html_pages(parsed_site))
    assert len(pages) > 1, "the built site has no pages besides the home page"
    # A few tabs at once, so their quiet periods (networkidle) overlap.
    tabs = [page, *(page.context.new_page() for _ in range(TABS - 1))]
    started = time.monotonic()
    for start in range(0, len(pages), TABS):
        batch = list(zip(tabs, pages[start : start + TABS], strict=False))
        for tab, parsed in batch:
            response = tab.goto(parsed.url_path, wait_until="load")
            assert response is not None and response.ok, f"{parsed.url_path}: {response}"
        for tab, parsed in batch:
            # Scripts of the theme and the map run after load: let them settle.
            tab.wait_for_load_state("networkidle")
            assert tab.locator("h1").count() >= 1, f"{parsed.url_path} has no h1 heading"
    # Keep the whole browser suite well inside its budget on two cores.
    assert time.monotonic() - started < 120, "visiting every page took over two minutes"
