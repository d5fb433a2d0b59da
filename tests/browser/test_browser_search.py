"""Search as an employee uses it: a word from "how to ask" finds the service and lands on it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Site
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

_WORD = re.compile(r"[a-z]+")


def _corpus_words(site: Site) -> list[str]:
    """Every word the search index can hold: all the text of every built page."""
    words: list[str] = []
    for file in sorted(site.root.rglob("*.html")):
        text = re.sub(r"<[^>]+>", " ", file.read_text(encoding="utf-8", errors="replace"))
        words.extend(_WORD.findall(text.lower()))
    return words


def _distinctive_request_word(organisation: Any, site: Site) -> tuple[Any, str]:
    """A service and a word of its "how to ask" text that no other text of the site shares.

    Search matches stems and prefixes, so the word's first six letters must be unique on
    the page where the service is shown (twice is allowed: the catalogue may repeat it).
    """
    prefix_counts: dict[str, int] = {}
    for word in _corpus_words(site):
        prefix_counts[word[:6]] = prefix_counts.get(word[:6], 0) + 1
    for service in sorted(organisation.services.values(), key=lambda s: s.key):
        for word in _WORD.findall(service.request.lower()):
            if len(word) >= 7 and prefix_counts.get(word[:6], 0) <= 2:
                return service, word
    pytest.fail("no service has a distinctive word in its how-to-ask text to search for")


def test_search_finds_a_service_by_how_to_ask_and_lands_on_it(
    page: Page,
    site: Site,
    organisation: Any,
    assert_heading_in_view: Callable[[Page, str, str], None],
) -> None:
    service, word = _distinctive_request_word(organisation, site)
    team_id = service.team.id

    page.goto("")
    search = page.get_by_role("combobox", name=re.compile("search", re.I)).or_(
        page.locator("input.md-search__input")
    )
    search.first.click()
    search.first.press_sequentially(word, delay=15)

    # Links carry the searched words as ?h=... when search highlighting is on.
    result = page.locator(
        f'a.md-search-result__link[href*="/teams/{team_id}/"][href$="#{service.id}"]'
    )
    expect(result, f"searching {word!r} should show {service.key}").to_be_visible()
    expect(result).to_contain_text(service.name)

    result.click()
    page.wait_for_url(
        re.compile(rf"/teams/{re.escape(team_id)}/(\?[^#]*)?#{re.escape(service.id)}$")
    )
    assert_heading_in_view(page, service.id, service.name)
