"""Async fan-out: ``bulk.aget_many`` over each ``http_backend`` next to bare aiohttp.

    python benchmarks/fanout.py                    # 1,000 GETs, 20 ms latency, C=50
    python benchmarks/fanout.py --concurrency 10
    python benchmarks/fanout.py --quick            # 300 GETs, 3 rounds

One loopback emulator process (as in ``benchmarks/get_many.py``) adds 20 ms to every
answer; the contenders fetch the same work orders by id in alternating rounds, and the
median wall time of each is compared with the ideal (ids / concurrency x latency):

- ``AsyncMaintainX()`` (httpx's async stack over sharded pools, the default),
- ``AsyncMaintainX(http_backend="aiohttp")`` (the ``aiohttp`` extra),
- bare aiohttp with ``json.loads`` (a floor: no SDK, no httpx).

Goal: the SDK at C=50 within 1.5x of the ideal. Client-side pacing is off, and so is the
emulator's quota: this measures concurrency, not the quota.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent))

from get_many import KEY, emulator_process

from maintainx_sdk import AsyncMaintainX, MaintainX, PoolLimits, RateLimit, bulk

Run = Callable[[str, list[int], int], Awaitable[float]]


def _sdk(backend: Literal["httpx", "aiohttp"]) -> Run:
    async def run(base_url: str, ids: list[int], concurrency: int) -> float:
        pool = PoolLimits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with AsyncMaintainX(
            api_key=KEY,
            base_url=base_url,
            pool=pool,
            rate_limit=RateLimit.disabled(),
            http_backend=backend,
        ) as mx:
            await bulk.aget_many(mx.work_orders, ids[: concurrency * 2], concurrency=concurrency)
            started = time.perf_counter()
            result = await bulk.aget_many(mx.work_orders, ids, concurrency=concurrency)
            elapsed = time.perf_counter() - started
        assert result.ok and len(result.values) == len(ids), result.failures[:3]
        return elapsed

    return run


async def _bare_aiohttp(base_url: str, ids: list[int], concurrency: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(concurrency)
        headers = {"Authorization": f"Bearer {KEY}"}

        async def one(wo_id: int) -> None:
            async with gate, session.get(f"{base_url}/workorders/{wo_id}", headers=headers) as r:
                r.raise_for_status()
                json.loads(await r.read())

        await asyncio.gather(*(one(i) for i in ids[: concurrency * 2]))
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in ids))
        return time.perf_counter() - started


CONTENDERS: dict[str, Run] = {
    "SDK, http_backend='httpx'": _sdk("httpx"),
    "SDK, http_backend='aiohttp'": _sdk("aiohttp"),
    "bare aiohttp + json.loads": _bare_aiohttp,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 ids, 3 rounds")
    parser.add_argument("-n", type=int, default=None, help="number of ids")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.n or (300 if args.quick else 1000)
    rounds = args.rounds or (3 if args.quick else 5)
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    with emulator_process(n, args.latency) as base_url:
        with MaintainX(api_key=KEY, base_url=base_url, rate_limit=RateLimit.disabled()) as mx:
            ids = [wo.id for wo in mx.work_orders.list()]
        for round_no in range(rounds):
            names = list(CONTENDERS) if round_no % 2 == 0 else list(CONTENDERS)[::-1]
            for name in names:
                times[name].append(asyncio.run(CONTENDERS[name](base_url, ids, args.concurrency)))
    ideal = n / args.concurrency * args.latency
    print(
        f"{n} GETs, concurrency {args.concurrency}, {args.latency * 1000:.0f} ms latency, "
        f"median of {rounds} alternating rounds; ideal {ideal:.3f} s"
    )
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:<30} {med:7.3f} s  {med / ideal:5.2f}x ideal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
