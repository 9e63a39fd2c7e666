"""Chaos: 5,000 calls against a loopback server injecting 20 % transient faults.

Faults (seeded): 500/502/503/504 answers, connections cut before an answer, 429 bursts, and
writes that are stored *then* fail (a 503 or a cut connection after the insert). The mix is
80 % reads (GET /workorders/{id}) and 20 % creates (POST /workorders, each with a unique
title, no idempotency key).

On the wire (``--wire-faults``, a proxy in front of the server, see ``_fault_proxy.py``):
success answers whose headers trickle in one byte at a time, empty ``200`` answers, and
bodies cut in half (the write behind them is applied). With ``--redis`` the guarded creates
keep their keys in Redis (``RedisIdempotencyStore``) and the rate limiter paces through
Redis (falling back to a local limiter while it is gone); Redis is frozen (SIGSTOP) and
killed (then restarted from its append-only file) during the run.

Checked:
* every read eventually succeeds (the SDK retries; the caller re-asks after a typed error
  such as an open breaker);
* no create is duplicated: the server never stores a title twice; a create whose outcome is
  unknown surfaces ``OutcomeUnknownError`` and is never silently repeated;
* every failure that reaches the caller is one of the SDK's typed errors.

    python benchmarks/chaos.py            # 5,000 calls
    python benchmarks/chaos.py --quick    # 500 calls
    python benchmarks/chaos.py --wire-faults 0.03 --redis --total 3
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fault_proxy import FaultProxy
from _hardening_server import Target, default_server

from maintainx_sdk import (
    BackendUnavailableError,
    BreakerPolicy,
    IdempotencyInProgressError,
    MaintainX,
    MaintainXError,
    OutcomeUnknownError,
    RateLimit,
    RetryPolicy,
    Timeouts,
)


class RedisChaos:
    """A redis-server of the run's own (append-only file, fsync always) that a thread
    freezes (SIGSTOP for ``freeze`` seconds) and kills and restarts while the run goes on."""

    def __init__(self, *, every: float = 1.0, freeze: float = 0.5) -> None:
        if shutil.which("redis-server") is None:
            raise SystemExit("--redis needs redis-server on PATH")
        self.every, self.freeze = every, freeze
        self.events: Counter[str] = Counter()
        self._dir = tempfile.TemporaryDirectory(prefix="chaos-redis-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._stop = threading.Event()
        self._proc = self._start()
        self._thread = threading.Thread(target=self._havoc, daemon=True)

    def _start(self) -> subprocess.Popen[bytes]:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", self._dir.name, "--save", "", "--appendonly", "yes"]
        args += ["--appendfsync", "always"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(250):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return proc
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def _havoc(self) -> None:
        rounds = 0
        while not self._stop.wait(self.every):
            rounds += 1
            if rounds % 3 == 0:  # kill -9, then restart from the append-only file
                self._proc.kill()
                self._proc.wait()
                self.events["kill"] += 1
                time.sleep(self.freeze)
                self._proc = self._start()
            else:
                self._proc.send_signal(signal.SIGSTOP)
                self.events["stop"] += 1
                time.sleep(self.freeze)
                self._proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> RedisChaos:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._proc.send_signal(signal.SIGCONT)
        self._proc.kill()
        self._proc.wait()
        self._dir.cleanup()


def _hardening(redis_url: str | None) -> dict[str, Any]:
    """The idempotency store and rate limiter of the run: in memory, or in Redis."""
    if redis_url is None:
        return {}
    import redis

    from maintainx_sdk.idempotency import RedisIdempotencyStore
    from maintainx_sdk.ratelimit import RateLimiter
    from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend

    client = redis.Redis.from_url(redis_url, socket_timeout=5.0)
    backend = RedisRateLimitBackend(client, on_unavailable="local", retry_redis_after=0.5)
    return {
        "idempotency_store": RedisIdempotencyStore(client),
        "rate_limit": RateLimiter(RateLimit(), backend),
    }


@contextlib.contextmanager
def _wire(base_url: str, rate: float, seed: int) -> Iterator[tuple[str, FaultProxy | None]]:
    """``base_url``, through a fault-injecting proxy when ``rate`` > 0."""
    if not rate:
        yield base_url, None
        return
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None
    with FaultProxy((parts.hostname, parts.port), rate=rate, seed=seed) as proxy:
        yield f"http://127.0.0.1:{proxy.port}{parts.path}", proxy


def run(
    calls: int,
    fault_rate: float,
    seed: int,
    workers: int,
    server: str = "loopback",
    *,
    wire_faults: float = 0.0,
    with_redis: bool = False,
    total: float = 10.0,
) -> dict[str, object]:
    rng = random.Random(seed)
    plan = ["create" if rng.random() < 0.2 else "read" for _ in range(calls)]
    surfaced: Counter[str] = Counter()
    untyped: list[BaseException] = []
    read_rounds: Counter[int] = Counter()
    unknown_titles: list[str] = []
    confirmed_titles: list[str] = []
    guarded_resolved: list[int] = []
    left_claimed: list[str] = []
    typed = server == "emulator"
    with contextlib.ExitStack() as stack:
        srv = stack.enter_context(Target(server, fault_rate=fault_rate, seed=seed, work_orders=50))
        base_url, proxy = stack.enter_context(_wire(srv.base_url, wire_faults, seed))
        chaos = stack.enter_context(RedisChaos()) if with_redis else None
        ids = srv.work_order_ids()
        mx = MaintainX(
            api_key=srv.api_key,
            base_url=base_url,
            timeout=Timeouts(total=total, connect=min(2.0, total)),
            retry=RetryPolicy(max_attempts=6, backoff_base=0.002, backoff_cap=0.02),
            breaker=BreakerPolicy(fail_max=8, reset_timeout=0.05),
            telemetry=False,
            **_hardening(chaos.url if chaos else None),
        )

        def read(i: int) -> None:
            wo_id = ids[i % len(ids)]
            if typed:
                mx.work_orders.get(wo_id)
            else:
                mx.request("GET", f"/workorders/{wo_id}").json()

        def create(title: str, key: str | None) -> None:
            if typed and key is not None:
                mx.work_orders.create(title=title, idempotency_key=key)
            elif typed:
                mx.work_orders.create(title=title)
            else:
                mx.request("POST", "/workorders", json={"title": title})

        def one(i: int) -> None:
            try:
                if plan[i] == "read":
                    for round_no in range(1, 51):
                        try:
                            read(i)
                        except MaintainXError as exc:
                            surfaced[type(exc).__name__] += 1
                            time.sleep(0.01)
                            continue
                        read_rounds[round_no] += 1
                        return
                    return
                title = f"chaos-{seed}-{i}"
                guarded = typed and i % 2 == 0
                key = f"chaos-key-{seed}-{i}" if guarded else None
                for round_no in range(1, 51):
                    try:
                        create(title, key)
                    except IdempotencyInProgressError:
                        # a store outage kept an earlier attempt's claim: the key resolves
                        # (by its stamp) when the lease ends, not within this run
                        surfaced["IdempotencyInProgressError"] += 1
                        left_claimed.append(title)
                        return
                    except OutcomeUnknownError:
                        surfaced["OutcomeUnknownError"] += 1
                        if guarded:  # re-run with the same key: the guard resolves it
                            time.sleep(0.01)
                            continue
                        unknown_titles.append(title)
                        return
                    except MaintainXError as exc:
                        surfaced[type(exc).__name__] += 1
                        if guarded:  # e.g. Redis gone: wait a little longer, then re-run
                            time.sleep(0.1 if isinstance(exc, BackendUnavailableError) else 0.01)
                            continue
                        return
                    confirmed_titles.append(title)
                    if guarded:
                        guarded_resolved.append(round_no)
                    return
            except BaseException as exc:
                untyped.append(exc)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(calls)))
        wall = time.perf_counter() - t0
        mx.close()
        stored = srv.created()
        faults = srv.faults()
        if proxy is not None:
            faults.update({f"wire:{k}": n for k, n in proxy.faults.items()})
        if chaos is not None:
            faults.update({f"redis:{k}": n for k, n in chaos.events.items()})
        requests = srv.requests()
    reads = plan.count("read")
    creates = calls - reads
    duplicates = [t for t, n in stored.items() if n > 1]
    missing = [t for t in confirmed_titles if stored.get(t, 0) != 1]
    guarded_total = sum(1 for i, p in enumerate(plan) if p == "create" and typed and i % 2 == 0)
    return {
        "server": server,
        "calls": calls,
        "wall": wall,
        "server_requests": requests,
        "faults_injected": sum(faults.values()),
        "fault_kinds": faults,
        "reads": reads,
        "reads_succeeded": sum(read_rounds.values()),
        "reads_needing_caller_retry": sum(n for r, n in read_rounds.items() if r > 1),
        "creates": creates,
        "guarded_creates": guarded_total,
        "guarded_resolved": len(guarded_resolved),
        "guarded_left_claimed": len(left_claimed),
        "left_claimed_but_stored": sum(1 for t in left_claimed if stored.get(t)),
        "guarded_needing_rerun": sum(1 for r in guarded_resolved if r > 1),
        "unguarded_confirmed": len(confirmed_titles) - len(guarded_resolved),
        "unguarded_unknown": len(unknown_titles),
        "unknown_but_stored": sum(1 for t in unknown_titles if stored.get(t)),
        "duplicates": len(duplicates),
        "confirmed_not_stored_once": len(missing),
        "surfaced": dict(surfaced),
        "untyped_failures": len(untyped),
        "untyped_examples": [repr(e)[:120] for e in untyped[:3]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 calls instead of 5,000")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--server", choices=("emulator", "loopback"), default=default_server())
    parser.add_argument(
        "--wire-faults",
        type=float,
        default=0.0,
        help="share of success answers spoiled on the wire (trickled headers, empty 200, "
        "truncated body)",
    )
    parser.add_argument(
        "--redis",
        action="store_true",
        help="keys and quota in a Redis that is frozen and killed during the run",
    )
    parser.add_argument("--total", type=float, default=10.0, help="Timeouts.total per call")
    args = parser.parse_args(argv)
    calls = 500 if args.quick else args.calls
    r = run(
        calls,
        args.fault_rate,
        args.seed,
        args.workers,
        args.server,
        wire_faults=args.wire_faults,
        with_redis=args.redis,
        total=args.total,
    )
    for key, value in r.items():
        print(f"{key:28} {value:.2f}" if isinstance(value, float) else f"{key:28} {value}")
    ok = (
        r["reads_succeeded"] == r["reads"]
        and r["guarded_resolved"] + r["guarded_left_claimed"] == r["guarded_creates"]
        and r["duplicates"] == 0
        and r["confirmed_not_stored_once"] == 0
        and r["untyped_failures"] == 0
    )
    print("verdict                      " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
