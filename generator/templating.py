"""The Jinja2 environment for the plain-text outputs: CODEOWNERS, impact reports, new charters.

Site pages use `pages.make_environment` (HTML escaping, the site's filters); these outputs
share one loader and one set of whitespace rules, and each says how it escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2


def _templates_dir() -> Path:
    """The templates: the copy packaged as generator/templates by `pip install .`, or, in a
    checkout (and an editable install), templates/ beside the package."""
    package = Path(__file__).resolve().parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


TEMPLATES_DIR = _templates_dir()


def text_environment(
    *, autoescape: bool = False, finalize: Callable[[Any], Any] | None = None
) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=autoescape,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
