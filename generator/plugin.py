"""The MkDocs plugin `charters`: checks the charters and adds the generated pages to the build.

Enabled in mkdocs.yml (`plugins: [search, charters]`); `handbook/` is the docs folder with the
hand-written pages, and the plugin adds every generated page (home, teams, groups, customer
segments, service catalogue, mission, map, health) with `File.generated`, plus the navigation.

What it does at each step of a build:
- on_config: load and check `charters/` once (root: the folder of mkdocs.yml), log every
  finding as `path:line:col: severity[code]: message` (warnings as warnings, so `--strict`
  fails on them, except time-bound ones such as an overdue review: Finding.time_bound),
  stop with a PluginError on any error finding; take the site's name, description and logo
  from the organisation file.
- on_files: render the pages through the Jinja2 templates (in two processes for a big
  build, see pages.render_pages) and build the navigation.
- on_nav / on_page_context: give each page a navigation cut to its own path
  (NavigationViews), which is all the theme shows of it with navigation.prune.
- on_page_content / on_page_context: hand search each generated page as search is to read
  it (names, summaries, how to ask, contacts), then the theme the whole page.
- on_env: for a big build, fork a worker that writes half of the pages (page_worker.py).
- on_post_page: collapse the theme's runs of blank lines and indentation.
- on_post_build: make sitemap.xml.gz reproducible and, for `mkdocs build`, swap the freshly
  built folder in place of the old site (a failed build never touches the old site).
- on_serve: watch `charters/` and `templates/` so `mkdocs serve` rebuilds on a change; under
  `charters serve` a rebuild redoes only what the edit changed (incremental.py).
"""

from __future__ import annotations

import gzip
import logging
import os
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
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.utils import CountHandler

from . import incremental, page_worker, pages
from .findings import Finding, Severity
from .pipeline import (
    ORGANISATION_FILE,
    CheckResult,
    display_path,
    load_charters,
    reference_date,
)

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


# Marks a log record that MkDocs' strict mode must not count (a time-bound finding).
_NOT_STRICT = "charters_not_strict"


def _log_finding(finding: Finding) -> None:
    text = finding.to_text()
    if finding.severity is Severity.ERROR:
        log.error(text)
    elif finding.severity is Severity.WARNING:
        log.warning(text, extra={_NOT_STRICT: finding.time_bound})
    else:
        log.info(text)


def _not_counted_under_strict(record: logging.LogRecord) -> bool:
    return not getattr(record, _NOT_STRICT, False)


def _keep_time_bound_findings_out_of_strict() -> None:
    """Let MkDocs' strict-mode counter skip time-bound warnings (Finding.time_bound).

    They are still printed as warnings by MkDocs' own handler; only the counter that makes
    `--strict` abort ignores them. Idempotent: `charters serve` calls it on every rebuild.
    """
    for handler in logging.getLogger("mkdocs").handlers:
        if isinstance(handler, CountHandler) and _not_counted_under_strict not in handler.filters:
            handler.addFilter(_not_counted_under_strict)


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
        # Each generated page's HTML from Markdown, between search reading it and the theme.
        self.markdown_html: dict[str, str] = {}
        # ... and as search read it, which the page keeps once it is written (on_post_page).
        self.search_content: dict[str, str] = {}
        self.temp_site_dir: str | None = None
        # The navigation as the pages of each section see it (see NavigationViews).
        self.nav_views: NavigationViews | None = None
        self.nav: Navigation | None = None
        # Writes half of a big build's pages in a forked process (see page_worker.py).
        self.worker: page_worker.PageWorker | None = None
        # `serve` only: what the last build made, to redo only what an edit changed (see
        # incremental.py).
        self.serve = incremental.ServeSession()
        self.dirty = False
        self.search_plugin: Any = None  # mkdocs-material's search plugin, when it is on
        self.theme_bytecode = _MemoryBytecodeCache()
        self._entries_before = 0

    # --- configuration and checking -------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.dirty = dirty
        if command == "serve" and dirty:
            # `charters serve` builds dirty on purpose and keeps it right (incremental.py).
            logging.getLogger("mkdocs.commands.build").addFilter(_quiet_dirty_warning)

    def on_shutdown(self) -> None:
        self.serve.close()

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

        if self.command == "serve" and self.serve.rendered:
            self.serve.collector.pause()  # a rebuild: no garbage collection until it ends
        # `serve` reads again only the charters whose bytes changed since the last build.
        cache = self.serve.file_cache if self.command == "serve" else None
        result = load_charters(self.charters_dir, root=self.root, cache=cache)
        _keep_time_bound_findings_out_of_strict()
        for finding in result.findings:
            _log_finding(finding)
        if not result.ok or result.organisation is None:
            raise PluginError(f"charters: {result.summary}; the site was not built")
        self.previous_result, self.result = self.result, result
        org = result.organisation

        # The theme prints these as they are: escape them once here (Markup is not re-escaped).
        if self.config.use_organisation_name:
            config.site_name = Markup(escape(org.name))
        if not config.site_description:
            config.site_description = Markup(escape(" ".join(org.mission.split())))
        self._use_logo(config, org.logo)

        # One environment for the life of the process: Jinja recompiles a template whose
        # file changed, and `serve` then keeps the compiled others.
        if self.env is None or self.env.loader.searchpath != [str(self.templates_dir)]:  # type: ignore[union-attr]
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
        serving = self.command == "serve"
        # What every page depends on besides the organisation: settings, templates, the day.
        rendered_with = (
            settings,
            incremental.tree_signature(self.templates_dir),
            reference_date(),
        )
        wanted = (
            self.serve.wanted(self.result, rendered_with, [p.src_uri for p in site_pages])
            if serving
            else None
        )
        previous = self.serve.rendered if serving else {}
        if wanted is None:
            to_render = site_pages
        else:
            to_render = [p for p in site_pages if p.src_uri in wanted or p.src_uri not in previous]
        try:
            fresh = pages.render_pages(
                to_render,
                self.env,
                org,
                analysis,
                self.result.findings,
                settings,
                workers=self._render_workers(),
            )
        except pages.TemplateProblem as problem:
            raise PluginError(f"charters: {problem}") from None
        rendered = {p.src_uri: fresh.get(p.src_uri) or previous[p.src_uri] for p in site_pages}

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
        self.markdown_html = {}
        self.search_content = {}
        for src_uri, page in rendered.items():
            inclusion = (
                InclusionLevel.NOT_IN_NAV if src_uri in off_nav else InclusionLevel.UNDEFINED
            )
            if serving:
                # A file of its own, rewritten only when the page changed (incremental.py).
                unchanged = previous.get(src_uri) == page
                source = self.serve.source_file(src_uri, page.markdown, unchanged)
                file = File.generated(config, src_uri, abs_src_path=source, inclusion=inclusion)
            else:
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
        if serving:
            self.serve.keep_rendered(self.result, rendered, rendered_with)
            self.search_plugin = _material_search_plugin(config)
            custom_dir = config.theme.custom_dir
            self.serve.start(
                incremental.site_signature(
                    config.config_file_path, [custom_dir] if custom_dir else []
                )
                if self.search_plugin is not None
                else object(),  # without search entries to give back, build every page
                incremental.navigation_signature(
                    config.nav,
                    {src_uri: page.markdown for src_uri, page in rendered.items()},
                    {
                        f.src_uri: f.abs_src_path
                        for f in files.documentation_pages()
                        if f.src_uri not in rendered
                    },
                ),
                rendered,
                {
                    f.src_uri: f.abs_dest_path
                    for f in files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
                },
            )
        return files

    @event_priority(-100)  # last: the navigation as the theme gets it
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        for src_uri in self.serve.reused:
            # A page MkDocs skips (dirty build) is not read: its title, for the navigation
            # of the pages that are built, is the one it had.
            file = files.get_file_from_path(src_uri)
            if file is not None and file.page is not None:
                file.page.title = self.serve.built[src_uri].title  # type: ignore[misc]
        self.nav_views = NavigationViews(nav) if _prunes_navigation(config) else None
        return nav

    @event_priority(-100)  # last: the theme's environment as pages are rendered with it
    def on_env(
        self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        # The empty template of the pages this process does not render (page_worker.py,
        # and `serve` for pages it takes from the last build).
        env.loader = page_worker.stub_loader(env.loader)
        if self.command == "serve":
            self.serve.order = [
                f.src_uri for f in files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
            ]
            # MkDocs makes a new theme environment for every build: compile each theme
            # template once per `serve`, not once per rebuild.
            env.bytecode_cache = self.theme_bytecode
        # Every page's Markdown is converted now: a forked worker can write half of them.
        generated = [
            file.page
            for file in files.documentation_pages(inclusion=InclusionLevel.is_included)
            if file.page is not None and file.src_uri in self.blocks
        ]
        if (
            self._render_workers() < 2
            or len(generated) < page_worker.MIN_PAGES
            or not page_worker.can_fork()
            or self.nav is None
        ):
            return env
        worker = page_worker.PageWorker(generated[1::2], config, files, self.nav, env)
        if worker.start():
            self.worker = worker
        return env

    @event_priority(100)  # before the search plugin indexes the page
    def _on_page_context_first(
        self,
        context: dict[str, Any],
        *,
        page: MkDocsPage,
        config: MkDocsConfig,
        nav: Navigation,
    ) -> dict[str, Any]:
        if self.search_plugin is not None:
            self._entries_before = len(self.search_plugin.search_index.entries)
        return context

    @event_priority(-50)  # after the search plugin has indexed the page
    def _on_page_context_last(
        self,
        context: dict[str, Any],
        *,
        page: MkDocsPage,
        config: MkDocsConfig,
        nav: Navigation,
    ) -> dict[str, Any]:
        src_uri = page.file.src_uri
        if self.serve.reuses(src_uri):
            return context  # its output and search entries are last build's
        if self.search_plugin is not None:
            entries = self.search_plugin.search_index.entries[self._entries_before :]
            self.serve.entries[src_uri] = entries
        if self.worker is not None and self.worker.builds(page):
            return context  # the worker writes it; its blocks stay here in case it fails
        # Search has read the page as `on_page_content` left it; the theme gets it whole.
        html = self.markdown_html.pop(src_uri, None)
        if html is not None:
            self.search_content[src_uri] = page.content or ""
            page.content = pages.fill_blocks(html, self.blocks.pop(src_uri, []))
        if self.nav_views is not None and context.get("nav") is nav:
            context["nav"] = self.nav_views.for_page(page)
        return context

    on_page_context = CombinedEvent(_on_page_context_first, _on_page_context_last)

    def on_page_markdown(
        self, markdown: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str:
        # A page `serve` takes from the last build has nothing to convert.
        return "" if self.serve.reuses(page.file.src_uri) else markdown

    def on_page_content(
        self, html: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files
    ) -> str:
        if self.serve.reuses(page.file.src_uri):
            # What MkDocs learned from the page's Markdown last time; search gets last time's
            # entries (on_post_build) and the theme nothing to render (on_post_page).
            built = self.serve.built[page.file.src_uri]
            page.title = built.title  # type: ignore[misc]
            page.toc = built.toc
            page.present_anchor_ids = built.anchors
            page.links_to_anchors = built.links
            page.meta["search"] = {"exclude": True}
            page.meta["template"] = page_worker.STUB_TEMPLATE
            return ""
        # The page as search is to read it: its HTML blocks without the parts search skips.
        blocks = self.blocks.get(page.file.src_uri)
        if blocks is None:
            return html
        self.markdown_html[page.file.src_uri] = html
        return pages.fill_blocks(html, blocks, for_search=True)

    @event_priority(-100)  # last: an empty page is what makes MkDocs skip a worker's page
    def on_post_page(self, output: str, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        if self.worker is not None and self.worker.builds(page):
            return ""
        src_uri = page.file.src_uri
        if self.serve.reuses(src_uri):
            return self.serve.built[src_uri].output
        # MkDocs keeps every page's content to the end of the build: keep the short version
        # (the maps and relation tables of 2,000 team pages were 100 MB of it).
        short = self.search_content.pop(src_uri, None)
        if short is not None:
            page.content = short
        output = collapse_whitespace(output)
        if self.command == "serve" and src_uri in self.serve.rendered:
            self.serve.page_built(
                src_uri,
                incremental.BuiltPage(
                    self.serve.rendered[src_uri],
                    page.title,
                    page.toc,
                    page.present_anchor_ids,
                    page.links_to_anchors,
                    output,
                ),
            )
        return output

    def _render_workers(self) -> int:
        """Processes to render pages in: one per CPU for a build (at most 4), one when serving
        (the server's threads make forking unsafe there)."""
        if self.command != "build":
            return 1
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cpus = os.cpu_count() or 1
        return max(1, min(cpus, 4))

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

    @event_priority(100)  # first: every page is written before anything else looks
    def _on_post_build_pages_written(self, *, config: MkDocsConfig) -> None:
        if self.worker is not None:
            worker, self.worker = self.worker, None
            worker.finish()

    @event_priority(-100)  # last, after search and sitemap writers have finished
    def _on_post_build_finish(self, *, config: MkDocsConfig) -> None:
        _reproducible_sitemap(Path(config.site_dir))
        if self.temp_site_dir is None or self.target_site_dir is None:
            return
        if config.strict and _strict_warnings():
            return  # MkDocs is about to abort: on_build_error removes the temporary folder
        swap_in(Path(self.temp_site_dir), Path(self.target_site_dir))
        config.site_dir = self.target_site_dir
        self.temp_site_dir = None

    @event_priority(50)  # before the search plugin writes its index
    def _on_post_build_search(self, *, config: MkDocsConfig) -> None:
        if self.command != "serve":
            return
        if self.search_plugin is not None:
            # The index as a full build makes it: every page's entries in page order, the
            # last known ones for the pages this build skipped or took as they were.
            self.search_plugin.search_index.entries = self.serve.search_entries()
            # Its own merging for dirty builds assumes one page changed: not needed here.
            self.search_plugin.search_index_prev = None
        self.serve.finish()
        self.serve.collector.resume()

    on_post_build = CombinedEvent(
        _on_post_build_pages_written, _on_post_build_search, _on_post_build_finish
    )

    def on_build_error(self, *, error: Exception) -> None:
        self.serve.forget()  # the next build starts from nothing
        self.serve.collector.resume()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self.temp_site_dir is not None:
            shutil.rmtree(self.temp_site_dir, ignore_errors=True)
            self.temp_site_dir = None


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory (Jinja checks each against its source's checksum)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def _material_search_plugin(config: MkDocsConfig) -> Any:
    """mkdocs-material's search plugin, when it is on and as this code knows it; else None."""
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if (
            type(plugin).__name__ == "SearchPlugin"
            and hasattr(plugin, "search_index_prev")
            and isinstance(getattr(index, "entries", None), list)
        ):
            return plugin
    return None


def _quiet_dirty_warning(record: logging.LogRecord) -> bool:
    """Drop MkDocs' warning that a dirty build may be inaccurate: `charters serve` keeps its
    dirty builds accurate (incremental.py)."""
    return not record.getMessage().startswith("A 'dirty' build is being performed")


# --- the navigation each page carries ---------------------------------------------------------


def _prunes_navigation(config: MkDocsConfig) -> bool:
    """True when the theme shows only the current page's path of the navigation: a closed
    section then renders as one link to its first page (mkdocs-material's navigation.prune,
    without navigation.sections, which opens every section of the current tab)."""
    features = config.theme.get("features") or []
    return (
        config.theme.name == "material"
        and "navigation.prune" in features
        and "navigation.sections" not in features
    )


class _SectionView(Section):
    """A section of the navigation as one page sees it: the same title, the same open or
    closed state (read from the real section, which MkDocs keeps up to date), other children."""

    def __init__(self, section: Section, children: list[StructureItem]) -> None:
        self._section = section  # before Section.__init__, which sets `active`
        super().__init__(section.title, children)

    @property  # type: ignore[override]
    def active(self) -> bool:
        return self._section.active

    @active.setter
    def active(self, value: bool) -> None:
        pass  # MkDocs sets it on the real section; this one only reads it


class NavigationViews:
    """The navigation as the pages of each section see it, made once per section.

    The theme renders the whole navigation into every page, walking every section to its
    last page even where navigation.prune then shows a closed section as its first link
    only. At 2,000 teams that walk was a quarter of the build. A page's view keeps the
    sections on its own path whole and cuts every other section down to its first child,
    which is all a closed section shows: the HTML is the same, the theme walks less.

    One more cut, for large organisations: inside a section with more than
    `max_closed` sub-sections (the Teams section of an organisation of many groups), a page
    below one of them shows only its own; the section's index page (teams/) still lists
    them all. The sidebar of a team page then holds its group's teams, not 69 group links
    with them (measured at 2,000 teams: a third of the page's size and of its build time).
    """

    def __init__(self, nav: Navigation, max_closed: int = pages.NAV_CHUNK) -> None:
        self.nav = nav
        self.max_closed = max_closed
        self._views: dict[int, Navigation] = {}

    def for_page(self, page: MkDocsPage) -> Navigation:
        key = id(page.parent)
        view = self._views.get(key)
        if view is None:
            path = {id(section) for section in page.ancestors}
            items = [self._item(item, path, page.parent) for item in self.nav.items]
            view = Navigation(items, self.nav.pages)
            self._views[key] = view
        return view

    def _item(self, item: StructureItem, path: set[int], parent: Section | None) -> StructureItem:
        if not isinstance(item, Section):
            return item
        if id(item) in path:
            children = item.children
            closed = [c for c in children if isinstance(c, Section) and id(c) not in path]
            if item is not parent and len(closed) > self.max_closed:
                children = [c for c in children if not isinstance(c, Section) or id(c) in path]
            return _SectionView(item, [self._item(c, path, parent) for c in children])
        if not item.children:
            return item
        return _SectionView(item, [self._item(item.children[0], path, parent)])


def collapse_whitespace(html: str) -> str:
    r"""Each run of whitespace that holds a line break, as one line break.

    The theme's templates leave most of a page blank lines and indentation (two thirds of a
    team page's navigation at 2,000 teams). A browser shows any run of whitespace as one
    space, so the page looks the same; pages with <pre> or <textarea>, where whitespace is
    shown as it is, are left alone.

    The same as `re.sub(r"[ \t\r]*\n\s*", "\n", html)`, done line by line with string
    methods, three times as fast (the regular expression tried a match at every space).
    """
    if "<pre" in html or "<textarea" in html or "\n" not in html:
        return html
    lines = html.split("\n")
    # The last line loses its indentation; the first keeps it; blank lines go.
    last = lines.pop().lstrip()
    kept = [line.rstrip(" \t\r") for line in map(str.lstrip, lines[1:]) if line]
    return "\n".join([lines[0].rstrip(" \t\r"), *kept, last])


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
