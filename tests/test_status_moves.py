"""One request per status move when the caller has the record; bulk moves; stale re-read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, bulk
from maintainx_sdk.errors import ConflictError, InvalidTransitionError, ValidationError
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.testing import Emulator
from maintainx_sdk.webhook_events import WorkOrderStatusChangeEvent
from maintainx_sdk.workflow import status_of, work_order_id_of

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=7, rate_limit=None, org_rate_limit=None, keep_log=True) as emu:
        yield emu


def requests(emu: Emulator) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in emu.counters.log]


def client(emu: Emulator) -> MaintainX:
    return MaintainX(
        api_key=emu.api_key, transport=emu.transport(), rate_limit=RateLimit.disabled()
    )


def test_bulk_status_change_of_100_listed_work_orders_sends_100_requests(
    emulator: Emulator,
) -> None:
    with client(emulator) as mx:
        for i in range(100):
            mx.work_orders.create(title=f"wo {i}")
        listed = list(mx.work_orders.list(limit=200))
        assert len(listed) >= 100
        listed = listed[:100]
        before = len(requests(emulator))
        result = bulk.set_status_many(mx.work_orders, listed, "IN_PROGRESS", concurrency=4)
        sent = requests(emulator)[before:]
    assert result.ok and len(result.results) == 100
    assert len(sent) == 100 and all(method == "PATCH" for method, _ in sent)
    assert {r.key for r in result.results} == {wo.id for wo in listed}


def test_bulk_moves_are_still_checked_by_the_state_machine(emulator: Emulator) -> None:
    with client(emulator) as mx:
        wid = mx.work_orders.create(title="closed").id
        mx.work_orders.set_status(wid, "DONE")
        open_id = mx.work_orders.create(title="open").id
        records = [mx.work_orders.get(wid), mx.work_orders.get(open_id)]
        before = len(requests(emulator))
        result = bulk.set_status_many(mx.work_orders, records, "ON_HOLD")
        sent = requests(emulator)[before:]
    assert [r.key for r in result.failures] == [wid]
    assert isinstance(result.failures[0].error, InvalidTransitionError)
    assert sent == [("PATCH", f"/workorders/{open_id}/status")]


def test_set_status_takes_a_fetched_work_order_or_a_webhook_event(emulator: Emulator) -> None:
    with client(emulator) as mx:
        wid = mx.work_orders.create(title="record").id
        fetched = mx.work_orders.get(wid)
        before = len(requests(emulator))
        moved = mx.work_orders.set_status(wid, "ON_HOLD", current_status=fetched)
        assert moved.status == "ON_HOLD"
        event = WorkOrderStatusChangeEvent.model_validate(
            {
                "workOrderId": wid,
                "orgId": 1,
                "oldStatus": "OPEN",
                "newStatus": "ON_HOLD",
                "occurredAt": "2026-01-01T00:00:00Z",
            }
        )
        assert status_of(event) == "ON_HOLD" and work_order_id_of(event) == wid
        mx.work_orders.set_status(work_order_id_of(event), "DONE", current_status=event)
        assert len(requests(emulator)) - before == 2  # two moves, two PATCHes, no GET
        done = mx.work_orders.get(wid)
        before = len(requests(emulator))
        with pytest.raises(InvalidTransitionError, match="allow_reopen"):
            mx.work_orders.set_status(wid, "OPEN", current_status=done)
        assert len(requests(emulator)) == before  # refused before any request
    with pytest.raises(ValidationError, match="current status"):
        status_of(object())


def _refusing_server(statuses: dict[int, str], refuse_first: list[bool]) -> httpx.MockTransport:
    """The server knows the real status; refuses the first PATCH when told to (409)."""
    log: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        wid = int(request.url.path.split("/")[3])
        log.append(request.method)
        if request.method == "GET":
            return httpx.Response(
                200, json={"workOrder": {**WORK_ORDER, "id": wid, "status": statuses[wid]}}
            )
        if refuse_first and refuse_first.pop(0):
            return httpx.Response(409, json={"errors": [{"message": "status changed"}]})
        statuses[wid] = json.loads(request.content)["status"]
        return httpx.Response(
            200, json={"workOrder": {**WORK_ORDER, "id": wid, "status": statuses[wid]}}
        )

    transport = httpx.MockTransport(handle)
    transport.log = log  # type: ignore[attr-defined]
    return transport


def test_a_refused_move_from_a_stale_status_is_reread_once_and_rechecked() -> None:
    statuses = {5: "IN_PROGRESS"}  # the caller believes OPEN
    transport = _refusing_server(statuses, [True])
    with MaintainX(api_key=TEST_KEY, transport=transport, rate_limit=RateLimit.disabled()) as mx:
        moved = mx.work_orders.set_status(5, "ON_HOLD", current_status="OPEN")
    assert moved.status == "ON_HOLD"
    assert transport.log == ["PATCH", "GET", "PATCH"]  # type: ignore[attr-defined]


def test_a_stale_status_whose_real_move_is_forbidden_raises_after_the_reread() -> None:
    statuses = {5: "DONE"}
    transport = _refusing_server(statuses, [True])
    with (
        MaintainX(api_key=TEST_KEY, transport=transport, rate_limit=RateLimit.disabled()) as mx,
        pytest.raises(InvalidTransitionError),
    ):
        mx.work_orders.set_status(5, "ON_HOLD", current_status="OPEN")
    assert transport.log == ["PATCH", "GET"]  # type: ignore[attr-defined]
    assert statuses[5] == "DONE"


def test_a_refusal_of_a_move_from_the_right_status_is_not_retried() -> None:
    statuses = {5: "OPEN"}
    transport = _refusing_server(statuses, [True, True])
    with (
        MaintainX(api_key=TEST_KEY, transport=transport, rate_limit=RateLimit.disabled()) as mx,
        pytest.raises(ConflictError),
    ):
        mx.work_orders.set_status(5, "ON_HOLD", current_status="OPEN")
    assert transport.log == ["PATCH", "GET"]  # type: ignore[attr-defined]


def test_async_bulk_status_change_sends_one_request_per_item(emulator: Emulator) -> None:
    async def main() -> None:
        async with AsyncMaintainX(
            api_key=emulator.api_key,
            transport=emulator.async_transport(),
            rate_limit=RateLimit.disabled(),
        ) as mx:
            ids = [(await mx.work_orders.create(title=f"a{i}")).id for i in range(5)]
            records = [await mx.work_orders.get(i) for i in ids]
            before = len(requests(emulator))
            result = await bulk.aset_status_many(mx.work_orders, records, "CANCELED")
            assert result.ok
            assert len(requests(emulator)) - before == 5

    asyncio.run(main())
