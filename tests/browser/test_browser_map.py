"""The organisation map and the explorer, used with a mouse and with the keyboard alone."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

EXPLORER = "map/explorer/"
# Tab presses allowed to reach a node from the control before the map (one per focusable).
MAX_TABS = 400


def _reach(starts: list[Any], step: Any) -> set[Any]:
    """Every service reachable from `starts` by following `step(service)`, starts excluded."""
    seen: set[Any] = set()
    todo = list(starts)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen - set(starts)


def _expected_highlight(team: Any) -> tuple[set[str], set[str]]:
    """The teams the explorer marks as waited on, and as waiting, when `team` is picked."""
    waits_on = _reach(team.services, lambda s: [d.provider for d in s.depends_on])
    waited_by = _reach(team.services, lambda s: [d.consumer for d in s.relied_on_by])
    return (
        {s.team.id for s in waits_on} - {team.id},
        {s.team.id for s in waited_by} - {team.id},
    )


def _marked(page: Page, css_class: str) -> set[str]:
    return set(
        page.locator(f"svg a.map-node[data-team].{css_class}").evaluate_all(
            "nodes => nodes.map(n => n.dataset.team)"
        )
    )


def _node(page: Page, team_id: str) -> Locator:
    return page.locator(f'svg a.map-node[data-team="{team_id}"]')


def test_clicking_a_team_on_the_org_map_opens_its_page(page: Page, sample_team: Any) -> None:
    page.goto("map/")
    # Outside the explorer a node is a plain link (no data-* hooks): found by where it leads.
    node = page.locator(f'svg.map-svg > a[href$="teams/{sample_team.id}/"]')
    expect(node).to_be_visible()
    node.click()  # a real click at the node's centre: fails if anything covers it
    page.wait_for_url(re.compile(rf"/teams/{re.escape(sample_team.id)}/$"))
    expect(page.locator("h1")).to_contain_text(sample_team.name)


def _assert_highlights(page: Page, team: Any) -> None:
    upstream, downstream = _expected_highlight(team)
    assert upstream or downstream, f"{team.id} has no dependency chain to highlight"
    expect(_node(page, team.id)).to_have_class(re.compile(r"\bis-selected\b"))
    assert _marked(page, "is-selected") == {team.id}
    assert _marked(page, "is-upstream") == upstream, "teams highlighted as waited on"
    assert _marked(page, "is-downstream") == downstream, "teams highlighted as waiting"
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"{team.name} selected")


def _assert_chain_follows_blocking_dependencies(page: Page, organisation: Any, team: Any) -> None:
    """The panel's longest blocking chain starts at one of the team's services and each
    step is a blocking dependency of the one before."""
    by_label = {(s.name, s.team.name): s for s in organisation.services.values()}
    chains = page.locator(".map-explorer-chain")
    expect(chains.first).to_be_visible()
    steps = [
        by_label[(item.locator("button").inner_text(), item.locator("a").first.inner_text())]
        for item in chains.first.locator(":scope > li").all()
    ]
    assert len(steps) >= 2, "the longest blocking chain has a single step"
    assert steps[0].team is team
    for before, after in zip(steps, steps[1:], strict=False):
        blocking = {d.provider for d in before.depends_on if d.blocking}
        assert after in blocking, f"{before.key} does not wait (blocking) on {after.key}"


def _chain_team(organisation: Any, sample_team: Any) -> Any:
    """The sample team when it has a blocking chain, else the first team with one."""
    teams = [sample_team, *sorted(organisation.teams.values(), key=lambda t: t.id)]
    return next(t for t in teams if any(d.blocking for s in t.services for d in s.depends_on))


def test_explorer_highlights_what_a_picked_team_waits_on_and_who_waits_on_it(
    page: Page, organisation: Any, sample_team: Any
) -> None:
    team = _chain_team(organisation, sample_team)
    page.goto(EXPLORER)
    _node(page, team.id).click()
    # Picking highlights instead of leaving the page.
    expect(page).to_have_url(re.compile(rf"/{re.escape(EXPLORER)}#{re.escape(team.id)}$"))
    _assert_highlights(page, team)
    _assert_chain_follows_blocking_dependencies(page, organisation, team)

    # Filtering by group dims the other groups' teams, and Clear forgets the pick.
    page.get_by_label("Group", exact=True).select_option(label=team.group.name)
    others = {t.id for t in organisation.teams.values() if t.group is not team.group}
    assert others <= _marked(page, "is-dimmed"), "teams of other groups stay undimmed"
    page.locator(".md-content").get_by_role("button", name="Clear").click()
    expect(page.locator("svg a.map-node.is-selected")).to_have_count(0)
    expect(page.locator("svg a.map-node.is-upstream")).to_have_count(0)


def test_explorer_works_from_the_keyboard(page: Page, organisation: Any, sample_team: Any) -> None:
    team = _chain_team(organisation, sample_team)
    page.goto(EXPLORER)

    # Tab from the last control before the map to the team's node, then press Enter.
    page.get_by_label("Group", exact=True).focus()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = "document.activeElement && document.activeElement.getAttribute('data-team')"
        if page.evaluate(focused) == team.id:
            break
    else:
        pytest.fail(f"Tab never reached {team.name}'s node on the map")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{re.escape(EXPLORER)}#{re.escape(team.id)}$"))
    _assert_highlights(page, team)

    # The text field: type a team's id, press Enter.
    other = next(t for t in sorted(organisation.teams.values(), key=lambda t: t.id) if t != team)
    other_up, other_down = _expected_highlight(other)
    field = page.get_by_label("Team or service")
    field.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(other.id)
    page.keyboard.press("Enter")
    expect(_node(page, other.id)).to_have_class(re.compile(r"\bis-selected\b"))
    assert _marked(page, "is-upstream") == other_up
    assert _marked(page, "is-downstream") == other_down

    # And on to the picked team's page, still by keyboard.
    open_link = page.get_by_role("link", name=re.compile(r"^Open the team's page$"))
    open_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/teams/{re.escape(other.id)}/$"))
    expect(page.locator("h1")).to_contain_text(other.name)
