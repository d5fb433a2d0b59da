"""The CI files: GitHub workflows pass actionlint, GitLab CI and pre-commit files are sound,
and every `charters` command they run exists with the options they pass."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from generator.cli import main

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
GITLAB = ROOT / ".gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict) -> list[str]:
    return [
        s["run"] for job in workflow["jobs"].values() for s in job.get("steps", []) if "run" in s
    ]


def uses(workflow: dict) -> list[str]:
    return [
        s["uses"] for job in workflow["jobs"].values() for s in job.get("steps", []) if "uses" in s
    ]


def test_workflows_pass_actionlint() -> None:
    binary = shutil.which("actionlint")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("actionlint is not installed; CI must install the test extra")
        pytest.skip("actionlint is not installed (pip install -e '.[test]')")
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert files == [".github/workflows/check.yml", ".github/workflows/publish.yml"]
    done = subprocess.run(
        [binary, "-no-color", *files], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actions_are_pinned_to_major_versions() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for action in uses(load(path)):
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", action), f"{path.name}: {action}"


def test_pull_request_workflow() -> None:
    workflow = load(WORKFLOWS / "check.yml")
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads the key `on` as true
    checkout = steps(workflow, "check")[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    commands = runs(workflow)
    assert "charters check --format github" in commands
    assert "charters codeowners --check" in commands
    assert "charters build --strict" in commands
    diff = next(c for c in commands if c.startswith("charters diff"))
    assert diff.startswith('charters diff "origin/$BASE_REF" --format markdown')
    assert diff.endswith('>> "$GITHUB_STEP_SUMMARY"')
    upload = next(s for s in steps(workflow, "check") if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "site/"
    assert workflow["permissions"] == {"contents": "read"}


def test_publish_workflow() -> None:
    workflow = load(WORKFLOWS / "publish.yml")
    assert workflow[True]["push"] == {"branches": ["main"]}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "charters build" in runs({"jobs": {"build": build}})
    assert uses({"jobs": {"build": build}})[-1].startswith("actions/upload-pages-artifact@")
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert uses({"jobs": {"deploy": deploy}}) == ["actions/deploy-pages@v5"]


def test_gitlab_ci() -> None:
    ci = load(GITLAB)
    assert ci["stages"] == ["check", "publish"]
    merge_request = [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    jobs = {name: job for name, job in ci.items() if isinstance(job, dict) and "script" in job}
    assert set(jobs) == {
        "check-charters",
        "check-codeowners",
        "build-site",
        "impact-report",
        "pages",
    }
    for name in ("check-charters", "check-codeowners", "build-site", "impact-report"):
        assert jobs[name]["extends"] == ".merge-request"
    assert ci[".merge-request"]["rules"] == merge_request
    check = jobs["check-charters"]
    assert check["script"][0].startswith("charters check --format gitlab > ")
    report = check["script"][0].split("> ")[1].split()[0]
    assert check["artifacts"]["reports"]["codequality"] == report
    assert check["artifacts"]["when"] == "always"
    assert check["script"][1] == "charters check"
    impact = jobs["impact-report"]
    assert impact["variables"]["GIT_DEPTH"] == "0"
    assert impact["artifacts"]["paths"] == ["charter-impact.md"]
    assert impact["artifacts"]["when"] == "always"
    assert any("--format markdown" in line for line in impact["script"])

    pages = jobs["pages"]
    assert pages["stage"] == "publish"
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["script"] == ["charters build --site-dir public"]
    assert pages["resource_group"] == "pages"
    assert pages["interruptible"] is False


def test_pre_commit_hook() -> None:
    (hook,) = load(HOOKS)
    assert hook["id"] == "charters-check"
    assert hook["entry"] == "charters check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    assert pattern.search("charters/payroll.yaml")
    assert pattern.search("charters/organization.yml")
    assert not pattern.search("handbook/charters.yaml")
    assert not pattern.search("charters/readme.md")


def _charters_commands() -> list[tuple[str, list[str]]]:
    """Every `charters ...` command line in the CI files, as (file, words)."""
    found = []
    lines: list[tuple[str, str]] = []
    for path in WORKFLOWS.glob("*.yml"):
        lines += [(path.name, command) for command in runs(load(path))]
    for job in load(GITLAB).values():
        if isinstance(job, dict):
            lines += [(GITLAB.name, line) for line in job.get("script", [])]
    lines += [(HOOKS.name, hook["entry"]) for hook in load(HOOKS)]
    for name, line in lines:
        for command in line.splitlines():
            words = shlex.split(command.split(">")[0].split("||")[0])
            if words and words[0] == "charters":
                found.append((name, words[1:]))
    return found


def test_ci_files_run_commands_that_exist() -> None:
    commands = _charters_commands()
    used = {words[0] for _, words in commands}
    assert {"check", "codeowners", "build", "diff"} <= used
    for name, words in commands:
        command = main.commands.get(words[0])
        assert isinstance(command, click.Command), f"{name}: no command `charters {words[0]}`"
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in words[1:]:
            if word.startswith("--"):
                assert word in options, f"{name}: `charters {words[0]}` has no option {word}"
