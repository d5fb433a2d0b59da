"""The "pages" stage: render every generated page's Markdown, without MkDocs.

Kept apart from run.py because it follows generator/pages.py's interface, which the site
owns; run.py calls `generate_pages` in a fresh process after loading the organisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def generate_pages(checked: Any, org_dir: Path) -> dict[str, Any]:
    """Render all pages of `checked` (a pipeline CheckResult); returns counts and sizes."""
    from generator import pages

    assert checked.organisation is not None and checked.analysis is not None
    env = pages.make_environment(ROOT / "templates")
    site_pages = pages.site_pages(checked.organisation)
    rendered = pages.render_pages(
        site_pages,
        env,
        checked.organisation,
        checked.analysis,
        checked.findings,
        pages.SiteSettings(),
    )
    # The navigation the plugin hands MkDocs (no hand-written pages here).
    pages.navigation(checked.organisation, [], "Handbook")
    return {"pages": len(rendered), "markdown_mb": round(_size(rendered.values()) / 2**20, 2)}


def _size(rendered: Any) -> int:
    """Bytes of rendered text: plain strings, or page objects holding Markdown and blocks."""
    total = 0
    for page in rendered:
        if isinstance(page, str):
            total += len(page.encode())
            continue
        total += len(getattr(page, "markdown", "").encode())
        for block in getattr(page, "blocks", ()):
            total += len(str(getattr(block, "html", block)).encode())
    return total
