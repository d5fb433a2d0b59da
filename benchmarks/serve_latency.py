"""Time `charters serve`: from saving an edited charter to the served pages showing the edit.

    python3 benchmarks/serve_latency.py [--teams 500] [--runs 3] [--edit KIND ...]

Generates an organisation of N teams, starts `charters serve` on a free port with a
mkdocs.yml made for it (benchmarks/project.py), waits for the first build, then makes each
kind of edit asked for (default: all five, in turn) `--runs` times, each in one charter as
a person would make it, and polls every 50 ms the pages where it shows until they all show
it:

- purpose: a new word at the start of team A's purpose; A's page.
- promise: a new first-answer time and target for a service of A that another team B waits
  on; A's page and B's, which shows the promise in its "Services we rely on" table.
- dependency: a service of A starts waiting on a service of team C (with a new word as what
  it is for), or, every other run, stops again; A's page and C's ("Teams that rely on us").
- service-name: A's service that B waits on gets a new name; A's page and B's.
- team-name: team A's name gets a word at its end; A's page and B's (its group's pages,
  whose navigation shows the name, are built again too).

A run's latency is from the moment the file was written to the moment the last of its pages
showed the edit; it includes noticing the change, rebuilding and serving the pages. MkDocs'
own "Documentation built in N seconds" lines are reported beside it. The machine's load
shows in the figures: compare medians of several runs.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
    return _wait_for_all([url], predicate, timeout)


def _wait_for_all(
    urls: list[str], predicate: Callable[[str], bool], timeout: float
) -> float | None:
    """Seconds until every page of `urls` satisfies `predicate` (None on timeout)."""
    started = time.perf_counter()
    waiting = list(urls)
    while time.perf_counter() - started < timeout:
        waiting = [url for url in waiting if not _shows(url, predicate)]
        if not waiting:
            return time.perf_counter() - started
        time.sleep(POLL_SECONDS)
    return None


def _shows(url: str, predicate: Callable[[str], bool]) -> bool:
    body = _get(url)
    return body is not None and predicate(body)


def _edit(charter: Path, pattern: str, replacement: str, what: str) -> None:
    """Replace the first match of `pattern` in the charter, as an edit in an editor would."""
    text = charter.read_text(encoding="utf-8")
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count, f"no {what} in {charter}"
    charter.write_text(edited, encoding="utf-8")


def _mark_purpose(charter: Path, word: str) -> None:
    """Put `word` at the start of the team's purpose."""
    text = charter.read_text(encoding="utf-8")
    if re.search(r"^purpose: >-\n  ", text, flags=re.M):
        _edit(charter, r"^(purpose: >-\n  )(?:Marker\w+ )?", rf"\g<1>{word} ", "purpose")
    else:
        _edit(charter, r"^(purpose: ['\"]?)(?:Marker\w+ )?", rf"\g<1>{word} ", "purpose")


@dataclass
class Scene:
    """Who the edits are about: team A, a service of A that team B waits on, and a service
    of team C that A does not wait on yet."""

    team: str  # A
    service: str  # a service of A, with `name`, that B waits on
    name: str
    dependent: str  # B
    consumer_service: str  # a service of A with a depends_on list (the dependency edit)
    provider: str  # C
    provider_service: str  # the key of C's service


def _scene(org: Path) -> Scene:
    charters = {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(org.glob("*.yaml"))
        if path.name != "organization.yaml"
    }
    waiters: dict[str, list[str]] = {}
    for team_id, charter in charters.items():
        for service in charter.get("services") or []:
            for dep in service.get("depends_on") or []:
                waiters.setdefault(dep["service"], []).append(team_id)
    for team_id, charter in charters.items():
        services = charter.get("services") or []
        waited = [
            (s, sorted(t for t in waiters.get(f"{team_id}/{s['id']}", []) if t != team_id))
            for s in services
        ]
        waited = [(s, teams) for s, teams in waited if teams]
        consumer = next((s for s in services if s.get("depends_on")), None)
        if not waited or consumer is None:
            continue
        service, teams = waited[0]
        taken = {dep["service"] for dep in consumer["depends_on"]}
        provider_key = next(
            f"{other}/{s['id']}"
            for other in sorted(charters, reverse=True)
            if other != team_id
            for s in charters[other].get("services") or []
            if f"{other}/{s['id']}" not in taken
        )
        return Scene(
            team_id,
            service["id"],
            service["name"],
            teams[0],
            consumer["id"],
            provider_key.split("/")[0],
            provider_key,
        )
    raise RuntimeError(f"no team in {org} has a service another team waits on")


EDITS = ("purpose", "promise", "dependency", "service-name", "team-name")
_RESPONSES = ("2 business hours", "1 business day", "3 business hours")


def _make_edit(kind: str, run: int, scene: Scene, org: Path) -> tuple[list[str], Any]:
    """Make the `run`th edit of `kind`; returns the pages (site paths) to poll and what each
    must then satisfy."""
    charter = org / f"{scene.team}.yaml"
    word = f"Marker{run}x{int(time.time() * 1000) % 100000}"
    own = f"teams/{scene.team}/"
    if kind == "purpose":
        _mark_purpose(charter, word)
        return [own], lambda body: word in body
    if kind == "promise":
        # A new first-answer time and a target no generated charter has, which both pages
        # show ("target 91.3%").
        target = f"{91 + run % 8}.{run % 9 + 1}"
        block = rf"(^- id: {re.escape(scene.service)}\n(?:  .*\n)*?)"
        _edit(
            charter,
            block + r"  response: .*$",
            rf"\g<1>  response: {_RESPONSES[run % 3]}",
            "response",
        )
        _edit(charter, block + r"  target: .*$", rf"\g<1>  target: {target}%", "target")
        return [own, f"teams/{scene.dependent}/"], lambda body: f"{target}%" in body
    if kind == "service-name":
        name = f"{scene.name} {word}"
        block = rf"(^- id: {re.escape(scene.service)}\n(?:  .*\n)*?)"
        _edit(charter, block + r"  name: .*$", rf"\g<1>  name: {name}", "name")
        return [own, f"teams/{scene.dependent}/"], lambda body: name in body
    if kind == "team-name":
        # The team's own name, with a word added at the end (its place in the navigation,
        # sorted by name, stays the same): its group's pages and the pages naming it change.
        _edit(charter, r"^(name: .*?)(?: Marker\w+)?$", rf"\g<1> {word}", "team name")
        return [own, f"teams/{scene.dependent}/"], lambda body: word in body
    if kind == "dependency":
        pages = [own, f"teams/{scene.provider}/"]
        block = rf"(^- id: {re.escape(scene.consumer_service)}\n(?:  .*\n)*?  depends_on:\n)"
        if run % 2 == 0:
            entry = (
                f"  - service: {scene.provider_service}\n"
                f"    for: {word} checks\n"
                "    blocking: true\n"
            )
            _edit(charter, block, rf"\g<1>{entry}", "depends_on")
            return pages, lambda body: word in body
        added = re.search(
            r"^    for: (Marker\w+) checks$", charter.read_text(encoding="utf-8"), re.M
        )
        assert added, f"no added dependency in {charter}"
        gone = added.group(1)
        _edit(
            charter,
            r"^  - service: .*\n    for: Marker\w+ checks\n    blocking: true\n",
            "",
            "added dependency",
        )
        return pages, lambda body: gone not in body
    raise ValueError(f"unknown edit {kind!r}")


def _resident_mib(pid: int) -> float | None:
    """The resident memory of a process (Linux /proc), to see whether a session grows."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
    return round(int(match.group(1)) / 1024, 1) if match else None


def measure_serve(
    teams: int,
    work: Path,
    runs: int = 3,
    seed: int = 1,
    log: Callable[[str], None] = lambda message: None,
    edits: Sequence[str] = EDITS,
) -> dict[str, Any]:
    org = write_org(teams, work / "org", seed=seed)
    project = make_project(org, work / "project")
    scene = _scene(org)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
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
    result: dict[str, Any] = {"teams": teams, "page": f"teams/{scene.team}/", "edits": {}}
    try:
        url = base + f"teams/{scene.team}/"
        first = _wait_for(url, lambda body: scene.team in body, FIRST_BUILD_TIMEOUT)
        if first is None:
            raise RuntimeError(f"charters serve did not serve {url}:\n{server_log.read_text()}")
        result["first_build_seconds"] = round(first, 2)
        log(f"serve: first build served after {first:.1f} s")
        time.sleep(1)  # let the watcher settle after the first build
        resident = [_resident_mib(server.pid)]
        for kind in edits:
            figures: dict[str, Any] = {"runs": []}
            for run in range(runs):
                shown, predicate = _make_edit(kind, run, scene, org)
                # Polling starts right after the write: its time is the latency.
                latency = _wait_for_all([base + page for page in shown], predicate, CHANGE_TIMEOUT)
                if latency is None:
                    raise RuntimeError(f"the {kind} edit never showed on {', '.join(shown)}")
                figures["pages"] = shown
                figures["runs"].append(round(latency, 2))
                log(f"serve: {kind} edit {run + 1} shown after {latency:.2f} s")
                time.sleep(1)
                resident.append(_resident_mib(server.pid))
            figures["median_seconds"] = round(statistics.median(figures["runs"]), 2)
            result["edits"][kind] = figures
        # After the first build, then after each edit: a session that keeps growing leaks.
        result["resident_mib"] = resident
        if resident[0] is not None and resident[-1] is not None:
            log(
                f"serve: resident memory {resident[0]:.0f} MiB after the first build, "
                f"{resident[-1]:.0f} MiB after {len(resident) - 1} edits"
            )
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    builds = [float(s) for s in _BUILT.findall(server_log.read_text(errors="replace"))]
    result["mkdocs_build_seconds"] = builds
    result["runs"] = [x for figures in result["edits"].values() for x in figures["runs"]]
    # The slowest kind of edit is the one the target is about.
    result["median_seconds"] = max(f["median_seconds"] for f in result["edits"].values())
    result["target_seconds"] = 2.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--edit",
        choices=EDITS,
        action="append",
        help="the kind of edit to time (repeat for several; default: all, in turn)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="charters-serve-") as work:
        result = measure_serve(
            args.teams,
            Path(work),
            args.runs,
            args.seed,
            log=lambda m: print(m, file=sys.stderr),
            edits=args.edit or EDITS,
        )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
