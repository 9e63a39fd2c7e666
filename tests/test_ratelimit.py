"""The client-side limiter in the pipeline and its in-process specifics: fed back by headers,
safe across threads and asyncio tasks, cancellation-safe. Fake clocks only. The rules every
backend shares (never over quota, FIFO, cancel, header correction) are checked against both
backends in test_ratelimit_properties.py."""

from __future__ import annotations

import asyncio
import math
import threading

import httpx
import pytest

from maintainx_sdk import Quota, RateLimit, RetryPolicy
from maintainx_sdk._drivers import run_async
from maintainx_sdk._request import APIRequest
from maintainx_sdk.errors import RateLimitError
from maintainx_sdk.ratelimit import InMemoryRateLimitBackend, RateLimiter, ScopeRequest

from .helpers.clocks import SleepRecordingClock
from .helpers.pipeline_harness import drive_sync, get, make_pipeline
from .helpers.scripted_answers import Script
from .test_ratelimit_properties import max_in_any_window


def one_scope(limit: int, period: float) -> tuple[ScopeRequest, ...]:
    return (ScopeRequest("k", limit, period),)


def test_remaining_zero_waits_until_reset() -> None:
    limiter = RateLimiter(RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0))
    r = limiter.acquire(get(), None, 0.0)
    limiter.observe(r, limit=100, remaining=0, reset=5.0, now=0.1)
    assert limiter.acquire(get(), None, 0.2).wait == pytest.approx(4.9)


def test_waiter_is_pushed_when_headers_tighten_after_it_reserved() -> None:
    limiter = RateLimiter(RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0))
    first = limiter.acquire(get(), None, 0.0)
    second = limiter.acquire(get(), None, 0.0)
    limiter.observe(first, limit=100, remaining=0, reset=3, now=0.0)
    again = limiter.confirm(second, 0.0)
    assert again.wait == pytest.approx(3.0)


@pytest.mark.parametrize("rounding", [lambda x: round(x, 3), math.ceil])
def test_follows_a_fixed_window_server_without_429s_and_fills_the_quota(rounding) -> None:
    """Simulate the API's fixed windows (50 per 2 s, unknown phase) for 150 sequential calls;
    Reset exact or rounded up to whole seconds (as the emulator does)."""
    clock = SleepRecordingClock(start=0.0)
    limit, period, phase = 50, 2.0, 0.7
    counts: dict[int, int] = {}
    rejected = 0

    def server(request: httpx.Request) -> httpx.Response:
        nonlocal rejected
        clock.advance(0.002)
        window = int((clock() + phase) // period)
        used = counts.get(window, 0)
        reset = (window + 1) * period - phase - clock()
        if used >= limit:
            rejected += 1
            return httpx.Response(
                429,
                headers={
                    "X-Rate-Limit-Limit": str(limit),
                    "X-Rate-Limit-Remaining": "0",
                    "X-Rate-Limit-Reset": f"{reset:.3f}",
                },
            )
        counts[window] = used + 1
        return httpx.Response(
            200,
            headers={
                "X-Rate-Limit-Limit": str(limit),
                "X-Rate-Limit-Remaining": str(limit - used - 1),
                "X-Rate-Limit-Reset": f"{reset:.3f}",
            },
            json={},
        )

    pipe = make_pipeline(clock, rate_limit=RateLimit(user=Quota(limit, period), organization=None))
    for _ in range(150):
        drive_sync(pipe, get(), server, clock)
    assert rejected == 0
    assert max(counts.values()) <= limit
    # three windows' worth of requests need at most three server windows (plus slack)
    assert clock() <= 3 * period + 0.5


def test_learns_a_quota_smaller_than_configured_from_headers() -> None:
    clock = SleepRecordingClock(start=0.0)
    seen: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(clock())
        window_end = (int(clock() // 1.0) + 1) * 1.0
        used = sum(1 for t in seen if int(t) == int(clock()))
        return httpx.Response(
            200,
            headers={
                "X-Rate-Limit-Limit": "5",
                "X-Rate-Limit-Remaining": str(max(5 - used, 0)),
                "X-Rate-Limit-Reset": f"{window_end - clock():.3f}",
            },
        )

    pipe = make_pipeline(clock, rate_limit=RateLimit(organization=None))
    for _ in range(20):
        drive_sync(pipe, get(), server, clock)
    assert max_in_any_window(seen, 1.0) <= 5 + 1  # server windows are fixed; ours slide
    per_window = {}
    for t in seen:
        per_window[int(t)] = per_window.get(int(t), 0) + 1
    assert max(per_window.values()) <= 5


def test_meter_reading_endpoint_has_its_own_quota_per_meter() -> None:
    limiter = RateLimiter(RateLimit())
    reading = APIRequest("POST", "/meters/7/readings", path_template="/meters/{meterId}/readings")
    assert limiter.acquire(reading, None, 0.0).wait == 0
    assert limiter.acquire(reading, None, 0.0).wait == 10
    other = APIRequest("POST", "/meters/8/readings")  # matched by path shape too
    assert limiter.acquire(other, None, 0.0).wait == 0
    assert limiter.acquire(get("/meters/7/readings"), None, 0.0).wait == 0


def test_organization_scope_is_shared_between_users_in_one_backend() -> None:
    backend = InMemoryRateLimitBackend()
    policy_a = RateLimit(user=Quota(100, 60), organization=Quota(3, 60), namespace="a")
    policy_b = RateLimit(user=Quota(100, 60), organization=Quota(3, 60), namespace="b")
    a, b = RateLimiter(policy_a, backend), RateLimiter(policy_b, backend)
    # different namespaces: different users, but org keys are namespaced as well
    waits = [a.acquire(get(), "1", 0.0).wait for _ in range(3)] + [b.acquire(get(), "1", 0.0).wait]
    assert waits == [0, 0, 0, 0]


def test_wait_past_the_deadline_raises_without_sending() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(
        clock,
        timeout=5,
        rate_limit=RateLimit(user=Quota(1, 60), organization=None, pace_without_headers=True),
    )
    script = Script([200, 200])
    drive_sync(pipe, get(), script, clock)
    with pytest.raises(RateLimitError, match="no request was sent"):
        drive_sync(pipe, get(), script, clock)
    assert len(script.requests) == 1 and clock.sleeps == []


def test_threads_and_tasks_together_never_exceed_the_quota() -> None:
    backend = InMemoryRateLimitBackend()
    clock = SleepRecordingClock(start=0.0)
    lock = threading.Lock()
    sends: list[float] = []
    scopes = one_scope(7, 1.0)

    def take(n: int) -> None:
        for _ in range(n):
            with lock:
                now = clock()
                clock.advance(0.001)
            r = backend.reserve(scopes, now)
            with lock:
                sends.append(now + r.wait)

    async def tasks() -> None:
        async def one() -> None:
            for _ in range(25):
                take(1)
                await asyncio.sleep(0)

        await asyncio.gather(*(one() for _ in range(4)))

    threads = [threading.Thread(target=take, args=(50,)) for _ in range(4)]
    for t in threads:
        t.start()
    asyncio.run(tasks())
    for t in threads:
        t.join()
    assert len(sends) == 300
    assert max_in_any_window(sends, 1.0) <= 7


async def test_cancelled_async_waiter_gives_its_slot_back() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(
        clock,
        rate_limit=RateLimit(user=Quota(1, 10), organization=None, pace_without_headers=True),
        retry=RetryPolicy.disabled(),
    )
    gate = asyncio.Event()

    async def blocking_sleep(seconds: float) -> None:
        await gate.wait()

    async with httpx.AsyncClient(transport=httpx.MockTransport(Script([], default=200))) as http:
        await run_async(pipe.flow(get()), http, sleep=blocking_sleep)  # takes the only slot
        task = asyncio.create_task(run_async(pipe.flow(get()), http, sleep=blocking_sleep))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pipe.limiter is not None
    after = pipe.limiter.acquire(get(), None, clock())
    assert after.wait == pytest.approx(10.0)  # the cancelled waiter's slot was given back


def test_a_server_without_rate_limit_headers_is_not_paced_by_default() -> None:
    """Mocks and header-stripping proxies: the static quota only guards the first burst."""
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit(user=Quota(2, 60), organization=None))
    script = Script([], default=200)
    for _ in range(10):
        drive_sync(pipe, get(), script, clock)
    assert clock.sleeps == [] and len(script.requests) == 10


def test_headers_reappearing_bring_pacing_back() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, rate_limit=RateLimit(user=Quota(100, 60), organization=None))
    limited = (
        200,
        {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "7"},
    )
    drive_sync(pipe, get(), Script([200]), clock)  # silent: pacing steps aside
    drive_sync(pipe, get(), Script([limited]), clock)  # reports again: tracked from now on
    drive_sync(pipe, get(), Script([limited]), clock)  # window spent for 7 s
    t0 = clock()
    drive_sync(pipe, get(), Script([200]), clock)
    assert clock() - t0 >= 7.0


def test_first_burst_is_held_at_the_probe_size_until_the_server_reports() -> None:
    limiter = RateLimiter(RateLimit(organization=None, probe_burst=3, reset_buffer=0))
    first = [limiter.acquire(get(), None, 0.0) for _ in range(3)]
    held = [limiter.acquire(get(), None, 0.0) for _ in range(4)]
    assert [r.wait for r in first] == [0, 0, 0]
    assert all(r.wait == pytest.approx(0.05) for r in held)
    assert limiter.confirm(held[0], 0.05).wait == pytest.approx(0.05)  # still no report
    # The first answer: the quota was mostly used by someone else; 4 left in this window.
    limiter.observe(first[0], limit=100, remaining=4, reset=30, now=0.06)
    waits = [limiter.confirm(r, 0.1).wait for r in held]
    assert waits[:2] == [0, 0]  # requests 4 and 5 fit (2 and 3 are already in flight)
    assert all(w == pytest.approx(29.96) for w in waits[2:])


def test_held_requests_go_when_the_server_turns_out_to_send_no_headers() -> None:
    limiter = RateLimiter(RateLimit(organization=None, probe_burst=1))
    first = limiter.acquire(get(), None, 0.0)
    held = limiter.acquire(get(), None, 0.0)
    assert held.wait > 0
    limiter.observe(first, limit=None, remaining=None, reset=None, now=0.01)
    assert limiter.confirm(held, 0.05).wait == 0


def test_a_rolled_window_keeps_our_count_unless_reports_say_less() -> None:
    """After a window ends, the next holds `limit` more; out-of-order reports in it may
    lower that, never raise it (that is what caused 429s with hundreds of tasks at once)."""
    limiter = RateLimiter(RateLimit(user=Quota(100, 60), organization=None, reset_buffer=0))
    rs = [limiter.acquire(get(), None, 0.0) for _ in range(4)]
    limiter.observe(rs[0], limit=4, remaining=3, reset=2.0, now=0.0)  # window of 4 until t=2
    held = limiter.acquire(get(), None, 0.1)
    assert held.wait == pytest.approx(1.9)
    nxt = [limiter.acquire(get(), None, 2.0) for _ in range(4)]  # seq 6..9
    assert [r.wait for r in nxt] == [0, 0, 0, pytest.approx(2.0)]  # 5 was held into this one
    # a report that arrived out of order claims more room than there is: ignored
    limiter.observe(nxt[2], limit=4, remaining=3, reset=2.0, now=2.01)
    assert limiter.acquire(get(), None, 2.02).wait > 1.9
    # Remaining 0 stops everything not yet on its way
    limiter.observe(nxt[0], limit=4, remaining=0, reset=1.9, now=2.05)
    assert limiter.confirm(nxt[3], 2.06).wait > 1.8


def test_a_new_policy_on_the_limiter_paces_by_its_own_periods() -> None:
    """The limiter keeps its scope specs worked out; a policy put in its place with the
    same limits but other periods (or probe poll) must not be paced by the old ones."""

    def policy(period: float, poll: float) -> RateLimit:
        return RateLimit(
            user=Quota(2, period),
            organization=None,
            pace_without_headers=True,
            probe_burst=0,
            probe_poll=poll,
        )

    limiter = RateLimiter(policy(60, 0.05))
    assert [s.period for s in limiter.acquire(get(), None, 0.0).scopes] == [60]
    limiter.policy = policy(1, 0.2)
    (spec,) = limiter.acquire(get(), None, 0.0).scopes
    assert (spec.period, spec.probe_poll) == (1, 0.2)
    assert limiter.acquire(get(), None, 0.0).wait == pytest.approx(1.0)
