"""Time `charters serve`: from saving an edited charter to the served page showing the edit.

    python3 benchmarks/serve_latency.py [--teams 500] [--runs 3]

Generates an organisation of N teams, starts `charters serve` on a free port with a
mkdocs.yml made for it (benchmarks/project.py), waits for the first build, then, for each
run, writes a new word into one team's purpose and polls that team's page every 50 ms
until the word appears. The latency is from the moment the file was written to the moment
the page showed it; it includes noticing the change, rebuilding and serving the page.
MkDocs' own "Documentation built in N seconds" lines are reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from generate_org import write_org  # noqa: E402
from project import ROOT, charters_serve_command, make_project  # noqa: E402

POLL_SECONDS = 0.05
FIRST_BUILD_TIMEOUT = 600
CHANGE_TIMEOUT = 120
_BUILT = re.compile(r"Documentation built in ([\d.]+) seconds")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def _wait_for(url: str, predicate: Callable[[str], bool], timeout: float) -> float | None:
    """Seconds until the page at `url` satisfies `predicate` (None on timeout)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        body = _get(url)
        if body is not None and predicate(body):
            return time.perf_counter() - started
        time.sleep(POLL_SECONDS)
    return None


def _mark_purpose(charter: Path, word: str) -> None:
    """Put `word` at the start of the team's purpose, as an edit in an editor would."""
    text = charter.read_text(encoding="utf-8")
    edited, count = re.subn(
        r"^(purpose: >-\n  )(?:Marker\w+ )?", rf"\g<1>{word} ", text, count=1, flags=re.M
    )
    if not count:
        edited, count = re.subn(
            r"^(purpose: ['\"]?)(?:Marker\w+ )?", rf"\g<1>{word} ", text, count=1, flags=re.M
        )
    assert count, f"no purpose in {charter}"
    charter.write_text(edited, encoding="utf-8")


def measure_serve(
    teams: int,
    work: Path,
    runs: int = 3,
    seed: int = 1,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    org = write_org(teams, work / "org", seed=seed)
    project = make_project(org, work / "project")
    team = sorted(p.stem for p in org.glob("*.yaml") if p.name != "organization.yaml")[0]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/teams/{team}/"
    server_log = work / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with open(server_log, "wb") as out:
        server = subprocess.Popen(
            charters_serve_command(project, f"127.0.0.1:{port}"),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group, so stopping it stops all of it
        )
    result: dict[str, Any] = {"teams": teams, "page": f"teams/{team}/", "runs": []}
    try:
        first = _wait_for(url, lambda body: team in body, FIRST_BUILD_TIMEOUT)
        if first is None:
            raise RuntimeError(f"charters serve did not serve {url}:\n{server_log.read_text()}")
        result["first_build_seconds"] = round(first, 2)
        log(f"serve: first build served after {first:.1f} s")
        time.sleep(1)  # let the watcher settle after the first build
        for run in range(runs):
            word = f"Marker{run}x{int(time.time() * 1000) % 100000}"
            _mark_purpose(org / f"{team}.yaml", word)
            # Polling starts right after the write: its time is the latency.
            latency = _wait_for(url, lambda body, w=word: w in body, CHANGE_TIMEOUT)
            if latency is None:
                raise RuntimeError(f"the edit never showed on {url}")
            result["runs"].append(round(latency, 2))
            log(f"serve: edit {run + 1} shown after {latency:.2f} s")
            time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    builds = [float(s) for s in _BUILT.findall(server_log.read_text(errors="replace"))]
    result["mkdocs_build_seconds"] = builds
    result["median_seconds"] = round(statistics.median(result["runs"]), 2)
    result["target_seconds"] = 2.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="charters-serve-") as work:
        result = measure_serve(
            args.teams, Path(work), args.runs, args.seed, log=lambda m: print(m, file=sys.stderr)
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
