"""`charters build` and `charters serve`: MkDocs driven with the charters plugin, safely.

`build` loads mkdocs.yml, builds into a temporary folder beside the site folder and swaps it
in only when the build succeeded, so a failed build (an error in a charter, a warning under
--strict, a broken template) leaves the previous site exactly as it was. Problems are printed
as `charters check` prints them, never as a traceback (set CHARTERS_TRACEBACK=1 to get one
when debugging the generator itself).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

# mkdocs-material prints a banner about its future on import; it is noise in our output.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

PLUGIN_LOGGER = "mkdocs.plugins.charters"


class _Formatter(logging.Formatter):
    """Findings exactly as `charters check` prints them; MkDocs' own messages with a level."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == PLUGIN_LOGGER:
            return message  # path:line:col: severity[code]: message, and the hint
        return f"{record.levelname:<7} -  {message}"


@contextmanager
def mkdocs_logging(quiet: bool) -> Iterator[None]:
    """Send MkDocs' log (and the plugin's findings) to stderr for the length of a command."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.setLevel(logging.WARNING if quiet else logging.INFO)
    previous_level, previous_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if not quiet else logging.WARNING)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = previous_propagate


def _fail(message: str) -> int:
    click.echo(message, err=True)
    return 1


def build_site(config_file: Path, site_dir: Path | None, strict: bool, quiet: bool = False) -> int:
    """Build the site; return the exit code (0 built, 1 failed and the old site kept)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from .plugin import ChartersPlugin, swap_in

    if not config_file.is_file():
        raise click.UsageError(
            f"no MkDocs configuration at '{config_file}'; run from the repository root "
            "or pass --config-file"
        )
    with mkdocs_logging(quiet):
        try:
            config = load_config(
                config_file=str(config_file),
                strict=True if strict else None,
                site_dir=str(site_dir.resolve()) if site_dir else None,
            )
        except MkDocsException as error:
            return _fail(f"error: {config_file}: {error.format_message()}")
        plugin = config.plugins.get("charters")
        if not isinstance(plugin, ChartersPlugin):
            return _fail(f"error: {config_file} does not enable the charters plugin")
        plugin.managed_site_dir = True  # this function swaps the site folder itself

        target = Path(config.site_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".site-build-", dir=target.parent))
        config.site_dir = str(temp)
        try:
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
            swap_in(temp, target)
        except MkDocsException as error:
            message = error.format_message()
            return _fail(f"{message}\nbuild failed: {_shown(target)} was left as it was")
        except Exception as error:  # noqa: BLE001 - a template or theme problem, reported plainly
            if os.environ.get("CHARTERS_TRACEBACK"):
                raise  # for developers of this tool: the whole story
            return _fail(
                f"error: {type(error).__name__}: {error}\n"
                f"build failed: {_shown(target)} was left as it was"
            )
        finally:
            if temp.exists():
                shutil.rmtree(temp, ignore_errors=True)
    click.echo(f"built the site into {_shown(target)}", err=True)
    return 0


# How often `charters serve` looks for changed files. MkDocs looks every 0.5 s, which is a
# quarter of a second on average between saving a charter and the rebuild starting; looking
# costs a few milliseconds (a stat of each watched file, 500 charters at 500 teams).
WATCH_INTERVAL = 0.2


def serve_site(config_file: Path, dev_addr: str | None, quiet: bool = False) -> int:
    """Serve the site with live reload on charter, template, theme and handbook changes."""
    from mkdocs.commands import serve as serve_command
    from mkdocs.exceptions import MkDocsException
    from mkdocs.livereload import LiveReloadServer

    class QuickerLiveReloadServer(LiveReloadServer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("polling_interval", WATCH_INTERVAL)
            super().__init__(*args, **kwargs)

    if not config_file.is_file():
        raise click.UsageError(
            f"no MkDocs configuration at '{config_file}'; run from the repository root "
            "or pass --config-file"
        )
    # Stopped with SIGTERM (a service manager, a test), shut down as on Ctrl-C: MkDocs then
    # removes its temporary site folder and the plugin its generated pages.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    with mkdocs_logging(quiet):
        try:
            # MkDocs has no option for how often it looks: hand it a server that looks sooner.
            serve_command.LiveReloadServer = QuickerLiveReloadServer  # type: ignore[misc]
            # Dirty builds: MkDocs then skips the pages the plugin knows are unchanged, and the
            # plugin keeps the rest right (generator/incremental.py).
            serve_command.serve(
                config_file=str(config_file),
                dev_addr=dev_addr,
                livereload=True,
                watch_theme=False,
                build_type="dirty",
            )
        except MkDocsException as error:
            return _fail(error.format_message())
        except KeyboardInterrupt:
            pass  # MkDocs has shut the server down
        finally:
            serve_command.LiveReloadServer = LiveReloadServer  # type: ignore[misc]
            signal.signal(signal.SIGTERM, previous)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) + "/"
    except ValueError:
        return str(path) + "/"
