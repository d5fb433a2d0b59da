"""The baseline: the same teams as hand-written Markdown pages in one flat MkDocs folder.

This is what an organisation gets without `charters`: one page per team written by hand,
all in `docs/`, mkdocs-material with its defaults (navigation listing every page, the
built-in search). Reads the charters as plain YAML; nothing from `generator` is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Environment:
    # Autoescape: charter text lands in Markdown that MkDocs turns into HTML. Optional
    # fields are simply absent from the YAML, so undefined values render as nothing.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_flat_project(org_dir: Path, project: Path) -> Path:
    """Write `project/mkdocs.yml` and `project/docs/*.md`; return the mkdocs.yml path."""
    docs = project / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    env = _environment()
    team_page = env.get_template("flat_team.md.j2")
    index_page = env.get_template("flat_index.md.j2")
    organisation: dict[str, Any] = yaml.load(
        (org_dir / "organization.yaml").read_text(encoding="utf-8"), Loader=_Loader
    )
    teams: list[dict[str, Any]] = []
    for path in sorted(org_dir.glob("*.yaml")):
        if path.name == "organization.yaml":
            continue
        team = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        teams.append(team)
        (docs / f"{team['team']}.md").write_text(team_page.render(team=team), encoding="utf-8")
    (docs / "index.md").write_text(
        index_page.render(organisation=organisation, teams=teams), encoding="utf-8"
    )
    config = {
        "site_name": organisation["name"],
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material"},
    }
    mkdocs_yml = project / "mkdocs.yml"
    mkdocs_yml.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return mkdocs_yml
