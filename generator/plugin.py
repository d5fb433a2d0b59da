"""The MkDocs plugin `charters`: checks the charters and adds the generated pages to the build.

Enabled in mkdocs.yml (`plugins: [search, charters]`); `handbook/` is the docs folder with the
hand-written pages, and the plugin adds every generated page (home, teams, groups, customer
segments, service catalogue, mission, map, health) with `File.generated`, plus the navigation.

What it does at each step of a build:
- on_config: load and check `charters/` once (root: the folder of mkdocs.yml), log every
  finding as `path:line:col: severity[code]: message` (warnings as warnings, so `--strict`
  fails on them), stop with a PluginError on any error finding; take the site's name,
  description and logo from the organisation file.
- on_files: render the pages through the Jinja2 templates and build the navigation.
- on_post_build: make sitemap.xml.gz reproducible and, for `mkdocs build`, swap the freshly
  built folder in place of the old site (a failed build never touches the old site).
- on_serve: watch `charters/` and `templates/` so `mkdocs serve` rebuilds on a change.
"""

from __future__ import annotations

import gzip
import logging
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.utils import CountHandler

from . import pages
from .findings import Finding, Severity
from .pipeline import ORGANISATION_FILE, CheckResult, display_path, load_charters

log = logging.getLogger("mkdocs.plugins.charters")

MATERIAL_DEFAULT_FAVICON = "assets/images/favicon.png"
_LOGO_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.(svg|png|jpe?g|gif|webp|ico)$")


class ChartersConfig(base.Config):
    charters_dir = c.Type(str, default="charters")
    templates_dir = c.Type(str, default="templates")
    # Replace mkdocs.yml's site_name with the organisation's name (MkDocs requires one).
    use_organisation_name = c.Type(bool, default=True)
    handbook_title = c.Type(str, default="Handbook")
    # Link from the health page to a finding's file and line, when mkdocs.yml sets repo_url.
    repo_file_url = c.Type(str, default="{repo_url}/blob/main/{path}#L{line}")
    # `mkdocs build` writes into a temporary folder and swaps it in only when it succeeded.
    atomic_build = c.Type(bool, default=True)


def _log_finding(finding: Finding) -> None:
    text = finding.to_text()
    if finding.severity is Severity.ERROR:
        log.error(text)
    elif finding.severity is Severity.WARNING:
        log.warning(text)
    else:
        log.info(text)


class ChartersPlugin(BasePlugin[ChartersConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.command: str | None = None
        # Set by `charters build`, which swaps the site folder itself.
        self.managed_site_dir = False
        self.result: CheckResult | None = None
        self.root = Path.cwd()
        self.charters_dir = self.root / "charters"
        self.templates_dir = self.root / "templates"
        self.env: jinja2.Environment | None = None
        self.user_nav: list[Any] | None = None
        self.target_site_dir: str | None = None
        # HTML set aside from each generated page's Markdown, by src_uri (see pages.py).
        self.blocks: dict[str, list[pages.HtmlBlock]] = {}
        self.temp_site_dir: str | None = None

    # --- configuration and checking -------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        self.charters_dir = self.root / self.config.charters_dir
        self.templates_dir = self.root / self.config.templates_dir
        if not self.charters_dir.is_dir():
            raise PluginError(
                f"charters: no charters folder at '{display_path(self.charters_dir, self.root)}'"
                " (plugin option charters_dir)"
            )
        if not self.templates_dir.is_dir():
            raise PluginError(
                f"charters: no templates folder at "
                f"'{display_path(self.templates_dir, self.root)}' (plugin option templates_dir)"
            )

        result = load_charters(self.charters_dir, root=self.root)
        for finding in result.findings:
            _log_finding(finding)
        if not result.ok or result.organisation is None:
            raise PluginError(f"charters: {result.summary}; the site was not built")
        self.result = result
        org = result.organisation

        # The theme prints these as they are: escape them once here (Markup is not re-escaped).
        if self.config.use_organisation_name:
            config.site_name = Markup(escape(org.name))
        if not config.site_description:
            config.site_description = Markup(escape(" ".join(org.mission.split())))
        self._use_logo(config, org.logo)

        self.env = pages.make_environment(self.templates_dir)
        self.user_nav = config.nav
        self._redirect_site_dir(config)
        return config

    def _use_logo(self, config: MkDocsConfig, logo: str | None) -> None:
        if not logo or config.theme.get("logo"):
            return
        docs_dir = Path(config.docs_dir)
        path = (docs_dir / logo).resolve()
        inside = path.is_relative_to(docs_dir.resolve())
        if not _LOGO_PATH.match(logo) or ".." in logo.split("/") or not inside:
            problem = "is not an image path inside the docs folder"
        elif not path.is_file():
            problem = "does not exist"
        else:
            config.theme["logo"] = logo
            if config.theme.get("favicon") in (None, MATERIAL_DEFAULT_FAVICON):
                config.theme["favicon"] = logo
            return
        assert self.result is not None and self.result.organisation is not None
        org_file = self.result.organisation.file
        docs = display_path(docs_dir, self.root)
        finding = Finding(
            Severity.WARNING,
            "missing-logo",
            org_file,
            _line_of_key(self.root / org_file, "logo"),
            1,
            f"logo '{logo}' {problem}; the site shows no logo",
            f"put the image in {docs}/ and give its path relative to {docs}/, "
            "e.g. 'assets/logo.svg'",
        )
        _log_finding(finding)
        self.result.findings.append(finding)  # the health page lists it with the others

    def _redirect_site_dir(self, config: MkDocsConfig) -> None:
        """For `mkdocs build`: build into a temporary folder next to the site folder."""
        if not self.config.atomic_build or self.command != "build" or self.managed_site_dir:
            return
        self.target_site_dir = config.site_dir
        parent = Path(config.site_dir).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self.temp_site_dir = tempfile.mkdtemp(prefix=".site-build-", dir=parent)
        config.site_dir = self.temp_site_dir

    # --- pages and navigation ------------------------------------------------------------

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.result is not None and self.env is not None
        org, analysis = self.result.organisation, self.result.analysis
        assert org is not None and analysis is not None
        site_pages = pages.site_pages(org, frozenset(self.env.list_templates()))
        settings = pages.SiteSettings(
            use_directory_urls=config.use_directory_urls,
            repo_file_url=self._repo_file_url(config),
        )
        try:
            rendered = pages.render_pages(
                site_pages, self.env, org, analysis, self.result.findings, settings
            )
        except pages.TemplateProblem as problem:
            raise PluginError(f"charters: {problem}") from None

        docs = display_path(Path(config.docs_dir), self.root)
        for src_uri in rendered:
            existing = files.get_file_from_path(src_uri)
            if existing is not None and existing.generated_by is None:
                log.warning(
                    f"{docs}/{src_uri}:1:1: warning[page-collision]: this hand-written page "
                    f"has the address of a generated page, which replaces it\n"
                    f"  hint: move it, e.g. to {docs}/handbook-{src_uri.replace('/', '-')}"
                )
                files.remove(existing)
        team_files = {pages.team_uri(t.id): t.file for t in org.teams.values()}
        off_nav = {p.src_uri for p in site_pages if not p.in_nav}
        self.blocks = {}
        for src_uri, page in rendered.items():
            inclusion = (
                InclusionLevel.NOT_IN_NAV if src_uri in off_nav else InclusionLevel.UNDEFINED
            )
            file = File.generated(config, src_uri, content=page.markdown, inclusion=inclusion)
            self.blocks[src_uri] = page.blocks
            if src_uri in team_files:
                # "Edit this page" on a team page opens its charter (relative to the docs
                # folder, as MkDocs joins it with edit_uri).
                file.edit_uri = posixpath.relpath(team_files[src_uri], docs)
            files.append(file)

        handbook = self.user_nav or pages.handbook_navigation(
            [f.src_uri for f in files.documentation_pages() if f.generated_by is None],
            lambda src_uri: src_uri in rendered,
        )
        config.nav = pages.navigation(org, handbook, self.config.handbook_title)
        return files

    def on_page_content(
        self, html: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str:
        # Put back the HTML blocks the page's Markdown stood in for (search reads this).
        return pages.fill_blocks(html, self.blocks.get(page.file.src_uri, []))

    def on_post_page(self, output: str, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        # The blocks search was not to read go back into the finished page; then free them.
        output = pages.fill_deferred(output, self.blocks.pop(page.file.src_uri, []))
        return collapse_whitespace(output)

    def _repo_file_url(self, config: MkDocsConfig) -> str | None:
        if not config.repo_url or not self.config.repo_file_url:
            return None
        repo = config.repo_url.rstrip("/")
        # Fill in the repository now; {path} and {line} are filled per finding.
        return self.config.repo_file_url.replace("{repo_url}", repo)

    # --- serving and finishing --------------------------------------------------------------

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.charters_dir))
        server.watch(str(self.templates_dir))
        # The theme overrides (CSS, the charter layout) too, also under plain `mkdocs serve`.
        if config.theme.custom_dir:
            server.watch(config.theme.custom_dir)
        return server

    @event_priority(-100)  # last, after search and sitemap writers have finished
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        _reproducible_sitemap(Path(config.site_dir))
        if self.temp_site_dir is None or self.target_site_dir is None:
            return
        if config.strict and _strict_warnings():
            return  # MkDocs is about to abort: on_build_error removes the temporary folder
        swap_in(Path(self.temp_site_dir), Path(self.target_site_dir))
        config.site_dir = self.target_site_dir
        self.temp_site_dir = None

    def on_build_error(self, *, error: Exception) -> None:
        if self.temp_site_dir is not None:
            shutil.rmtree(self.temp_site_dir, ignore_errors=True)
            self.temp_site_dir = None


_WHITESPACE_RUN = re.compile(r"[ \t\r]*\n\s*")


def collapse_whitespace(html: str) -> str:
    """Each run of whitespace that holds a line break, as one line break.

    The theme's templates leave most of a page blank lines and indentation (two thirds of a
    team page's navigation at 2,000 teams). A browser shows any run of whitespace as one
    space, so the page looks the same; pages with <pre> or <textarea>, where whitespace is
    shown as it is, are left alone.
    """
    if "<pre" in html or "<textarea" in html:
        return html
    return _WHITESPACE_RUN.sub("\n", html)


def _strict_warnings() -> bool:
    """True when MkDocs' strict-mode counter has seen a warning in this build."""
    return any(
        isinstance(handler, CountHandler) and handler.get_counts()
        for handler in logging.getLogger("mkdocs").handlers
    )


def _reproducible_sitemap(site_dir: Path) -> None:
    """Rewrite sitemap.xml.gz with no timestamp: MkDocs stamps it with the build date."""
    plain = site_dir / "sitemap.xml"
    if not plain.is_file():
        return
    with (
        (site_dir / "sitemap.xml.gz").open("wb") as raw,
        gzip.GzipFile(filename="sitemap.xml", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        gz.write(plain.read_bytes())


def swap_in(built: Path, target: Path) -> None:
    """Put the folder `built` at `target`, replacing what was there; restore it on failure."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        built.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _line_of_key(path: Path, key: str) -> int:
    """The line of a top-level key in a YAML file, or 1 (for findings about one value)."""
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(rf"{re.escape(key)}\s*:", line):
                return number
    except OSError:
        pass
    return 1


__all__ = ["ChartersPlugin", "ORGANISATION_FILE", "swap_in"]
