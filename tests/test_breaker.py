"""Circuit breaker driven from the sans-IO flow: trips on server-side failures only."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import pytest

from maintainx_sdk import BreakerPolicy, MaintainX, RetryPolicy
from maintainx_sdk._request import APIRequest
from maintainx_sdk.breaker import Breaker, is_breaker_failure
from maintainx_sdk.errors import (
    APIConnectionError,
    BadRequestError,
    CircuitOpenError,
    InternalServerError,
    RateLimitError,
    ValidationError,
)

from .conftest import TEST_KEY
from .helpers.clocks import SleepRecordingClock
from .helpers.event_log_observer import EventLogObserver
from .helpers.pipeline_harness import drive_async, drive_sync, get, make_pipeline, users
from .helpers.scripted_answers import Script

NO_RETRY = RetryPolicy.disabled()


def _pipe(clock: SleepRecordingClock, rec: EventLogObserver | None = None, fail_max: int = 3):
    return make_pipeline(
        clock,
        retry=NO_RETRY,
        breaker=BreakerPolicy(fail_max=fail_max, reset_timeout=10, name="api"),
        observer=rec,
    )


def test_failure_classification() -> None:
    assert is_breaker_failure(500, None) and is_breaker_failure(503, None)
    assert not is_breaker_failure(404, None) and not is_breaker_failure(429, None)
    assert is_breaker_failure(None, httpx.ReadTimeout("x"))
    assert is_breaker_failure(None, httpx.ConnectError("x"))
    assert not is_breaker_failure(None, httpx.PoolTimeout("x"))


def test_opens_after_n_failures_fails_fast_probes_and_closes() -> None:
    clock = SleepRecordingClock()
    rec = EventLogObserver()
    pipe = _pipe(clock, rec)
    script = Script([503, 503, 503])
    for _ in range(3):
        with pytest.raises(InternalServerError):
            drive_sync(pipe, get(), script, clock)
    assert pipe.breaker is not None and pipe.breaker.state == "open"
    assert rec.of("breaker") == [("breaker", "closed", "open")]

    sent = len(script.requests)
    with pytest.raises(CircuitOpenError) as info:
        drive_sync(pipe, get(), script, clock)
    assert len(script.requests) == sent, "no request while open"
    assert info.value.retry_after == pytest.approx(10.0)
    assert TEST_KEY not in str(info.value)

    clock.advance(10.0)
    response = drive_sync(pipe, get(), Script([200]), clock)  # the half-open probe
    assert response.status_code == 200
    assert pipe.breaker.state == "closed"
    assert rec.of("breaker")[1:] == [
        ("breaker", "open", "half-open"),
        ("breaker", "half-open", "closed"),
    ]


async def test_failed_probe_reopens_async() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock, fail_max=1)
    with pytest.raises(APIConnectionError):
        await drive_async(pipe, get(), Script([httpx.ConnectError("down")]), clock)
    assert pipe.breaker is not None and pipe.breaker.state == "open"
    clock.advance(10)
    with pytest.raises(InternalServerError):
        await drive_async(pipe, get(), Script([500]), clock)
    assert pipe.breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        await drive_async(pipe, get(), Script([200]), clock)


def test_only_one_probe_at_a_time() -> None:
    clock = SleepRecordingClock()
    breaker = Breaker(
        BreakerPolicy(fail_max=1, reset_timeout=5), clock=clock, observer=lambda: EventLogObserver()
    )
    assert breaker.before_send("GET /x") is False
    breaker.record(failure=True, probe=False)
    clock.advance(5)
    assert breaker.before_send("GET /x") is True
    with pytest.raises(CircuitOpenError, match="probe"):
        breaker.before_send("GET /x")
    breaker.release(True)  # the probe was cancelled: the slot frees up
    assert breaker.before_send("GET /x") is True
    breaker.record(failure=False, probe=True)
    assert breaker.state == "closed"


@pytest.mark.parametrize("status", [400, 404, 409, 429])
def test_4xx_and_429_never_trip(status: int) -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock, fail_max=2)
    for _ in range(5):
        with pytest.raises((BadRequestError, RateLimitError, Exception)):
            drive_sync(pipe, get(), Script([status]), clock)
    assert pipe.breaker is not None and pipe.breaker.state == "closed"


def test_success_resets_the_consecutive_failure_count() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock, fail_max=2)
    for steps in ([500], [200], [500], [200]):
        with contextlib.suppress(InternalServerError):
            drive_sync(pipe, get(), Script(steps), clock)
    assert pipe.breaker is not None and pipe.breaker.state == "closed"


def test_retries_count_towards_the_breaker_and_stop_when_it_opens() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(
        clock,
        retry=RetryPolicy(max_attempts=5),
        breaker=BreakerPolicy(fail_max=2, reset_timeout=30),
    )
    script = Script([503, 503, 503, 503, 503])
    with pytest.raises(CircuitOpenError):
        drive_sync(pipe, get(), script, clock)
    assert len(script.requests) == 2


def test_client_breaker_policy_and_shared_state_across_views() -> None:
    script = Script([], default=503)
    mx = MaintainX(
        api_key=TEST_KEY,
        base_url="https://api.test/v1",
        transport=httpx.MockTransport(script),
        retry=NO_RETRY,
        breaker=BreakerPolicy(fail_max=2, reset_timeout=60),
    )
    view = mx.with_options(timeout=5)
    for client in (mx, view):
        with pytest.raises(InternalServerError):
            client.request("GET", "/users")
    with pytest.raises(CircuitOpenError):
        mx.request("GET", "/users")
    assert len(script.requests) == 2
    mx.close()


# --- while half-open, only the probe decides; every exit frees the probe --------------


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
