"""A plain `pip install .` (what the CI workflows run) is whole: the wheel carries the
templates, and the commands that render them work from it, away from the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as pip builds it, unpacked into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: setuptools builds in the source tree and would reuse a stale build/ folder.
    source = out / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "site", "*.egg-info", "__pycache__", ".*_cache", "tests", "benchmarks"
        ),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("charters-*.whl")
    unpacked = out / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    return unpacked


def test_the_wheel_carries_every_template(unpacked_wheel: Path) -> None:
    in_repo = sorted(p.relative_to(REPO / "templates") for p in (REPO / "templates").rglob("*.j2"))
    packaged = unpacked_wheel / "generator" / "templates"
    assert in_repo, "no templates in the repository"
    assert sorted(p.relative_to(packaged) for p in packaged.rglob("*.j2")) == in_repo


def test_commands_render_from_the_installed_package(unpacked_wheel: Path, tmp_path: Path) -> None:
    """`charters codeowners` and `charters new` from the wheel alone, in a project that has
    only its charters (no templates/ folder, no generator/ source beside it)."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "charters", project / "charters")
    shutil.copy(REPO / "CODEOWNERS", project / "CODEOWNERS")
    command = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(unpacked_wheel)!r}); "
        "from generator.cli import main; main()",
    ]

    codeowners = subprocess.run(
        [*command, "codeowners", "--check"], cwd=project, capture_output=True, text=True
    )
    assert codeowners.returncode == 0, codeowners.stderr
    assert "CODEOWNERS is up to date" in codeowners.stdout + codeowners.stderr

    new = subprocess.run(
        [*command, "new", "lab-results", "--name", "Lab Results"]
        + ["--group", "clinical-products", "--lead", "Ada Lovelace"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert new.returncode == 0, new.stderr
    assert "name: Lab Results" in (project / "charters" / "lab-results.yaml").read_text()
    assert "Traceback" not in new.stderr + codeowners.stderr
