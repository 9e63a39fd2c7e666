"""Fakes shared by the hardening tests: a clock that only moves when slept on, a scripted
transport, and a recording observer. No real sleeps, no network."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
from maintainx_sdk.errors import RetryRecord
from maintainx_sdk.ratelimit import RateLimit, RateLimiter
from maintainx_sdk.retry import RetryPolicy

from .conftest import TEST_KEY

BASE = "https://api.test/v1"


class FakeClock:
    """Monotonic and wall time that advance only through ``sleep`` / ``advance``."""

    def __init__(self, start: float = 1000.0, wall: float = 1_800_000_000.0) -> None:
        self.now = start
        self.wall_offset = wall - start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


Step = int | tuple[int, dict[str, str]] | tuple[int, dict[str, str], bytes] | BaseException


class Script:
    """Answers requests from a list of steps (status, headers, body) or raises errors."""

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        clock: FakeClock | None = None,
        latency: float = 0.0,
        default: Step = 200,
    ) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.clock = clock
        self.latency = latency
        self.default = default

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.clock is not None and self.latency:
            self.clock.advance(self.latency)
        step = self.steps.pop(0) if self.steps else self.default
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, int):
            return httpx.Response(step, json={"id": 1} if step < 400 else {"error": "boom"})
        status, headers, *rest = step
        content = rest[0] if rest else b'{"ok":true}'
        return httpx.Response(status, headers=headers, content=content)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)


@dataclass
class Recorder:
    """An observer that writes down everything."""

    events: list[tuple[Any, ...]] = field(default_factory=list)

    def start_call(self, request: APIRequest) -> Recorder:
        self.events.append(("start", request.method, request.path))
        return self

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        self.events.append(("attempt", attempt))

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        self.events.append(("attempt_done", attempt, status_code, type(error).__name__))

    def retry_scheduled(self, record: RetryRecord) -> None:
        self.events.append(("retry", record))

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        self.events.append(("finished", type(error).__name__ if error else None))

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        self.events.append(("rate_limit", limit, remaining, reset))

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        self.events.append(("breaker", old, new))

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        self.events.append(("cache", route, hit, stale))

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        return [e for e in self.events if e[0] == kind]


def make_pipeline(
    clock: FakeClock,
    *,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimit | RateLimiter | None = None,
    breaker: BreakerPolicy | None = None,
    cache: CachePolicy | None = None,
    timeout: float = 30.0,
    observer: Recorder | None = None,
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
    clock: FakeClock,
    options: CallOptions | None = None,
) -> APIResponse:
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        flow: Flow = pipeline.flow(request, options)
        return run_sync(flow, http, sleep=clock.sleep)


async def drive_async(
    pipeline: Pipeline,
    request: APIRequest,
    handler: Callable[[httpx.Request], httpx.Response],
    clock: FakeClock,
    options: CallOptions | None = None,
) -> APIResponse:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        return await run_async(pipeline.flow(request, options), http, sleep=clock.asleep)


def get(path: str = "/workorders/1", **kw: Any) -> APIRequest:
    return APIRequest("GET", path, **kw)


def post(path: str = "/workorders", **kw: Any) -> APIRequest:
    return APIRequest("POST", path, json={"title": "t"}, **kw)
