"""What progress reporting costs per page, side by side in one run.

A pager walks pages of one raw item from an in-process transport that answers at once, so
the client's own CPU per page is all that is measured. Three clients, interleaved, best of
``--rounds``:

- without the progress observer (the client's observers only, as before progress existed);
- the default client: the progress observer installed, no callback (what every call pays);
- the default client walking with ``progress=`` a no-op callback (what a tracked walk pays).

    python benchmarks/progress_overhead.py            # 25 rounds of 200 pages
    python benchmarks/progress_overhead.py --quick    # 5 rounds
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import httpx

from maintainx_sdk import MaintainX
from maintainx_sdk._observer import FanOutObserver
from maintainx_sdk.pagination import SyncPager
from maintainx_sdk.progress import Progress
from maintainx_sdk.sync import source_operation

HEADERS = {"content-type": "application/json"}


def _answer(pages: int) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("cursor") or 0)
        nxt = str(n + 1) if n + 1 < pages else None
        body = {
            "workOrders": [{"id": n, "updatedAt": "2026-01-01T00:00:00.000Z"}],
            "nextCursor": nxt,
        }
        return httpx.Response(200, headers=HEADERS, content=json.dumps(body).encode())

    return answer


def _client(pages: int) -> MaintainX:
    return MaintainX(
        api_key="k" * 20,
        base_url="http://x/v1",
        transport=httpx.MockTransport(_answer(pages)),
        telemetry=False,
    )


def run(rounds: int, pages: int) -> dict[str, float]:
    """Microseconds of client CPU per page (best of ``rounds`` walks of ``pages`` pages)."""
    op = source_operation("work_orders")
    without = _client(pages)
    without.pipeline.observer = FanOutObserver(without.observers)  # no progress observer
    default = _client(pages)

    def ignore(progress: Progress) -> None:
        pass

    walks: dict[str, Callable[[], int]] = {
        "no progress observer": lambda: len(list(SyncPager(without, op, query={"limit": 1}))),
        "progress observer, no callback": lambda: len(
            list(SyncPager(default, op, query={"limit": 1}))
        ),
        "progress= no-op callback": lambda: len(
            list(SyncPager(default, op, query={"limit": 1}).with_options(progress=ignore))
        ),
    }
    best = dict.fromkeys(walks, float("inf"))
    for walk in walks.values():  # warm up
        assert walk() == pages
    for _ in range(rounds):
        for name, walk in walks.items():
            t0 = time.perf_counter()
            walk()
            best[name] = min(best[name], (time.perf_counter() - t0) / pages * 1e6)
    without.close()
    default.close()
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 25")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args(argv)
    best = run(5 if args.quick else args.rounds, args.pages)
    base = best["no progress observer"]
    print(f"client CPU per page, best of {5 if args.quick else args.rounds} walks of {args.pages}:")
    for name, us in best.items():
        print(f"  {name:<32} {us:8.1f} us   x{us / base:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
