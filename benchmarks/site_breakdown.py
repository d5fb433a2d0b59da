"""Where a built site's bytes go: by kind of page, and inside team pages by part.

    python3 benchmarks/site_breakdown.py SITE_DIR

Used to decide what to trim when the site is over its size target (issue 7): it prints the
bytes of each kind of page (teams/<id>/, map/<group>/, the catalogue, ...), then splits the
team pages into the theme's chrome, their navigation and each section of the article.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

SECTION_HEADING = re.compile(r'<h2[^>]*\bid="([^"]*)"')
# The sections every team page has; any other h2 is one of the team's services.
TEAM_SECTIONS = {"relies_on", "relied_on_by", "team_map", "line_of_sight", "review_and_feedback"}


def _kind(relative: Path) -> str:
    parts = relative.parts
    if len(parts) > 2 and parts[0] in {"teams", "map", "customers", "groups"}:
        return f"{parts[0]}/*/{parts[-1]}"
    return parts[0] if len(parts) > 1 else relative.name


def by_kind(site: Path) -> tuple[Counter[str], Counter[str]]:
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for path in sorted(site.rglob("*")):
        if path.is_file():
            kind = _kind(path.relative_to(site))
            sizes[kind] += path.stat().st_size
            counts[kind] += 1
    return sizes, counts


def team_page_parts(site: Path) -> Counter[str]:
    parts: Counter[str] = Counter()
    for page in sorted(site.glob("teams/*/index.html")):
        html = page.read_text(encoding="utf-8")
        start, end = html.find("<article"), html.find("</article>")
        if start < 0 or end < 0:
            continue
        primary = html.find("md-sidebar--primary")
        secondary = html.find("md-sidebar--secondary")
        parts["theme: head, header, tabs"] += primary if primary >= 0 else start
        if primary >= 0 and secondary >= 0:
            parts["theme: navigation sidebar"] += secondary - primary
            parts["theme: table-of-contents sidebar"] += start - secondary
        elif primary >= 0:  # toc.integrate: the contents are inside the navigation
            parts["theme: navigation sidebar (with contents)"] += start - primary
        parts["theme: after the article"] += len(html) - end
        article = html[start:end]
        headings = [(m.start(), m.group(1)) for m in SECTION_HEADING.finditer(article)]
        marks = [(0, "intro"), *headings]
        marks.append((len(article), ""))
        for (begin, name), (finish, _) in zip(marks, marks[1:], strict=False):
            label = name if name in TEAM_SECTIONS or name == "intro" else "services"
            parts[f"article: {label}"] += finish - begin
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site}: not a built site (no index.html)", file=sys.stderr)
        return 2
    sizes, counts = by_kind(args.site)
    print(f"site: {sum(sizes.values()) / 1e6:.1f} MB in {sum(counts.values())} files")
    for kind, size in sizes.most_common(12):
        print(f"{size / 1e6:9.1f} MB {counts[kind]:6d}  {kind}")
    parts = team_page_parts(args.site)
    pages = counts.get("teams/*/index.html", 0) or 1
    print(f"\nteam pages, by part (average per page over {pages}):")
    for part, size in parts.most_common():
        print(f"{size / 1e6:9.1f} MB {size / pages / 1e3:7.1f} KB  {part}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
