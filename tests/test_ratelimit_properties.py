"""The rate-limit rules, checked against both backends: the in-process one and the Redis one
(the same rules as Lua scripts; a real redis-server from REDIS_URL, skipped without it).

Several backend objects on one store stand in for several processes sharing a quota. The
in-process backend runs on a fake clock; Redis reads its own clock (``TIME``), so its
timelines are "all at once" and its waits are compared with a little slack.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from maintainx_sdk import Quota, RateLimit
from maintainx_sdk._request import APIRequest
from maintainx_sdk.ratelimit import (
    InMemoryRateLimitBackend,
    RateLimitBackend,
    RateLimiter,
    ScopeRequest,
)

from .helpers.pipeline_harness import get

REDIS_URL = os.environ.get("REDIS_URL")


@dataclass
class Store:
    """One shared quota store, and a way to get another "process" on it."""

    kind: str
    attach: Callable[[], RateLimitBackend]
    slack: float
    """How far a wait may fall short of the exact answer (Redis's clock runs on)."""

    def now(self, fake: float) -> float:
        """The clock reading to pass in: Redis ignores it and reads its own."""
        return fake

    def send_time(self, fake_now: float, wait: float) -> float:
        return (fake_now if self.kind == "memory" else time.monotonic()) + wait

    def close_to(self, wait: float, expected: float) -> bool:
        return expected - self.slack <= wait <= expected + 1e-9


def _redis_store() -> Iterator[Store]:
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (redis-server not running)")
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # pragma: no cover - environment
        pytest.skip(f"redis not reachable: {exc}")
    from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend

    prefix = f"mx-test-{uuid.uuid4().hex}"
    yield Store("redis", lambda: RedisRateLimitBackend(client, prefix=prefix), slack=0.5)
    client.close()


def _memory_store() -> Iterator[Store]:
    shared = InMemoryRateLimitBackend()
    yield Store("memory", lambda: shared, slack=0.0)


KINDS = [
    pytest.param("memory", id="memory"),
    pytest.param(
        "redis",
        id="redis",
        marks=[
            pytest.mark.redis,
            pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (no redis-server)"),
        ],
    ),
]


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from (_memory_store() if request.param == "memory" else _redis_store())


def fresh_store(kind: str) -> Iterator[Store]:
    """A store with fresh keys, for each hypothesis example."""
    return _memory_store() if kind == "memory" else _redis_store()


def max_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - period + 1e-9:  # float slack on the window edge
            j += 1
        best = max(best, i - j + 1)
    return best


def one_scope(limit: int, period: float, **extra: int | float) -> tuple[ScopeRequest, ...]:
    return (ScopeRequest("ns:user", limit, period, **extra),)  # type: ignore[arg-type]


# --- never more than the quota in any window (with cancellations) ------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    limit=st.integers(1, 20),
    period=st.floats(0.1, 60),
    gaps=st.lists(st.floats(0, 5), min_size=1, max_size=120),
    cancel=st.lists(st.booleans(), min_size=120, max_size=120),
    processes=st.integers(1, 3),
)
@pytest.mark.parametrize("kind", KINDS)
def test_never_more_than_the_quota_in_any_window(
    kind: str, limit: int, period: float, gaps: list[float], cancel: list[bool], processes: int
) -> None:
    if kind == "redis":
        period = max(period, 5.0)  # Redis's clock runs while the example does
    for store in fresh_store(kind):
        backends = [store.attach() for _ in range(processes)]
        now, sends = 0.0, []
        for i, (gap, cancelled) in enumerate(zip(gaps, cancel, strict=False)):
            now += gap if kind == "memory" else 0.0
            r = backends[i % processes].reserve(one_scope(limit, period), store.now(now))
            assert r.wait >= 0
            assert r.wait <= (i // limit + 1) * period + 1e-6  # bounded: FIFO behind the rest
            if cancelled:
                backends[i % processes].cancel(r)
            else:
                sends.append(store.send_time(now, r.wait))
        # Redis: our reading of the send time is off by a round trip at most
        window = period if kind == "memory" else period - 0.05
        assert max_in_any_window(sends, window) <= limit


def test_full_burst_then_waits_for_the_window(store: Store) -> None:
    a, b = store.attach(), store.attach()
    scopes = one_scope(3, 10.0)
    waits = [backend.reserve(scopes, 0.0).wait for backend in (a, b, a, b, a, b, a)]
    expected = [0, 0, 0, 10, 10, 10, 20]
    assert all(store.close_to(w, e) for w, e in zip(waits, expected, strict=True)), waits


def test_fifo_order_of_send_times(store: Store) -> None:
    backend = store.attach()
    slots = [
        store.send_time(t * 0.01, backend.reserve(one_scope(2, 1.0), store.now(t * 0.01)).wait)
        for t in range(50)
    ]
    # Redis: each reading of "now" may be late by a round trip
    tolerance = 0.0 if store.kind == "memory" else 0.005
    assert all(b >= a - tolerance for a, b in itertools.pairwise(slots))


def test_cancelled_slot_is_given_back(store: Store) -> None:
    backend = store.attach()
    scopes = one_scope(1, 10)
    backend.reserve(scopes, 0.0)
    waiting = backend.reserve(scopes, 0.0)
    assert store.close_to(waiting.wait, 10)
    backend.cancel(waiting)
    assert store.close_to(backend.reserve(scopes, 0.0).wait, 10)  # the same slot, not 20


def test_concurrent_threads_never_exceed_the_quota(store: Store) -> None:
    backends = [store.attach() for _ in range(4)]
    scopes = one_scope(5, 30.0)
    waits: list[float] = []
    lock = threading.Lock()

    def take(backend: RateLimitBackend) -> None:
        for _ in range(5):
            w = backend.reserve(scopes, 0.0).wait
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=take, args=(b,)) for b in backends]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 requests, 5 per 30 s: exactly 5 immediate, 5 at ~30 s, 5 at ~60 s, 5 at ~90 s
    buckets = sorted(round(w / 30) for w in waits)
    assert buckets == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5


# --- the server's headers correct the pacing -----------------------------------------------


def test_headers_tighten_the_shared_window(store: Store) -> None:
    policy = RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0)
    la, lb = RateLimiter(policy, store.attach()), RateLimiter(policy, store.attach())
    first = la.acquire(get(), None, 0.0)
    la.observe(first, limit=100, remaining=1, reset=5.0, now=0.0)
    assert lb.acquire(get(), None, 0.0).wait == 0.0  # the one request left
    blocked = lb.acquire(get(), None, 0.0)
    assert store.close_to(blocked.wait, 5.0)
    again = lb.confirm(blocked, 0.0)
    assert store.close_to(again.wait, 5.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(remaining=st.integers(0, 6), in_flight=st.integers(0, 4), later=st.integers(1, 8))
@example(remaining=3, in_flight=2, later=2)  # the server counted one, two are on their way
@pytest.mark.parametrize("kind", KINDS)
def test_remaining_counts_the_requests_already_on_their_way(
    kind: str, remaining: int, in_flight: int, later: int
) -> None:
    """A report of ``Remaining: R`` lets exactly R more through, those reserved after the
    reporting request included; the rest wait for ``Reset``."""
    policy = RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0, probe_burst=0)
    for store in fresh_store(kind):
        limiter = RateLimiter(policy, store.attach())
        first = limiter.acquire(get(), None, 0.0)
        sent = [limiter.acquire(get(), None, 0.0) for _ in range(in_flight)]
        assert all(r.wait == 0 for r in sent)
        limiter.observe(first, limit=100, remaining=remaining, reset=10.0, now=0.0)
        waits = [limiter.acquire(get(), None, 0.0).wait for _ in range(later)]
        room = max(remaining - in_flight, 0)
        assert waits[:room] == [0.0] * min(room, later)
        assert all(store.close_to(w, 10.0) for w in waits[room:]), waits


def test_meter_route_scope_is_shared_too(store: Store) -> None:
    reading = APIRequest("POST", "/meters/9/readings")
    la, lb = RateLimiter(RateLimit(), store.attach()), RateLimiter(RateLimit(), store.attach())
    assert la.acquire(reading, None, 0.0).wait == 0.0
    assert store.close_to(lb.acquire(reading, None, 0.0).wait, 10.0)


def test_probe_hold_is_shared(store: Store) -> None:
    """Before the server's first report only the probe burst goes, whichever process asks.
    Processes sharing Redis elect one prober: its report is then exact (nothing of ours
    overtook it), so the first window is neither overshot nor under-used."""
    a, b = store.attach(), store.attach()
    scopes = one_scope(100, 60.0, probe=2, probe_poll=0.05)
    waits = [backend.reserve(scopes, 0.0).wait for backend in (a, b, a, b)]
    burst = 2 if store.kind == "memory" else 1
    assert waits[:burst] == [0.0] * burst
    assert all(0.0 < w <= 0.05 for w in waits[burst:])


@pytest.mark.parametrize("outcome", ["no headers", "no answer"])
def test_a_probe_that_brings_no_report_ends_the_hold_for_every_process(
    store: Store, outcome: str
) -> None:
    """Behind a proxy that strips X-Rate-Limit headers (or with the API unreachable) the
    prober's answer brings no report, and none will come: the processes still held for one
    go at once, not one more per ``PROBE_PATIENCE`` (the k-th process waited 2(k-1) s)."""
    policy = RateLimit(user=Quota(100, 60), organization=Quota(500, 60), probe_burst=1)
    first, second = RateLimiter(policy, store.attach()), RateLimiter(policy, store.attach())
    probe = first.acquire(get(), None, 0.0)
    held = second.acquire(get(), None, 0.0)
    assert probe.wait == 0 and held.wait > 0
    if outcome == "no headers":
        first.observe(probe, limit=None, remaining=None, reset=None, now=0.0)
    else:
        first.unanswered(probe)
    assert second.confirm(held, 0.0).wait == 0.0
    assert second.acquire(get(), None, 0.0).wait == 0.0


def test_the_sole_probers_report_is_not_raised_by_reordered_ones(store: Store) -> None:
    policy = RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0, probe_burst=1)
    limiter = RateLimiter(policy, store.attach())
    probe = limiter.acquire(get(), None, 0.0)
    held = [limiter.acquire(get(), None, 0.0) for _ in range(4)]
    assert probe.wait == 0 and all(r.wait > 0 for r in held)
    limiter.observe(probe, limit=5, remaining=3, reset=30, now=0.0)  # room for 3 more
    waits = [limiter.confirm(r, 0.0).wait for r in held]
    assert waits[:3] == [0.0] * 3 and store.close_to(waits[3], 30.0)
    # the last of those three answered first, so its report claims 2 more than there is
    limiter.observe(held[2], limit=5, remaining=2, reset=30, now=0.0)
    assert store.close_to(limiter.acquire(get(), None, 0.0).wait, 30.0)
