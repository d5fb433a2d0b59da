"""Time search in a real browser: from typing a word to the results showing.

    python3 benchmarks/search_latency.py SITE_DIR [--words payroll,restores]

Serves SITE_DIR on 127.0.0.1 with http.server, opens it in Chromium (Playwright) and, for
each word, types it into mkdocs-material's search box the way a person does (a key every
50 ms). Timestamps come from the page itself (performance.now()): the last keystroke, the
search worker's answer to the whole word (every keystroke is a query, answered in order, so
a slow index answers the whole word only after all the prefixes) and the result list's
changes after it. The latency of a word is from its last keystroke to the results of the
whole word on screen.

The first word is typed right after the page loads, so it includes fetching the search
index and building it in the search worker ("first search"); the others are warm.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_WORDS = ("payroll", "restores", "certificate", "forecast", "invoices")
SETTLE_MS = 500  # the answer counts as shown when the list has not changed for this long
TIMEOUT_MS = 60_000

# Installed before any page script runs. mkdocs-material searches in a web worker: each value
# of the search box is posted to it as {type: 2, data: value} and answered in order with
# {type: 3, data: results}; {type: 1} says the index is ready. Wrapping the Worker records
# those, a keydown listener the last keystroke, and a MutationObserver each change of the
# result list.
_PROBE = """
window.__probe = {lastKey: 0, queries: [], results: [], ready: null, changes: []};
const RealWorker = window.Worker;
window.Worker = function (url, options) {
  const worker = new RealWorker(url, options);
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message, ...rest) => {
    if (message && message.type === 2) {
      window.__probe.queries.push({at: performance.now(), value: String(message.data)});
    }
    return post(message, ...rest);
  };
  worker.addEventListener('message', (event) => {
    const message = event.data || {};
    if (message.type === 1) window.__probe.ready = performance.now();
    if (message.type === 3) window.__probe.results.push(performance.now());
  });
  return worker;
};
window.Worker.prototype = RealWorker.prototype;
document.addEventListener('keydown', () => { window.__probe.lastKey = performance.now(); }, true);
const watch = () => {
  const list = document.querySelector('.md-search-result');
  if (!list) { setTimeout(watch, 20); return; }
  new MutationObserver(() => window.__probe.changes.push(performance.now()))
    .observe(list, {childList: true, subtree: true, characterData: true});
};
document.addEventListener('DOMContentLoaded', watch);
"""

# Done when the worker has answered every query, the last one being the whole word, and the
# result list has not changed for a moment since that answer.
_SETTLED = """
([word, settle]) => {
  const p = window.__probe;
  const queries = p.queries, results = p.results;
  if (!queries.length || queries[queries.length - 1].value !== word) return false;
  if (results.length < queries.length) return false;
  const answered = results[results.length - 1];
  const last = Math.max(answered, ...p.changes.filter(t => t >= answered));
  return performance.now() - last >= settle;
}
"""

_LATENCY = """
() => {
  const p = window.__probe;
  const answered = p.results[p.results.length - 1];
  const shown = Math.max(answered, ...p.changes.filter(t => t >= answered));
  const items = document.querySelectorAll('.md-search-result__item').length;
  const meta = (document.querySelector('.md-search-result__meta') || {}).textContent || '';
  return {ms: shown - p.lastKey, items, meta: meta.trim(), ready: p.ready,
          queries: p.queries.length};
}
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 and a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _chromium() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def measure_search(
    site: Path,
    words: tuple[str, ...] = DEFAULT_WORDS,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    index = site / "search" / "search_index.json"
    result: dict[str, Any] = {
        "index_mb": round(index.stat().st_size / 1e6, 2) if index.exists() else 0.0,
        "per_word_ms": {},
        "per_word_results": {},
    }
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(_PROBE)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            started = time.perf_counter()
            page.goto(base, wait_until="load")
            result["page_load_ms"] = round((time.perf_counter() - started) * 1000)
            box = page.locator("input.md-search__input").first
            for number, word in enumerate(words):
                box.click()
                box.fill("")
                page.wait_for_timeout(300 if number else 0)
                page.keyboard.type(word, delay=50)
                page.wait_for_function(_SETTLED, arg=[word, SETTLE_MS], polling=50)
                found = page.evaluate(_LATENCY)
                result["per_word_ms"][word] = round(found["ms"], 1)
                result["per_word_results"][word] = found["meta"] or f"{found['items']} items"
                log(f"search '{word}': {found['ms']:.0f} ms ({found['meta']})")
                if number == 0:
                    # The first word waited for the index to be fetched and built.
                    result["first_search_ms"] = round(found["ms"], 1)
                    ready = found["ready"]
                    result["index_ready_ms"] = round(ready) if ready is not None else None
        finally:
            browser.close()
    warm = [ms for word, ms in result["per_word_ms"].items() if word != words[0]]
    result["median_ms"] = round(statistics.median(warm), 1) if warm else result["first_search_ms"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="a built site folder")
    parser.add_argument("--words", default=",".join(DEFAULT_WORDS))
    args = parser.parse_args(argv)
    words = tuple(w for w in args.words.split(",") if w)
    result = measure_search(args.site, words, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
