"""The hardened pipeline through the public clients: policies, per-call overrides, bodies,
cancellation, secrets, the rate limiter as the pipeline drives it. MockTransport only."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk import (
    AsyncMaintainX,
    BreakerPolicy,
    CachePolicy,
    ConfigurationError,
    MaintainX,
    Quota,
    RateLimit,
    RetryPolicy,
)
from maintainx_sdk._drivers import run_async
from maintainx_sdk._request import APIRequest
from maintainx_sdk.errors import (
    APIConnectionError,
    InternalServerError,
    MaintainXError,
    OutcomeUnknownError,
    RateLimitError,
    ValidationError,
)

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER
from .helpers.clocks import SleepRecordingClock
from .helpers.event_log_observer import EventLogObserver
from .helpers.pipeline_harness import drive_sync, get, make_pipeline, users
from .helpers.scripted_answers import Script

BASE = "https://api.test/v1"


def client(script: Script, **kw: object) -> MaintainX:
    kw.setdefault("retry", RetryPolicy(backoff_base=0.0, backoff_cap=0.0))
    return MaintainX(api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(script), **kw)  # type: ignore[arg-type]


def test_client_retries_by_default_and_reports_attempts() -> None:
    script = Script([503, 200])
    with client(script) as mx:
        response = mx.request("GET", "/workorders/1")
    assert response.attempts == 2 and response.retries[0].reason == "503"


def test_with_options_max_retries_overrides_per_call_only() -> None:
    script = Script([503, 503, 503, 200], default=200)
    with client(script) as mx:
        with pytest.raises(InternalServerError) as info:
            mx.with_options(max_retries=0).request("GET", "/workorders/1")
        assert info.value.attempts == 1
        assert mx.request("GET", "/workorders/1").attempts == 3  # two more 503s, then 200


def test_with_options_retry_policy() -> None:
    script = Script([503, 503, 503, 503, 200])
    with client(script) as mx:
        view = mx.with_options(retry=RetryPolicy(max_attempts=5, backoff_base=0, backoff_cap=0))
        assert view.request("GET", "/x").attempts == 5
        assert view.with_options(timeout=3).request("GET", "/x").attempts == 1  # policy kept


def test_request_retry_safe_flag_lets_a_post_be_retried() -> None:
    with client(Script([503, 201])) as mx:
        assert mx.request("POST", "/workorders", json={}, retry_safe=True).attempts == 2
    with client(Script([503, 201])) as mx, pytest.raises(OutcomeUnknownError):
        mx.request("POST", "/workorders", json={})


def test_errors_never_contain_the_key() -> None:
    faults: list[int | BaseException] = [
        500,
        httpx.ReadTimeout("x"),
        (429, {"Retry-After": "999"}),  # type: ignore[list-item]
    ]
    for fault in faults:
        with client(Script([fault]), retry=RetryPolicy.disabled()) as mx:
            with pytest.raises(MaintainXError) as info:
                mx.request("POST", "/workorders", json={"title": "t"})
            text = f"{info.value!s} {info.value!r} {info.value.__cause__!s}"
            assert TEST_KEY not in text


def test_policies_are_readable_and_disableable() -> None:
    with client(
        Script([200]),
        rate_limit=RateLimit.disabled(),
        breaker=BreakerPolicy.disabled(),
        cache=CachePolicy.disabled(),
    ) as mx:
        assert mx.pipeline.limiter is None and mx.pipeline.breaker is None
        assert mx.pipeline.cache is None
    with client(Script([200]), rate_limit=RateLimit(user=Quota(5, 1))) as mx:
        assert mx.pipeline.limiter is not None
        assert mx.pipeline.limiter.policy.user == Quota(5, 1)
    assert "max_attempts=3" in repr(RetryPolicy())


@pytest.mark.async_backends
async def test_async_client_shares_the_same_pipeline_logic() -> None:
    script = Script([502, 200])
    async with AsyncMaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(script),
        retry=RetryPolicy(backoff_base=0, backoff_cap=0),
    ) as mx:
        response = await mx.request("GET", "/workorders/1")
    assert response.attempts == 2


async def test_cancelled_during_backoff_releases_everything() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(
        clock,
        breaker=BreakerPolicy(fail_max=1, reset_timeout=1),
        rate_limit=RateLimit(user=Quota(10, 60), organization=None),
    )
    gate = asyncio.Event()

    async def hang(seconds: float) -> None:
        await gate.wait()

    async with httpx.AsyncClient(transport=httpx.MockTransport(Script([503]))) as http:
        task = asyncio.create_task(run_async(pipe.flow(get()), http, sleep=hang))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pipe.breaker is not None and pipe.breaker.state == "open"
    clock.advance(1)
    # the half-open probe slot is free (nothing left it taken)
    assert pipe.breaker.before_send("GET /x") is True


async def test_cancelled_probe_frees_the_half_open_slot() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, breaker=BreakerPolicy(fail_max=1, reset_timeout=1))
    assert pipe.breaker is not None
    pipe.breaker.record(failure=True, probe=False)
    clock.advance(1)
    started = asyncio.Event()

    class Hanging(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            started.set()
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    async with httpx.AsyncClient(transport=Hanging()) as http:
        task = asyncio.create_task(run_async(pipe.flow(get()), http))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pipe.breaker.before_send("GET /x") is True  # the probe slot was given back


async def test_a_cancelled_call_is_reported_as_cancelled_not_as_generator_exit() -> None:
    """Observers (stats' last error type, the span's error.type, the failed-call log line)
    are told the call was cancelled: not the GeneratorExit that closing the flow raises."""
    log = EventLogObserver()
    pipe = make_pipeline(SleepRecordingClock(), observer=log)
    started = asyncio.Event()

    class Hanging(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            started.set()
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    async with httpx.AsyncClient(transport=Hanging()) as http:
        task = asyncio.create_task(run_async(pipe.flow(get()), http))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert log.of("finished") == [("finished", "CancelledError")]


def test_an_interrupted_call_is_reported_as_interrupted_not_as_generator_exit() -> None:
    log = EventLogObserver()
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, observer=log)

    def interrupt(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        drive_sync(pipe, get(), interrupt, clock)
    assert log.of("finished") == [("finished", "KeyboardInterrupt")]


def test_rate_limit_error_from_client_limiter_is_typed() -> None:
    script = Script([200, 200])
    with client(
        script,
        rate_limit=RateLimit(user=Quota(1, 60), organization=None, pace_without_headers=True),
        timeout=2,
    ) as mx:
        mx.request("GET", "/users")
        with pytest.raises(RateLimitError) as info:
            mx.request("GET", "/users")
    assert info.value.retry_after is not None and info.value.retry_after > 2
    assert len(script.requests) == 1


_STEP = st.one_of(
    st.sampled_from([200, 500, 502, 503, 504, 404, 409]),
    st.tuples(st.just(429), st.floats(0, 40).map(lambda s: {"Retry-After": f"{s:.2f}"})),
    st.sampled_from(["connect", "read-timeout", "reset"]),
)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(_STEP, min_size=1, max_size=12),
    latencies=st.lists(st.floats(0, 15), min_size=12, max_size=12),
    total=st.floats(1, 60),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    seed=st.integers(0, 1000),
)
def test_no_call_outlives_its_deadline_or_repeats_an_unsafe_write(
    steps: list[object], latencies: list[float], total: float, method: str, seed: int
) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, timeout=total, retry=RetryPolicy(max_attempts=5), seed=seed)
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        i = len(sent)
        sent.append(request.method)
        budget = request.extensions["timeout"]["read"]
        step = steps[i] if i < len(steps) else 200
        clock.advance(min(latencies[i % len(latencies)], budget))
        if step == "connect":
            raise httpx.ConnectError("refused")
        if step == "read-timeout":
            clock.advance(max(budget - latencies[i % len(latencies)], 0))
            raise httpx.ReadTimeout("slow")
        if step == "reset":
            raise httpx.RemoteProtocolError("closed")
        if isinstance(step, tuple):
            return httpx.Response(step[0], headers=step[1])
        return httpx.Response(int(step), json={})  # type: ignore[call-overload]

    request = APIRequest(method, "/workorders", json={} if method != "GET" else None)
    start = clock()
    try:
        drive_sync(pipe, request, handler, clock)
    except MaintainXError as exc:
        if isinstance(exc, OutcomeUnknownError):
            assert method == "POST"
    assert clock() - start <= total + 1e-6
    if method == "POST":
        # a POST is repeated only after failures that prove it was not processed
        for i in range(len(sent) - 1):
            step = steps[i] if i < len(steps) else 200
            assert step == "connect" or isinstance(step, tuple), step


def test_undecodable_body_is_a_typed_error_not_a_raw_httpx_one() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy.disabled())
    script = Script([httpx.DecodingError("bad gzip")])
    with pytest.raises(MaintainXError) as info:
        drive_sync(pipe, get(), script, clock)
    assert "DecodingError" in str(info.value)


def test_circuit_open_error_names_the_call_and_its_history() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(
        clock,
        retry=RetryPolicy(max_attempts=5, backoff_base=0, backoff_cap=0),
        breaker=BreakerPolicy(fail_max=2, reset_timeout=30),
    )
    with pytest.raises(MaintainXError) as info:
        drive_sync(pipe, get(), Script([503, 503, 503]), clock)
    exc = info.value
    assert type(exc).__name__ == "CircuitOpenError"
    assert exc.method == "GET" and exc.path == "/workorders/1"  # type: ignore[attr-defined]
    assert exc.attempts == 2 and [r.reason for r in exc.retries] == ["503", "503"]  # type: ignore[attr-defined]


# --- request bodies JSON cannot carry; the rate limiter as the pipeline drives it -----


@pytest.mark.parametrize("body", [{"a": object()}, {"a": math.nan}, [math.inf]])
def test_a_body_json_cannot_carry_is_refused_before_sending(body: Any) -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([])
    with pytest.raises(ValidationError, match="JSON body cannot be sent") as info:
        drive_sync(pipe, APIRequest("POST", "/workorders", json=body), script, clock)
    assert info.value.errors[0]["field"] == "json"
    assert script.requests == []


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


WO = {**WORK_ORDER, "id": 42}


def test_max_retries_zero_means_one_attempt_even_after_a_429() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}, json={"error": "slow"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"workOrder": WO}))

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        with pytest.raises(RateLimitError) as info:
            mx.with_options(max_retries=0).work_orders.get(42)
        assert info.value.retry_after == 1
        assert mx.with_options(max_retries=1).work_orders.get(42).id == 42
        with pytest.raises(ConfigurationError, match="max_retries must be >= 0"):
            mx.with_options(max_retries=-1)
