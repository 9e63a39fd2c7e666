"""Overhead of the full hardened pipeline vs a raw ``httpx.Client``, side by side.

Both fetch one work order over the same keep-alive loopback connection pool, interleaved in
alternating blocks so drift hits both alike. The SDK runs everything: rate limiter (with a
quota large enough never to pace), breaker, retry bookkeeping, cache checks, header feedback
and error mapping.

    python benchmarks/overhead.py                      # 2,000 GETs each, emulator process
    python benchmarks/overhead.py --server emulator    # emulator threads in this process
    python benchmarks/overhead.py --server loopback    # the bare loopback server
    python benchmarks/overhead.py --quick              # a few seconds
    python benchmarks/overhead.py --quick --breakdown --plot docs/img   # + overhead.png
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
        typed = server != "loopback"  # the bare loopback body is not a full work order

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


def breakdown(rounds: int = 25, calls: int = 200) -> dict[str, float]:
    """Client CPU per call with an in-process transport that answers at once (best of
    ``rounds``): raw httpx, the bare client, + hardening, + the default observers."""
    from maintainx_sdk import BreakerPolicy, CachePolicy, RateLimit
    from maintainx_sdk._observer import NullObserver

    headers = {
        "x-rate-limit-limit": "100000",
        "x-rate-limit-remaining": "99999",
        "x-rate-limit-reset": "60",
        "content-type": "application/json",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=b'{"workOrder":{"id":1}}')

    def client(**kw: object) -> MaintainX:
        transport = httpx.MockTransport(answer)
        return MaintainX(api_key="k" * 20, base_url="http://x/v1", transport=transport, **kw)  # type: ignore[arg-type]

    full = client()
    hardened = client()
    hardened.pipeline.observer = NullObserver()
    bare = client(
        rate_limit=RateLimit.disabled(),
        breaker=BreakerPolicy.disabled(),
        cache=CachePolicy.disabled(),
    )
    bare.pipeline.observer = NullObserver()
    raw = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://x/v1")
    fns = {
        "raw httpx": lambda: raw.get("/workorders/1").json(),
        "bare client (no hardening, no observers)": lambda: bare.request("GET", "/x").json(),
        "+ hardening (limiter, breaker, retry, cache)": lambda: hardened.request(
            "GET", "/x"
        ).json(),
        "+ default observers (stats, OTel, logs)": lambda: full.request("GET", "/x").json(),
    }
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / calls * 1e6)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 GETs each instead of 2,000")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--server",
        choices=("emulator-process", "emulator", "loopback"),
        default="emulator-process" if default_server() == "emulator" else "loopback",
        help="emulator-process (default): the emulator CLI in its own process, like a real "
        "API; emulator: in this process (its threads share the GIL with the client)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also time client CPU per layer, in-process"
    )
    parser.add_argument(
        "--plot", metavar="DIR", type=Path, help="write overhead.png there (with --breakdown)"
    )
    args = parser.parse_args(argv)
    if args.plot is not None and not args.breakdown:
        parser.error("--plot draws the per-layer breakdown: add --breakdown")
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
    if args.breakdown:
        best = breakdown(rounds=5 if args.quick else 25)
        base = best["raw httpx"]
        print("client CPU per call, in-process transport (best of rounds):")
        for name, us in best.items():
            print(f"  {name:46} {us:7.1f} us  (+{us - base:5.1f})")
        if args.plot is not None:
            from _plot import bars

            title = "Client CPU per call, in-process transport (best of rounds)"
            bars(args.plot / "overhead.png", title, best, "us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
