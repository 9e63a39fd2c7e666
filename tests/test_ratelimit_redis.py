"""The Redis rate-limit backend against a real redis-server (REDIS_URL; skipped without).

Two backend objects stand in for two processes sharing one quota.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from maintainx_sdk import Quota, RateLimit
from maintainx_sdk.ratelimit import RateLimiter, ScopeRequest

from .hardening_fakes import get

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL")


@pytest.fixture
def redis_client():  # type: ignore[no-untyped-def]
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (redis-server not running)")
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # pragma: no cover - environment
        pytest.skip(f"redis not reachable: {exc}")
    yield client
    client.close()


def _backends(client, n: int = 2):  # type: ignore[no-untyped-def]
    from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend

    prefix = f"mx-test-{uuid.uuid4().hex}"
    return [RedisRateLimitBackend(client, prefix=prefix) for _ in range(n)]


def test_two_processes_share_one_quota(redis_client) -> None:  # type: ignore[no-untyped-def]
    a, b = _backends(redis_client)
    scopes = (ScopeRequest("ns:user", 3, 10.0),)
    waits = [backend.reserve(scopes, 0.0).wait for backend in (a, b, a, b, a, b, a)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert all(9.5 < w <= 10.0 for w in waits[3:6])
    assert 19.5 < waits[6] <= 20.0


def test_cancel_gives_the_slot_back(redis_client) -> None:  # type: ignore[no-untyped-def]
    (a,) = _backends(redis_client, 1)
    scopes = (ScopeRequest("ns:user", 1, 10.0),)
    a.reserve(scopes, 0.0)
    waiting = a.reserve(scopes, 0.0)
    assert 9.5 < waiting.wait <= 10.0
    a.cancel(waiting)
    assert 9.5 < a.reserve(scopes, 0.0).wait <= 10.0  # the same slot again, not 20 s


def test_headers_tighten_the_shared_window(redis_client) -> None:  # type: ignore[no-untyped-def]
    a, b = _backends(redis_client)
    policy = RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0)
    la, lb = RateLimiter(policy, a), RateLimiter(policy, b)
    first = la.acquire(get(), None, 0.0)
    la.observe(first, limit=100, remaining=1, reset=5.0, now=0.0)
    assert lb.acquire(get(), None, 0.0).wait == 0.0  # the one request left
    blocked = lb.acquire(get(), None, 0.0)
    assert 4.5 < blocked.wait <= 5.0
    again = lb.confirm(blocked, 0.0)
    assert 4.5 < again.wait <= 5.0


def test_meter_route_scope_is_shared_too(redis_client) -> None:  # type: ignore[no-untyped-def]
    from maintainx_sdk._request import APIRequest

    a, b = _backends(redis_client)
    reading = APIRequest("POST", "/meters/9/readings")
    la, lb = RateLimiter(RateLimit(), a), RateLimiter(RateLimit(), b)
    assert la.acquire(reading, None, 0.0).wait == 0.0
    assert 9.5 < lb.acquire(reading, None, 0.0).wait <= 10.0


def test_concurrent_threads_never_exceed_the_quota(redis_client) -> None:  # type: ignore[no-untyped-def]
    backends = _backends(redis_client, 4)
    scopes = (ScopeRequest("ns:user", 5, 30.0),)
    waits: list[float] = []
    lock = threading.Lock()

    def take(backend) -> None:  # type: ignore[no-untyped-def]
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


def test_probe_hold_is_shared(redis_client) -> None:  # type: ignore[no-untyped-def]
    a, b = _backends(redis_client)
    scopes = (ScopeRequest("ns:user", 100, 60.0, probe=2, probe_poll=0.05),)
    waits = [backend.reserve(scopes, 0.0).wait for backend in (a, b, a, b)]
    assert waits[:2] == [0.0, 0.0]
    assert all(0.0 < w <= 0.05 for w in waits[2:])
