"""Smoke tests of the scale benchmark (issue 7): the synthetic organisations are valid and
realistic, and `benchmarks/run.py` runs end to end and reports every figure at N=20,
`charters serve`'s latency for each kind of edit included."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
TODAY = "2026-11-20"
# The `charters` entry point, whether or not the checkout was pip-installed.
CHARTERS = [sys.executable, "-c", "from generator.cli import main; main()"]


def _generate(n: int, out: Path, seed: int = 1, today: str | None = TODAY) -> Path:
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "generate_org.py"), str(n), str(out)]
        + ["--seed", str(seed)]
        + (["--today", today] if today else []),
        check=True,
        capture_output=True,
    )
    return out


def _charters(folder: Path) -> dict[str, dict]:
    return {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.yaml"))
        if p.name != "organization.yaml"
    }


def test_generated_organisation_passes_charters_check(tmp_path: Path) -> None:
    # Review dates relative to the real today, which `charters check` judges them by.
    org = _generate(20, tmp_path / "org", today=None)
    check = subprocess.run(
        [*CHARTERS, "check", str(org)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    summary = (check.stdout + check.stderr).strip().splitlines()[-1]
    assert summary.startswith("checked 21 files: 0 errors, 0 warnings"), summary


def test_generation_is_deterministic_from_the_seed(tmp_path: Path) -> None:
    first = _generate(20, tmp_path / "a", seed=7)
    second = _generate(20, tmp_path / "b", seed=7)
    other = _generate(20, tmp_path / "c", seed=8)

    def files(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}

    assert files(first) == files(second)
    assert files(first) != files(other)


def test_generated_organisation_has_the_promised_shape(tmp_path: Path) -> None:
    org = _generate(300, tmp_path / "org")
    organisation = yaml.safe_load((org / "organization.yaml").read_text(encoding="utf-8"))
    charters = _charters(org)
    assert len(charters) == 300

    group_sizes = Counter(c["group"] for c in charters.values())
    assert set(group_sizes) == {g["id"] for g in organisation["groups"]}
    assert all(10 <= size <= 50 for size in group_sizes.values()), group_sizes
    assert all(4 <= len(c["services"]) <= 8 for c in charters.values())

    fan_in: Counter[str] = Counter()
    blocking = Counter()
    customer_kinds: set[str] = set()
    segments = {s["id"] for s in organisation["customers"]}
    groups = set(group_sizes)
    for charter in charters.values():
        for service in charter["services"]:
            assert service["goals"], f"{charter['team']}/{service['id']} serves no goal"
            for customer in service["customers"]:
                customer_kinds.add(
                    "everyone"
                    if customer == "everyone"
                    else "segment"
                    if customer in segments
                    else "group"
                    if customer in groups
                    else "team"
                )
            for dependency in service.get("depends_on", []):
                fan_in[dependency["service"]] += 1
                blocking[dependency["blocking"]] += 1
    assert customer_kinds == {"team", "group", "segment", "everyone"}
    assert blocking[True] > blocking[False] > 0
    # Power law: the most waited-on service has many times the typical provider's fan-in.
    counts = sorted(fan_in.values(), reverse=True)
    assert counts[0] >= 10 * statistics.median(counts), counts[:10]
    promises = {
        s.get("resolution", s["response"]) for c in charters.values() for s in c["services"]
    }
    assert any("business" in p for p in promises) and any("business" not in p for p in promises)


def test_benchmark_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "20", "--repeat", "1"]
        + ["--serve", "--serve-teams", "20", "--serve-runs", "2"]
        + ["--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    for row in (
        "load+check",
        "analyses",
        "load+check+analyses",
        "pages (no mkdocs)",
        "charters build",
        "flat mkdocs build",
        "search index",
        "site size",
    ):
        assert re.search(rf"^\|\s+{re.escape(row)}\s+\|", run.stdout, re.M), (
            f"row {row!r} missing from:\n{run.stdout}"
        )

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["machine"]["cpus"] >= 1
    figures = result["sizes"]["20"]
    for stage in ("load_check", "analyses", "pipeline", "pages", "charters_build", "flat_mkdocs"):
        assert figures[stage]["seconds"] > 0, stage
        assert figures[stage]["peak_mb"] > 10, stage  # a Python process, not a zero
    assert figures["pipeline"]["teams"] == 20
    assert figures["pipeline"]["findings"]["error"] == 0
    assert figures["pages"]["pages"] > 20
    for build in ("charters_build", "flat_mkdocs"):
        assert figures[build]["site_mb"] > 0
        assert figures[build]["search_index_mb"] > 0
        assert figures[build]["html_pages"] >= 21

    # `charters serve`: each kind of edit was made, seen on its pages and timed.
    serve = result["serve"]
    assert serve["teams"] == 20 and serve["first_build_seconds"] > 0
    assert sorted(serve["edits"]) == [
        "dependency",
        "promise",
        "purpose",
        "service-name",
        "team-name",
    ]
    for kind, edit in serve["edits"].items():
        assert len(edit["runs"]) == 2 and all(0 < x < 60 for x in edit["runs"]), kind
        assert edit["pages"][0] == serve["page"], kind
        assert re.search(rf"^serve at 20 teams, {kind} edit: to pages updated ", run.stdout, re.M)
    # The promise, dependency and name edits show on a second team's page too.
    assert all(
        len(serve["edits"][kind]["pages"]) == 2
        for kind in ("promise", "dependency", "service-name", "team-name")
    )
