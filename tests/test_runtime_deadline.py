"""The call's deadline holds against servers that trickle their answer (raw sockets and slow
in-memory bodies) and bounds every wait, backoff included."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, PoolLimits, RetryPolicy, Timeouts
from maintainx_sdk.errors import (
    APITimeoutError,
    InternalServerError,
    OutcomeUnknownError,
    PoolExhaustedError,
)

from .conftest import TEST_KEY
from .helpers.clocks import SleepRecordingClock
from .helpers.pipeline_harness import BASE, drive_sync, make_pipeline, users
from .helpers.raw_socket_server import RawServer, Send
from .helpers.scripted_answers import Script

STEP = 0.05  # seconds between trickled bytes: far below any per-read timeout
TOTAL = 1.0
#: The client must give up before the server trickled this many bytes (TOTAL + 0.5 s).
LIMIT = int((TOTAL + 0.5) / STEP)


HEADERS_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: "
BODY_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 402\r\n\r\n["


def trickle_headers(request: bytes, send: Send) -> None:
    send(HEADERS_HEAD)
    for _ in range(400):  # 20 s of header bytes, if nobody hangs up
        time.sleep(STEP)
        send(b"a")
    send(b"\r\nContent-Length: 2\r\n\r\n{}")


def trickle_body(request: bytes, send: Send) -> None:
    send(BODY_HEAD)
    for _ in range(400):
        time.sleep(STEP)
        send(b"1")
    send(b"]")


@pytest.mark.parametrize(
    ("answer", "head"),
    [(trickle_headers, len(HEADERS_HEAD)), (trickle_body, len(BODY_HEAD))],
    ids=["headers", "body"],
)
@pytest.mark.parametrize("shards", [1, 2], ids=["one-pool", "sharded"])
def test_a_trickling_server_cannot_hold_a_blocking_call_past_its_deadline(
    answer: object, head: int, shards: int
) -> None:
    server = RawServer(answer)  # type: ignore[arg-type]
    with server.running():
        mx = MaintainX(
            api_key=TEST_KEY,
            base_url=server.base_url,
            timeout=Timeouts(total=TOTAL),
            pool=PoolLimits(max_connections=2, shards=shards),
            telemetry=False,
        )
        with mx, pytest.raises(APITimeoutError):
            mx.request("GET", "/users")
        sent = server.bytes_sent
    assert len(server.requests) == 1
    assert sent < head + LIMIT, f"the client waited for {sent - head} trickled bytes"


async def test_a_trickling_server_cannot_hold_an_async_call_past_its_deadline() -> None:
    server = RawServer(trickle_headers)
    with server.running():
        mx = AsyncMaintainX(
            api_key=TEST_KEY,
            base_url=server.base_url,
            timeout=Timeouts(total=TOTAL),
            telemetry=False,
        )
        async with mx:
            with pytest.raises(APITimeoutError):
                await mx.request("GET", "/users")
        sent = server.bytes_sent
    assert sent < len(HEADERS_HEAD) + LIMIT


def test_the_deadline_leaves_a_healthy_connection_reusable() -> None:
    def ok(request: bytes, send: Send) -> None:
        send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    server = RawServer(ok)
    with server.running():
        mx = MaintainX(api_key=TEST_KEY, base_url=server.base_url, timeout=TOTAL, telemetry=False)
        with mx:
            for _ in range(3):
                assert mx.request("GET", "/users").json() == {}
    assert len(server.requests) == 3


# -- a guarded create is one call: its sends and look-ups share the one deadline -------------


def _guarded_create_budget(server: RawServer) -> None:
    heads = len(HEADERS_HEAD) * len(server.requests)
    trickled = server.bytes_sent - heads
    assert trickled < LIMIT, f"the guarded create waited for {trickled} trickled bytes in all"


def test_a_guarded_create_holds_one_deadline_across_its_sends_and_lookups() -> None:
    server = RawServer(trickle_headers)
    with server.running():
        mx = MaintainX(
            api_key=TEST_KEY,
            base_url=server.base_url,
            timeout=Timeouts(total=TOTAL),
            telemetry=False,
        )
        with mx, pytest.raises(OutcomeUnknownError):
            mx.work_orders.create(title="t", idempotency_key="adv-deadline-sync")
    _guarded_create_budget(server)


@pytest.mark.parametrize("http_backend", ["httpx", "aiohttp"])
async def test_an_async_guarded_create_holds_one_deadline(http_backend: Any) -> None:
    if http_backend == "aiohttp":
        pytest.importorskip("httpx_aiohttp")
    server = RawServer(trickle_headers)
    with server.running():
        async with AsyncMaintainX(
            api_key=TEST_KEY,
            base_url=server.base_url,
            timeout=Timeouts(total=TOTAL),
            telemetry=False,
            http_backend=http_backend,
        ) as mx:
            with pytest.raises(OutcomeUnknownError):
                await mx.work_orders.create(title="t", idempotency_key="adv-deadline-async")
    _guarded_create_budget(server)


# --- slowly arriving bodies and late timeouts, in memory ------------------------------


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


def test_an_uncapped_backoff_is_still_bounded_by_the_deadline() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy(max_attempts=10, backoff_cap=math.inf))
    with pytest.raises(InternalServerError):
        drive_sync(pipe, users(), Script([], default=503), clock)
    assert sum(clock.sleeps) <= 30.0
