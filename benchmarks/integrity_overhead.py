"""What the integrity features cost, measured side by side in one run.

    python benchmarks/integrity_overhead.py           # full
    python benchmarks/integrity_overhead.py --quick   # seconds

1. Guarded creates: ``work_orders.create`` against the in-process emulator, plain vs with an
   ``idempotency_key`` (in-memory store, SQLite store), interleaved in rounds.
2. ``webhooks.verify`` (parse both headers, two HMACs, tolerance) vs computing the two HMACs
   by hand.
3. ``WebhookDispatcher.dispatch`` (store claim + complete) vs calling the handler directly.

Ratios are medians of per-round times; nothing reaches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from maintainx_sdk import MaintainX
from maintainx_sdk._signing import signature_header
from maintainx_sdk.idempotency import InMemoryIdempotencyStore, SQLiteIdempotencyStore
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.testing import Emulator
from maintainx_sdk.webhooks import WebhookDispatcher, parse_event, verify


def per_op(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def rounds(cases: dict[str, Callable[[], object]], n: int, repeat: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():  # interleaved: drift hits every case alike
            samples[name].append(per_op(fn, n))
    return {name: statistics.median(values) for name, values in samples.items()}


def guarded_creates(n: int, repeat: int, tmp: Path) -> dict[str, float]:
    emu = Emulator(seed=1, rate_limit=None, org_rate_limit=None, webhook_mode="capture",
                   webhook_sink=lambda d: None)  # fmt: skip
    common = dict(api_key=emu.api_key, transport=emu.transport(), rate_limit=RateLimit.disabled())
    plain = MaintainX(**common)  # type: ignore[arg-type]
    memory = MaintainX(**common, idempotency_store=InMemoryIdempotencyStore())  # type: ignore[arg-type]
    sqlite = MaintainX(**common, idempotency_store=SQLiteIdempotencyStore(tmp / "k.sqlite3"))  # type: ignore[arg-type]
    cases = {
        "plain create": lambda: plain.work_orders.create(title="bench"),
        "guarded (memory)": lambda: memory.work_orders.create(
            title="bench", idempotency_key=uuid.uuid4().hex
        ),
        "guarded (sqlite)": lambda: sqlite.work_orders.create(
            title="bench", idempotency_key=uuid.uuid4().hex
        ),
        "replay (memory)": lambda: memory.work_orders.create(title="bench", idempotency_key="same"),
    }
    try:
        return rounds(cases, n, repeat)
    finally:
        for mx in (plain, memory, sqlite):
            mx.close()
        emu.close()


def webhook_costs(n: int, repeat: int) -> dict[str, float]:
    secret, url = "whsec-bench", "https://hooks.example.com/mx?event=WORK_ORDER_STATUS_CHANGE"
    body = (
        b'{"workOrderId":1,"orgId":2,"oldStatus":"OPEN","newStatus":"DONE",'
        b'"occurredAt":"2026-11-27T08:00:00.000Z"}'
    )
    t = str(int(time.time()))
    headers = {
        "x-maintainx-webhook-body-signature": signature_header(secret, t, body),
        "x-maintainx-webhook-uri-signature": signature_header(secret, t, url),
    }

    def by_hand() -> bool:
        a = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        b = hmac.new(secret.encode(), t.encode() + b"." + url.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(a, a) and hmac.compare_digest(b, b)

    event = parse_event(body, "WORK_ORDER_STATUS_CHANGE")
    dispatcher = WebhookDispatcher(store=InMemoryIdempotencyStore())
    seen: list[object] = []
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(seen.append)
    return rounds(
        {
            "hmac by hand": by_hand,
            "verify()": lambda: verify(headers, body, url, secret),
            "parse_event()": lambda: parse_event(body, "WORK_ORDER_STATUS_CHANGE"),
            "handler called directly": lambda: seen.append(event),
            "dispatch() duplicate": lambda: dispatcher.dispatch(event),
        },
        n,
        repeat,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, repeat = (50, 3) if args.quick else (300, 7)
    with tempfile.TemporaryDirectory() as tmp:
        creates = guarded_creates(n, repeat, Path(tmp))
    hooks = webhook_costs(n * 10, repeat)
    base = creates["plain create"]
    print(f"guarded creates ({n} per round, {repeat} rounds, in-process emulator)")
    for name, value in creates.items():
        print(f"  {name:<22} {value * 1e6:9.1f} us/op   ratio {value / base:5.2f}x")
    print(f"webhooks ({n * 10} per round, {repeat} rounds)")
    for name, value in hooks.items():
        print(f"  {name:<24} {value * 1e6:9.2f} us/op")
    print(f"  verify() / hmac by hand  ratio {hooks['verify()'] / hooks['hmac by hand']:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
