"""Fixtures shared by every test folder.

The Chromium session lives here, not in tests/browser/, because Playwright's sync API allows
one running instance per process: every test that drives a browser shares this one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def browser_missing(reason: str) -> None:
    """Skip on a developer machine without the browser; under CI the tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(
            f"{reason}; CI=true, so the browser tests must run: install Debian's chromium "
            "(apt-get install chromium) and the test extras (pip install -e '.[test]')",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("playwright is not installed")
        raise  # unreachable: _browser_missing skips or fails
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        browser_missing(f"no Chromium at {executable}")
    from playwright.sync_api import expect

    # A busy two-core CI machine can be slow to run the theme's search worker.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            browser_missing(f"Chromium at {executable} does not start: {error}")
            raise
        try:
            yield launched
        finally:
            launched.close()
