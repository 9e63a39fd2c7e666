"""The attempt guard gives back the rate-limit slot and the breaker probe on every exit."""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Sequence
from typing import Any

import httpx
import pytest

from maintainx_sdk._actions import Sleep
from maintainx_sdk._attempt_guard import AttemptGuard
from maintainx_sdk._deadline import Deadline
from maintainx_sdk._drivers import run_async
from maintainx_sdk._observer import NullObserver
from maintainx_sdk._request import APIRequest
from maintainx_sdk.breaker import Breaker, BreakerPolicy
from maintainx_sdk.errors import CircuitOpenError, InternalServerError
from maintainx_sdk.ratelimit import (
    InMemoryRateLimitBackend,
    Quota,
    RateLimit,
    RateLimiter,
    Reservation,
    ScopeRequest,
)
from maintainx_sdk.retry import RetryPolicy

from .helpers.clocks import SleepRecordingClock
from .helpers.pipeline_harness import drive_sync, make_pipeline
from .helpers.scripted_answers import Script

REQUEST = APIRequest("GET", "/workorders/1")


class TooLate(Exception):
    """What the guard's pacing raises when the slot lies past the deadline."""


class CountingBackend:
    """The in-memory backend, counting the reservations given back."""

    def __init__(self) -> None:
        self.inner = InMemoryRateLimitBackend()
        self.cancelled: list[int] = []

    def reserve(
        self, scopes: Sequence[ScopeRequest], now: float, feedback: str | None = None
    ) -> Reservation:
        return self.inner.reserve(scopes, now, feedback)

    def confirm(self, reservation: Reservation, now: float) -> Reservation:
        return self.inner.confirm(reservation, now)

    def cancel(self, reservation: Reservation) -> None:
        self.cancelled.append(reservation.token)
        self.inner.cancel(reservation)

    def observe(
        self,
        reservation: Reservation,
        *,
        limit: int | None,
        remaining: int,
        reset: float,
        now: float,
    ) -> None:
        self.inner.observe(reservation, limit=limit, remaining=remaining, reset=reset, now=now)


def limiter(backend: CountingBackend, per_minute: int = 100) -> RateLimiter:
    return RateLimiter(RateLimit(user=Quota(per_minute, 60), organization=None), backend)


def half_open_breaker(clock: SleepRecordingClock) -> Breaker:
    breaker = Breaker(
        BreakerPolicy(fail_max=1, reset_timeout=1), clock=clock, observer=NullObserver
    )
    breaker.record(failure=True, probe=breaker.before_send("GET /x"))
    clock.advance(2)  # past the reset timeout: the next attempt is the probe
    return breaker


def admits_a_probe(breaker: Breaker) -> bool:
    probe = breaker.before_send("GET /y")
    breaker.release(probe)
    return probe


def pace(
    guard: AttemptGuard, request: APIRequest, organization: str | None, too_late: type[TooLate]
) -> Generator[Sleep, Any, None]:
    """Take the guard's rate-limit slot and yield its waits, as a call's attempt does."""
    if guard.reserve(request, organization) > 0:
        yield from guard.wait_out(too_late)


def drain(gen: Generator[Sleep, Any, None], clock: SleepRecordingClock) -> None:
    for action in gen:
        clock.sleep(action.seconds)


def test_a_send_that_raises_frees_the_probe_and_keeps_the_spent_slot() -> None:
    clock = SleepRecordingClock()
    backend, breaker = CountingBackend(), half_open_breaker(clock)
    with (
        pytest.raises(RuntimeError),
        AttemptGuard(limiter(backend), breaker, Deadline.after(30, clock)) as guard,
    ):
        drain(pace(guard, REQUEST, None, TooLate), clock)
        guard.admit("GET /workorders/1")
        assert guard.probe
        guard.sending()
        raise RuntimeError("the send blew up")
    assert admits_a_probe(breaker)  # the probe slot is free again
    assert backend.cancelled == []  # the request went out: its slot stays counted


def test_an_attempt_that_never_left_gives_its_slot_back() -> None:
    clock = SleepRecordingClock()
    backend = CountingBackend()
    with AttemptGuard(limiter(backend), None, Deadline.after(30, clock)) as guard:
        drain(pace(guard, REQUEST, None, TooLate), clock)
        token = guard.reservation.token if guard.reservation else None
        guard.sending()
        guard.unanswered(sent=False)  # a connect error: nothing reached the server
    assert backend.cancelled == [token]


def test_an_answered_attempt_settles_the_probe_and_keeps_its_slot() -> None:
    clock = SleepRecordingClock()
    backend, breaker = CountingBackend(), half_open_breaker(clock)
    with AttemptGuard(limiter(backend), breaker, Deadline.after(30, clock)) as guard:
        drain(pace(guard, REQUEST, None, TooLate), clock)
        guard.admit("GET /workorders/1")
        guard.sending()
        guard.record(200, None)
        assert not guard.probe
    assert breaker.state == "closed" and backend.cancelled == []


def test_the_deadline_passing_mid_wait_gives_the_slot_back() -> None:
    clock = SleepRecordingClock()
    backend = CountingBackend()
    slow = limiter(backend, per_minute=1)
    with AttemptGuard(slow, None, Deadline.after(30, clock)) as first:
        drain(pace(first, REQUEST, None, TooLate), clock)
        first.sending()
    deadline = Deadline.after(5, clock)
    with pytest.raises(TooLate), AttemptGuard(slow, None, deadline) as guard:
        drain(pace(guard, REQUEST, None, TooLate), clock)
    assert len(backend.cancelled) == 1  # the slot past the deadline is not kept
    assert clock.sleeps == []  # and nothing was waited for


def test_a_probe_refused_after_the_wait_gives_the_slot_back() -> None:
    clock = SleepRecordingClock()
    backend, breaker = CountingBackend(), half_open_breaker(clock)
    assert breaker.before_send("GET /other") is True  # someone else holds the probe
    with (
        pytest.raises(CircuitOpenError, match="probe"),
        AttemptGuard(limiter(backend), breaker, Deadline.after(30, clock)) as guard,
    ):
        drain(pace(guard, REQUEST, None, TooLate), clock)
        guard.admit("GET /workorders/1")
    assert len(backend.cancelled) == 1


def test_a_guard_with_nothing_to_hold_does_nothing() -> None:
    clock = SleepRecordingClock()
    with AttemptGuard(None, None, Deadline.after(1, clock)) as guard:
        drain(pace(guard, REQUEST, None, TooLate), clock)
        guard.admit("GET /workorders/1")
        guard.record(503, None)
        guard.unanswered(sent=False)
    assert guard.reservation is None and not guard.probe


async def test_a_call_cancelled_mid_send_frees_the_probe_and_keeps_the_sent_slot() -> None:
    clock = SleepRecordingClock()
    backend = CountingBackend()
    pipe = make_pipeline(
        clock,
        retry=RetryPolicy.disabled(),
        breaker=BreakerPolicy(fail_max=1, reset_timeout=1),
        rate_limit=limiter(backend),
    )
    with pytest.raises(InternalServerError):
        drive_sync(pipe, REQUEST, Script([503]), clock)
    clock.advance(2)
    sent = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        sent.set()
        await asyncio.sleep(30)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as http:
        task = asyncio.create_task(run_async(pipe.flow(REQUEST), http, sleep=clock.asleep))
        await sent.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pipe.breaker is not None and admits_a_probe(pipe.breaker)
    assert backend.cancelled == []  # it was on the wire: the slot stays counted


async def test_a_call_cancelled_while_waiting_for_a_slot_gives_the_slot_back() -> None:
    clock = SleepRecordingClock()
    backend = CountingBackend()
    slow = limiter(backend, per_minute=1)
    slow.acquire(REQUEST, None, clock())  # the minute's one slot is taken
    pipe = make_pipeline(clock, timeout=300, rate_limit=slow)
    waiting = asyncio.Event()

    async def sleep_long(seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(30)

    async with httpx.AsyncClient(transport=httpx.MockTransport(Script([200]))) as http:
        task = asyncio.create_task(run_async(pipe.flow(REQUEST), http, sleep=sleep_long))
        await waiting.wait()  # waiting for the next rate-limit slot
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(backend.cancelled) == 1  # the slot it waited for is given back
