"""The pure retry decision and its integration in the pipeline (fake clock, no sleeps)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk import Timeouts
from maintainx_sdk._actions import CallOptions
from maintainx_sdk.errors import (
    APIConnectionError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
)
from maintainx_sdk.retry import (
    Outcome,
    RetryPolicy,
    RetryState,
    decide,
    parse_reset,
    parse_retry_after,
    server_wait,
)

from .helpers.clocks import SleepRecordingClock
from .helpers.event_log_observer import EventLogObserver
from .helpers.pipeline_harness import drive_async, drive_sync, get, make_pipeline, post
from .helpers.scripted_answers import Script


def _decide(
    outcome: Outcome,
    *,
    safe: bool = True,
    failures: int = 1,
    now: float = 0.0,
    deadline: float = 30.0,
    policy: RetryPolicy | None = None,
    throttles: int = 0,
):
    state = RetryState(
        started=0.0,
        deadline=deadline,
        attempt=failures + throttles,
        failures=failures,
        rate_limit_waits=throttles,
    )
    return decide(
        policy or RetryPolicy(), state, outcome, retry_safe=safe, now=now, rng=random.Random(1)
    )


# --- the pure decision -------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_retried_when_safe(status: int) -> None:
    d = _decide(Outcome.from_status(status))
    assert d.retry and d.reason == str(status)
    assert 0 <= d.wait <= 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_other_errors_never_retried(status: int) -> None:
    d = _decide(Outcome.from_status(status))
    assert not d.retry and not d.outcome_unknown


def test_unsafe_request_that_may_have_landed_is_outcome_unknown() -> None:
    d = _decide(Outcome.from_error(httpx.ReadTimeout("slow")), safe=False)
    assert not d.retry and d.outcome_unknown
    d = _decide(Outcome.from_status(503), safe=False)
    assert not d.retry and d.outcome_unknown


def test_connect_errors_are_safe_to_retry_even_for_posts() -> None:
    d = _decide(Outcome.from_error(httpx.ConnectError("refused")), safe=False)
    assert d.retry and d.reason == "ConnectError"


def test_pool_timeout_is_not_retried() -> None:
    d = _decide(Outcome.from_error(httpx.PoolTimeout("full")))
    assert not d.retry and "pool" in d.reason


def test_429_waits_what_the_server_says_plus_buffer_even_for_posts() -> None:
    d = _decide(Outcome.from_status(429, server_wait=2.0), safe=False, failures=0, throttles=1)
    assert d.retry and d.wait == pytest.approx(2.25)


def test_429_past_the_deadline_gives_up_at_once_with_the_wait() -> None:
    d = _decide(Outcome.from_status(429, server_wait=40.0), failures=0, throttles=1)
    assert not d.retry and d.deadline_exceeded and d.wait == pytest.approx(40.25)


def test_attempts_are_capped() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert _decide(Outcome.from_status(503), failures=2, policy=policy).retry
    d = _decide(Outcome.from_status(503), failures=3, policy=policy)
    assert not d.retry and "3 failed attempts" in d.reason


def test_backoff_that_would_pass_the_deadline_stops() -> None:
    policy = RetryPolicy(backoff_base=10, backoff_cap=10)
    rng = random.Random(3)
    state = RetryState(0.0, 5.0, 1, 1, 0)
    d = decide(policy, state, Outcome.from_status(503), retry_safe=True, now=4.9, rng=rng)
    assert not d.retry and "deadline" in d.reason


def test_retry_after_on_503_is_honoured_as_a_floor() -> None:
    d = _decide(Outcome.from_status(503, server_wait=3.0))
    assert d.retry and d.wait >= 3.0


def test_decision_is_deterministic_for_a_seed() -> None:
    a = [_decide(Outcome.from_status(503), failures=n).wait for n in (1, 2)]
    b = [_decide(Outcome.from_status(503), failures=n).wait for n in (1, 2)]
    assert a == b


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    base=st.floats(0.01, 5),
    cap=st.floats(0.01, 60),
    total=st.floats(0.5, 120),
    max_attempts=st.integers(1, 12),
    latencies=st.lists(st.floats(0, 10), min_size=12, max_size=12),
)
def test_backoff_bounds_and_total_wait_within_deadline(
    seed: int, base: float, cap: float, total: float, max_attempts: int, latencies: list[float]
) -> None:
    policy = RetryPolicy(max_attempts=max_attempts, backoff_base=base, backoff_cap=cap)
    rng = random.Random(seed)
    now, waited, failures = 0.0, 0.0, 0
    for latency in latencies:
        now += latency
        failures += 1
        state = RetryState(0.0, total, failures, failures, 0)
        d = decide(policy, state, Outcome.from_status(503), retry_safe=True, now=now, rng=rng)
        if not d.retry:
            break
        assert 0.0 <= d.wait <= min(cap, base * 2 ** (failures - 1)) + 1e-9
        assert now + d.wait < total
        waited += d.wait
        now += d.wait
    assert failures <= max_attempts
    assert waited <= total


# --- header parsing ----------------------------------------------------------------------


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    wall = 1_800_000_000.0
    date = format_datetime(datetime.fromtimestamp(wall + 5, tz=UTC), usegmt=True)
    assert parse_retry_after(date, wall_now=wall) == pytest.approx(5.0)


def test_reset_accepts_seconds_and_epoch() -> None:
    assert parse_reset("12") == 12.0
    assert parse_reset("1800000030", wall_now=1_800_000_000.0) == pytest.approx(30.0)
    assert parse_reset("nan") is None and parse_reset("-1") is None


def test_server_wait_order_retry_after_then_reset_then_body() -> None:
    assert server_wait({"Retry-After": "3", "X-Rate-Limit-Reset": "9"}) == 3.0
    assert server_wait({"X-Rate-Limit-Reset": "9"}) == 9.0
    assert server_wait({}, b'{"error":"Too many requests. Please retry in 10 seconds"}') == 10.0
    assert server_wait({}, b"{}") is None
    # Reset rides on every response: it is no reason to wait after a 503
    assert server_wait({"X-Rate-Limit-Reset": "60"}, status_code=503) is None
    assert server_wait({"Retry-After": "1"}, status_code=503) == 1.0


def test_503_with_rate_limit_headers_is_still_retried_quickly() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    headers = {
        "X-Rate-Limit-Limit": "100",
        "X-Rate-Limit-Remaining": "50",
        "X-Rate-Limit-Reset": "60",
    }
    response = drive_sync(pipe, get(), Script([(503, headers), (200, headers)]), clock)
    assert response.attempts == 2 and response.retries[0].wait <= 0.5


# --- through the pipeline, sync and async ------------------------------------------------


def test_503_503_200_succeeds_after_two_retries() -> None:
    clock = SleepRecordingClock()
    rec = EventLogObserver()
    pipe = make_pipeline(clock, observer=rec)
    script = Script([503, 503, 200])
    response = drive_sync(pipe, get(), script, clock)
    assert response.status_code == 200 and response.attempts == 3
    assert [r.reason for r in response.retries] == ["503", "503"]
    assert [r.attempt for r in response.retries] == [1, 2]
    assert clock.sleeps == [r.wait for r in response.retries]
    assert len(rec.of("retry")) == 2 and len(rec.of("attempt")) == 3


async def test_503_503_200_async() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    response = await drive_async(pipe, get(), Script([503, 503, 200]), clock)
    assert response.attempts == 3 and len(response.retries) == 2


def test_429_with_retry_after_waits_at_least_that_long() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([(429, {"Retry-After": "2"}), 200])
    t0 = clock()
    response = drive_sync(pipe, post(), script, clock)
    assert response.status_code == 200 and script.count("POST") == 2
    assert clock() - t0 >= 2.0
    assert response.retries[0].reason == "429" and response.retries[0].wait >= 2.0


async def test_429_with_http_date_retry_after() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    date = format_datetime(datetime.fromtimestamp(clock.wall() + 4, tz=UTC), usegmt=True)
    script = Script([(429, {"Retry-After": date}), 200])
    t0 = clock()
    await drive_async(pipe, get(), script, clock)
    assert clock() - t0 >= 4.0


def test_429_without_retry_after_uses_rate_limit_reset() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([(429, {"X-Rate-Limit-Reset": "3", "X-Rate-Limit-Remaining": "0"}), 200])
    response = drive_sync(pipe, get(), script, clock)
    assert response.retries[0].wait == pytest.approx(3.25)


def test_429_past_deadline_raises_rate_limit_error_without_waiting() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, timeout=10)
    script = Script([(429, {"Retry-After": "60"})])
    with pytest.raises(RateLimitError) as info:
        drive_sync(pipe, get(), script, clock)
    assert info.value.retry_after == pytest.approx(60.25)
    assert clock.sleeps == [] and len(script.requests) == 1


def test_post_whose_read_times_out_is_sent_once_and_outcome_unknown() -> None:
    clock = SleepRecordingClock()
    rec = EventLogObserver()
    pipe = make_pipeline(clock, observer=rec)
    script = Script([httpx.ReadTimeout("read timed out")])
    with pytest.raises(OutcomeUnknownError) as info:
        drive_sync(pipe, post(), script, clock)
    assert script.count("POST") == 1
    assert info.value.attempts == 1 and "ReadTimeout" in info.value.cause_description
    assert isinstance(info.value.__cause__, APIConnectionError)
    assert rec.of("finished") == [("finished", "OutcomeUnknownError")]


async def test_post_with_503_is_outcome_unknown_async() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([503, 200])
    with pytest.raises(OutcomeUnknownError) as info:
        await drive_async(pipe, post(), script, clock)
    assert script.count("POST") == 1 and isinstance(info.value.__cause__, InternalServerError)


def test_guarded_post_marked_retry_safe_is_retried() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([httpx.ReadTimeout("slow"), 201])
    response = drive_sync(pipe, post(retry_safe=True), script, clock)
    assert response.attempts == 2 and script.count("POST") == 2


def test_put_with_read_timeout_is_retried() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([httpx.ReadTimeout("slow"), 200])
    request = get("/workorders/1").__class__("PUT", "/workorders/1", json={"title": "x"})
    response = drive_sync(pipe, request, script, clock)
    assert response.attempts == 2 and response.retries[0].reason == "ReadTimeout"


def test_post_connect_error_is_retried_because_nothing_was_sent() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([httpx.ConnectError("refused"), 201])
    assert drive_sync(pipe, post(), script, clock).attempts == 2


def test_409_is_not_retried() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([409, 200])
    with pytest.raises(ConflictError) as info:
        drive_sync(pipe, get(), script, clock)
    assert len(script.requests) == 1 and info.value.attempts == 1


def test_final_error_carries_attempts_and_retry_reasons() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    with pytest.raises(InternalServerError) as info:
        drive_sync(pipe, get(), Script([500, 502, 503]), clock)
    assert info.value.attempts == 3
    assert [r.reason for r in info.value.retries] == ["500", "502"]
    assert "after 3 attempts" in str(info.value)


def test_one_deadline_across_attempts() -> None:
    """A 30 s timeout with retries must not become 90 s: each attempt gets what is left."""
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, timeout=30, retry=RetryPolicy(max_attempts=10))
    timeouts: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        budget = request.extensions["timeout"]["read"]
        timeouts.append(budget)
        clock.advance(min(12, budget))  # a real read timeout fires at the per-attempt budget
        raise httpx.ReadTimeout("slow")

    with pytest.raises(APIConnectionError):
        drive_sync(pipe, get(), slow, clock)
    assert timeouts[0] == 30
    assert all(b < a for a, b in itertools.pairwise(timeouts))
    assert clock() - 1000.0 <= 30.0 + 1e-9


def test_per_call_retry_override() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    options = CallOptions(retry=RetryPolicy.disabled(), timeouts=Timeouts(total=5))
    with pytest.raises(InternalServerError):
        drive_sync(pipe, get(), Script([503, 200]), clock, options)


def test_not_found_not_retried_async_either() -> None:
    import asyncio

    clock = SleepRecordingClock()
    pipe = make_pipeline(clock)
    script = Script([404])
    with pytest.raises(NotFoundError):
        asyncio.run(drive_async(pipe, get(), script, clock))
    assert len(script.requests) == 1


def test_a_local_protocol_error_is_neither_retried_nor_a_breaker_failure() -> None:
    import httpx

    from maintainx_sdk import APIConnectionError, MaintainX

    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.LocalProtocolError("Illegal header value b'bad\\n'")

    mx = MaintainX(api_key="k-123456789", transport=httpx.MockTransport(handler))
    with mx, pytest.raises(APIConnectionError) as info:
        mx.request("GET", "/users")
    assert calls == 1
    assert info.value.attempts == 1
    assert "could not be sent" in str(info.value)
    assert "bad" not in str(info.value)
    from maintainx_sdk.breaker import is_breaker_failure

    assert not is_breaker_failure(None, httpx.LocalProtocolError("x"))


def test_decide_treats_only_2xx_as_success() -> None:
    import random

    state = RetryState(0.0, 30.0, 1, 1, 0)
    rng = random.Random(1)
    ok = decide(RetryPolicy(), state, Outcome.from_status(204), retry_safe=True, now=0, rng=rng)
    moved = decide(RetryPolicy(), state, Outcome.from_status(302), retry_safe=True, now=0, rng=rng)
    assert ok.reason == "success" and not ok.retry
    assert moved.reason == "302 is not retryable" and not moved.retry
