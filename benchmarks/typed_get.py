"""Typed ``work_orders.get`` next to raw httpx + ``json.loads``, sync and async, side by side.

    python benchmarks/typed_get.py            # 2,000 GETs each over loopback, 25 CPU rounds
    python benchmarks/typed_get.py --quick

1. Per request over a real loopback socket, against the emulator in its own process (as a
   real API would be): ``mx.work_orders.get(id)`` (the whole pipeline and the pydantic model,
   default client: limiter, breaker, retry, cache, stats/OTel/log observers) against
   ``httpx.Client.get`` + ``json.loads``; the same for ``AsyncMaintainX`` against
   ``httpx.AsyncClient`` (sequential awaits). Alternating blocks, medians per request.
   Goal: ratio <= 1.10 for both.
2. Client CPU per call with an in-process transport answering at once with the emulator's
   body of that work order (best of rounds): the SDK's own cost over raw httpx + json.loads.
   Goal: <= +50 us.
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hardening_server import Target

from maintainx_sdk import AsyncMaintainX, MaintainX


def _blocks(calls: dict[str, Callable[[], object]], total: int, block: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_no in range(total // block):
        names = list(calls) if round_no % 2 == 0 else list(calls)[::-1]
        for name in names:
            fn = calls[name]
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) * 1e6 for name, values in times.items()}


async def _ablocks(
    calls: dict[str, Callable[[], Awaitable[object]]], total: int, block: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_no in range(total // block):
        names = list(calls) if round_no % 2 == 0 else list(calls)[::-1]
        for name in names:
            fn = calls[name]
            for _ in range(block):
                t0 = time.perf_counter()
                await fn()
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) * 1e6 for name, values in times.items()}


def over_loopback(total: int, block: int) -> tuple[dict[str, float], bytes]:
    """Median us per request of each contender; also the work order's body for part 2."""
    with Target("emulator-process", work_orders=5) as srv:
        wo_id = srv.work_order_ids()[0]
        path = f"/workorders/{wo_id}"
        headers = {"Authorization": f"Bearer {srv.api_key}", "Accept": "application/json"}
        with (
            httpx.Client(base_url=srv.base_url, headers=headers, timeout=30) as raw,
            MaintainX(api_key=srv.api_key, base_url=srv.base_url) as mx,
        ):
            body = raw.get(path).content
            sync = _blocks(
                {
                    "raw httpx + json.loads": lambda: json.loads(raw.get(path).content),
                    "mx.work_orders.get": lambda: mx.work_orders.get(wo_id),
                },
                total,
                block,
            )

        async def run_async() -> dict[str, float]:
            async with (
                httpx.AsyncClient(base_url=srv.base_url, headers=headers, timeout=30) as araw,
                AsyncMaintainX(api_key=srv.api_key, base_url=srv.base_url) as amx,
            ):

                async def raw_get() -> object:
                    return json.loads((await araw.get(path)).content)

                return await _ablocks(
                    {
                        "async raw httpx + json.loads": raw_get,
                        "async amx.work_orders.get": lambda: amx.work_orders.get(wo_id),
                    },
                    total,
                    block,
                )

        return {**sync, **asyncio.run(run_async())}, body


def in_process(body: bytes, rounds: int, calls: int = 300) -> dict[str, float]:
    """Best-of-rounds client CPU per call (us) with an instant in-process transport."""
    headers = {
        "x-rate-limit-limit": "100000",
        "x-rate-limit-remaining": "99999",
        "x-rate-limit-reset": "60",
        "content-type": "application/json",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=body)

    wo_id = json.loads(body)["workOrder"]["id"]
    raw = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://x/v1")
    mx = MaintainX(api_key="k" * 20, base_url="http://x/v1", transport=httpx.MockTransport(answer))
    fns: dict[str, Callable[[], object]] = {
        "raw httpx + json.loads": lambda: json.loads(raw.get(f"/workorders/{wo_id}").content),
        "mx.work_orders.get": lambda: mx.work_orders.get(wo_id),
    }
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for round_no in range(rounds):
        for name in list(fns) if round_no % 2 == 0 else list(fns)[::-1]:
            fn = fns[name]
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / calls * 1e6)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 GETs each, 5 CPU rounds")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    total = 200 if args.quick else args.requests
    med, body = over_loopback(total, block=50 if args.quick else 100)
    print(f"GET one work order ({len(body)} bytes), emulator process over loopback, {total} each")
    for raw_name, sdk_name in (
        ("raw httpx + json.loads", "mx.work_orders.get"),
        ("async raw httpx + json.loads", "async amx.work_orders.get"),
    ):
        print(f"  {raw_name:30} median {med[raw_name]:8.1f} us")
        print(
            f"  {sdk_name:30} median {med[sdk_name]:8.1f} us  "
            f"ratio {med[sdk_name] / med[raw_name]:.3f}  (goal <= 1.10)"
        )
    best = in_process(body, rounds=5 if args.quick else 25)
    base = best["raw httpx + json.loads"]
    print("client CPU per call, in-process transport (best of rounds):")
    for name, us in best.items():
        print(f"  {name:30} {us:8.1f} us  (+{us - base:5.1f})")
    print(f"  SDK over raw: +{best['mx.work_orders.get'] - base:.1f} us (goal <= +50 us)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
