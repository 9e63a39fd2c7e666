"""Client construction cost: ``MaintainX()`` / ``AsyncMaintainX()`` next to ``httpx.Client()``.

    python benchmarks/construction.py             # 15 alternating rounds of 10 each
    python benchmarks/construction.py --quick     # 3 rounds of 3

All contenders are built (and closed) in one process, alternating round by round so load
drift hits them alike; each round times ``--per-round`` constructions of one contender and
the median per construction is kept; the medians of the rounds are compared. The goal is
``MaintainX()`` and ``AsyncMaintainX()`` at most 2x ``httpx.Client()``. The SDK rows use the
default pool (20 connections, split into shards). The last row adds building the pools
(what the first request pays: one SSL context shared by every shard).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable

import httpx

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk._transport import ShardedTransport

KEY = "benchmark-key-0123456789"


def _httpx_client() -> None:
    httpx.Client().close()


def _httpx_async_client() -> None:
    client = httpx.AsyncClient()
    asyncio.run(client.aclose())


def _sdk() -> None:
    MaintainX(api_key=KEY).close()


def _sdk_async() -> None:
    AsyncMaintainX(api_key=KEY)  # aclose needs a loop; nothing is open before first use


def _sdk_with_pools() -> None:
    mx = MaintainX(api_key=KEY)
    transport = mx._http._transport  # the benchmark looks inside on purpose
    if isinstance(transport, ShardedTransport):
        assert len(transport.shards) > 1
    mx.close()


CONTENDERS: dict[str, Callable[[], None]] = {
    "httpx.Client()": _httpx_client,
    "httpx.AsyncClient()": _httpx_async_client,
    "MaintainX()": _sdk,
    "AsyncMaintainX()": _sdk_async,
    "MaintainX() + pools built": _sdk_with_pools,
}


def measure(rounds: int, per_round: int) -> dict[str, float]:
    """Median seconds per construction of each contender over alternating rounds."""
    for build in CONTENDERS.values():  # imports, first validator builds
        build()
    samples: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for round_no in range(rounds):
        names = list(CONTENDERS) if round_no % 2 == 0 else list(CONTENDERS)[::-1]
        for name in names:
            build = CONTENDERS[name]
            times = []
            for _ in range(per_round):
                start = time.perf_counter()
                build()
                times.append(time.perf_counter() - start)
            samples[name].append(statistics.median(times))
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 3")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--per-round", type=int, default=None)
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 15)
    per_round = args.per_round or (3 if args.quick else 10)
    med = measure(rounds, per_round)
    base = med["httpx.Client()"]
    print(
        f"construction, median of {rounds} alternating rounds x {per_round}, "
        f"python {sys.version.split()[0]}, httpx {httpx.__version__}"
    )
    for name, value in med.items():
        print(f"  {name:<28} {value * 1e3:8.2f} ms   {value / base:5.2f}x httpx.Client()")
    print(
        f"goal <= 2x httpx.Client(): MaintainX {med['MaintainX()'] / base:.2f}x, "
        f"AsyncMaintainX {med['AsyncMaintainX()'] / base:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
