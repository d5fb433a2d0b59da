"""A `charters` project for a generated organisation: the repository's own mkdocs.yml with
charters_dir pointing at the generated charters and every other path (handbook, templates,
theme overrides) pointing back into the repository, so the benchmark builds exactly what
`charters build` builds for the sample, only with N teams."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The `charters` entry point, whether or not the checkout was pip-installed.
CHARTERS = [sys.executable, "-c", "from generator.cli import main; main()"]


def _absolute(value: str) -> str:
    path = Path(value)
    return str(path if path.is_absolute() else ROOT / path)


def project_config(org_dir: Path) -> dict[str, Any]:
    """The repository's mkdocs.yml, re-pointed at `org_dir` and absolute repository paths."""
    config: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = _absolute(config.get("docs_dir", "docs"))
    config["site_dir"] = "site"
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = _absolute(theme["custom_dir"])
    plugins = []
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "charters" in plugin:
            options = dict(plugin["charters"] or {})
            options["charters_dir"] = str(org_dir.resolve())
            options["templates_dir"] = _absolute(options.get("templates_dir", "templates"))
            plugin = {"charters": options}
        elif plugin == "charters":
            plugin = {
                "charters": {
                    "charters_dir": str(org_dir.resolve()),
                    "templates_dir": _absolute("templates"),
                }
            }
        plugins.append(plugin)
    config["plugins"] = plugins
    return config


def make_project(org_dir: Path, project: Path) -> Path:
    """Write `project/mkdocs.yml` for `org_dir`; returns the project folder."""
    project.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(project_config(org_dir), sort_keys=False, allow_unicode=True)
    (project / "mkdocs.yml").write_text(text, encoding="utf-8")
    return project


def charters_build_command(project: Path, site: Path) -> list[str]:
    return [
        *CHARTERS,
        "build",
        "--quiet",
        "--config-file",
        str(project / "mkdocs.yml"),
        "--site-dir",
        str(site),
    ]


def charters_serve_command(project: Path, address: str) -> list[str]:
    return [
        *CHARTERS,
        "serve",
        "--config-file",
        str(project / "mkdocs.yml"),
        "--dev-addr",
        address,
    ]
