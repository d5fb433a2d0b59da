"""`charters build` and `charters serve` as commands: exit codes, messages, a failed build
leaving the old site untouched, reproducible output, strict mode, live reload."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_site import FIXED_TODAY, FIXTURES, REPO, make_project, run_charters

SMALL = FIXTURES / "small" / "charters"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: equal snapshots mean byte-identical trees."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".site-"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A project with a good site already built, and that site's snapshot."""
    project = make_project(tmp_path_factory.mktemp("built"), SMALL)
    result = run_charters("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    return project, snapshot(project / "site")


def test_build_reports_where_it_wrote(built: tuple[Path, dict[str, bytes]]) -> None:
    project, site = built
    assert "teams/dock-ops/index.html" in site
    assert "search/search_index.json" in site
    assert leftovers(project) == []


def test_two_builds_are_byte_identical(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    project, first = built
    result = run_charters("build", "--site-dir", str(tmp_path / "again"), cwd=project)
    assert result.returncode == 0, result.stderr
    second = snapshot(tmp_path / "again")
    assert sorted(second) == sorted(first)
    assert [name for name in first if first[name] != second[name]] == []
    # The sitemap carries no build date, in the XML or the gzip header.
    assert b"lastmod" not in first["sitemap.xml"]
    assert first["sitemap.xml.gz"][4:8] == b"\0\0\0\0"
    assert gzip.decompress(first["sitemap.xml.gz"]) == first["sitemap.xml"]


def test_error_fails_the_build_and_keeps_the_old_site(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, good = built
    project = make_project(tmp_path / "project", SMALL)
    shutil.copytree(source / "site", project / "site")
    edit(
        project / "charters" / "payroll.yaml",
        "service: it-desk/accounts",
        "service: it-desk/acounts",
    )

    result = run_charters("build", cwd=project)

    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert (
        "charters/payroll.yaml:23:18: error[unknown-service]: team 'it-desk' has no service "
        "'acounts'\n  hint: did you mean 'accounts'?"
    ) in output
    assert "build failed: site/ was left as it was" in output
    assert "Traceback" not in output
    assert snapshot(project / "site") == good
    assert leftovers(project) == []
    # The same message as `charters check`.
    check = run_charters("check", cwd=project)
    assert "charters/payroll.yaml:23:18: error[unknown-service]" in check.stdout


def test_strict_fails_on_a_warning_and_keeps_the_old_site(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, good = built
    project = make_project(tmp_path / "project", SMALL)
    shutil.copytree(source / "site", project / "site")
    edit(project / "charters" / "payroll.yaml", "    goals: [happy-people]\n", "")

    strict = run_charters("build", "--strict", cwd=project)
    assert strict.returncode == 1
    assert "charters/payroll.yaml:15:5: warning[service-without-goal]" in strict.stderr
    assert "in strict mode" in strict.stderr and "Traceback" not in strict.stderr
    assert snapshot(project / "site") == good
    assert leftovers(project) == []

    # Without --strict the warning is logged, the site is built and says so.
    relaxed = run_charters("build", cwd=project)
    assert relaxed.returncode == 0, relaxed.stderr
    assert "warning[service-without-goal]" in relaxed.stderr
    health = (project / "site" / "health" / "index.html").read_text(encoding="utf-8")
    assert "service-without-goal" in health


def test_a_review_falling_overdue_is_a_warning_that_strict_does_not_fail_on(
    tmp_path: Path,
) -> None:
    """Time, not a change, makes a review overdue: one team's lapsed review must not fail
    every other team's pull request (`charters build --strict` in CI)."""
    project = make_project(tmp_path / "project", SMALL)
    edit(project / "charters" / "payroll.yaml", "reviewed: 2026-08-15", "reviewed: 2025-01-15")

    strict = run_charters("build", "--strict", cwd=project)
    assert strict.returncode == 0, strict.stderr
    assert "charters/payroll.yaml:12:11: warning[review-overdue]" in strict.stderr
    page = (project / "site" / "teams" / "payroll" / "index.html").read_text(encoding="utf-8")
    assert "Overdue for review" in page
    assert "was due for review by 15 July 2025" in page
    health = (project / "site" / "health" / "index.html").read_text(encoding="utf-8")
    assert "review-overdue" in health and "1 overdue reviews" not in health

    # Any other warning alongside it still fails --strict, and the count names only it.
    edit(project / "charters" / "payroll.yaml", "    goals: [happy-people]\n", "")
    both = run_charters("build", "--strict", cwd=project)
    assert both.returncode == 1
    assert "warning[review-overdue]" in both.stderr
    assert "warning[service-without-goal]" in both.stderr
    assert "Aborted with 1 warnings in strict mode" in both.stderr


def test_plain_mkdocs_build_is_safe_too(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, good = built
    project = make_project(tmp_path / "project", SMALL)
    shutil.copytree(source / "site", project / "site")
    edit(project / "charters" / "it-desk.yaml", "group: technology", "group: tech")
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_TODAY, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1
    assert "charters/it-desk.yaml:3:8: error[unknown-group]: no group 'tech'" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project / "site") == good
    assert leftovers(project) == []


def test_plain_mkdocs_build_swaps_in_a_good_site(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SMALL)
    (project / "site").mkdir()
    (project / "site" / "stale.html").write_text("old", encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_TODAY, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert not (project / "site" / "stale.html").exists()
    assert (project / "site" / "teams" / "it-desk" / "index.html").is_file()
    assert leftovers(project) == []


def test_broken_template_fails_cleanly(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, good = built
    project = make_project(tmp_path / "project", SMALL)
    shutil.copytree(source / "site", project / "site")
    (project / "templates").unlink()
    shutil.copytree(REPO / "templates", project / "templates")
    edit(project / "templates" / "team.md.j2", "# {{ team.name|md }}", "# {{ team.name|md }")

    result = run_charters("build", cwd=project)

    assert result.returncode == 1
    assert "team.md.j2:" in result.stderr and "template syntax error" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project / "site") == good


def test_missing_configuration_is_a_usage_error(tmp_path: Path) -> None:
    result = run_charters("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "no MkDocs configuration at 'mkdocs.yml'" in result.stderr


def test_site_dir_is_relative_to_the_current_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SMALL)
    result = run_charters(
        "build", "-q", "--config-file", "project/mkdocs.yml", "--site-dir", "out", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    assert not (project / "site").exists()


# --- serve ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return True
        time.sleep(0.2)
    return False


def test_serve_reloads_when_a_charter_changes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SMALL)
    port = _free_port()
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_TODAY}
    server = subprocess.Popen(
        [sys.executable, "-c", "from generator.cli import main; main()"]
        + ["serve", "-q", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/teams/payroll/"
        assert _wait_for(url, "Pat Pay", 60), "the server did not come up"
        edit(project / "charters" / "payroll.yaml", "lead: Pat Pay", "lead: Sam Salary")
        assert _wait_for(url, "Sam Salary", 30), "the page did not change"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_repository_links_when_repo_url_is_set(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SMALL)
    edit(
        project / "mkdocs.yml",
        "# repo_url: https://github.com/example/charters\n# edit_uri: edit/main/handbook/",
        "repo_url: https://git.example.org/acme/charters\nedit_uri: edit/main/handbook/",
    )
    result = run_charters("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    team = (project / "site" / "teams" / "payroll" / "index.html").read_text(encoding="utf-8")
    # "Edit this page" on a team page opens its charter, not a handbook file.
    assert 'href="https://git.example.org/acme/charters/edit/main/charters/payroll.yaml"' in team
    health = (project / "site" / "health" / "index.html").read_text(encoding="utf-8")
    blob = "https://git.example.org/acme/charters/blob/main/charters/payroll.yaml#L1"
    assert f'href="{blob}"' in health
    # No request to the code host's API for stars and forks: the header link is plain.
    assert 'data-md-component="source"' not in team


def test_collisions_and_a_missing_logo_are_warnings(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", SMALL)
    edit(project / "charters" / "organization.yaml", "logo: assets/logo.svg", "logo: nope.svg")
    (project / "handbook" / "teams").mkdir()
    (project / "handbook" / "teams" / "index.md").write_text("# Mine\n", encoding="utf-8")

    strict = run_charters("build", "--strict", cwd=project)
    assert strict.returncode == 1
    assert (
        "charters/organization.yaml:3:1: warning[missing-logo]: logo 'nope.svg' does not exist"
    ) in strict.stderr
    assert "handbook/teams/index.md:1:1: warning[page-collision]" in strict.stderr
    assert not (project / "site").exists()

    relaxed = run_charters("build", cwd=project)
    assert relaxed.returncode == 0, relaxed.stderr
    teams = (project / "site" / "teams" / "index.html").read_text(encoding="utf-8")
    assert "Mine" not in teams and "Dock Operations" in teams


def test_plain_mkdocs_build_strict_keeps_the_old_site_on_a_warning(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, good = built
    project = make_project(tmp_path / "project", SMALL)
    shutil.copytree(source / "site", project / "site")
    edit(project / "charters" / "payroll.yaml", "    goals: [happy-people]\n", "")
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_TODAY, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1
    assert "warning[service-without-goal]" in result.stderr
    assert snapshot(project / "site") == good
    assert leftovers(project) == []
