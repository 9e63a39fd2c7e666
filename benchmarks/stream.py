"""Stream every work order from the emulator, beside collecting them all into a list.

    python benchmarks/stream.py            # 100,000 work orders
    python benchmarks/stream.py --quick    # 10,000
    python benchmarks/stream.py --quick --plot docs/img   # + stream_memory.png

The emulator runs in-process (``emulator.transport()``: no sockets, so the numbers are the
SDK's paging, JSON decoding and model validation, plus the emulator building each page).
Memory is the peak growth traced by ``tracemalloc`` above the level after seeding, measured
in a separate pass from the speed (tracing slows Python down); speed is the best of
``--repeat`` alternating runs. Both approaches use the same
typed pager, ``mx.work_orders.list()``, at the largest page size (200).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from maintainx_sdk import MaintainX, RateLimit
from maintainx_sdk.testing import Emulator

MB = 1024 * 1024


def _client(emulator: Any) -> MaintainX:
    return MaintainX(
        api_key=emulator.api_key, transport=emulator.transport(), rate_limit=RateLimit.disabled()
    )


def stream(mx: MaintainX) -> int:
    count = 0
    for _wo in mx.work_orders.list():
        count += 1
    return count


def collect(mx: MaintainX) -> int:
    everything = list(mx.work_orders.list())
    return len(everything)


def raw_cursor_loop(http: httpx.Client) -> int:
    """The floor: the same pages through bare httpx and ``json.loads``, no SDK."""
    count = 0
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        body = json.loads(http.get("/workorders", params=params).content)
        for _wo in body["workOrders"]:
            count += 1
        cursor = body.get("nextCursor")
        if not cursor:
            return count


def timed(name: str, fn: Callable[[Any], int], mx: Any, n: int) -> float:
    gc.collect()
    started = time.perf_counter()
    count = fn(mx)
    elapsed = time.perf_counter() - started
    assert count == n, f"{name}: {count} items, expected {n}"
    return elapsed


def peak_growth(fn: Callable[[Any], int], mx: Any) -> float:
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    fn(mx)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / MB


def memory_curve(mx: MaintainX, *, keep: bool, every: int = 500) -> tuple[list[int], list[float]]:
    """Traced memory growth (MB) after each ``every`` items, streaming (``keep=False``) or
    collecting into a list (``keep=True``)."""
    kept: list[object] = []
    items, growth = [0], [0.0]
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for i, wo in enumerate(_walk(mx), start=1):
        if keep:
            kept.append(wo)
        if i % every == 0:
            items.append(i)
            growth.append((tracemalloc.get_traced_memory()[0] - base) / MB)
    tracemalloc.stop()
    return items, growth


def _walk(mx: MaintainX) -> Iterator[object]:
    yield from mx.work_orders.list()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 work orders")
    parser.add_argument("-n", type=int, default=None, help="number of work orders")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs each (best kept)")
    parser.add_argument("--plot", metavar="DIR", type=Path, help="write stream_memory.png there")
    args = parser.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)

    t0 = time.perf_counter()
    emulator = Emulator(seed=1, work_orders=n, rate_limit=None, org_rate_limit=None)
    print(f"seeded {n:,} work orders in {time.perf_counter() - t0:.1f} s")
    approaches: dict[str, Callable[[Any], int]] = {
        "stream (for wo in pager)": stream,
        "collect (list(pager))": collect,
        "raw httpx cursor loop": raw_cursor_loop,
    }
    best = dict.fromkeys(approaches, float("inf"))
    with (
        _client(emulator) as mx,
        httpx.Client(
            transport=emulator.transport(),
            base_url=mx.config.base_url,
            headers={"Authorization": f"Bearer {emulator.api_key}"},
        ) as http,
    ):
        clients = {name: http if fn is raw_cursor_loop else mx for name, fn in approaches.items()}
        for round_no in range(args.repeat):  # alternate, keep the best: the machine is shared
            names = list(approaches) if round_no % 2 == 0 else list(approaches)[::-1]
            for name in names:
                best[name] = min(best[name], timed(name, approaches[name], clients[name], n))
        curves = (
            {
                "stream (for wo in pager)": memory_curve(mx, keep=False),
                "collect (list(pager))": memory_curve(mx, keep=True),
            }
            if args.plot is not None
            else {}
        )
        results = {
            name: {
                "seconds": best[name],
                "items_per_s": n / best[name],
                "peak_mb": peak_growth(fn, clients[name]),
            }
            for name, fn in approaches.items()
        }
    print(f"{'approach':28} {'items/s':>10} {'seconds':>8} {'peak MB':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['items_per_s']:>10,.0f} {r['seconds']:>8.2f} {r['peak_mb']:>8.1f}")
    s, c = results["stream (for wo in pager)"], results["collect (list(pager))"]
    print(f"memory ratio collect/stream: {c['peak_mb'] / s['peak_mb']:.1f}x")
    print(f"speed ratio stream/collect: {s['items_per_s'] / c['items_per_s']:.2f}x")
    goal = "met" if s["peak_mb"] < 50 else "MISSED"
    print(f"goal stream peak growth < 50 MB: {goal} ({s['peak_mb']:.1f} MB)")
    ratio = s["seconds"] / results["raw httpx cursor loop"]["seconds"]
    print(f"stream / raw cursor loop wall time: {ratio:.2f}x (goal <= 1.75x)")
    if args.plot is not None:
        from _plot import lines

        title = f"Memory while walking {n:,} work orders (traced growth)"
        lines(args.plot / "stream_memory.png", title, curves, xlabel="work orders walked",
              ylabel="MB above the start")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
