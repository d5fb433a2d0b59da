"""Benchmark `charters` on synthetic organisations of N teams (issue 7).

    python3 benchmarks/run.py [--sizes 100,500,2000] [--with-5000] [--json out.json]
                              [--search] [--serve [--serve-teams 500] [--serve-runs 3]]

For each N it generates an organisation (benchmarks/generate_org.py) and measures, each
stage in a fresh Python process so that peak memory (the process's peak resident set size,
from getrusage) belongs to that stage alone:

- load+check: reading, validating and resolving every file (analyses switched off);
- analyses: `run_analyses` on the loaded organisation (the process also loaded it);
- load+check+analyses: the whole `load_charters` path that `charters check` runs;
- pages: generating every page's content without MkDocs (when generator/pages.py exists);
- charters build: the whole `charters build` command, with the built site's size and its
  search index size;
- flat mkdocs: a plain `mkdocs build` (material theme, default search) of the same teams as
  one flat folder of hand-written-style Markdown pages: what a team writing pages by hand
  would get.

The stage times of the in-process stages exclude interpreter start-up and imports (shown in
the JSON); the two build commands are timed as a user runs them. It also prints the
per-team growth factor of load+check+analyses between 200 teams and 2,000 teams
((t2000/2000)/(t200/200), measured at 200 even when 200 is not in --sizes), whose target
is under 1.3. `--search` measures search in a browser on the largest site of at least 2,000
teams (benchmarks/search_latency.py); `--serve` measures `charters serve` on 500 teams
(benchmarks/serve_latency.py: each kind of edit, from saving a charter to the pages showing
it).

Prints a table and writes JSON (default benchmarks/results/latest.json).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

DEFAULT_SIZES = (100, 500, 2000)
GROWTH_BASE = 200
GROWTH_TOP = 2000
GROWTH_TARGET = 1.3
DEFAULT_JSON = HERE / "results" / "latest.json"
PIPELINE_STAGES = ("load_check", "analyses", "pipeline")
# The `charters` entry point, whether or not the checkout was pip-installed.
CHARTERS = [sys.executable, "-c", "from generator.cli import main; main()"]


# --- measuring --------------------------------------------------------------------------------


def _peak_mb_self() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _child_stage(name: str, org_dir: Path, extra: list[str]) -> dict[str, Any]:
    """Run one in-process stage (in the fresh process this is) and describe it."""
    started = time.perf_counter()
    from generator import analyses, pipeline
    from generator.analyses import Analysis, run_analyses
    from generator.findings import Severity

    # run_analyses imports its modules (and networkx) on first use: import them here so the
    # stage times hold work that grows with the organisation, and imports are shown apart.
    for module in pkgutil.iter_modules(analyses.__path__):
        importlib.import_module(f"generator.analyses.{module.name}")
    imported = time.perf_counter() - started
    result: dict[str, Any] = {"import_seconds": round(imported, 3)}
    if name == "load_check":
        # The pipeline runs the analyses itself; switch them off to time the loading alone.
        pipeline.run_analyses = lambda org, today=None: Analysis()  # type: ignore[assignment]
        started, cpu = time.perf_counter(), time.process_time()
        checked = pipeline.load_charters(org_dir)
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = time.process_time() - cpu
    elif name == "analyses":
        pipeline.run_analyses = lambda org, today=None: Analysis()  # type: ignore[assignment]
        checked = pipeline.load_charters(org_dir)
        assert checked.organisation is not None, "organisation file unusable"
        started, cpu = time.perf_counter(), time.process_time()
        analysis = run_analyses(checked.organisation)
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = time.process_time() - cpu
        checked.findings += analysis.findings
    elif name == "pipeline":
        started, cpu = time.perf_counter(), time.process_time()
        checked = pipeline.load_charters(org_dir)
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = time.process_time() - cpu
    elif name == "pages":
        from pages_stage import generate_pages  # benchmarks/pages_stage.py

        checked = pipeline.load_charters(org_dir)
        started, cpu = time.perf_counter(), time.process_time()
        result.update(generate_pages(checked, org_dir))
        result["seconds"] = time.perf_counter() - started
        result["cpu_seconds"] = time.process_time() - cpu
    else:
        raise SystemExit(f"unknown stage {name}")
    result["peak_mb"] = round(_peak_mb_self(), 1)
    result["teams"] = len(checked.organisation.teams) if checked.organisation else 0
    result["findings"] = {
        s.value: sum(1 for f in checked.findings if f.severity is s) for s in Severity
    }
    return result


def _child_wrap(command: list[str], log: Path | None, cwd: Path | None) -> dict[str, Any]:
    """Run an external command as our only child; its peak RSS is RUSAGE_CHILDREN's."""
    import resource

    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        seconds = time.perf_counter() - started
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "returncode": code,
    }


def _run_child(args: list[str], cwd: Path | None = None) -> dict[str, Any]:
    process = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
    )
    if process.returncode != 0:
        raise RuntimeError(f"stage {args[:2]} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def run_stage(name: str, org_dir: Path, repeat: int = 1) -> dict[str, Any]:
    """Median time (and the largest peak memory) of `repeat` fresh-process runs of a stage."""
    runs = [_run_child(["_stage", name, str(org_dir)]) for _ in range(repeat)]
    result = dict(runs[0])
    result["seconds"] = round(statistics.median(r["seconds"] for r in runs), 3)
    result["cpu_seconds"] = round(statistics.median(r["cpu_seconds"] for r in runs), 3)
    result["runs"] = [round(r["seconds"], 3) for r in runs]
    result["peak_mb"] = max(r["peak_mb"] for r in runs)
    return result


def run_command(command: list[str], log: Path, cwd: Path) -> dict[str, Any]:
    result = _run_child(["_wrap", "--log", str(log), "--cwd", str(cwd), "--", *command])
    result["seconds"] = round(result["seconds"], 3)
    result["cpu_seconds"] = round(result["cpu_seconds"], 3)
    if result["returncode"] != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command)} exited {result['returncode']}:\n{tail}")
    return result


def dir_size(path: Path) -> tuple[int, int]:
    """Total bytes and number of files under `path`."""
    total = files = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(root, name))
            files += 1
    return total, files


def site_figures(site: Path) -> dict[str, Any]:
    size, files = dir_size(site)
    index = site / "search" / "search_index.json"
    html = [p for p in site.rglob("*.html")]
    return {
        "site_mb": round(size / 1e6, 1),  # decimal megabytes, as the target reads
        "site_files": files,
        "html_pages": len(html),
        "largest_page_kb": round(max((p.stat().st_size for p in html), default=0) / 1e3, 1),
        "search_index_mb": round(index.stat().st_size / 1e6, 2) if index.exists() else None,
    }


# --- the builds -------------------------------------------------------------------------------


def charters_build_available() -> bool:
    return (ROOT / "generator" / "build.py").exists() and _cli_has("build")


def pages_available() -> bool:
    return (ROOT / "generator" / "pages.py").exists() and (HERE / "pages_stage.py").exists()


def _cli_has(command: str) -> bool:
    process = subprocess.run(
        [*CHARTERS, command, "--help"],
        capture_output=True,
        cwd=ROOT,
    )
    return process.returncode == 0


def build_charters_site(org_dir: Path, work: Path) -> dict[str, Any]:
    """`charters build` of the generated organisation into a temporary site folder."""
    from project import charters_build_command, make_project

    project = make_project(org_dir, work / "project")
    site = work / "charters-site"
    shutil.rmtree(site, ignore_errors=True)
    figures = run_command(
        charters_build_command(project, site), work / "charters-build.log", project
    )
    figures.update(site_figures(site))
    figures["site"] = str(site)
    return figures


def build_flat_site(org_dir: Path, work: Path) -> dict[str, Any]:
    """Plain `mkdocs build` of hand-written-style Markdown, one flat page per team."""
    from flat import write_flat_project

    project = work / "flat"
    shutil.rmtree(project, ignore_errors=True)
    write_flat_project(org_dir, project)
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml")]
    figures = run_command(command, work / "flat-build.log", project)
    figures.update(site_figures(project / "site"))
    shutil.rmtree(project, ignore_errors=True)  # the flat site is large; nothing reads it
    return figures


# --- one size, the whole run ------------------------------------------------------------------


def measure_size(
    n: int, work: Path, args: argparse.Namespace, log: Callable[[str], None]
) -> dict[str, Any]:
    from generate_org import write_org

    org_dir = work / f"org-{n}"
    started = time.perf_counter()
    write_org(n, org_dir, seed=args.seed)
    result: dict[str, Any] = {"generate": {"seconds": round(time.perf_counter() - started, 3)}}
    log(f"[{n}] generated in {result['generate']['seconds']:.2f} s")
    stages: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        (stage, lambda stage=stage: run_stage(stage, org_dir, args.repeat))
        for stage in PIPELINE_STAGES
    ]
    if pages_available():
        stages.append(("pages", lambda: run_stage("pages", org_dir, 1)))
    if charters_build_available():
        stages.append(("charters_build", lambda: build_charters_site(org_dir, work / f"build-{n}")))
    if not args.no_flat:
        stages.append(("flat_mkdocs", lambda: build_flat_site(org_dir, work / f"build-{n}")))
    for name, measure in stages:
        try:
            result[name] = measure()
        except RuntimeError as error:
            # Record it and go on: one broken stage should not hide the other figures.
            result[name] = {"error": str(error)[-2000:]}
            log(f"[{n}] {name}: FAILED\n{error}")
            continue
        log(f"[{n}] {name}: {_cell(result[name])}")
    return result


def failures(results: dict[str, Any]) -> list[str]:
    return [
        f"{n}/{name}"
        for n, figures in results["sizes"].items()
        for name, stage in figures.items()
        if isinstance(stage, dict) and "error" in stage
    ]


def _cell(stage: dict[str, Any] | None) -> str:
    if stage and "error" in stage:
        return "failed"
    if not stage or "seconds" not in stage:
        return "-"
    text = f"{stage['seconds']:.2f} s"
    if "peak_mb" in stage:
        text += f" / {stage['peak_mb']:.0f} MiB"
    return text


ROWS: tuple[tuple[str, str, Callable[[dict[str, Any]], str]], ...] = (
    ("generate org", "generate", lambda s: f"{s['seconds']:.2f} s"),
    ("load+check", "load_check", _cell),
    ("analyses", "analyses", _cell),
    ("load+check+analyses", "pipeline", _cell),
    ("pages (no mkdocs)", "pages", _cell),
    ("charters build", "charters_build", _cell),
    ("  site size", "charters_build", lambda s: f"{s['site_mb']:.1f} MB, {s['site_files']} files"),
    ("  search index", "charters_build", lambda s: _mb(s.get("search_index_mb"))),
    ("  largest page", "charters_build", lambda s: f"{s['largest_page_kb']:.0f} KB"),
    ("flat mkdocs build", "flat_mkdocs", _cell),
    ("  site size", "flat_mkdocs", lambda s: f"{s['site_mb']:.1f} MB, {s['site_files']} files"),
    ("  search index", "flat_mkdocs", lambda s: _mb(s.get("search_index_mb"))),
    ("  largest page", "flat_mkdocs", lambda s: f"{s['largest_page_kb']:.0f} KB"),
)


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} MB"


def table(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"], key=int)
    header = ["teams", *sizes]
    lines = [header]
    for label, key, fmt in ROWS:
        if not any(key in results["sizes"][n] for n in sizes):
            continue
        cells = []
        for n in sizes:
            stage = results["sizes"][n].get(key)
            if stage and "error" in stage:
                cells.append("failed")
            else:
                cells.append(fmt(stage) if stage else "-")
        lines.append([label, *cells])
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header))]
    out = []
    for index, row in enumerate(lines):
        out.append(
            "| "
            + " | ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
        if index == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    growth = results.get("growth")
    if growth:
        out.append("")
        out.append(
            f"per-team growth of load+check+analyses, {growth['base']} -> {growth['top']} "
            f"teams: {growth['factor']:.2f} (target < {GROWTH_TARGET}; "
            f"{growth['base_seconds']:.3f} s -> {growth['top_seconds']:.3f} s; "
            f"from CPU time: {growth['cpu_factor']:.2f})"
        )
    if results.get("search"):
        s = results["search"]
        words = ", ".join(f"{w}: {ms:.0f}" for w, ms in s["per_word_ms"].items())
        ready = s.get("index_ready_ms")
        out.append(
            f"search at {s['teams']} teams: index {s['index_mb']:.2f} MB, ready "
            f"{'-' if ready is None else f'{ready / 1000:.1f} s'} after opening the page; "
            f"typing to results {s['median_ms']:.0f} ms median, first search "
            f"{s['first_search_ms']:.0f} ms ({words} ms)"
        )
    if results.get("serve"):
        s = results["serve"]
        builds = ", ".join(f"{x:.1f}" for x in s["mkdocs_build_seconds"])
        for kind, edit in s["edits"].items():
            out.append(
                f"serve at {s['teams']} teams, {kind} edit: to pages updated "
                f"{edit['median_seconds']:.2f} s median (target < {s['target_seconds']:.0f} s; "
                f"runs: {', '.join(f'{x:.2f}' for x in edit['runs'])} s)"
            )
        out.append(f"serve: MkDocs builds {builds} s")
    return "\n".join(out)


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "pydantic": version("pydantic"),
    }


def growth(results: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any] | None:
    top = results["sizes"].get(str(GROWTH_TOP))
    if not top or not base or "seconds" not in top["pipeline"] or "seconds" not in base:
        return None
    t_base, t_top = base["seconds"], top["pipeline"]["seconds"]
    c_base, c_top = base["cpu_seconds"], top["pipeline"]["cpu_seconds"]
    return {
        "base": base["teams"],
        "top": GROWTH_TOP,
        "base_seconds": t_base,
        "top_seconds": t_top,
        "factor": round((t_top / GROWTH_TOP) / (t_base / base["teams"]), 3),
        # The same from CPU time, which a busy machine disturbs less than wall time.
        "cpu_factor": round((c_top / GROWTH_TOP) / (c_base / base["teams"]), 3),
        "target": GROWTH_TARGET,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_stage"]:
        print(json.dumps(_child_stage(argv[1], Path(argv[2]), argv[3:])))
        return 0
    if argv[:1] == ["_wrap"]:
        wrap = argparse.ArgumentParser()
        wrap.add_argument("--log", type=Path)
        wrap.add_argument("--cwd", type=Path)
        wrap.add_argument("command", nargs=argparse.REMAINDER)
        options = wrap.parse_args(argv[1:])
        command = options.command[1:] if options.command[:1] == ["--"] else options.command
        print(json.dumps(_child_wrap(command, options.log, options.cwd)))
        return 0

    parser = argparse.ArgumentParser(description="Benchmark charters on synthetic orgs.")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--with-5000", action="store_true", help="add N=5000")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--search", action="store_true", help="time search in a browser")
    parser.add_argument("--serve", action="store_true", help="time `charters serve` (500)")
    parser.add_argument(
        "--serve-teams", type=int, default=500, help="organisation size for --serve"
    )
    parser.add_argument("--serve-runs", type=int, default=3, help="runs of each --serve edit")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the pipeline stages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-flat", action="store_true", help="skip the flat mkdocs build")
    parser.add_argument("--workdir", type=Path, help="keep generated orgs and sites here")
    args = parser.parse_args(argv)

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if args.with_5000:
        sizes = sorted({*sizes, 5000})

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="charters-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": "python3 benchmarks/run.py " + " ".join(argv),
        "machine": machine(),
        "seed": args.seed,
        "sizes": {},
    }
    try:
        for n in sizes:
            results["sizes"][str(n)] = measure_size(n, work, args, log)
        base = None
        if GROWTH_TOP in sizes:
            base_n = GROWTH_BASE
            if str(base_n) in results["sizes"]:
                base = results["sizes"][str(base_n)]["pipeline"]
            else:
                from generate_org import write_org

                write_org(base_n, work / f"org-{base_n}", seed=args.seed)
                base = run_stage("pipeline", work / f"org-{base_n}", max(args.repeat, 3))
                log(f"[{base_n}] pipeline (for the growth factor): {_cell(base)}")
            results["growth"] = growth(results, base)
        if args.search:
            from search_latency import measure_search

            candidates = [n for n in sizes if n >= GROWTH_TOP] or sizes[-1:]
            built = results["sizes"][str(candidates[0])].get("charters_build")
            if built and "site" in built:
                results["search"] = measure_search(Path(built["site"]), log=log)
                results["search"]["teams"] = candidates[0]
            else:
                log("search: skipped, no charters build")
        if args.serve:
            from serve_latency import measure_serve

            results["serve"] = measure_serve(
                args.serve_teams, work / "serve", args.serve_runs, seed=args.seed, log=log
            )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)

    for figures in results["sizes"].values():
        figures.get("charters_build", {}).pop("site", None)  # a temporary folder, gone now
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {args.json}")
    failed = failures(results)
    if failed:
        log(f"failed stages: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
