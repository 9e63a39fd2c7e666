"""Chaos: 5,000 calls against a loopback server injecting 20 % transient faults.

Faults (seeded): 500/502/503/504 answers, connections cut before an answer, 429 bursts, and
writes that are stored *then* fail (a 503 or a cut connection after the insert). The mix is
80 % reads (GET /workorders/{id}) and 20 % creates (POST /workorders, each with a unique
title, no idempotency key).

Checked:
* every read eventually succeeds (the SDK retries; the caller re-asks after a typed error
  such as an open breaker);
* no create is duplicated: the server never stores a title twice; a create whose outcome is
  unknown surfaces ``OutcomeUnknownError`` and is never silently repeated;
* every failure that reaches the caller is one of the SDK's typed errors.

    python benchmarks/chaos.py            # 5,000 calls
    python benchmarks/chaos.py --quick    # 500 calls
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hardening_server import Target, default_server

from maintainx_sdk import (
    BreakerPolicy,
    MaintainX,
    MaintainXError,
    OutcomeUnknownError,
    RetryPolicy,
    Timeouts,
)


def run(
    calls: int, fault_rate: float, seed: int, workers: int, server: str = "loopback"
) -> dict[str, object]:
    rng = random.Random(seed)
    plan = ["create" if rng.random() < 0.2 else "read" for _ in range(calls)]
    surfaced: Counter[str] = Counter()
    untyped: list[BaseException] = []
    read_rounds: Counter[int] = Counter()
    unknown_titles: list[str] = []
    confirmed_titles: list[str] = []
    guarded_resolved: list[int] = []
    typed = server == "emulator"
    with Target(server, fault_rate=fault_rate, seed=seed, work_orders=50) as srv:
        ids = srv.work_order_ids()
        mx = MaintainX(
            api_key=srv.api_key,
            base_url=srv.base_url,
            timeout=Timeouts(total=10, connect=2),
            retry=RetryPolicy(max_attempts=6, backoff_base=0.002, backoff_cap=0.02),
            breaker=BreakerPolicy(fail_max=8, reset_timeout=0.05),
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
                for round_no in range(1, 21):
                    try:
                        create(title, key)
                    except OutcomeUnknownError:
                        surfaced["OutcomeUnknownError"] += 1
                        if guarded:  # re-run with the same key: the guard resolves it
                            time.sleep(0.01)
                            continue
                        unknown_titles.append(title)
                        return
                    except MaintainXError as exc:
                        surfaced[type(exc).__name__] += 1
                        if guarded:
                            time.sleep(0.01)
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
    args = parser.parse_args(argv)
    calls = 500 if args.quick else args.calls
    r = run(calls, args.fault_rate, args.seed, args.workers, args.server)
    for key, value in r.items():
        print(f"{key:28} {value:.2f}" if isinstance(value, float) else f"{key:28} {value}")
    ok = (
        r["reads_succeeded"] == r["reads"]
        and r["guarded_resolved"] == r["guarded_creates"]
        and r["duplicates"] == 0
        and r["confirmed_not_stored_once"] == 0
        and r["untyped_failures"] == 0
    )
    print("verdict                      " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
