"""Overhead of the full hardened pipeline vs a raw ``httpx.Client``, side by side.

Both fetch one work order over the same keep-alive loopback connection pool, interleaved in
alternating blocks so drift hits both alike. The SDK runs everything: rate limiter (with a
quota large enough never to pace), breaker, retry bookkeeping, cache checks, header feedback
and error mapping.

    python benchmarks/overhead.py            # 2,000 GETs each
    python benchmarks/overhead.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _loopback import KEY, LoopbackServer

from maintainx_sdk import MaintainX


def run(total: int, block: int) -> dict[str, float]:
    with LoopbackServer() as srv:
        headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
        raw = httpx.Client(base_url=srv.base_url, headers=headers, timeout=30)
        mx = MaintainX(api_key=KEY, base_url=srv.base_url)
        for _ in range(50):  # warm both pools and code paths
            raw.get("/workorders/1").raise_for_status()
            mx.request("GET", "/workorders/1")
        raw_times: list[float] = []
        sdk_times: list[float] = []
        ratios: list[float] = []
        for round_no in range(total // block):
            order = ("raw", "sdk") if round_no % 2 == 0 else ("sdk", "raw")
            spent = {}
            for who in order:
                t0 = time.perf_counter()
                for _ in range(block):
                    s = time.perf_counter()
                    if who == "raw":
                        r = raw.get("/workorders/1")
                        r.raise_for_status()
                        r.json()
                        raw_times.append(time.perf_counter() - s)
                    else:
                        mx.request("GET", "/workorders/1").json()
                        sdk_times.append(time.perf_counter() - s)
                spent[who] = time.perf_counter() - t0
            ratios.append(spent["sdk"] / spent["raw"])
        raw.close()
        mx.close()
    return {
        "requests_each": float(len(raw_times)),
        "raw_median_us": statistics.median(raw_times) * 1e6,
        "sdk_median_us": statistics.median(sdk_times) * 1e6,
        "median_request_ratio": statistics.median(sdk_times) / statistics.median(raw_times),
        "median_block_ratio": statistics.median(ratios),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 GETs each instead of 2,000")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    total = 200 if args.quick else args.requests
    result = run(total, block=50 if args.quick else 100)
    print(f"GET /workorders/1 over loopback, {int(result['requests_each'])} each, interleaved")
    print(f"  raw httpx median   {result['raw_median_us']:8.1f} us")
    print(f"  SDK pipeline median {result['sdk_median_us']:7.1f} us")
    print(f"  median ratio per request  {result['median_request_ratio']:.3f}  (goal <= 1.10)")
    print(f"  median ratio per block    {result['median_block_ratio']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
