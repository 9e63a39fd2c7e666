"""Regressions found by the second hardening audit (pipeline, retry, cache)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, Quota, RateLimit, RetryPolicy
from maintainx_sdk._pipeline import Send, run_async
from maintainx_sdk._request import APIRequest
from maintainx_sdk.breaker import Breaker, BreakerPolicy
from maintainx_sdk.cache import CachePolicy
from maintainx_sdk.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    InternalServerError,
    OutcomeUnknownError,
    PoolExhaustedError,
    RateLimitError,
    ValidationError,
)
from maintainx_sdk.retry import Outcome, RetryState, decide

from .conftest import TEST_KEY
from .helpers.clocks import SleepRecordingClock
from .helpers.event_log_observer import EventLogObserver
from .helpers.pipeline_harness import BASE, drive_sync, make_pipeline
from .helpers.scripted_answers import Script


def users() -> APIRequest:
    return APIRequest("GET", "/users", cacheable=True)


def patch_user() -> APIRequest:
    return APIRequest("PATCH", "/users/1", json={"firstName": "new"})


# --- redirects are not success --------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_not_an_empty_success(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Location": "https://elsewhere.test/v1/x"})

    mx = MaintainX(
        api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(handler), telemetry=False
    )
    with mx:
        with pytest.raises(APIStatusError, match=r"elsewhere\.test.*check base_url") as info:
            mx.work_orders.create(title="t")
        assert info.value.status_code == status and info.value.attempts == 1
        with pytest.raises(APIStatusError):
            mx.work_orders.get(1)


def test_decide_treats_only_2xx_as_success() -> None:
    import random

    state = RetryState(0.0, 30.0, 1, 1, 0)
    rng = random.Random(1)
    ok = decide(RetryPolicy(), state, Outcome.from_status(204), retry_safe=True, now=0, rng=rng)
    moved = decide(RetryPolicy(), state, Outcome.from_status(302), retry_safe=True, now=0, rng=rng)
    assert ok.reason == "success" and not ok.retry
    assert moved.reason == "302 is not retryable" and not moved.retry


# --- a read racing a write does not keep the old record --------------------------------


def test_read_answered_after_a_write_is_not_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    read = pipe.flow(users())
    action = next(read)
    assert isinstance(action, Send)  # the read is on the wire...
    drive_sync(pipe, patch_user(), Script([200]), clock)  # ...when a write lands
    old = httpx.Response(200, content=b'{"users":[{"firstName":"old"}]}', request=action.request)
    with pytest.raises(StopIteration) as done:
        read.send(old)
    assert done.value.value.json()["users"][0]["firstName"] == "old"  # the caller gets it
    # but it is not kept: the next read asks the API instead of serving pre-write data
    script = Script([(200, {}, b'{"users":[{"firstName":"new"}]}')])
    assert drive_sync(pipe, users(), script, clock).json()["users"][0]["firstName"] == "new"
    assert len(script.requests) == 1


def test_read_racing_an_unrelated_write_is_still_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    read = pipe.flow(users())
    action = next(read)
    assert isinstance(action, Send)
    drive_sync(pipe, APIRequest("POST", "/workorders", json={"title": "t"}), Script([200]), clock)
    with pytest.raises(StopIteration):
        read.send(httpx.Response(200, content=b'{"users":[]}', request=action.request))
    script = Script([])
    assert drive_sync(pipe, users(), script, clock).json() == {"users": []}
    assert script.requests == []  # served from the cache


def test_a_read_older_than_the_remembered_invalidations_is_not_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    assert pipe.cache is not None
    read = pipe.flow(users())
    action = next(read)
    assert isinstance(action, Send)
    for _ in range(300):  # more than the cache remembers, none touching /users
        pipe.cache.invalidate(("/workorders",))
    with pytest.raises(StopIteration):
        read.send(httpx.Response(200, content=b"{}", request=action.request))
    assert len(pipe.cache) == 0


async def test_a_cancelled_write_still_invalidates_cached_reads() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    drive_sync(pipe, users(), Script([(200, {}, b'{"users":["old"]}')]), clock)
    assert pipe.cache is not None and len(pipe.cache) == 1
    sent = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        sent.set()
        await asyncio.sleep(30)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
        task = asyncio.create_task(run_async(pipe.flow(patch_user()), http, sleep=clock.asleep))
        await sent.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(pipe.cache) == 0  # the write may have been applied: the copy is gone


# --- the call's deadline bounds a slowly arriving body --------------------------------

CHUNKS = 40


def test_a_trickling_body_cannot_stretch_a_sync_call_past_its_deadline() -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for i in range(CHUNKS):
            time.sleep(0.02)  # each read is quick, so httpx's read timeout never fires
            sent.append(i)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    mx = MaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        timeout=0.2,
        transport=httpx.MockTransport(handler),
        telemetry=False,
    )
    with mx, pytest.raises(APITimeoutError):
        mx.request("GET", "/users")
    assert len(sent) < CHUNKS  # cut off mid-body, not read to the end


@pytest.mark.async_backends
async def test_a_trickling_body_cannot_stretch_an_async_call_past_its_deadline() -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for i in range(CHUNKS):
            await asyncio.sleep(0.02)
            sent.append(i)
            yield b" "

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    mx = AsyncMaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        timeout=0.2,
        transport=httpx.MockTransport(handler),
        telemetry=False,
    )
    async with mx:
        with pytest.raises(OutcomeUnknownError):  # a create cut off mid-answer: not resent
            await mx.request("POST", "/workorders", json={"title": "t"})
    assert len(sent) < CHUNKS


# --- an unreachable API does not wedge the rate limiter --------------------------------

HEADERS = {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "99", "X-Rate-Limit-Reset": "60"}


@pytest.mark.parametrize("fault", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_the_limiter_recovers_when_the_api_was_unreachable_from_the_start(
    fault: Exception,
) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit(), retry=RetryPolicy.disabled())
    down = Script([], default=fault)
    for _ in range(15):  # more attempts than the probe burst, none answered
        with pytest.raises(APIConnectionError) as info:
            drive_sync(pipe, users(), down, clock)
        assert not isinstance(info.value, RateLimitError)
    assert len(down.requests) == 15
    up = Script([(200, HEADERS, b"{}")] * 3)
    for _ in range(3):
        assert drive_sync(pipe, users(), up, clock).status_code == 200
    assert len(up.requests) == 3 and sum(clock.sleeps) < 1.0


def test_never_sent_attempts_do_not_use_up_the_static_quota() -> None:
    clock = SleepRecordingClock()
    limit = RateLimit(user=Quota(5, 60.0), organization=None, probe_burst=0)
    pipe = make_pipeline(clock, rate_limit=limit, retry=RetryPolicy.disabled())
    for _ in range(10):
        with pytest.raises(APIConnectionError):
            drive_sync(pipe, users(), Script([], default=httpx.ConnectError("refused")), clock)
    assert drive_sync(pipe, users(), Script([200]), clock).status_code == 200
    assert clock.sleeps == []  # nothing was sent, so no quota was spent


async def test_httpx_own_timeout_at_the_budget_keeps_its_precise_error() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.25)  # httpx's pool timeout (= the budget) firing a little late
        raise httpx.PoolTimeout("no connection", request=request)

    mx = AsyncMaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        timeout=0.2,
        transport=httpx.MockTransport(handler),
        telemetry=False,
    )
    async with mx:
        with pytest.raises(PoolExhaustedError):  # not outcome-unknown: nothing was sent
            await mx.request("POST", "/workorders", json={"title": "t"})


# --- bad policy values are refused up front ------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(backoff_base=math.nan),
        lambda: RetryPolicy(rate_limit_buffer=math.nan),
        lambda: RetryPolicy(backoff_cap=math.nan),
        lambda: RetryPolicy(backoff_base=math.inf),
        lambda: Quota(5, math.inf),
        lambda: RateLimit(reset_buffer=-1.0),
        lambda: RateLimit(reset_buffer=math.nan),
        lambda: RateLimit(probe_burst=-1),
        lambda: RateLimit(probe_poll=0.0),
    ],
)
def test_policy_values_that_would_misbehave_at_call_time_are_refused(make: Any) -> None:
    with pytest.raises(ConfigurationError):
        make()


def test_an_uncapped_backoff_is_still_bounded_by_the_deadline() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy(max_attempts=10, backoff_cap=math.inf))
    with pytest.raises(InternalServerError):
        drive_sync(pipe, users(), Script([], default=503), clock)
    assert sum(clock.sleeps) <= 30.0


# --- while half-open, only the probe decides ------------------------------------------


def _breaker(clock: SleepRecordingClock) -> Breaker:
    return Breaker(
        BreakerPolicy(fail_max=1, reset_timeout=10), clock=clock, observer=EventLogObserver
    )


def test_a_late_success_sent_before_the_breaker_opened_does_not_close_it_mid_probe() -> None:
    clock = SleepRecordingClock()
    breaker = _breaker(clock)
    early = breaker.before_send("GET /x")  # sent while closed, answers late
    breaker.record(failure=True, probe=breaker.before_send("GET /y"))
    assert breaker.state == "open"
    clock.advance(10)
    assert breaker.before_send("GET /z") is True  # the probe
    breaker.record(failure=False, probe=early)
    assert breaker.state == "half-open"  # the late answer says nothing about now
    breaker.record(failure=True, probe=True)
    assert breaker.state == "open"


def test_a_late_failure_does_not_reopen_the_breaker_while_the_probe_is_out() -> None:
    clock = SleepRecordingClock()
    breaker = _breaker(clock)
    early = breaker.before_send("GET /x")
    breaker.record(failure=True, probe=breaker.before_send("GET /y"))
    clock.advance(10)
    assert breaker.before_send("GET /z") is True
    breaker.record(failure=True, probe=early)
    assert breaker.state == "half-open" and breaker.retry_after() == 0
    breaker.record(failure=False, probe=True)
    assert breaker.state == "closed"


# --- a body JSON cannot carry is a ValidationError, and never wedges the breaker -------


@pytest.mark.parametrize("body", [{"a": object()}, {"a": math.nan}, [math.inf]])
def test_a_body_json_cannot_carry_is_refused_before_sending(body: Any) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([])
    with pytest.raises(ValidationError, match="JSON body cannot be sent") as info:
        drive_sync(pipe, APIRequest("POST", "/workorders", json=body), script, clock)
    assert info.value.errors[0]["field"] == "json"
    assert script.requests == []


def test_a_bad_body_sent_as_the_probe_does_not_leave_the_breaker_half_open() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy.disabled(), breaker=BreakerPolicy(fail_max=1))
    with pytest.raises(InternalServerError):
        drive_sync(pipe, users(), Script([503]), clock)
    clock.advance(60)
    with pytest.raises(ValidationError):
        drive_sync(pipe, APIRequest("POST", "/workorders", json={"a": object()}), Script([]), clock)
    assert drive_sync(pipe, users(), Script([200]), clock).status_code == 200
    assert pipe.breaker is not None and pipe.breaker.state == "closed"


def test_a_failure_building_the_request_frees_the_probe_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy.disabled(), breaker=BreakerPolicy(fail_max=1))
    with pytest.raises(InternalServerError):
        drive_sync(pipe, users(), Script([503]), clock)
    clock.advance(60)

    def broken(*args: Any, **kwargs: Any) -> httpx.Request:
        raise RuntimeError("cannot build")

    with monkeypatch.context() as patch:
        patch.setattr(pipe, "build_http_request", broken)
        with pytest.raises(RuntimeError):
            drive_sync(pipe, users(), Script([]), clock)
    assert drive_sync(pipe, users(), Script([200]), clock).status_code == 200


def test_an_observer_failing_as_an_attempt_starts_frees_the_probe_slot() -> None:
    class Failing(EventLogObserver):
        fail = False

        def attempt_started(self, attempt: int, request: httpx.Request) -> None:
            if self.fail:
                raise RuntimeError("observer bug")

    clock = SleepRecordingClock()
    observer = Failing()
    pipe = make_pipeline(
        clock, retry=RetryPolicy.disabled(), breaker=BreakerPolicy(fail_max=1), observer=observer
    )
    with pytest.raises(InternalServerError):
        drive_sync(pipe, users(), Script([503]), clock)
    clock.advance(60)
    observer.fail = True
    script = Script([])
    with pytest.raises(RuntimeError):
        drive_sync(pipe, users(), script, clock)
    assert script.requests == []
    observer.fail = False
    assert drive_sync(pipe, users(), Script([200]), clock).status_code == 200


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "x"])
def test_a_malformed_rate_limit_header_does_not_lose_a_created_record(value: str) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit())
    headers = {"X-Rate-Limit-Limit": value, "X-Rate-Limit-Remaining": value}
    script = Script([(201, headers, b'{"id": 7}')])
    response = drive_sync(
        pipe, APIRequest("POST", "/workorders", json={"title": "t"}), script, clock
    )
    assert response.json() == {"id": 7} and len(script.requests) == 1


def test_an_absurdly_nested_error_body_still_gives_the_typed_error() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy.disabled())
    script = Script([(400, {}, b"[" * 100_000)])
    with pytest.raises(APIStatusError) as info:
        drive_sync(pipe, APIRequest("POST", "/workorders", json={"title": "t"}), script, clock)
    assert info.value.status_code == 400


def _paced_calls(pipe: Any, clock: SleepRecordingClock, request: APIRequest, n: int) -> None:
    for _ in range(n):
        drive_sync(pipe, request, Script([(200, HEADERS, b"{}")]), clock)


def test_meter_reading_posts_do_not_wedge_the_user_quota() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit(), retry=RetryPolicy.disabled())
    readings = APIRequest("POST", "/meterreadings", json=[{"value": 1}])
    _paced_calls(pipe, clock, readings, 15)  # their headers describe the route's own quota
    _paced_calls(pipe, clock, users(), 3)
    assert sum(clock.sleeps) < 1.0


def test_an_organization_only_quota_does_not_wedge() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit(user=None), retry=RetryPolicy.disabled())
    _paced_calls(pipe, clock, users(), 15)  # no scope the headers describe: the log paces
    assert sum(clock.sleeps) < 1.0
