"""`charters new`: a commented charter that passes `charters check`, by options or prompts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import scaffold
from generator.cli import main
from generator.findings import Severity
from generator.pipeline import load_charters

FIXTURE = Path(__file__).parent / "fixtures" / "pr-org"
SAMPLE = Path(__file__).parent.parent / "charters"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "charters")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["new", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def errors_of(charters: Path, team: str) -> list[str]:
    result = load_charters(charters)
    assert result.organisation is not None
    return [f.to_text() for f in result.findings if f.severity is Severity.ERROR and f.team == team]


def test_options_without_a_terminal_write_a_charter_that_checks(workspace: Path) -> None:
    code, output = run(
        "billing", "--name", "Billing & Invoices", "--group", "operations", "--lead", "Mary Jackson"
    )

    assert code == 0, output
    assert "wrote charters/billing.yaml" in output
    text = (workspace / "charters" / "billing.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/charter.schema.json"
    assert "TODO" in text  # what the team still has to write is marked

    result = load_charters(workspace / "charters")
    assert result.ok, [f.to_text() for f in result.findings]
    team = result.organisation.teams["billing"]
    assert (team.name, team.group.id, team.lead) == (
        "Billing & Invoices",
        "operations",
        "Mary Jackson",
    )
    assert [s.key for s in team.services] == ["billing/help"]

    check = CliRunner().invoke(main, ["check"])
    assert check.exit_code == 0, check.output


def test_every_field_is_explained(workspace: Path) -> None:
    run("billing", "--name", "Billing", "--group", "operations", "--lead", "Mary Jackson")
    lines = (workspace / "charters" / "billing.yaml").read_text(encoding="utf-8").splitlines()
    fields = [
        "team:", "name:", "group:", "purpose:", "lead:", "contact:", "hours:", "owners:",
        "reviewed:", "feedback:", "services:", "id:", "summary:", "customers:", "request:",
        "response:", "goals:",
    ]  # fmt: skip
    for field in fields:
        index = next(i for i, line in enumerate(lines) if line.strip(" -").startswith(field))
        assert lines[index - 1].strip().startswith("#"), f"no comment above {field}"
    # The organisation's own groups and goals are listed for the team to choose from.
    assert "#   people-and-money: People & Money" in lines
    assert "    #   run-well: Run the company well" in lines


def test_values_that_need_quoting_read_back_unchanged(workspace: Path) -> None:
    name, lead = "Ops: #1 'team'", "yes"
    code, output = run("ops", "--name", name, "--group", "operations", "--lead", lead)
    assert code == 0, output
    team = load_charters(workspace / "charters").organisation.teams["ops"]
    assert (team.name, team.lead) == (name, lead)
    assert errors_of(workspace / "charters", "ops") == []


def test_missing_options_without_a_terminal_is_a_usage_error(workspace: Path) -> None:
    code, output = run("billing", "--name", "Billing")
    assert code == 2
    assert "missing --group and --lead: standard input is not a terminal" in output
    assert "charters new billing --name Billing --group operations --lead 'Ada Lovelace'" in output
    assert "groups are: operations, people-and-money" in output
    assert not (workspace / "charters" / "billing.yaml").exists()


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ("Billing Team", "'Billing Team' is not a valid team id"),
        ("billing_team", "try 'billing-team'"),
        ("everyone", "'everyone' is reserved"),
        ("operations", "'operations' is already a group id"),
        ("clients", "'clients' is already a customer segment id"),
        ("payroll", "charters/payroll.yaml already exists; edit it"),
    ],
)
def test_refuses_bad_ids_and_existing_files(workspace: Path, team: str, message: str) -> None:
    before = (workspace / "charters" / "payroll.yaml").read_bytes()
    code, output = run(team, "--name", "X", "--group", "operations", "--lead", "Y")
    assert code == 2
    assert message in output
    assert (workspace / "charters" / "payroll.yaml").read_bytes() == before


def test_unknown_group_suggests_the_groups(workspace: Path) -> None:
    code, output = run("billing", "--name", "B", "--group", "operation", "--lead", "L")
    assert code == 2
    assert "no group 'operation' in the organisation file; did you mean 'operations'?" in output
    assert "Groups are: operations, people-and-money" in output


def test_prompts_when_stdin_is_a_terminal(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "stdin_is_terminal", lambda: True)

    # Name: accept the default; group: a typo first, then a valid id; then the lead.
    code, output = run("billing-ops", stdin="\nfinance\noperations\nMary Jackson\n")

    assert code == 0, output
    assert "Team name [Billing Ops]: " in output
    assert "  people-and-money: People & Money" in output
    assert "Group id: finance" in output and "is not one of" in output
    assert "Team lead (name): Mary Jackson" in output
    team = load_charters(workspace / "charters").organisation.teams["billing-ops"]
    assert (team.name, team.group.id, team.lead) == ("Billing Ops", "operations", "Mary Jackson")


def test_prompts_only_for_what_is_missing(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "stdin_is_terminal", lambda: True)
    code, output = run("billing", "--name", "Billing", "--group", "operations", stdin="Mary\n")
    assert code == 0, output
    assert "Team name" not in output and "Group id" not in output
    assert "Team lead (name): Mary" in output


def test_new_charter_checks_against_the_sample_organisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SAMPLE, tmp_path / "charters")
    monkeypatch.chdir(tmp_path)
    org = load_charters(tmp_path / "charters").organisation
    group = sorted(org.groups)[0]

    code, output = run("procurement", "--name", "Procurement", "--group", group, "--lead", "Jo")

    assert code == 0, output
    assert errors_of(tmp_path / "charters", "procurement") == []


def test_custom_folder_gets_a_matching_schema_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "org" / "teams")
    monkeypatch.chdir(tmp_path)
    code, output = run(
        "billing", "--dir", "org/teams", "--name", "B", "--group", "operations", "--lead", "L"
    )
    assert code == 0, output
    first = (
        (tmp_path / "org" / "teams" / "billing.yaml").read_text(encoding="utf-8").splitlines()[0]
    )
    assert first == "# yaml-language-server: $schema=../../schema/charter.schema.json"
