"""One pool vs a sharded pool for the async client, side by side on one emulator server.

    python benchmarks/pool_shards.py                   # 1,000 GETs, concurrency 50, 20 ms
    python benchmarks/pool_shards.py --concurrency 10
    python benchmarks/pool_shards.py --quick           # 300 GETs
    python benchmarks/pool_shards.py --sweep 5,10,25,50   # also these shard counts

Four contenders fetch the same work orders by id from one loopback emulator process
(``maintainx-sdk emulator --faults latency=...``, as in ``benchmarks/get_many.py``), in
alternating rounds so load drift hits them alike; the best round of each is printed with
its client CPU time and the emulator process's CPU time over the same timed part:

- bare ``httpx.AsyncClient`` (one pool, a semaphore of ``concurrency``),
- the same bare client over ``ShardedAsyncTransport`` (automatic shard count),
- ``bulk.aget_many`` with ``PoolLimits(shards=1)`` (the SDK before sharding),
- ``bulk.aget_many`` with the automatic shard count (the SDK's default).

Ideal wall time = ids / concurrency x latency. Shard ratio = one pool / sharded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from get_many import KEY, SERVER_PIDS, emulator_process

from maintainx_sdk import AsyncMaintainX, MaintainX, PoolLimits, RateLimit, bulk
from maintainx_sdk._transport import ShardedAsyncTransport, shard_count

Timing = tuple[float, float, float]  # wall, client CPU, server CPU (seconds)
Run = Callable[[str, list[int], int, Callable[[], float]], Awaitable[Timing]]


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bare(shards: int) -> Run:
    async def run(
        base_url: str, ids: list[int], concurrency: int, server_cpu: Callable[[], float]
    ) -> Timing:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        transport = ShardedAsyncTransport.from_limits(limits, shards) if shards > 1 else None
        async with httpx.AsyncClient(limits=limits, transport=transport, timeout=30) as http:
            gate = asyncio.Semaphore(concurrency)
            headers = {"Authorization": f"Bearer {KEY}"}

            async def one(wo_id: int) -> None:
                async with gate:
                    response = await http.get(f"{base_url}/workorders/{wo_id}", headers=headers)
                    response.raise_for_status()
                    response.json()

            await asyncio.gather(*(one(i) for i in ids[: concurrency * 2]))  # warm the pool
            started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            await asyncio.gather(*(one(i) for i in ids))
            return (
                time.perf_counter() - started,
                time.process_time() - cpu,
                server_cpu() - server,
            )

    return run


def _sdk(shards: int | None) -> Run:
    async def run(
        base_url: str, ids: list[int], concurrency: int, server_cpu: Callable[[], float]
    ) -> Timing:
        pool = PoolLimits(
            max_connections=concurrency, max_keepalive_connections=concurrency, shards=shards
        )
        async with AsyncMaintainX(
            api_key=KEY, base_url=base_url, pool=pool, rate_limit=RateLimit.disabled()
        ) as mx:
            await bulk.aget_many(mx.work_orders, ids[: concurrency * 2], concurrency=concurrency)
            started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            result = await bulk.aget_many(mx.work_orders, ids, concurrency=concurrency)
            timing = (
                time.perf_counter() - started,
                time.process_time() - cpu,
                server_cpu() - server,
            )
        assert result.ok and len(result.values) == len(ids), result.failures[:3]
        return timing

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 ids, 2 rounds")
    parser.add_argument("-n", type=int, default=None, help="number of ids")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--sweep", default="", help="also try these shard counts, e.g. 5,10,25 (both clients)"
    )
    args = parser.parse_args(argv)
    n = args.n or (300 if args.quick else 1000)
    rounds = args.rounds or (2 if args.quick else 3)
    shards = shard_count(args.concurrency, None)
    contenders: dict[str, Run] = {
        "bare httpx, one pool": _bare(1),
        f"bare httpx, {shards} shards": _bare(shards),
        "SDK aget_many, shards=1": _sdk(1),
        f"SDK aget_many, auto ({shards})": _sdk(None),
    }
    for count in (int(x) for x in args.sweep.split(",") if x.strip()):
        contenders[f"bare httpx, shards={count}"] = _bare(count)
        contenders[f"SDK aget_many, shards={count}"] = _sdk(count)
    best: dict[str, Timing] = {}
    with emulator_process(n, args.latency) as base_url:
        with MaintainX(api_key=KEY, base_url=base_url, rate_limit=RateLimit.disabled()) as mx:
            ids = [wo.id for wo in mx.work_orders.list()]
        pid = SERVER_PIDS[base_url]
        for round_no in range(rounds):
            names = list(contenders) if round_no % 2 == 0 else list(contenders)[::-1]
            for name in names:
                timing = asyncio.run(
                    contenders[name](base_url, ids, args.concurrency, lambda: process_cpu(pid))
                )
                if name not in best or timing[0] < best[name][0]:
                    best[name] = timing
    ideal = n / args.concurrency * args.latency
    print(
        f"{n} ids, concurrency {args.concurrency}, {args.latency * 1000:.0f} ms latency, "
        f"best of {rounds} alternating rounds; ideal {ideal:.3f} s"
    )
    for name, (elapsed, cpu, server) in best.items():
        print(
            f"  {name:28} {elapsed:7.3f} s  {elapsed / ideal:6.2f}x ideal  "
            f"client cpu {cpu:6.3f} s ({cpu / n * 1e3:.2f} ms/req)  "
            f"server cpu {server:5.2f} s"
        )
    names = list(best)
    print(f"  shard speed-up, bare httpx: {best[names[0]][0] / best[names[1]][0]:.2f}x")
    print(f"  shard speed-up, SDK:        {best[names[2]][0] / best[names[3]][0]:.2f}x")
    print(f"  SDK (auto) / bare httpx (sharded): {best[names[3]][0] / best[names[1]][0]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
