"""Load the built docs site in headless Chromium, as a reader would, and fail on what is broken.

    mkdocs build --strict && python scripts/browser_check.py site --shots .ci/screenshots

Serves ``site/`` on a loopback port, opens the home page, a guide and an API-reference page
in Debian's ``chromium`` (driven by playwright's Python package; no browser is downloaded),
fails on any console error, page error or failed request, checks that searching
"set_status" offers the work-orders reference, and saves a screenshot of each step.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
#: Root in a container: no sandbox; and nothing that phones home.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "home": "",
    "guide": "hardening/",
    "reference": "reference/resources/work_orders/",
    "architecture": "architecture/",
}
#: Pages with a mermaid diagram: it must be drawn (an SVG), not left as text.
DIAGRAMS = {"architecture"}
SEARCH_TERM = "set_status"
SEARCH_EXPECTS = "reference/resources/work_orders/"
TIMEOUT_MS = 30_000
#: Building the search index (5,000+ entries) takes a while on a busy 2-core machine.
SEARCH_TIMEOUT_S = 180
RETYPE_MS = 5_000


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """The directory over HTTP on 127.0.0.1, on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _watch(page: Page, problems: list[str]) -> None:
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))


def _diagram_drawn(page: Page) -> bool:
    """The theme swaps each mermaid block for the drawn diagram (in a closed shadow root,
    so out of reach): drawn means no block is left and its source text is gone."""
    try:
        page.wait_for_function(
            "() => !document.querySelector('article pre.mermaid, article .mermaid code')"
            " && !document.querySelector('article').innerText.includes('flowchart TD')",
            timeout=TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        return False
    return True


def check_pages(page: Page, base: str, shots: Path) -> list[str]:
    problems: list[str] = []
    _watch(page, problems)
    for name, path in PAGES.items():
        response = page.goto(base + path, wait_until="networkidle", timeout=TIMEOUT_MS)
        if response is None or response.status != 200:
            problems.append(f"{name} ({path or '/'}): HTTP {response.status if response else '?'}")
            continue
        if not page.locator("article h1").first.inner_text(timeout=TIMEOUT_MS).strip():
            problems.append(f"{name}: no page heading")
        if name in DIAGRAMS and not _diagram_drawn(page):
            problems.append(f"{name}: the mermaid diagram was not drawn")
        page.screenshot(path=str(shots / f"{name}.png"))
        print(f"ok   {name:10} {path or '/'}: {page.title()}")
    return problems


def check_search(page: Page, base: str, shots: Path) -> list[str]:
    """Type the term in the site's search box; the work-orders reference must be offered."""
    page.goto(base, wait_until="networkidle", timeout=TIMEOUT_MS)
    box = page.locator("input.md-search__input")
    box.click()
    links = page.locator(".md-search-result__item a")
    # The index is built in a web worker after the page loads; a query typed before it is
    # ready is not re-run, so type it again until results show (or the deadline passes).
    deadline = time.monotonic() + SEARCH_TIMEOUT_S
    while True:
        box.fill("")
        box.press_sequentially(SEARCH_TERM, delay=20)
        try:
            links.first.wait_for(timeout=RETYPE_MS)
            break
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                page.screenshot(path=str(shots / "search.png"))
                return [f"search {SEARCH_TERM!r} showed no result in {SEARCH_TIMEOUT_S} s"]
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    hit = next((i for i, href in enumerate(hrefs) if SEARCH_EXPECTS in href), None)
    if hit is None:
        page.screenshot(path=str(shots / "search.png"))
        return [f"search {SEARCH_TERM!r} did not offer {SEARCH_EXPECTS}: {hrefs[:5]}"]
    links.nth(hit).scroll_into_view_if_needed()  # the screenshot shows the expected result
    page.screenshot(path=str(shots / "search.png"))
    print(f"ok   search     {SEARCH_TERM!r} -> {hrefs[hit]} (result {hit + 1} of {len(hrefs)})")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build)")
    parser.add_argument("--shots", type=Path, default=Path(".ci/screenshots"))
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"browser_check: {args.site} has no index.html: run mkdocs build", file=sys.stderr)
        return 2
    args.shots.mkdir(parents=True, exist_ok=True)
    with (
        serve(args.site) as base,
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_playwright() as pw,
    ):
        # A fresh profile each run (playwright passes it as --user-data-dir).
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=args.chromium,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 860},
        )
        try:
            page = context.new_page()
            problems = check_pages(page, base, args.shots)
            problems += check_search(page, base, args.shots)
        finally:
            context.close()
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"screenshots in {args.shots}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
