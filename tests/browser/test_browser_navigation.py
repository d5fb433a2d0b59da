"""Clicking through the site as an employee does: home, a group, a team, what it relies on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser


def _url(path: str, fragment: str | None = None) -> re.Pattern[str]:
    """A page address on the served site, ignoring any query string (search highlights)."""
    tail = f"#{re.escape(fragment)}" if fragment else "(#.*)?"
    return re.compile(rf"^http://[^/]+/{re.escape(path)}(\?[^#]*)?{tail}$")


def _link_to(page: Page, scope: str, target: str) -> Locator:
    """The first visible link inside `scope` whose resolved address is `target` (a site path,
    optionally with #fragment), however the page spells it (relative or absolute)."""
    found = page.evaluate(
        """([scope, target]) => {
            const links = [...document.querySelectorAll(scope + ' a[href]')];
            const hit = links.find((a) => {
                // getAttribute: an SVG link's .href is not a string.
                const url = new URL(a.getAttribute('href'), document.baseURI);
                const box = a.getBoundingClientRect();
                return url.origin === location.origin && box.width > 0 && box.height > 0
                    && url.pathname + url.hash === '/' + target;
            });
            if (!hit) return false;
            hit.setAttribute('data-test-target', '');
            return true;
        }""",
        [scope, target],
    )
    assert found, f"{page.url}: no visible link to {target} in {scope}"
    return page.locator("[data-test-target]").first


def test_home_to_group_to_team_to_a_service_it_relies_on_and_back(
    page: Page,
    sample_team: Any,
    assert_heading_in_view: Callable[[Page, str, str], None],
) -> None:
    team = sample_team
    group = team.group
    provider = next(
        dep.provider
        for dep in sorted(team.depends_on, key=lambda d: d.provider.key)
        if dep.provider.team.id != team.id
    )

    page.goto("")
    page.get_by_role("link", name=re.compile(r"find a team", re.I)).first.click()
    page.wait_for_url(_url("teams/"))

    # The teams page leads to each group (in its content or in the navigation beside it).
    _link_to(page, "body", f"groups/{group.id}/").click()
    page.wait_for_url(_url(f"groups/{group.id}/"))
    expect(page.locator("h1")).to_contain_text(group.name)

    _link_to(page, ".md-content", f"teams/{team.id}/").click()
    page.wait_for_url(_url(f"teams/{team.id}/"))
    expect(page.locator("h1")).to_contain_text(team.name)

    # "Services we rely on" links each provider's service on its team's page.
    relied = _link_to(page, ".md-content", f"teams/{provider.team.id}/#{provider.id}")
    expect(relied).to_have_text(provider.name)
    relied.click()
    page.wait_for_url(_url(f"teams/{provider.team.id}/", provider.id))
    expect(page.locator("h1")).to_contain_text(provider.team.name)
    assert_heading_in_view(page, provider.id, provider.name)

    page.go_back()
    page.wait_for_url(_url(f"teams/{team.id}/"))
    expect(page.locator("h1")).to_contain_text(team.name)
    page.go_back()
    page.wait_for_url(_url(f"groups/{group.id}/"))
    expect(page.locator("h1")).to_contain_text(group.name)
