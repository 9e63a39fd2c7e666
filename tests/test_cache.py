"""Degradation cache: stale reads while the API is down, invalidated by SDK writes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from maintainx_sdk import BreakerPolicy, CachePolicy, RetryPolicy
from maintainx_sdk._actions import Send
from maintainx_sdk._drivers import run_async
from maintainx_sdk._request import APIRequest
from maintainx_sdk.cache import write_prefixes
from maintainx_sdk.errors import APIConnectionError, CircuitOpenError, OutcomeUnknownError

from .helpers.clocks import SleepRecordingClock
from .helpers.event_log_observer import EventLogObserver
from .helpers.pipeline_harness import drive_async, drive_sync, make_pipeline
from .helpers.scripted_answers import Script


def users(**kw: object) -> APIRequest:
    return APIRequest("GET", "/users", params=(("limit", "10"),), cacheable=True, **kw)  # type: ignore[arg-type]


def _pipe(clock: SleepRecordingClock, rec: EventLogObserver | None = None, **cache_kw: object):
    return make_pipeline(
        clock,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.1),
        breaker=BreakerPolicy(fail_max=2, reset_timeout=30),
        cache=CachePolicy(ttl=600, **cache_kw),  # type: ignore[arg-type]
        observer=rec,
    )


def test_stale_copy_served_when_breaker_open() -> None:
    clock = SleepRecordingClock()
    rec = EventLogObserver()
    pipe = _pipe(clock, rec)
    fresh = drive_sync(pipe, users(), Script([(200, {}, b'{"users":[1]}')]), clock)
    assert not fresh.stale
    # API goes down: retries fail, the breaker opens, the cached copy is served, marked.
    down = Script([], default=503)
    first = drive_sync(pipe, users(), down, clock)
    assert first.stale and first.json() == {"users": [1]} and first.attempts == 2
    assert pipe.breaker is not None and pipe.breaker.state == "open"
    sent = len(down.requests)
    again = drive_sync(pipe, users(), down, clock)
    assert again.stale and len(down.requests) == sent
    assert ("cache", "/users", True, True) in rec.events


async def test_stale_copy_served_when_unreachable_async() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    await drive_async(pipe, users(), Script([(200, {}, b'{"users":[2]}')]), clock)
    response = await drive_async(pipe, users(), Script([], default=httpx.ConnectError("x")), clock)
    assert response.stale and response.json() == {"users": [2]}


def test_fresh_reads_still_go_to_the_api() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    script = Script([(200, {}, b'{"v":1}'), (200, {}, b'{"v":2}')])
    drive_sync(pipe, users(), script, clock)
    assert drive_sync(pipe, users(), script, clock).json() == {"v": 2}
    assert len(script.requests) == 2


def test_fresh_for_turns_it_into_read_through() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock, fresh_for=60)
    script = Script([(200, {}, b'{"v":1}'), (200, {}, b'{"v":2}')])
    drive_sync(pipe, users(), script, clock)
    assert drive_sync(pipe, users(), script, clock).json() == {"v": 1}
    clock.advance(61)
    assert drive_sync(pipe, users(), script, clock).json() == {"v": 2}


def test_no_copy_means_the_error_surfaces() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    with pytest.raises((APIConnectionError, CircuitOpenError)):
        drive_sync(pipe, users(), Script([], default=httpx.ConnectError("x")), clock)


def test_entries_expire_after_ttl() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    drive_sync(pipe, users(), Script([200]), clock)
    clock.advance(601)
    with pytest.raises(APIConnectionError):
        drive_sync(pipe, users(), Script([], default=httpx.ConnectError("x")), clock)


def test_writes_invalidate_cached_reads_even_when_the_outcome_is_unknown() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    drive_sync(pipe, users(), Script([200]), clock)
    assert pipe.cache is not None and len(pipe.cache) == 1
    with pytest.raises(OutcomeUnknownError):
        drive_sync(
            pipe, APIRequest("POST", "/users", json={}), Script([httpx.ReadTimeout("x")]), clock
        )
    assert len(pipe.cache) == 0


def test_write_prefixes_default_to_the_collection() -> None:
    assert write_prefixes(APIRequest("PATCH", "/users/5")) == ("/users",)
    assert write_prefixes(APIRequest("POST", "/teams", invalidates=("/teams", "/users"))) == (
        "/teams",
        "/users",
    )


def test_uncacheable_reads_are_not_kept_but_policy_routes_are() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock, routes=("/locations",))
    drive_sync(pipe, APIRequest("GET", "/workorders/1"), Script([200]), clock)
    drive_sync(pipe, APIRequest("GET", "/locations/3"), Script([200]), clock)
    assert pipe.cache is not None and len(pipe.cache) == 1


def test_cache_keys_separate_organizations() -> None:
    clock = SleepRecordingClock()
    pipe = _pipe(clock)
    drive_sync(pipe, users(headers={"x-organization-id": "1"}), Script([200]), clock)
    with pytest.raises(APIConnectionError):
        drive_sync(
            pipe,
            users(headers={"x-organization-id": "2"}),
            Script([], default=httpx.ConnectError("x")),
            clock,
        )


# --- a read racing a write does not keep the old record -------------------------------


def plain_users() -> APIRequest:
    return APIRequest("GET", "/users", cacheable=True)


def patch_user() -> APIRequest:
    return APIRequest("PATCH", "/users/1", json={"firstName": "new"})


def test_read_answered_after_a_write_is_not_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    read = pipe.flow(plain_users())
    action = next(read)
    assert isinstance(action, Send)  # the read is on the wire...
    drive_sync(pipe, patch_user(), Script([200]), clock)  # ...when a write lands
    old = httpx.Response(200, content=b'{"users":[{"firstName":"old"}]}', request=action.request)
    with pytest.raises(StopIteration) as done:
        read.send(old)
    assert done.value.value.json()["users"][0]["firstName"] == "old"  # the caller gets it
    # but it is not kept: the next read asks the API instead of serving pre-write data
    script = Script([(200, {}, b'{"users":[{"firstName":"new"}]}')])
    assert drive_sync(pipe, plain_users(), script, clock).json()["users"][0]["firstName"] == "new"
    assert len(script.requests) == 1


def test_read_racing_an_unrelated_write_is_still_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    read = pipe.flow(plain_users())
    action = next(read)
    assert isinstance(action, Send)
    drive_sync(pipe, APIRequest("POST", "/workorders", json={"title": "t"}), Script([200]), clock)
    with pytest.raises(StopIteration):
        read.send(httpx.Response(200, content=b'{"users":[]}', request=action.request))
    script = Script([])
    assert drive_sync(pipe, plain_users(), script, clock).json() == {"users": []}
    assert script.requests == []  # served from the cache


def test_a_read_older_than_the_remembered_invalidations_is_not_cached() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, cache=CachePolicy(ttl=600, fresh_for=60))
    assert pipe.cache is not None
    read = pipe.flow(plain_users())
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
    drive_sync(pipe, plain_users(), Script([(200, {}, b'{"users":["old"]}')]), clock)
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
