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
    if (getComputedStyle(el).position === 'fixed') continue;  // cannot scroll the page
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


def _describe(violation: dict[str, Any]) -> str:
    """One violation: what, and the first few elements with axe's reason for each."""
    count = len(violation["nodes"])
    lines = [f"{violation['id']} ({violation['impact']}, {count} elements): {violation['help']}"]
    for node in violation["nodes"][:6]:
        checks = node.get("any") or node.get("all") or node.get("none") or [{}]
        target = " ".join(map(str, node["target"]))
        lines.append(f"    {target}: {checks[0].get('message', '')}")
    return "\n".join(lines)


def _open(page: Page, path: str) -> None:
    response = page.goto(path, wait_until="load")
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", KEY_PAGES)
def test_no_serious_accessibility_violations(
    new_page: Any, key_pages: dict[str, str], name: str, scheme: str
) -> None:
    """axe-core on each key page, in the light and the dark palette (the site follows the
    reader's system setting)."""
    from axe_playwright_python.sync_playwright import Axe

    page: Page = new_page(color_scheme=scheme)
    _open(page, key_pages[name])
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    where = f"{name} ({key_pages[name] or '/'}, {scheme} palette)"
    if serious:
        pytest.fail(f"axe on {where}:\n" + "\n".join(map(_describe, serious)), pytrace=False)


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


@pytest.mark.parametrize("name", ["segment", "mission", "group"])
def test_lists_of_services_pass_axe_and_fit_a_phone(
    new_page: Any, organisation: Any, sample_team: Any, name: str
) -> None:
    """The other pages that list services (a customer segment's, the mission, a group's):
    axe-core finds nothing serious and nothing scrolls sideways at phone width."""
    from axe_playwright_python.sync_playwright import Axe

    path = {
        "segment": f"customers/{min(organisation.segments)}/",
        "mission": "mission/",
        "group": f"groups/{sample_team.group.id}/",
    }[name]
    page: Page = new_page(
        viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True, has_touch=True
    )
    _open(page, path)
    serious = [
        v for v in Axe().run(page).response["violations"] if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert not serious, f"axe on {path}:\n" + "\n".join(map(_describe, serious))
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, page.evaluate(_OVERFLOWING, PHONE_WIDTH)


def test_only_service_headings_look_like_cards(new_page: Any, key_pages: dict[str, str]) -> None:
    """A service's heading is the header of its card; the page's own sections (what it
    relies on, the map, review and feedback) are plain headings."""
    page = new_page()
    _open(page, key_pages["team"])
    looks = page.evaluate(
        """() => [...document.querySelectorAll('.charter-layout > h2')].map(h => ({
             id: h.id, card: getComputedStyle(h).borderTopStyle !== 'none'}))"""
    )
    cards = {look["id"] for look in looks if look["card"]}
    sections = {"relies_on", "relied_on_by", "team_map", "line_of_sight", "review_and_feedback"}
    assert sections <= {look["id"] for look in looks}
    assert cards and not cards & sections, looks
