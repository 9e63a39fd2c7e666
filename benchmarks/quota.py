"""Quota use: a bulk job of 3 x quota requests against a server enforcing 50 per 2 s.

Three clients, one after the other in one run, each against a fresh server window:

* ``sdk``: one shared ``MaintainX`` client, 5 worker threads, default ``RateLimit()`` (it
  learns the server's 50-per-2-s window from the X-Rate-Limit headers) and default retry.
* ``sdk async``: one ``AsyncMaintainX``, every request started at once.
* ``naive``: 5 concurrent workers, each sleeping a fixed delay between calls so that the
  sum matches the quota (the integration-guide recipe), no retry.
* ``retry-429``: 5 concurrent workers, no pacing, sleep Retry-After / Reset on a 429 and
  try again.
* with ``--redis URL`` (or ``$REDIS_URL``): 3 processes, each with its own client, sharing
  one quota through ``RedisRateLimitBackend``.

Reported: wall time, ratio to "three windows" (the issue's ideal) and to the strict lower
bound (the third window cannot start before 2 windows have passed), 429s received from the
server, 429s surfaced to the caller.

    python benchmarks/quota.py             # 150 requests, 50 per 2 s
    python benchmarks/quota.py --quick     # 30 requests, 10 per 1 s
    python benchmarks/quota.py --quick --server loopback --plot docs/img   # + quota.png
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hardening_server import Target, default_server

from maintainx_sdk import AsyncMaintainX, MaintainX, MaintainXError, RateLimitError

WORKERS = 5


@dataclass
class Result:
    name: str
    wall: float
    ok: int
    surfaced_429: int
    other_errors: int
    received_429: int
    #: (seconds since the run's first request, accepted?) per request (loopback server)
    arrivals: list[tuple[float, bool]] = field(default_factory=list)


def _run_workers(n: int, call: Callable[[int], None]) -> tuple[float, list[BaseException]]:
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            call(i)
        except Exception as exc:
            with lock:
                errors.append(exc)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - t0, errors


SERVER = "loopback"


def sdk(n: int, limit: int, window: float) -> Result:
    with Target(SERVER, limit=limit, window=window, work_orders=1) as srv:
        path = f"/workorders/{srv.work_order_ids()[0]}"
        with MaintainX(api_key=srv.api_key, base_url=srv.base_url) as mx:
            wall, errors = _run_workers(n, lambda i: mx.request("GET", path) and None)
        return _result("sdk (paced, learns the window)", n, wall, errors, srv)


def sdk_async(n: int, limit: int, window: float) -> Result:
    """``AsyncMaintainX`` with every request started at once (unbounded concurrency)."""
    with Target(SERVER, limit=limit, window=window, work_orders=1) as srv:
        path = f"/workorders/{srv.work_order_ids()[0]}"

        async def job() -> tuple[float, list[BaseException]]:
            async with AsyncMaintainX(api_key=srv.api_key, base_url=srv.base_url) as mx:
                t0 = time.perf_counter()
                results = await asyncio.gather(
                    *(mx.request("GET", path) for _ in range(n)), return_exceptions=True
                )
                wall = time.perf_counter() - t0
            return wall, [r for r in results if isinstance(r, BaseException)]

        wall, errors = asyncio.run(job())
        return _result(f"sdk async ({n} tasks at once)", n, wall, errors, srv)


REDIS_URL: str | None = None
PROCESSES = 3


def worker_process(
    base_url: str, api_key: str, path: str, count: int, redis_url: str, threads: int = 2
) -> int:
    """One of several processes sharing a quota through Redis; returns its error count."""
    import redis

    from maintainx_sdk import RateLimit, RateLimiter
    from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend

    backend = RedisRateLimitBackend(redis.Redis.from_url(redis_url), prefix=f"bench-{base_url}")
    limiter = RateLimiter(RateLimit(namespace="quota-bench"), backend)
    errors = 0
    with MaintainX(api_key=api_key, base_url=base_url, rate_limit=limiter) as mx:

        def one(_: int) -> None:
            nonlocal errors
            try:
                mx.request("GET", path)
            except MaintainXError:
                errors += 1

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(count)))
    return errors


def sdk_redis(n: int, limit: int, window: float) -> Result:
    """``PROCESSES`` processes, each its own client, one quota shared through Redis."""
    assert REDIS_URL is not None
    with Target(SERVER, limit=limit, window=window, work_orders=1) as srv:
        path = f"/workorders/{srv.work_order_ids()[0]}"
        share = [n // PROCESSES + (1 if i < n % PROCESSES else 0) for i in range(PROCESSES)]
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(PROCESSES, mp_context=ctx) as pool:
            # start every interpreter (and its imports) before the clock starts
            for f in [pool.submit(time.sleep, 0.5) for _ in range(PROCESSES)]:
                f.result()
            t0 = time.perf_counter()
            futures = [
                pool.submit(worker_process, srv.base_url, srv.api_key, path, k, REDIS_URL)
                for k in share
            ]
            failed = sum(f.result() for f in futures)
            wall = time.perf_counter() - t0
        name = f"sdk x{PROCESSES} processes, Redis-shared quota"
        return Result(name, wall, n - failed, 0, failed, srv.received_429(), _arrivals(srv))


def naive(n: int, limit: int, window: float) -> Result:
    delay = window * WORKERS / limit
    with (
        Target(SERVER, limit=limit, window=window, work_orders=1) as srv,
        httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.api_key}"}
        ) as http,
    ):
        path = f"/workorders/{srv.work_order_ids()[0]}"

        def call(i: int) -> None:
            response = http.get(path)
            time.sleep(delay)
            if response.status_code == 429:
                raise RateLimitError("429", status_code=429)
            response.raise_for_status()

        wall, errors = _run_workers(n, call)
        return _result(f"naive ({WORKERS} workers, fixed {delay:.2f}s delay)", n, wall, errors, srv)


def retry_on_429(n: int, limit: int, window: float) -> Result:
    with (
        Target(SERVER, limit=limit, window=window, work_orders=1) as srv,
        httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.api_key}"}
        ) as http,
    ):
        path = f"/workorders/{srv.work_order_ids()[0]}"

        def call(i: int) -> None:
            for _ in range(50):
                response = http.get(path)
                if response.status_code != 429:
                    response.raise_for_status()
                    return
                time.sleep(float(response.headers.get("X-Rate-Limit-Reset", "1")))
            raise RateLimitError("429 after 50 tries", status_code=429)

        wall, errors = _run_workers(n, call)
        return _result(f"retry-on-429 ({WORKERS} workers, unpaced)", n, wall, errors, srv)


def _result(name: str, n: int, wall: float, errors: list[BaseException], srv: Target) -> Result:
    surfaced = sum(1 for e in errors if isinstance(e, RateLimitError))
    other = sum(1 for e in errors if not isinstance(e, RateLimitError))
    bad = [e for e in errors if not isinstance(e, MaintainXError | httpx.HTTPError)]
    if bad:
        raise bad[0]
    return Result(name, wall, n - len(errors), surfaced, other, srv.received_429(), _arrivals(srv))


def _arrivals(srv: Target) -> list[tuple[float, bool]]:
    return srv.arrivals() if SERVER == "loopback" else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 per 1 s, 30 requests")
    parser.add_argument("--server", choices=("emulator", "loopback"), default=default_server())
    parser.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL"),
        help="also run 3 processes sharing one quota through this Redis (default $REDIS_URL)",
    )
    parser.add_argument(
        "--plot", metavar="DIR", type=Path, help="write quota.png there (needs --server loopback)"
    )
    args = parser.parse_args(argv)
    if args.plot is not None and args.server != "loopback":
        parser.error("--plot needs --server loopback (it records each request's time)")
    global SERVER, REDIS_URL
    SERVER, REDIS_URL = args.server, args.redis
    limit, window = (10, 1.0) if args.quick else (50, 2.0)
    n = 3 * limit
    ideal = 3 * window
    print(f"{n} GETs against the {SERVER} allowing {limit} per {window:g} s (fixed windows)")
    print(f"ideal (three windows) = {ideal:.2f} s; strict lower bound > {2 * window:.2f} s")
    header = (
        f"{'client':44} {'wall s':>7} {'/ideal':>7} {'/bound':>7} {'ok':>4} {'429 surfaced':>13} "
    )
    print(header + f"{'429 received':>13} {'other errors':>13}")
    runs = [sdk, sdk_async, naive, retry_on_429]
    if REDIS_URL:
        runs.insert(1, sdk_redis)
    results = []
    for fn in runs:
        r = fn(n, limit, window)
        results.append(r)
        print(
            f"{r.name:44} {r.wall:7.2f} {r.wall / ideal:7.3f} {r.wall / (2 * window):7.3f} "
            f"{r.ok:4d} {r.surfaced_429:13d} "
            f"{r.received_429:13d} {r.other_errors:13d}"
        )
    if args.plot is not None:
        from _plot import quota_timeline

        named = {r.name: r.arrivals for r in results}
        quota_timeline(args.plot / "quota.png", named, limit=limit, window=window)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
