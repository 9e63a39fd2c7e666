"""Processes sharing one quota through the Redis rate limiter, against a fixed-window server.

    python benchmarks/shared_quota.py              # 4 processes x 100 GETs, 20 per 2 s
    python benchmarks/shared_quota.py --quick      # 4 x 15 GETs, 10 per 1 s

The script starts its own ``redis-server`` on a free loopback port (no persistence) and the
loopback server of ``_hardening_server.py`` enforcing the quota in fixed windows (a window
starts at the first request after the previous one ended; Reset in whole seconds; 429 past
quota). Each process has its own ``MaintainX`` client with the default ``RateLimit()``
(which learns the server's window from the X-Rate-Limit headers), a limiter state shared
through ``RedisRateLimitBackend``, and ``--threads`` worker threads. Every interpreter is
started before the clock starts.

Ideal wall time = requests / limit windows x window (40 s for 400 at 20 per 2 s); the last
window cannot start before (windows - 1) x window, the strict lower bound. Goal: within
1.05x of the ideal, with at most one 429 received per window and none surfaced.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hardening_server import LoopbackServer
from quota import worker_process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on 127.0.0.1 (no persistence); waits until it answers."""
    import redis

    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not on PATH (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("redis-server did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 15 GETs, 10 per 1 s")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-process", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2, help="worker threads per process")
    args = parser.parse_args(argv)
    limit, window = (10, 1.0) if args.quick else (20, 2.0)
    per_process = args.per_process or (15 if args.quick else 100)
    n = args.processes * per_process
    windows = math.ceil(n / limit)
    ideal, bound = windows * window, (windows - 1) * window
    redis_proc, redis_url = start_redis()
    try:
        with LoopbackServer(limit=limit, window=window) as srv:
            path = "/workorders/1"
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(args.processes, mp_context=ctx) as pool:
                for f in [pool.submit(time.sleep, 0.5) for _ in range(args.processes)]:
                    f.result()  # every interpreter started before the clock starts
                t0 = time.perf_counter()
                futures = [
                    pool.submit(
                        worker_process,
                        srv.base_url,
                        "bench-key-0123456789",
                        path,
                        per_process,
                        redis_url,
                        args.threads,
                    )
                    for _ in range(args.processes)
                ]
                failed = sum(f.result() for f in futures)
                wall = time.perf_counter() - t0
            per_window = srv.stats.rejected_by_window
            served = srv.stats.requests - srv.stats.rejected_429
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    print(
        f"{args.processes} processes x {per_process} GETs ({args.threads} threads each), one "
        f"quota of {limit} per {window:g} s shared through Redis"
    )
    print(f"ideal {windows} windows = {ideal:.2f} s; strict lower bound > {bound:.2f} s")
    print(
        f"wall {wall:.2f} s  {wall / ideal:.3f}x ideal  {wall / bound:.3f}x bound  "
        f"ok {served}/{n}  errors surfaced {failed}"
    )
    print(
        f"429 received: {srv.stats.rejected_429} in total, at most "
        f"{max(per_window.values(), default=0)} in one window "
        f"({len(per_window)} of {srv.stats.windows} windows had any: {dict(sorted(per_window.items()))})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
