from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    AsyncMaintainX,
    BadRequestError,
    MaintainX,
    NotFoundError,
    ValidationError,
    bulk,
)
from maintainx_sdk.errors import BulkError
from tests.conftest import TEST_KEY


class _InFlight:
    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def _answer(request: httpx.Request) -> httpx.Response:
    ident = request.url.path.rsplit("/", 1)[-1]
    if request.method == "GET":
        if ident.isdigit() and int(ident) % 5 == 0:
            return httpx.Response(404, json={"error": "Not Found."})
        return httpx.Response(200, json={"workOrder": {"id": int(ident)}})
    body = request.content and __import__("json").loads(request.content)
    if body.get("title") == "":
        return httpx.Response(
            400, json={"errors": [{"error": "title required", "fieldPath": "title"}]}
        )
    return httpx.Response(200, json={"id": 1000 + len(body.get("title", "")), "echo": body})


class _SyncWorkOrders:
    """Stands in for a generated resource: get/create/update over client.request."""

    def __init__(self, mx: MaintainX) -> None:
        self.mx = mx

    def get(self, ident: int) -> dict[str, Any]:
        return self.mx.request("GET", f"/workorders/{ident}").json()["workOrder"]  # type: ignore[no-any-return]

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Any:
        return self.mx.request(
            "POST", "/workorders", json={**fields, "key": idempotency_key}
        ).json()

    def update(self, ident: int, **fields: Any) -> Any:
        return self.mx.request("PATCH", f"/workorders/{ident}", json=fields).json()


class _AsyncWorkOrders:
    def __init__(self, mx: AsyncMaintainX) -> None:
        self.mx = mx

    async def get(self, ident: int) -> dict[str, Any]:
        return (await self.mx.request("GET", f"/workorders/{ident}")).json()["workOrder"]  # type: ignore[no-any-return]

    async def update(self, ident: int, **fields: Any) -> Any:
        return (await self.mx.request("PATCH", f"/workorders/{ident}", json=fields)).json()


def _sync_resource(flight: _InFlight | None = None) -> _SyncWorkOrders:
    def handler(request: httpx.Request) -> httpx.Response:
        if flight is None:
            return _answer(request)
        flight.enter()
        try:
            time.sleep(0.01)
            return _answer(request)
        finally:
            flight.leave()

    return _SyncWorkOrders(MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)))


def test_get_many_reports_every_item_in_input_order() -> None:
    ids = [7, 5, 3, 10, 1]
    result = bulk.get_many(_sync_resource(), ids, concurrency=3)
    assert [r.key for r in result.results] == ids
    assert result.values == [{"id": 7}, {"id": 3}, {"id": 1}]
    assert [(f.key, type(f.error)) for f in result.failures] == [
        (5, NotFoundError),
        (10, NotFoundError),
    ]
    assert not result.ok
    with pytest.raises(BulkError, match="2 of 5 items failed") as info:
        result.raise_for_failures()
    assert [f.key for f in info.value.failures] == [5, 10]


def test_concurrency_is_bounded_and_used() -> None:
    flight = _InFlight()
    result = bulk.get_many(
        _sync_resource(flight), [i for i in range(1, 41) if i % 5], concurrency=4
    )
    assert result.ok and len(result.values) == 32
    assert flight.peak == 4


def test_create_many_keys_by_position_and_passes_idempotency_keys() -> None:
    items = [{"title": "a"}, {"title": ""}, {"title": "ccc"}]
    result = bulk.create_many(
        _sync_resource(), items, concurrency=2, idempotency_key=lambda item: f"k-{item['title']}"
    )
    assert [r.key for r in result.results] == [0, 1, 2]
    assert [v["echo"]["key"] for v in result.values] == ["k-a", "k-ccc"]
    (failure,) = result.failures
    assert failure.index == 1 and isinstance(failure.error, BadRequestError)


def test_update_many_from_a_mapping() -> None:
    result = bulk.update_many(_sync_resource(), {1: {"title": "x"}, 2: {"title": ""}})
    assert [r.key for r in result.results] == [1, 2]
    assert [r.ok for r in result.results] == [True, False]


def test_an_unexpected_exception_is_captured_per_item_too() -> None:
    def fn(x: int) -> int:
        if x == 2:
            raise KeyError("boom")
        return x * 10

    result = bulk.run_many(fn, [1, 2, 3], concurrency=2)
    assert result.values == [10, 30]
    assert isinstance(result.failures[0].error, KeyError)


class _Interrupted(Exception):
    pass


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs POSIX signals")
def test_an_interrupt_stops_a_blocking_bulk_call_after_the_items_in_flight() -> None:
    """Regression: the calling thread waited in an uninterruptible join, so Ctrl-C during
    a bulk create let every remaining item run to the end."""
    started: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        raise _Interrupted

    def fn(n: int) -> int:
        started.append(n)
        if n == 3:
            os.kill(os.getpid(), signal.SIGUSR1)  # like Ctrl-C: delivered to the main thread
        time.sleep(0.01)
        return n

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with pytest.raises(_Interrupted):
            bulk.run_many(fn, range(500), concurrency=4)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    stopped_at = len(started)
    time.sleep(0.05)
    assert len(started) == stopped_at, "items kept starting after the call returned"
    assert stopped_at < 100


def test_bad_concurrency_is_refused() -> None:
    with pytest.raises(ValidationError, match="concurrency must be >= 1"):
        bulk.run_many(str, [1], concurrency=0)


def test_empty_input() -> None:
    assert bulk.run_many(str, []).results == []


def _async_resource(flight: _InFlight | None = None) -> _AsyncWorkOrders:
    async def handler(request: httpx.Request) -> httpx.Response:
        if flight is not None:
            flight.enter()
            await asyncio.sleep(0.01)
            flight.leave()
        return _answer(request)

    return _AsyncWorkOrders(
        AsyncMaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler))
    )


async def test_async_get_many_bounded_and_complete() -> None:
    flight = _InFlight()
    ids = list(range(1, 31))
    result = await bulk.aget_many(_async_resource(flight), ids, concurrency=6)
    assert flight.peak == 6
    assert [r.key for r in result.results] == ids
    assert {f.key for f in result.failures} == {5, 10, 15, 20, 25, 30}
    assert all(isinstance(f.error, NotFoundError) for f in result.failures)


async def test_async_update_many() -> None:
    result = await bulk.aupdate_many(_async_resource(), [(1, {"title": "x"})])
    assert result.ok and result.results[0].key == 1


async def test_cancelling_async_bulk_propagates() -> None:
    started = asyncio.Event()

    async def slow(x: int) -> int:
        started.set()
        await asyncio.sleep(10)
        return x

    task = asyncio.create_task(bulk.arun_many(slow, range(100), concurrency=5))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_key_function_that_raises_fails_only_its_item() -> None:
    from maintainx_sdk.bulk import arun_many, run_many

    def key(arg: int) -> str:
        if arg == 2:
            raise KeyError("no name for 2")
        return f"item-{arg}"

    sent: list[int] = []

    def call(arg: int) -> int:
        sent.append(arg)
        return arg * 10

    result = run_many(call, [1, 2, 3], concurrency=2, key=key)
    assert sorted(sent) == [1, 3]
    rows = result.results
    assert [(r.key, r.ok) for r in rows] == [("item-1", True), (1, False), ("item-3", True)]
    assert isinstance(rows[1].error, KeyError)

    async def acall(arg: int) -> int:
        return arg * 10

    aresult = asyncio.run(arun_many(acall, [1, 2, 3], concurrency=2, key=key))
    assert [r.ok for r in aresult.results] == [True, False, True]
