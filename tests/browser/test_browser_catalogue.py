"""The service catalogue's filters narrow the list as a user picks from them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

_SERVICE_HREF = re.compile(r"teams/([^/]+)/#(.+)$")
_ROWS = ".charter-catalogue tbody tr:has(td)"  # not the team heading rows


def _shown(page: Page) -> set[str]:
    """The services the catalogue shows now, as team/service keys."""
    keys: set[str] = set()
    for row in page.locator(f"{_ROWS}:visible").all():
        href = row.locator("a").first.get_attribute("href") or ""
        match = _SERVICE_HREF.search(href)
        assert match, f"a catalogue row does not link to its service: {href!r}"
        keys.add(f"{match.group(1)}/{match.group(2)}")
    return keys


def _expect_shown(page: Page, expected: set[str], what: str) -> None:
    rows = page.locator(f"{_ROWS}:visible")
    expect(rows, what).to_have_count(len(expected))
    assert _shown(page) == expected, what


def _row_texts(page: Page) -> dict[str, str]:
    """Every catalogue row's text (shown or not), lower-cased, by team/service key."""
    texts: dict[str, str] = {}
    for row in page.locator(_ROWS).all():
        match = _SERVICE_HREF.search(row.locator("a").first.get_attribute("href") or "")
        assert match
        texts[f"{match.group(1)}/{match.group(2)}"] = (row.text_content() or "").lower()
    return texts


def _pick(select: Locator, label: str) -> None:
    select.select_option(label=label)


def test_catalogue_filters_narrow_the_list(page: Page, organisation: Any, sample_team: Any) -> None:
    services = organisation.services
    everything = set(services)
    team = sample_team

    page.goto("services/")
    _expect_shown(page, everything, "the catalogue first lists every service")
    count = page.locator("[data-filter-count]")

    # Who it is for: the services that count the sample team among their customers.
    for_team = {k for k, s in services.items() if organisation.serves_team(s, team)}
    assert 0 < len(for_team) < len(everything), "the sample team is no use to filter by"
    _pick(page.get_by_label("Services for"), team.name)
    _expect_shown(page, for_team, f"services for {team.name}")
    expect(count).to_contain_text(f"{len(for_team)} of {len(everything)}")

    # Then from one group: the filters combine. Take the group that narrows it most.
    by_group: dict[str, set[str]] = {}
    for key in for_team:
        by_group.setdefault(services[key].team.group.id, set()).add(key)
    group_id, narrowed = min(by_group.items(), key=lambda item: (len(item[1]), item[0]))
    group = organisation.groups[group_id]
    assert len(narrowed) < len(for_team), "every service for the team comes from one group"
    _pick(page.get_by_label("From the group"), group.name)
    _expect_shown(page, narrowed, f"services for {team.name} from {group.name}")
    # The filtered list has its own address, to bookmark and share.
    assert f"group={group.id}" in page.url

    # A goal on its own: back to everyone and any group first.
    _pick(page.get_by_label("Services for"), "anyone")
    _pick(page.get_by_label("From the group"), "any group")
    _expect_shown(page, everything, "clearing the filters lists every service again")
    goal = max(
        organisation.goals.values(),
        key=lambda g: (
            sum(g in s.goals for s in services.values()) < len(everything),
            sum(g in s.goals for s in services.values()),
        ),
    )
    serving = {k for k, s in services.items() if goal in s.goals}
    assert 0 < len(serving) < len(everything)
    _pick(page.get_by_label("Serving the goal"), goal.name)
    _expect_shown(page, serving, f"services serving {goal.name}")

    # And words typed into the filter narrow it further: a word of one service's name that
    # not every listed service holds.
    texts = _row_texts(page)
    word = next(
        w
        for key in sorted(serving)
        for w in services[key].name.lower().split()
        if len(w) > 3 and 0 < sum(w in texts[k] for k in serving) < len(serving)
    )
    page.get_by_label("With the words").fill(word)
    _expect_shown(
        page,
        {k for k in serving if word in texts[k]},
        f"services serving {goal.name} with {word!r}",
    )

    # A bookmarked filter opens already filtered.
    page.goto(f"services/?group={group.id}")
    in_group = {k for k, s in services.items() if s.team.group.id == group.id}
    expect(page.get_by_label("From the group")).to_have_value(group.id)
    _expect_shown(page, in_group, f"services/?group={group.id}")
