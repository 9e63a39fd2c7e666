"""Async get-many of 1,000 work orders by id against the loopback emulator server.

    python benchmarks/get_many.py            # 1,000 ids, 20 ms latency, concurrency 50
    python benchmarks/get_many.py --quick    # 200 ids

The emulator serves over a real loopback socket in its own process (``maintainx-sdk
emulator --port 0 --faults latency=0.02``; in the benchmark's process its 50 server threads
would fight the client for the GIL and the numbers would measure that) and adds 20 ms to
every answer; the client's CPU time is printed too: when it exceeds the ideal, the run
is CPU-bound (on a 2-core box the httpx async stack alone costs ~1.4 ms CPU per request); ``bulk.aget_many(mx.work_orders, ids, concurrency=50)`` fetches them through
the full pipeline. The ideal wall time is ids / concurrency x latency (0.4 s for 1,000);
the ratio printed is measured / ideal (goal <= 1.25). The blocking ``bulk.get_many`` (a
thread pool sharing one client) runs beside it for comparison. Client-side pacing is off:
the emulator's own quota is off too, so the numbers are about concurrency, not the quota.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from maintainx_sdk import AsyncMaintainX, MaintainX, PoolLimits, RateLimit, bulk

KEY = "bench-key"
#: base URL -> pid of the emulator process serving it (for reading its CPU time).
SERVER_PIDS: dict[str, int] = {}


@contextmanager
def emulator_process(work_orders: int, latency: float) -> Iterator[str]:
    """Run ``maintainx-sdk emulator`` on a free loopback port; yield its base URL."""
    command = [
        sys.executable,
        "-c",
        "import sys; from maintainx_sdk.cli import main; raise SystemExit(main(sys.argv[1:]))",
        "emulator",
        "--port=0",
        f"--api-key={KEY}",
        f"--work-orders={work_orders}",
        f"--faults=latency={latency}",
        "--rate-limit=off",
        "--org-rate-limit=off",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        base_url = line.rsplit(" ", 1)[-1].strip()
        SERVER_PIDS[base_url] = proc.pid
        yield base_url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def run_async(
    base_url: str, key: str, ids: list[int], concurrency: int
) -> tuple[float, float]:
    pool = PoolLimits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with AsyncMaintainX(
        api_key=key, base_url=base_url, pool=pool, rate_limit=RateLimit.disabled()
    ) as mx:
        await bulk.aget_many(mx.work_orders, ids[: concurrency * 2], concurrency=concurrency)
        started, cpu = time.perf_counter(), time.process_time()
        result = await bulk.aget_many(mx.work_orders, ids, concurrency=concurrency)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.ok and len(result.values) == len(ids), result.failures[:3]
    return elapsed, cpu


def run_sync(base_url: str, key: str, ids: list[int], concurrency: int) -> tuple[float, float]:
    pool = PoolLimits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with MaintainX(
        api_key=key, base_url=base_url, pool=pool, rate_limit=RateLimit.disabled()
    ) as mx:
        bulk.get_many(mx.work_orders, ids[: concurrency * 2], concurrency=concurrency)
        started, cpu = time.perf_counter(), time.process_time()
        result = bulk.get_many(mx.work_orders, ids, concurrency=concurrency)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.ok and len(result.values) == len(ids), result.failures[:3]
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 ids")
    parser.add_argument("-n", type=int, default=None, help="number of ids")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added per answer")
    args = parser.parse_args(argv)
    n = args.n or (200 if args.quick else 1000)

    with emulator_process(n, args.latency) as base_url:
        with MaintainX(api_key=KEY, base_url=base_url, rate_limit=RateLimit.disabled()) as mx:
            ids = [wo.id for wo in mx.work_orders.list()]
        ideal = n / args.concurrency * args.latency
        async_s, async_cpu = asyncio.run(run_async(base_url, KEY, ids, args.concurrency))
        sync_s, sync_cpu = run_sync(base_url, KEY, ids, args.concurrency)
    print(f"{n} ids, concurrency {args.concurrency}, {args.latency * 1000:.0f} ms latency")
    print(f"ideal                     {ideal:6.3f} s   (client CPU used during the run)")
    print(
        f"async aget_many           {async_s:6.3f} s  ratio {async_s / ideal:5.2f}x  cpu {async_cpu:.3f} s"
    )
    print(
        f"sync get_many (threads)   {sync_s:6.3f} s  ratio {sync_s / ideal:5.2f}x  cpu {sync_cpu:.3f} s"
    )
    goal = "met" if async_s / ideal <= 1.25 else "MISSED"
    print(f"goal async <= 1.25x ideal: {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
