"""Browser test infrastructure: build the sample site once, serve it, drive it in Chromium.

One Chromium per session; each test gets fresh browser contexts (cheap) whose every request,
console error and page error is recorded. A test fails at teardown when a page it opened
asked another host for anything, logged a console error, threw, or got an HTTP error.

Set CHARTERS_BROWSER_SITE to an already built site folder to skip the build while iterating.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS_DIR = REPO_ROOT / "tests" / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Schemes that never reach the network: inline data, in-page objects and the blank page.
OFFLINE_SCHEMES = frozenset({"data", "blob", "about"})
DESKTOP = {"width": 1280, "height": 900}


# --- the built site, served on localhost -------------------------------------------------


def _charters_command() -> list[str]:
    installed = shutil.which("charters")
    if installed:
        return [installed]
    # Same entry point as the installed script, for a checkout that was not pip-installed.
    return [sys.executable, "-c", "from generator.cli import main; main()"]


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample organisation built by `charters build`, once per session."""
    prebuilt = os.environ.get("CHARTERS_BROWSER_SITE")
    if prebuilt:
        return Path(prebuilt).resolve()
    out = tmp_path_factory.mktemp("browser") / "site"
    command = [*_charters_command(), "build", "--site-dir", str(out)]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    if proc.returncode != 0 or not (out / "index.html").is_file():
        pytest.fail(
            f"`{' '.join(command[-3:])}` failed (exit {proc.returncode}):\n"
            f"{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep the test output for failures


@dataclass(frozen=True)
class Site:
    root: Path
    base_url: str  # ends with "/"

    def url(self, path: str = "") -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def path_of(self, url: str) -> str:
        """The site-relative path of a URL on this site ('teams/x/'), without query/fragment."""
        return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="session")
def site(site_dir: Path) -> Iterator[Site]:
    """The built site served by a threaded http.server on 127.0.0.1 and a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Site(root=site_dir, base_url=f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the sample organisation, as the generator sees it -----------------------------------


@pytest.fixture(scope="session")
def organisation() -> Any:
    """The resolved sample organisation, to pick teams and services the tests walk through."""
    from generator.pipeline import load_charters

    result = load_charters(REPO_ROOT / "charters", root=REPO_ROOT)
    assert result.organisation is not None, "the sample organisation does not load"
    return result.organisation


# --- the browser ---------------------------------------------------------------------------


@dataclass
class Problems:
    """What the pages of one test did that no page of the site may do."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines: list[str] = []
        for title, items in (
            ("requests to another host", self.external_requests),
            ("console errors and uncaught exceptions", self.console_errors),
            ("HTTP errors", self.http_errors),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  {item}" for item in sorted(set(items)))
        return "\n".join(lines)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in OFFLINE_SCHEMES:
        return True
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_HOSTS


def _where(page: Page | None) -> str:
    try:
        return page.url if page is not None else "?"
    except Exception:  # a page closed mid-event has no address left
        return "?"


def _origin(request: Any) -> str:
    try:
        return request.frame.page.url
    except Exception:  # requests of workers belong to no frame
        return "a worker"


def _record(context: BrowserContext, problems: Problems) -> None:
    def on_route(route: Any) -> None:
        # Abort rather than let it time out; `on_request` has already recorded it.
        if _is_local(route.request.url):
            route.continue_()
        else:
            route.abort()

    def on_request(request: Any) -> None:
        # The request event also sees what routing may not (requests of workers).
        if not _is_local(request.url):
            problems.external_requests.append(f"{request.url} (from {_origin(request)})")

    def on_response(response: Any) -> None:
        if response.status >= 400 and _is_local(response.url):
            problems.http_errors.append(f"{response.status} {response.url}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            source = location.get("url") or _where(message.page)
            problems.console_errors.append(f"{source}: {message.text}")

    def on_weberror(error: Any) -> None:
        problems.console_errors.append(f"{_where(error.page)}: uncaught {error.error}")

    context.route("**/*", on_route)
    context.on("request", on_request)
    context.on("response", on_response)
    context.on("console", on_console)
    context.on("weberror", on_weberror)


PageFactory = Callable[..., "Page"]


@pytest.fixture
def new_page(browser: Browser, site: Site) -> Iterator[PageFactory]:
    """Opens recorded pages on the served site; fails the test at teardown on any problem.

    Keyword arguments go to `browser.new_context` (e.g. viewport=PHONE, is_mobile=True).
    """
    contexts: list[BrowserContext] = []
    problems = Problems()

    def factory(**context_options: Any) -> Page:
        options: dict[str, Any] = {"viewport": DESKTOP, "base_url": site.base_url}
        options.update(context_options)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        _record(context, problems)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()
    report = problems.report()
    if report:
        pytest.fail(f"the site misbehaved in the browser:\n{report}", pytrace=False)


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    """A recorded desktop-sized page on the served site (relative URLs resolve to the site)."""
    return new_page()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR


# --- where the tests go -----------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_team(organisation: Any) -> Any:
    """The most connected team of the sample: it relies on others and others rely on it."""

    def others(team: Any) -> tuple[set[str], set[str]]:
        relies_on = {d.provider.team.id for d in team.depends_on} - {team.id}
        relied_on_by = {d.consumer.team.id for d in team.relied_on_by} - {team.id}
        return relies_on, relied_on_by

    def connected(team: Any) -> tuple[int, int, str]:
        relies_on, relied_on_by = others(team)
        return (min(len(relies_on), len(relied_on_by)), len(relies_on | relied_on_by), team.id)

    return max(organisation.teams.values(), key=connected)


@pytest.fixture(scope="session")
def key_pages(sample_team: Any) -> dict[str, str]:
    """The pages every visual and accessibility check covers, by name -> site path."""
    return {
        "home": "",
        "team": f"teams/{sample_team.id}/",
        "catalogue": "services/",
        "map": "map/",
    }


def _assert_heading_in_view(page: Page, anchor: str, text: str) -> None:
    """The element with id `anchor` shows `text` and is on screen, not under the fixed header."""
    from playwright.sync_api import expect

    heading = page.locator(f'[id="{anchor}"]')
    expect(heading).to_be_visible()
    expect(heading).to_contain_text(text)
    expect(heading).to_be_in_viewport()
    box = heading.bounding_box()
    header = page.locator("header.md-header").bounding_box()
    assert box is not None
    if header is not None:
        assert box["y"] >= header["y"] + header["height"] - 2, (
            f"#{anchor} is hidden under the fixed header: heading at y={box['y']:.0f}, "
            f"header ends at y={header['y'] + header['height']:.0f}"
        )


@pytest.fixture
def assert_heading_in_view() -> Callable[[Page, str, str], None]:
    return _assert_heading_in_view
