"""How the key pages look and read: accessibility, phone width, and screenshots for people."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

KEY_PAGES = ("home", "team", "catalogue", "map")
PHONE_WIDTH = 390
BLOCKING_IMPACTS = ("serious", "critical")

# Elements sticking out past the right edge of the viewport: what causes horizontal scroll.
_OVERFLOWING = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    // Report the outermost culprit only, not each of its children.
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5)
      continue;
    const cls = (el.getAttribute('class') || '').trim().split(/\\s+/).join('.');
    out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls ? '.' + cls : ''}`
             + ` (right edge ${Math.round(box.right)}px)`);
    if (out.length >= 10) break;
  }
  return out;
}"""


def _open(page: Page, path: str) -> None:
    response = page.goto(path, wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("name", KEY_PAGES)
def test_no_serious_accessibility_violations(
    page: Page, key_pages: dict[str, str], name: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    _open(page, key_pages[name])
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {', '.join(map(str, n['target']))}" for n in v["nodes"][:8])
        for v in serious
    ]
    assert not serious, f"axe on {name} ({key_pages[name] or '/'}):\n" + "\n".join(details)


@pytest.mark.parametrize("name", ["team", "catalogue"])
def test_no_horizontal_scroll_on_a_phone(
    new_page: Any, key_pages: dict[str, str], screenshots_dir: Path, name: str
) -> None:
    page: Page = new_page(
        viewport={"width": PHONE_WIDTH, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
    )
    _open(page, key_pages[name])
    page.screenshot(path=str(screenshots_dir / f"phone-{name}.png"), full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    culprits = [] if scroll_width <= PHONE_WIDTH else page.evaluate(_OVERFLOWING, PHONE_WIDTH)
    assert scroll_width <= PHONE_WIDTH, (
        f"{name} ({key_pages[name]}) scrolls sideways at {PHONE_WIDTH}px: "
        f"scrollWidth {scroll_width}px; widest elements:\n  " + "\n  ".join(culprits)
    )


def test_screenshots_of_the_key_pages(
    page: Page, key_pages: dict[str, str], screenshots_dir: Path
) -> None:
    """Written for a person to look at (tests/screenshots/, git-ignored)."""
    for name in KEY_PAGES:
        _open(page, key_pages[name])
        target = screenshots_dir / f"{name}.png"
        target.unlink(missing_ok=True)
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000, f"{target} looks empty"
