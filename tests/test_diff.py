"""`charters diff` against a real git repository: two commits of a small organisation."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "pr-org"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose first commit ('base' tag) holds the fixture organisation."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root / "charters")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    monkeypatch.chdir(root)
    return root


def change_everything(root: Path) -> None:
    """The change the report is asserted against; one edit per kind of change."""
    charters = root / "charters"
    # A promise gets longer: finance/month-end waits on it, so finance is affected.
    edit(
        charters / "payroll.yaml",
        "resolution: 3 business days\n    goals",
        "resolution: 4 business days\n    goals",
    )
    # A customer is dropped: finance relies on expenses (not blocking).
    edit(charters / "payroll.yaml", "customers: [finance, hr]", "customers: [hr]")
    # A service is renamed: new id, same name.
    edit(charters / "payroll.yaml", "id: payslip-queries", "id: pay-questions")
    # A service is removed, with the dependency on it (else the charters would not load).
    edit(
        charters / "it.yaml",
        """  - id: printers
    name: Printers
    summary: Printers that print.
    customers: [everyone]
    request: Open a ticket.
    response: 4 business hours
    goals: [run-well]
""",
        "",
    )
    # A dependency that makes hr/contracts (2 business days) wait on 3 business days.
    edit(
        charters / "hr.yaml",
        """      - service: it/printers
        for: printing contracts
        blocking: false
""",
        """      - service: it/laptops
        for: a laptop for each starter
""",
    )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_text_report_lists_every_kind_of_change(repo: Path) -> None:
    change_everything(repo)
    git(repo, "commit", "-q", "-am", "change")

    code, output = run("base", "HEAD")

    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("Charter changes from base (")
    assert lines[0].endswith(")") and " to HEAD (" in lines[0]
    expected = [
        "Services removed:",
        "  - it/printers: Printers",
        "Services renamed:",
        "  ~ payroll/payslip-queries -> payroll/pay-questions: Questions about your pay",
        "Promises longer:",
        "  payroll/pay-run resolution: 3 business days -> 4 business days",
        "Customers dropped:",
        "  - payroll/expenses: finance (team Finance)",
        "Dependencies added:",
        "  + hr/contracts -> it/laptops: a laptop for each starter",
        "Dependencies removed:",
        "  - hr/contracts -> it/printers (not blocking): printing contracts",
        "Teams affected:",
        "  finance (Finance):",
        "    finance/month-end relies on payroll/expenses, which no longer lists the team "
        "among its customers",
        "    finance/month-end relies on payroll/pay-run, whose resolution got longer: "
        "3 business days -> 4 business days",
        "  hr (Human Resources):",
        "    hr/contracts relies on it/printers, which was removed",
        "Promises now infeasible:",
        "  ! hr/contracts promises 2 business days but waits on it/laptops (3 business days): "
        "at least 3 business days",
    ]
    assert [line for line in lines if line in expected] == expected
    # A renamed service is not also reported as added and removed.
    assert "Services added:" not in output
    assert "payslip-queries: Questions" not in output.replace("~ payroll/payslip-queries", "")
    assert "Charters" not in output.replace("Charter changes", "")


def test_markdown_report_for_the_job_summary(repo: Path) -> None:
    change_everything(repo)
    git(repo, "commit", "-q", "-am", "change")

    code, output = run("base", "--format", "markdown")  # HEAD: the working tree

    assert code == 0
    assert output.startswith("## Charter changes\n")
    assert "to **the working tree**" in output
    for line in [
        "### ⚠️ Promises now infeasible",
        "- hr/contracts promises 2 business days but waits on it/laptops (3 business days): "
        "at least 3 business days",
        "- **Finance** (`finance`)",
        "  - `finance/month-end` relies on `payroll/pay-run`, whose resolution got longer: "
        "3 business days → 4 business days",
        "  - `finance/month-end` relies on `payroll/expenses`, which no longer lists the team "
        "among its customers",
        "- **Human Resources** (`hr`)",
        "  - `hr/contracts` relies on `it/printers`, which was removed",
        "| removed | `it/printers` | Printers |",
        "| renamed | `payroll/payslip-queries` → `payroll/pay-questions` "
        "| Questions about your pay |",
        "| `payroll/pay-run` | resolution | 3 business days | 4 business days | longer |",
        "| `payroll/expenses` | `finance` (team Finance) | dropped |",
        "| `hr/contracts` | `it/laptops` | a laptop for each starter | added |",
        "| `hr/contracts` | `it/printers` (not blocking) | printing contracts | removed |",
    ]:
        assert line in output.splitlines(), line


def test_fail_on_infeasible_exits_1_only_when_a_promise_became_infeasible(repo: Path) -> None:
    change_everything(repo)

    assert run("base", "--fail-on", "infeasible")[0] == 1
    assert run("base")[0] == 0
    # Back to a feasible promise: the same option passes.
    edit(
        repo / "charters" / "hr.yaml", "resolution: 2 business days", "resolution: 3 business days"
    )
    code, output = run("base", "--fail-on", "infeasible")
    assert code == 0, output
    assert "infeasible" not in output


def test_shorter_promise_and_promise_feasible_again(repo: Path) -> None:
    change_everything(repo)
    git(repo, "commit", "-q", "-am", "change")
    edit(
        repo / "charters" / "it.yaml", "resolution: 3 business days", "resolution: 2 business days"
    )

    code, output = run("HEAD")

    assert code == 0
    assert (
        "Promises shorter:\n  it/laptops resolution: 3 business days -> 2 business days\n" in output
    )
    assert "Promises feasible again:\n  hr/contracts: Employment contracts\n" in output
    # hr relies on it/laptops, but a shorter promise is still a changed promise.
    assert "hr/contracts relies on it/laptops, whose resolution got shorter" in output


def test_renamed_charter_and_added_customer(repo: Path) -> None:
    (repo / "charters" / "hr.yaml").rename(repo / "charters" / "people-ops.yaml")
    edit(repo / "charters" / "people-ops.yaml", "team: hr", "team: people-ops")
    edit(
        repo / "charters" / "payroll.yaml",
        "customers: [finance, hr]",
        "customers: [finance, people-ops, clients]",
    )

    code, output = run("base")

    assert code == 0, output
    assert (
        "Charters renamed:\n  ~ charters/hr.yaml -> charters/people-ops.yaml: Human Resources\n"
        in output
    )
    # The renamed team is the same customer; only the new segment is added.
    assert "Customers added:\n  + payroll/expenses: clients (segment Clients)\n" in output
    assert "Customers dropped" not in output
    assert "Charters added" not in output and "Services added" not in output


def test_added_and_removed_charters(repo: Path) -> None:
    shutil.copy(repo / "charters" / "it.yaml", repo / "charters" / "facilities.yaml")
    edit(
        repo / "charters" / "facilities.yaml",
        "team: it\nname: IT",
        "team: facilities\nname: Facilities",
    )
    edit(
        repo / "charters" / "facilities.yaml",
        "id: laptops\n    name: Laptops",
        "id: desks\n    name: Desks",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "facilities")

    code, output = run("base", "HEAD")
    assert code == 0
    assert "Charters added:\n  + charters/facilities.yaml: Facilities\n" in output
    assert (
        "Services added:\n  + facilities/desks: Desks\n  + facilities/printers: Printers\n"
        in output
    )

    code, output = run("HEAD", "base")
    assert code == 0
    assert "Charters removed:\n  - charters/facilities.yaml: Facilities\n" in output


def test_base_without_charters_folder_reports_everything_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("charters to come\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "empty")
    shutil.copytree(FIXTURE, root / "charters")
    monkeypatch.chdir(root)

    code, output = run("HEAD")

    assert code == 0, output
    assert "Charters added:\n  + charters/finance.yaml: Finance\n" in output
    assert "  + finance/month-end -> payroll/pay-run: the month's pay figures\n" in output


def test_no_change(repo: Path) -> None:
    code, output = run()
    assert code == 0
    assert (
        output.splitlines()[-1]
        == "No change to teams, services, promises, customers or dependencies."
    )


def test_broken_charter_prints_findings_and_exits_1(repo: Path) -> None:
    edit(repo / "charters" / "hr.yaml", "resolution: 2 business days", "resolution: soon")

    code, output = run("base")
    assert code == 1
    assert "Cannot compare: the charters at the working tree have errors." in output
    assert "charters/hr.yaml:" in output and "error[bad-duration]" in output
    assert "Traceback" not in output

    code, output = run("base", "--format", "markdown")
    assert code == 1
    assert "❌ Cannot compare: the charters at **the working tree** have errors." in output
    assert "```text\ncharters/hr.yaml:" in output


def test_git_problems_are_usage_errors(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = run("no-such-branch")
    assert code == 2
    assert "unknown revision 'no-such-branch'" in output

    code, output = run("base", "--dir", str(tmp_path / "elsewhere"))
    assert code == 2
    assert "is not inside the repository" in output

    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    monkeypatch.chdir(outside)
    code, output = run("HEAD")
    assert code == 2
    assert "is not inside a git repository" in output


def test_markdown_escapes_charter_text(repo: Path) -> None:
    edit(repo / "charters" / "it.yaml", "name: Printers", 'name: "Printers | <b>*all*</b>"')
    edit(repo / "charters" / "it.yaml", "response: 4 business hours", "response: 8 business hours")

    code, output = run("base", "--format", "markdown")
    assert code == 0
    assert "<b>" not in output
    assert "| `it/printers` | response | 4 business hours | 8 business hours | longer |" in output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1 business day", "8 business hours", None),  # 09:00-17:00: the same business time
        ("1 business day", "2 business days", "longer"),
        ("2 days", "48 hours", None),
        ("2 days", "1 day", "shorter"),
        ("2 hours", "3 business days", "longer"),  # mixed: the shortest wait is longer
        ("1 day", "1 business day", "changed"),  # mixed: the ranges overlap
    ],
)
def test_compare_durations(old: str, new: str, expected: str | None) -> None:
    from generator.calendars import Clocks
    from generator.diff import compare_durations
    from generator.durations import parse_duration
    from generator.pipeline import load_charters

    org = load_charters(FIXTURE).organisation
    assert org is not None
    calendar = org.calendars["default"]
    result = compare_durations(
        parse_duration(old), calendar, parse_duration(new), calendar, Clocks()
    )
    assert result == expected
