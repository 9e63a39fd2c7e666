"""with_options can switch the limiter, breaker and cache off for one view's calls."""

from __future__ import annotations

import httpx
import pytest

from maintainx_sdk import (
    BreakerPolicy,
    CachePolicy,
    CircuitOpenError,
    MaintainX,
    Quota,
    RateLimit,
    RetryPolicy,
)
from maintainx_sdk.errors import InternalServerError, RateLimitError


class Flaky:
    """Answers users with 200 until told to fail, then 503 for everything."""

    def __init__(self) -> None:
        self.failing = False
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failing:
            return httpx.Response(503, json={"error": "down"})
        return httpx.Response(200, json={"users": [{"id": 1}], "nextCursor": None})


def make(server: Flaky) -> MaintainX:
    return MaintainX(
        api_key="k-123456789",
        transport=httpx.MockTransport(server),
        retry=RetryPolicy.disabled(),
        breaker=BreakerPolicy(fail_max=1, reset_timeout=600),
        cache=CachePolicy(routes=("/users",)),
    )


def test_breaker_false_sends_while_the_breaker_is_open() -> None:
    server = Flaky()
    with make(server) as mx:
        server.failing = True
        with pytest.raises(InternalServerError):
            mx.request("GET", "/workorders/1")
        with pytest.raises(CircuitOpenError):
            mx.request("GET", "/workorders/1")
        sent = len(server.requests)
        server.failing = False
        assert mx.with_options(breaker=False).request("GET", "/workorders/1").status_code == 200
        assert len(server.requests) == sent + 1
        with pytest.raises(CircuitOpenError):  # the view's success did not close it
            mx.request("GET", "/workorders/1")


def test_cache_false_never_serves_a_stale_copy() -> None:
    server = Flaky()
    with make(server) as mx:
        assert mx.request("GET", "/users").status_code == 200  # cached
        server.failing = True
        served = mx.request("GET", "/users")  # breaker opens, the stale copy is served
        assert served.stale
        with pytest.raises(InternalServerError):
            mx.with_options(cache=False, breaker=False).request("GET", "/users")


def test_rate_limit_false_is_not_paced_locally() -> None:
    server = Flaky()
    quota = RateLimit(user=Quota(1, 600.0), organization=None, pace_without_headers=True)
    mx = MaintainX(api_key="k-123456789", transport=httpx.MockTransport(server), rate_limit=quota)
    with mx:
        mx.request("GET", "/users")
        with pytest.raises(RateLimitError):  # the next slot is 600 s away, past the deadline
            mx.request("GET", "/users")
        assert len(server.requests) == 1
        assert mx.with_options(rate_limit=False).request("GET", "/users").status_code == 200
        assert len(server.requests) == 2
