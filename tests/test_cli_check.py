"""`charters check` as people and CI see it: output formats, exit codes and --help."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from test_site import run_charters

from generator.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "check"
CLEAN = FIXTURES / "clean"
REPO = Path(__file__).parent.parent

FINDING_HEADER = re.compile(r"^\S[^:]*:\d+:\d+: (?:error|warning|info)\[", re.M)
FINDING_LINE = re.compile(r"^\S[^:]*:\d+:\d+: (error|warning|info)\[[a-z0-9-]+\]: \S.*$")

GROUP_ERROR = "charters/onboarding.yaml:3:8: error[unknown-group]: no group 'operation'"
GROUP_HINT = "  hint: did you mean 'operations'?"
TAB_ERROR = (
    "charters/payroll.yaml:3:1: error[yaml-syntax]: "
    "YAML syntax error: a tab character is used for indentation"
)
TAB_HINT = "  hint: YAML does not allow tabs for indentation; indent with spaces"


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/charters: the clean fixture; the working directory is tmp_path."""
    shutil.copytree(CLEAN, tmp_path / "charters")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "charters"


@pytest.fixture
def broken(clean: Path) -> Path:
    """The clean fixture with two broken files: an unknown group and a tab."""
    onboarding = clean / "onboarding.yaml"
    onboarding.write_text(
        onboarding.read_text().replace("group: operations", "group: operation"), "utf-8"
    )
    (clean / "payroll.yaml").write_text("team: payroll\ncontact:\n\temail: p@example.org\n")
    return clean


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="charters", catch_exceptions=False)


def test_clean_exits_0_warnings_allowed(clean: Path) -> None:
    result = invoke("check", "charters")
    assert result.exit_code == 0, result.output
    assert "error[" not in result.output
    # The summary goes to stderr when there are findings (warnings), else to stdout.
    assert re.search(r"^checked 3 files: 0 errors, \d+ warnings?, \d+ notes?$", result.output, re.M)


def test_default_folder_is_charters(broken: Path) -> None:
    result = invoke("check")
    assert result.exit_code == 1
    assert GROUP_ERROR in result.stdout.splitlines()


def test_errors_exit_1_with_exact_text(broken: Path) -> None:
    result = invoke("check", "charters")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    # Every finding of every file, in file order, each followed by its hint.
    assert lines.index(GROUP_ERROR) < lines.index(TAB_ERROR)
    assert lines[lines.index(GROUP_ERROR) + 1] == GROUP_HINT
    assert lines[lines.index(TAB_ERROR) + 1] == TAB_HINT
    for index, line in enumerate(lines):
        if not line.startswith(" "):
            assert FINDING_LINE.match(line), line
            after = [x for x in lines[index + 1 :] if not x.startswith("  --> ")]  # related
            assert after and after[0].startswith("  hint: "), line
    assert sum(1 for line in lines if ": error[" in line) == 2
    assert re.fullmatch(r"checked 4 files: 2 errors, \d+ warnings?, \d+ notes?\n", result.stderr)


def test_path_argument_is_shown_as_given_relative_to_cwd(
    broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken.parent.parent)
    folder = f"{broken.parent.name}/charters"
    result = invoke("check", folder)
    assert result.exit_code == 1
    assert f"{broken.parent.name}/{GROUP_ERROR}" in result.stdout.splitlines()


def test_github_format(broken: Path) -> None:
    result = invoke("check", "--format", "github", "charters")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        "::error file=charters/onboarding.yaml,line=3,col=8,title=unknown-group::"
        "[unknown-group] no group 'operation'%0Ahint: did you mean 'operations'?"
    ) in lines
    assert (
        "::error file=charters/payroll.yaml,line=3,col=1,title=yaml-syntax::"
        "[yaml-syntax] YAML syntax error: a tab character is used for indentation"
        "%0Ahint: YAML does not allow tabs for indentation; indent with spaces"
    ) in lines
    # Nothing but annotations on stdout: GitHub reads each line as a command.
    assert all(
        re.match(r"^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,", x) for x in lines
    )
    assert "checked" not in result.stdout


def test_json_format(broken: Path) -> None:
    result = invoke("check", "--format", "json", "charters")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"findings", "counts"}
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert errors == [
        {
            "severity": "error",
            "code": "unknown-group",
            "file": "charters/onboarding.yaml",
            "line": 3,
            "column": 8,
            "message": "no group 'operation'",
            "hint": "did you mean 'operations'?",
            "team": "onboarding",
            "related": [],
        },
        {
            "severity": "error",
            "code": "yaml-syntax",
            "file": "charters/payroll.yaml",
            "line": 3,
            "column": 1,
            "message": "YAML syntax error: a tab character is used for indentation",
            "hint": "YAML does not allow tabs for indentation; indent with spaces",
            "team": "payroll",
            "related": [],
        },
    ]
    assert data["counts"]["error"] == 2
    assert data["counts"]["warning"] == sum(f["severity"] == "warning" for f in data["findings"])
    places = [(f["file"], f["line"], f["column"]) for f in data["findings"]]
    assert places == sorted(places)


def test_gitlab_format(broken: Path) -> None:
    """A GitLab Code Quality report: one entry per finding, on its file and line."""
    result = invoke("check", "--format", "gitlab", "charters")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    text = invoke("check", "charters").stdout
    assert len(report) == len(FINDING_HEADER.findall(text)) > 2
    group = [entry for entry in report if entry["check_name"] == "unknown-group"]
    assert group == [
        {
            "description": "[unknown-group] no group 'operation' "
            "(hint: did you mean 'operations'?)",
            "check_name": "unknown-group",
            "fingerprint": group[0]["fingerprint"],
            "severity": "critical",
            "location": {"path": "charters/onboarding.yaml", "lines": {"begin": 3}},
        }
    ]
    assert {entry["severity"] for entry in report} <= {"critical", "minor", "info"}
    fingerprints = [entry["fingerprint"] for entry in report]
    assert len(set(fingerprints)) == len(fingerprints)
    assert all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints)
    # The same finding gets the same fingerprint in another run (GitLab compares reports).
    assert json.loads(invoke("check", "--format", "gitlab", "charters").stdout) == report


def test_gitlab_fingerprint_follows_a_finding_that_moves(broken: Path) -> None:
    """A line added above a finding moves it; GitLab must not see it as fixed and new."""

    def fingerprints() -> dict[str, tuple[str, int]]:
        report = json.loads(invoke("check", "--format", "gitlab", "charters").stdout)
        return {
            entry["check_name"]: (entry["fingerprint"], entry["location"]["lines"]["begin"])
            for entry in report
            if entry["location"]["path"] == "charters/onboarding.yaml"
        }

    before = fingerprints()
    onboarding = broken / "onboarding.yaml"
    onboarding.write_text("# Onboarding: a comment added above\n" + onboarding.read_text())
    after = fingerprints()
    assert after["unknown-group"][1] == before["unknown-group"][1] + 1
    assert after["unknown-group"][0] == before["unknown-group"][0]


def test_gitlab_format_without_errors_exits_0(clean: Path) -> None:
    result = invoke("check", "--format", "gitlab", "charters")
    assert result.exit_code == 0
    assert all(entry["severity"] != "critical" for entry in json.loads(result.stdout))


def test_json_clean_exits_0(clean: Path) -> None:
    result = invoke("check", "--format=json", "charters")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["counts"]["error"] == 0


def test_output_is_the_same_twice(broken: Path) -> None:
    assert invoke("check", "charters").stdout == invoke("check", "charters").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["check", "missing-folder"],
            "Error: 'missing-folder' is not a folder of charters; run from the repository root "
            "or pass the folder, e.g. `charters check charters`",
            id="missing-folder",
        ),
        pytest.param(
            ["check", "charters/onboarding.yaml"],
            "Error: 'charters/onboarding.yaml' is not a folder of charters",
            id="a-file-not-a-folder",
        ),
        pytest.param(
            ["check", "--format", "xml", "charters"],
            "Error: Invalid value for '--format': 'xml' is not one of "
            "'text', 'github', 'gitlab', 'json'.",
            id="bad-format",
        ),
        pytest.param(["check", "--colour"], "Error: No such option '--colour'.", id="bad-option"),
        pytest.param(
            ["check", "charters", "more"], "Error: Got unexpected extra argument", id="extra"
        ),
    ],
)
def test_usage_problems_exit_2(clean: Path, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_no_charters_folder_in_cwd_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("check")
    assert result.exit_code == 2
    assert "'charters' is not a folder of charters" in result.stderr


def test_installed_command_exit_codes(broken: Path) -> None:
    """The real `charters` entry point, as CI runs it, in a separate process."""
    command = shutil.which("charters")
    prefix = (
        [command] if command else [sys.executable, "-c", "from generator.cli import main; main()"]
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args], cwd=broken.parent, capture_output=True, text=True, timeout=60
        )

    failing = run("check", "charters")
    assert failing.returncode == 1
    assert GROUP_ERROR in failing.stdout.splitlines()
    assert "Traceback" not in failing.stderr
    assert run("check", "nowhere").returncode == 2
    (broken / "payroll.yaml").unlink()
    (broken / "onboarding.yaml").write_text((CLEAN / "onboarding.yaml").read_text())
    assert run("check", "charters").returncode == 0


def test_sample_organisation_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke("check", "charters")
    assert [line for line in result.stdout.splitlines() if ": error[" in line] == []
    assert result.exit_code == 0


# --- --help ---------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_main_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Usage: charters [OPTIONS] COMMAND [ARGS]..." in result.output
    for (name,) in [path for path in _commands(main) if len(path) == 1]:
        assert re.search(rf"^  {re.escape(name)}\b", result.output, re.M), name


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_every_command_has_help_naming_its_options(path: tuple[str, ...]) -> None:
    command = _command(path)
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: charters {' '.join(path)} ")
    assert command.help and command.help.split("\n")[0] in result.output
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            longest = max(param.opts, key=len)
            assert longest in result.output, f"{longest} missing from help of {path}"
            assert param.help, f"{longest} of {' '.join(path)} has no help text"
        elif isinstance(param, click.Argument):
            assert param.human_readable_name in result.output


def test_check_help_text() -> None:
    result = invoke("check", "-h")
    assert result.exit_code == 0
    assert "Usage: charters check [OPTIONS] [PATH]" in result.output
    assert "--format [text|github|gitlab|json]" in result.output
    assert "Exits 0 when there are no errors, 1 when there are, 2 on usage problems." in (
        " ".join(result.output.split())
    )


def test_the_sample_still_builds_strictly_years_from_now(tmp_path: Path) -> None:
    """The README's first command, `charters build --strict`, on the sample, five years on:
    every charter is overdue for review, which is reported, and the build still succeeds."""
    site = tmp_path / "site"
    january_2032 = "1956528000"
    result = run_charters(
        "build", "--strict", "--site-dir", str(site), cwd=REPO, today=january_2032
    )
    assert result.returncode == 0, result.stderr
    overdue = re.findall(
        r"^charters/[a-z-]+\.yaml:\d+:\d+: warning\[review-overdue\]", result.stderr, re.M
    )
    assert len(overdue) == len(list((REPO / "charters").glob("*.yaml"))) - 1  # not the org file
    health = (site / "health" / "index.html").read_text(encoding="utf-8")
    assert "review-overdue" in health
