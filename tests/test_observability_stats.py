"""client.stats(): counts, error rate and percentiles over a bounded window."""

from __future__ import annotations

import httpx
import pytest

from maintainx_sdk import MaintainX, NotFoundError
from maintainx_sdk._request import APIRequest
from maintainx_sdk.errors import RetryRecord
from maintainx_sdk.observability import StatsObserver
from maintainx_sdk.observability._stats import percentile
from tests.conftest import TEST_KEY
from tests.helpers.clocks import ManualClock

REQ = APIRequest(method="GET", path="/users")


def _call(stats: StatsObserver, clock: ManualClock, seconds: float, *, fail: bool = False) -> None:
    call = stats.start_call(REQ)
    clock.now += seconds
    call.finished(response=None, error=RuntimeError("x") if fail else None)


def test_percentiles_and_error_rate_over_the_window_only() -> None:
    clock = ManualClock(100.0)
    stats = StatsObserver(window=10, clock=clock)
    for _ in range(10):
        _call(stats, clock, 9.0, fail=True)  # pushed out of the window below
    for i in range(1, 11):
        _call(stats, clock, i / 10, fail=(i == 10))
    snap = stats.snapshot()
    assert snap.calls == 20 and snap.errors == 11
    assert snap.window == 10 and snap.window_errors == 1
    assert snap.error_rate == pytest.approx(0.1)
    assert snap.p50 == pytest.approx(0.5)
    assert snap.p95 == pytest.approx(1.0)
    assert snap.last_error_type == "RuntimeError"


def test_retries_429s_breaker_rate_limit_cache_and_sync_lag() -> None:
    clock = ManualClock(100.0)
    stats = StatsObserver(clock=clock)
    call = stats.start_call(REQ)
    call.attempt_finished(1, status_code=429, error=None, duration=0.1)
    call.retry_scheduled(RetryRecord(1, "429", 2.0))
    call.attempt_finished(2, status_code=200, error=None, duration=0.1)
    call.finished(response=None, error=None)
    stats.rate_limit_observed(limit=100, remaining=25, reset=30.0)
    stats.breaker_state_changed("a", "closed", "half-open")
    stats.breaker_state_changed("b", "closed", "open")
    stats.cache_lookup("/users", hit=True, stale=False)
    stats.cache_lookup("/users", hit=False, stale=False)
    stats.sync_lag_observed(120.0)
    snap = stats.snapshot()
    assert (snap.retries, snap.rate_limited) == (1, 1)
    assert snap.breaker_state == "open"
    assert snap.rate_limit_headroom == pytest.approx(0.25)
    assert (snap.cache_hits, snap.cache_misses) == (1, 1)
    assert snap.sync_lag == 120.0
    assert snap.to_dict()["breaker_state"] == "open"


def test_percentile_nearest_rank() -> None:
    assert percentile([], 95) is None
    assert percentile([1.0], 50) == 1.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    with pytest.raises(ValueError):
        StatsObserver(window=0)


def test_client_stats_counts_real_calls_and_views_share_them() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/missing"):
            return httpx.Response(404, json={"error": "Not Found"})
        return httpx.Response(200, json={}, headers={"X-Rate-Limit-Limit": "100",
                                                      "X-Rate-Limit-Remaining": "60"})  # fmt: skip

    with MaintainX(
        api_key=TEST_KEY, base_url="http://127.0.0.1:1/v1", transport=httpx.MockTransport(handler)
    ) as mx:
        mx.request("GET", "/users")
        with pytest.raises(NotFoundError):
            mx.with_options(timeout=3).request("GET", "/missing")
        snap = mx.stats()
    assert (snap.calls, snap.errors) == (2, 1)
    assert snap.rate_limit_remaining == 60 and snap.rate_limit_limit == 100
    assert snap.last_error_type == "NotFoundError"
