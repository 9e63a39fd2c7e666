"""Overhead of the full hardened pipeline vs a raw ``httpx.Client``, side by side.

Both fetch one work order over the same keep-alive loopback connection pool, interleaved in
alternating blocks so drift hits both alike. The SDK runs everything: rate limiter (with a
quota large enough never to pace), breaker, retry bookkeeping, cache checks, header feedback
and error mapping.

    python benchmarks/overhead.py                      # 2,000 GETs each, emulator
    python benchmarks/overhead.py --server loopback    # the bare loopback server
    python benchmarks/overhead.py --quick              # a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hardening_server import Target, default_server

from maintainx_sdk import MaintainX


def run(total: int, block: int, server: str = "loopback") -> dict[str, float]:
    """Interleave raw httpx, ``mx.request`` (pipeline) and ``mx.work_orders.get`` (pipeline +
    typed model) in alternating blocks; per-request medians and per-block ratios."""
    with Target(server, work_orders=5) as srv:
        wo_id = srv.work_order_ids()[0]
        path = f"/workorders/{wo_id}"
        headers = {"Authorization": f"Bearer {srv.api_key}", "Accept": "application/json"}
        raw = httpx.Client(base_url=srv.base_url, headers=headers, timeout=30)
        mx = MaintainX(api_key=srv.api_key, base_url=srv.base_url)
        typed = server == "emulator"  # the bare loopback body is not a full work order

        def call_raw() -> None:
            r = raw.get(path)
            r.raise_for_status()
            r.json()

        def call_sdk() -> None:
            mx.request("GET", path).json()

        def call_typed() -> None:
            mx.work_orders.get(wo_id)

        calls = {"raw": call_raw, "sdk": call_sdk}
        if typed:
            calls["typed"] = call_typed
        for _ in range(50):  # warm both pools and code paths
            for fn in calls.values():
                fn()
        times: dict[str, list[float]] = {k: [] for k in calls}
        ratios: dict[str, list[float]] = {k: [] for k in calls if k != "raw"}
        names = list(calls)
        for round_no in range(total // block):
            order = names if round_no % 2 == 0 else names[::-1]
            spent: dict[str, float] = {}
            for who in order:
                fn = calls[who]
                t0 = time.perf_counter()
                for _ in range(block):
                    s = time.perf_counter()
                    fn()
                    times[who].append(time.perf_counter() - s)
                spent[who] = time.perf_counter() - t0
            for who in ratios:
                ratios[who].append(spent[who] / spent["raw"])
        raw.close()
        mx.close()
    out = {"requests_each": float(len(times["raw"]))}
    for who, values in times.items():
        out[f"{who}_median_us"] = statistics.median(values) * 1e6
    for who, values in ratios.items():
        out[f"{who}_request_ratio"] = statistics.median(times[who]) / statistics.median(
            times["raw"]
        )
        out[f"{who}_block_ratio"] = statistics.median(values)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 GETs each instead of 2,000")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--server", choices=("emulator", "loopback"), default=default_server())
    args = parser.parse_args(argv)
    total = 200 if args.quick else args.requests
    r = run(total, block=50 if args.quick else 100, server=args.server)
    print(f"GET one work order, {args.server} over loopback, {int(r['requests_each'])} each")
    print(f"  raw httpx.Client            median {r['raw_median_us']:8.1f} us")
    print(
        f"  mx.request (full pipeline)  median {r['sdk_median_us']:8.1f} us  "
        f"ratio {r['sdk_request_ratio']:.3f} per request, {r['sdk_block_ratio']:.3f} per block"
        "  (goal <= 1.10)"
    )
    if "typed_median_us" in r:
        print(
            f"  mx.work_orders.get (+model) median {r['typed_median_us']:8.1f} us  "
            f"ratio {r['typed_request_ratio']:.3f} per request, "
            f"{r['typed_block_ratio']:.3f} per block"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
