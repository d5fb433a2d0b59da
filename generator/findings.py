"""The one diagnostic type: every check, the command line, the build log and health page use it."""

from __future__ import annotations

import enum
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Protocol


class SourcePlace(Protocol):
    """A place in a source file, 1-based (generator.organisation.Location is one)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


# Findings that the passing of time brings, not a change to a charter: a review falling due.
# They are warnings everywhere (command line, build log, health page) but do not fail
# `charters build --strict`, so one team's lapsed review never fails another team's pull
# request, and a build that passed yesterday does not fail today on the same files.
TIME_BOUND_CODES = frozenset({"review-overdue"})


@dataclass(frozen=True, order=False)
class Finding:
    """Something the checks report, pinned to a place in a file.

    `file` is the path as given to the loader (relative to the charters folder's parent when
    possible) so the same string works on the command line, in CI annotations and as a link.
    `line` and `column` are 1-based; 0 means "the whole file".
    `related` names other places involved (the other side of a dependency, say) as
    "path:line:col" strings, so a reader can jump to both ends.
    """

    severity: Severity
    code: str
    file: str
    line: int
    column: int
    message: str
    hint: str = ""
    team: str | None = None
    related: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def at(
        cls,
        place: SourcePlace,
        severity: Severity,
        code: str,
        message: str,
        hint: str = "",
        team: str | None = None,
        related: tuple[str, ...] = (),
    ) -> Finding:
        """A finding at `place` (any object with file, line and column: a model's Location)."""
        return cls(
            severity, code, place.file, place.line, place.column, message, hint, team, related
        )

    @property
    def time_bound(self) -> bool:
        """True for a finding that time brings (see TIME_BOUND_CODES): not failed by --strict."""
        return self.code in TIME_BOUND_CODES

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.severity.rank, self.code, self.message)

    def to_text(self) -> str:
        text = f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"
        for place in self.related:
            text += f"\n  --> {place}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_github(self) -> str:
        # GitHub Actions workflow command; properties and message need their own escaping.
        kind = {"error": "error", "warning": "warning", "info": "notice"}[self.severity.value]
        message = f"[{self.code}] {self.message}"
        if self.hint:
            message += f"\nhint: {self.hint}"
        return (
            f"::{kind} file={_gh_property(self.file)},line={self.line},col={self.column},"
            f"title={_gh_property(self.code)}::{_gh_data(message)}"
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["related"] = list(self.related)
        return data


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def findings_to_json(findings: Iterable[Finding]) -> str:
    items = [f.to_dict() for f in sorted_findings(findings)]
    counts = {s.value: sum(1 for f in items if f["severity"] == s.value) for s in Severity}
    return json.dumps({"findings": items, "counts": counts}, indent=2, ensure_ascii=False)


# GitLab's Code Quality severities (info, minor, major, critical, blocker): an error must be
# fixed before merging, a warning should be looked at.
_GITLAB_SEVERITY = {"error": "critical", "warning": "minor", "info": "info"}


def findings_to_gitlab(findings: Iterable[Finding]) -> str:
    """A GitLab Code Quality report: merge requests show each finding on its line.

    The fingerprint identifies a finding between the target branch's report and the merge
    request's, so GitLab can tell which findings the change brought and which it fixed. It
    leaves out the line: an edit above a finding moves it without making it another one.
    Findings alike in all but their place are told apart by their order in the file.
    """
    report = []
    seen: Counter[tuple[str, str, str]] = Counter()
    for finding in sorted_findings(findings):
        description = f"[{finding.code}] {finding.message}"
        if finding.hint:
            description += f" (hint: {finding.hint})"
        alike = (finding.code, finding.file, finding.message)
        seen[alike] += 1
        identity = "\0".join([*alike, str(seen[alike])])
        report.append(
            {
                "description": description,
                "check_name": finding.code,
                "fingerprint": hashlib.sha256(identity.encode("utf-8")).hexdigest(),
                "severity": _GITLAB_SEVERITY[finding.severity.value],
                "location": {"path": finding.file, "lines": {"begin": max(finding.line, 1)}},
            }
        )
    return json.dumps(report, indent=2, ensure_ascii=False)
