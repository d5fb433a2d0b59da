"""Load, validate, resolve and analyse a charters folder: the path every command shares."""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import models
from .analyses import Analysis, run_analyses
from .findings import Finding, Severity, has_errors, sorted_findings
from .organisation import Organisation
from .resolve import resolve_organisation, resolve_teams
from .source import SourceFile, load_yaml
from .validate import ID_HINT, validate

ORGANISATION_FILE = "organization.yaml"
_SLUG_STEM = re.compile(models.SLUG_PATTERN)


@dataclass
class CheckResult:
    """All one run learned; `organisation` is None only when organization.yaml is unusable."""

    organisation: Organisation | None
    analysis: Analysis | None
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # display paths of every file read

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    @property
    def summary(self) -> str:
        """One line for the end of a run: 'checked 17 files: 1 error, 0 warnings, 2 notes'."""
        counts = [
            _count(sum(1 for f in self.findings if f.severity is severity), noun)
            for severity, noun in (
                (Severity.ERROR, "error"),
                (Severity.WARNING, "warning"),
                (Severity.INFO, "note"),
            )
        ]
        return f"checked {_count(len(self.files), 'file')}: {', '.join(counts)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def display_path(path: Path, root: Path) -> str:
    """Path as shown to people: relative to `root` when inside it, always with '/'."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def charter_paths(charters_dir: Path) -> list[Path]:
    """Team charter files, in a stable order (hidden files and the organisation file excluded)."""
    return sorted(
        path
        for path in charters_dir.iterdir()
        if path.suffix in (".yaml", ".yml")
        and path.name != ORGANISATION_FILE
        and not path.name.startswith(".")
        and path.is_file()
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of a load.

    Loading allocates hundreds of thousands of objects that all live on (positions, models,
    the resolved organisation), so every full collection walks the whole growing heap and
    frees nothing: 40% of the time of loading 2,000 charters. Garbage is still freed by
    reference counting meanwhile; the collector resumes (and catches up) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# A charter file's bytes and display path -> what reading and validating it gave (see
# `load_charters`' `cache`).
FileCache = dict[
    Path, tuple[bytes, str, SourceFile | None, models.CharterFile | None, list[Finding]]
]


def load_charters(
    charters_dir: Path,
    *,
    root: Path | None = None,
    today: dt.date | None = None,
    cache: FileCache | None = None,
) -> CheckResult:
    """Check every file under `charters_dir`; report all problems of all files in one run.

    `cache` (kept by the caller between runs, as `charters serve` does) skips reading and
    validating a charter file whose bytes are the same as last time; resolving and the
    analyses always run on the whole organisation.
    """
    with _collector_paused():
        return _load_charters(charters_dir, root, today, cache)


def _read_charter(
    path: Path, display: str, cache: FileCache | None
) -> tuple[SourceFile | None, models.CharterFile | None, list[Finding]]:
    """A charter file read and validated (or as last time, when its bytes are the same)."""
    content = path.read_bytes() if cache is not None else b""
    if cache is not None:
        hit = cache.get(path)
        if hit is not None and hit[0] == content and hit[1] == display:
            return hit[2], hit[3], hit[4]
    source, problems = load_yaml(path, display)
    findings = [_with_team(f, path.stem) for f in problems]  # grouped by team on pages
    model = None
    if source is not None:
        model, problems = validate(source, models.CharterFile)
        findings += [_with_team(f, path.stem) for f in problems]
    if cache is not None:
        cache[path] = (content, display, source, model, findings)
    return source, model, findings


def _load_charters(
    charters_dir: Path, root: Path | None, today: dt.date | None, cache: FileCache | None
) -> CheckResult:
    root = root or charters_dir.parent
    findings: list[Finding] = []
    files: list[str] = []

    org_path = charters_dir / ORGANISATION_FILE
    org_display = display_path(org_path, root)
    organisation: Organisation | None = None
    if not org_path.is_file():
        hint = "create it: it states the mission, goals, groups and calendars"
        if (charters_dir / "organisation.yaml").is_file():
            hint = "rename organisation.yaml to organization.yaml"
        findings.append(
            Finding(
                Severity.ERROR,
                "missing-organisation",
                org_display,
                1,
                1,
                f"no {ORGANISATION_FILE} in {display_path(charters_dir, root)}",
                hint,
            )
        )
    else:
        files.append(org_display)
        source, problems = load_yaml(org_path, org_display)
        findings += problems
        if source is not None:
            model, problems = validate(source, models.OrganisationFile)
            findings += problems
            if model is not None:
                organisation, problems = resolve_organisation(model, source)
                findings += problems

    charters: list[tuple[models.CharterFile, SourceFile]] = []
    unreadable: set[str] = set()
    folder_display = display_path(charters_dir, root)
    for path in charter_paths(charters_dir):
        if path.name == "organisation.yaml" and not org_path.is_file():
            continue  # the misspelt organisation file: missing-organisation says to rename it
        display = _display_in(folder_display, path, root)
        files.append(display)
        if not _SLUG_STEM.match(path.stem) or path.suffix != ".yaml":
            findings.append(
                Finding(
                    Severity.ERROR,
                    "bad-file-name",
                    display,
                    1,
                    1,
                    f"file name '{path.name}' is not a team id followed by .yaml",
                    f"rename it, e.g. '{_slugify(path.stem)}.yaml'; {ID_HINT}",
                )
            )
            continue
        source, model, problems = _read_charter(path, display, cache)
        findings += problems
        if model is None or source is None:
            unreadable.add(path.stem)
            continue
        charters.append((model, source))

    analysis: Analysis | None = None
    if organisation is not None:
        findings += resolve_teams(organisation, charters, unreadable)
        analysis = run_analyses(organisation, today=today or reference_date())
        findings += analysis.findings
    return CheckResult(organisation, analysis, sorted_findings(findings), files)


def reference_date() -> dt.date:
    """The day reviews are judged against: SOURCE_DATE_EPOCH when set, else today.

    SOURCE_DATE_EPOCH is the reproducible-builds convention; setting it makes a rebuild of
    old input byte-identical to the original, overdue notices included.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def _display_in(folder_display: str, path: Path, root: Path) -> str:
    """display_path of a file in the charters folder, without resolving it each time.

    Resolving every path walks each of its folders again (a tenth of a second at 2,000
    files); only a symlinked file can resolve to somewhere else than its folder.
    """
    if path.is_symlink():
        return display_path(path, root)
    return path.name if folder_display == "." else f"{folder_display}/{path.name}"


def _with_team(finding: Finding, team: str) -> Finding:
    return Finding(
        finding.severity,
        finding.code,
        finding.file,
        finding.line,
        finding.column,
        finding.message,
        finding.hint,
        team,
        finding.related,
    )


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "team"
