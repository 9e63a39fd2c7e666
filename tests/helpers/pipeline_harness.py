"""Build a Pipeline on a sleep-recording clock and drive one call through it against a
MockTransport handler. No real sleeps, no network."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from maintainx_sdk._actions import CallOptions, Flow
from maintainx_sdk._config import resolve_config
from maintainx_sdk._drivers import run_async, run_sync
from maintainx_sdk._flow import Pipeline
from maintainx_sdk._request import APIRequest
from maintainx_sdk._response import APIResponse
from maintainx_sdk.breaker import BreakerPolicy
from maintainx_sdk.cache import CachePolicy
from maintainx_sdk.ratelimit import RateLimit, RateLimiter
from maintainx_sdk.retry import RetryPolicy

from ..conftest import TEST_KEY
from .clocks import SleepRecordingClock
from .event_log_observer import EventLogObserver

BASE = "https://api.test/v1"


def make_pipeline(
    clock: SleepRecordingClock,
    *,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimit | RateLimiter | None = None,
    breaker: BreakerPolicy | None = None,
    cache: CachePolicy | None = None,
    timeout: float = 30.0,
    observer: EventLogObserver | None = None,
    seed: int = 7,
) -> Pipeline:
    config = resolve_config(api_key=TEST_KEY, base_url=BASE, timeout=timeout, env={})
    return Pipeline(
        config,
        observer=observer,
        clock=clock,
        wall_clock=clock.wall,
        rng=random.Random(seed),
        retry=retry,
        rate_limit=rate_limit or RateLimit.disabled(),
        breaker=breaker or BreakerPolicy.disabled(),
        cache=cache or CachePolicy.disabled(),
    )


def drive_sync(
    pipeline: Pipeline,
    request: APIRequest,
    handler: Callable[[httpx.Request], httpx.Response],
    clock: SleepRecordingClock,
    options: CallOptions | None = None,
) -> APIResponse:
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        flow: Flow = pipeline.flow(request, options)
        return run_sync(flow, http, sleep=clock.sleep)


async def drive_async(
    pipeline: Pipeline,
    request: APIRequest,
    handler: Callable[[httpx.Request], httpx.Response],
    clock: SleepRecordingClock,
    options: CallOptions | None = None,
) -> APIResponse:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        return await run_async(pipeline.flow(request, options), http, sleep=clock.asleep)


def get(path: str = "/workorders/1", **kw: Any) -> APIRequest:
    return APIRequest("GET", path, **kw)


def post(path: str = "/workorders", **kw: Any) -> APIRequest:
    return APIRequest("POST", path, json={"title": "t"}, **kw)


def users() -> APIRequest:
    """A cacheable ``GET /users``: a safe read the limiter, breaker and cache all act on."""
    return APIRequest("GET", "/users", cacheable=True)
