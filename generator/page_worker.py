"""Half of a big build's pages written by a forked worker process (`charters build` only).

MkDocs builds pages one after the other: for each page the theme's templates render the
whole page (header, navigation, table of contents, footer), plugins post-process it and it
is written. At 2,000 teams that loop was ten seconds of one core while the other core of
the machine idled. Once every page's Markdown has been converted (MkDocs' `env` event), all
a page still needs is in memory: a forked copy of the build can write any share of them.

The plugin starts a `PageWorker` at `on_env`, hands it every other generated page, and
renders a stub (the empty template `STUB_TEMPLATE`) for those pages itself, so that MkDocs'
loop skips them: an empty page is not written. Search still indexes every page in this
process, in order, so the index is what a one-process build makes. The worker writes the
same bytes a one-process build would write (the same templates, plugins and state).

If the worker fails for any reason (a template error, a signal, no memory), `finish` builds
its pages here, in order, so errors surface exactly as they would without a worker.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

STUB_TEMPLATE = "charters-built-elsewhere.html"
# A build with fewer generated pages than this stays in one process: forking a large
# process and waiting for it costs more than a few hundred pages take.
MIN_PAGES = 400

_BUILD_LOG = "mkdocs.commands.build"


def can_fork() -> bool:
    # Linux only: macOS deems fork unsafe, Windows has none.
    return sys.platform == "linux" and hasattr(os, "fork")


class _SkippedPages(logging.Filter):
    """Drops MkDocs' "Page skipped ... Generated empty output" notes for the worker's pages."""

    def __init__(self, src_uris: set[str]) -> None:
        super().__init__()
        self.src_uris = src_uris

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Page skipped: '"):
            return message[len("Page skipped: '") :].split("'", 1)[0] not in self.src_uris
        return True


@contextmanager
def _search_not_indexing(config: MkDocsConfig) -> Iterator[None]:
    """The search plugin's page hook switched off: its index is made in the main process."""
    events = config.plugins.events["page_context"]
    kept = [m for m in events if type(getattr(m, "__self__", None)).__name__ != "SearchPlugin"]
    config.plugins.events["page_context"] = kept
    try:
        yield
    finally:
        config.plugins.events["page_context"] = events


class PageWorker:
    """Builds `pages` in a forked process; see the module's docstring."""

    def __init__(
        self,
        pages: list[Page],
        config: MkDocsConfig,
        files: Files,
        nav: Navigation,
        env: jinja2.Environment,
    ) -> None:
        self.pages = pages
        self.src_uris = {page.file.src_uri for page in pages}
        self.config = config
        self.doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        self.nav = nav
        self.env = env
        self.main_pid = os.getpid()
        self.pid: int | None = None
        self.reader: int | None = None
        self._templates: dict[str, Any] = {}
        self._log_filter = _SkippedPages(self.src_uris)

    def builds(self, page: Page) -> bool:
        """True in the main process for a page the worker writes."""
        return os.getpid() == self.main_pid and page.file.src_uri in self.src_uris

    def start(self) -> bool:
        """Fork the worker; False (and nothing started) when it could not be."""
        from mkdocs.commands import build as mkdocs_build

        build_page = getattr(mkdocs_build, "_build_page", None)
        if build_page is None:  # a MkDocs without it: build in one process
            return False
        reader, writer = os.pipe()
        sys.stdout.flush()  # the worker must not write out a copy of buffered output
        sys.stderr.flush()
        gc.freeze()  # the worker's garbage collector then leaves the shared memory alone
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            os.close(reader)
            os.close(writer)
            return False
        if pid == 0:  # the worker: build the share, report, and leave without cleaning up
            os.close(reader)
            status = b"ok"
            try:
                with _search_not_indexing(self.config):
                    for page in self.pages:
                        build_page(page, self.config, self.doc_files, self.nav, self.env)
            except BaseException as error:  # noqa: BLE001 - reported; the main process rebuilds
                status = f"{type(error).__name__}: {error}".encode(errors="replace")
            os.write(writer, status[:4096])
            os._exit(0 if status == b"ok" else 1)
        gc.unfreeze()
        os.close(writer)
        self.pid, self.reader = pid, reader
        # This process renders the stub for the worker's pages, so MkDocs skips them.
        for page in self.pages:
            self._templates[page.file.src_uri] = page.meta.get("template")
            page.meta["template"] = STUB_TEMPLATE
        logging.getLogger(_BUILD_LOG).addFilter(self._log_filter)
        return True

    def finish(self) -> None:
        """Wait for the worker; build its pages here if it did not build them all."""
        if self.pid is None or self.reader is None:
            return
        status, code = b"", -1
        try:
            with os.fdopen(self.reader, "rb") as report:
                self.reader = None
                status = report.read()
            _, wait_status = os.waitpid(self.pid, 0)
            code = os.waitstatus_to_exitcode(wait_status)
        finally:
            self.pid = None
            self._restore()
        if status == b"ok" and code == 0:
            return
        logging.getLogger("mkdocs.plugins.charters").debug(
            "the page worker failed (%s); building its pages here", status.decode(errors="replace")
        )
        from mkdocs.commands.build import _build_page

        pages, self.pages, self.src_uris = self.pages, [], set()
        with _search_not_indexing(self.config):
            for page in pages:
                _build_page(page, self.config, self.doc_files, self.nav, self.env)

    def stop(self) -> None:
        """The build failed: end the worker and wait for it."""
        if self.pid is not None:
            with suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None
        if self.reader is not None:
            with suppress(OSError):
                os.close(self.reader)
            self.reader = None
        self._restore()

    def _restore(self) -> None:
        for page in self.pages:
            template = self._templates.pop(page.file.src_uri, None)
            if template is None:
                page.meta.pop("template", None)
            else:
                page.meta["template"] = template
        logging.getLogger(_BUILD_LOG).removeFilter(self._log_filter)


def stub_loader(loader: jinja2.BaseLoader | None) -> jinja2.BaseLoader:
    """The theme's loader with the stub template added (an empty page)."""
    stub = jinja2.DictLoader({STUB_TEMPLATE: ""})
    return jinja2.ChoiceLoader([stub, loader]) if loader is not None else stub
