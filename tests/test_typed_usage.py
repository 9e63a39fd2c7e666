"""The integrations of ``tests/typed_usage.py`` run against the emulator (loopback only):
the module the checkers see is also code that works."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk.checkpoints import MemoryCheckpointStore
from maintainx_sdk.testing import Emulator
from tests.helpers.fast_policies import FAST

from . import typed_usage as usage

STATUS_CHANGE = {
    "workOrderId": 77,
    "orgId": 1,
    "oldStatus": "IN_PROGRESS",
    "newStatus": "DONE",
    "occurredAt": "2026-11-27T08:00:00.000Z",
}


@pytest.fixture
def emu() -> Emulator:
    return Emulator(seed=11, work_orders=40, rate_limit=None, org_rate_limit=None)


@pytest.fixture
def mx(emu: Emulator) -> Iterator[MaintainX]:
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as client:
        yield client


def _open_ids(mx: MaintainX) -> set[int]:
    return {wo.id for wo in mx.work_orders.list(statuses=["OPEN"])}


def test_erp_mirror_copies_the_open_work_orders_and_then_only_changes(mx: MaintainX) -> None:
    db = sqlite3.connect(":memory:")
    store = MemoryCheckpointStore()
    report = usage.mirror_work_orders(mx, db, store)
    rows = dict(db.execute("SELECT id, title FROM work_orders").fetchall())
    assert set(rows) == _open_ids(mx) and report.items == len(rows) > 0

    target = next(iter(rows))
    mx.work_orders.update(target, title="renamed by the test")
    again = usage.mirror_work_orders(mx, db, store)
    assert again.items == 1
    assert db.execute("SELECT title FROM work_orders WHERE id = ?", (target,)).fetchone() == (
        "renamed by the test",
    )


def test_raw_source_hands_over_json_objects(mx: MaintainX) -> None:
    made = {mx.assets.create(name=f"Pump {n}").id for n in range(3)}
    assert made <= set(usage.mirror_raw_assets(mx, MemoryCheckpointStore()))


def test_sync_from_a_list_operation_sees_every_work_order(mx: MaintainX) -> None:
    total = sum(1 for _ in mx.work_orders.list())
    assert usage.count_from_operation(mx, MemoryCheckpointStore()) == total > 0


async def test_async_mirror_sees_every_work_order(emu: Emulator, mx: MaintainX) -> None:
    expected = {wo.id for wo in mx.work_orders.list()}
    async with AsyncMaintainX(api_key=emu.api_key, transport=emu.async_transport(), **FAST) as amx:
        got = await usage.mirror_work_orders_async(amx, MemoryCheckpointStore())
        titles = await usage.titles_async(amx, sorted(expected)[:3])
    assert set(got) == expected and len(titles) == 3


def test_alarm_bridge_opens_a_started_work_order(mx: MaintainX) -> None:
    alarm = usage.Alarm(
        asset_id=mx.assets.create(name="Boiler").id, message="overheat", critical=True
    )
    work_order_id = usage.open_work_order(mx, alarm)
    assert usage.work_order_title(mx, work_order_id) == "Alarm: overheat"
    record = mx.work_orders.get(work_order_id)
    assert (record.status, record.priority, record.asset_id) == (
        "IN_PROGRESS",
        "HIGH",
        alarm.asset_id,
    )
    assert record.description == "Raised by the alarm bridge: overheat"


def test_alarm_bridge_orders_the_spare_part_for_approval(mx: MaintainX) -> None:
    vendor_id = mx.vendors.create(name="Filters Inc").id
    order_id = usage.order_spare_part(mx, vendor_id, "Filter", 2)
    order = mx.purchase_orders.get(order_id)
    assert order.status == "PENDING" and order.vendor_id == vendor_id
    assert [(i.name, i.quantity_ordered) for i in order.items or []] == [("Filter", 2)]


def test_alarm_bridge_reads_status_change_deliveries() -> None:
    assert usage.alarm_cleared(json.dumps(STATUS_CHANGE).encode()) == 77
    assert usage.alarm_cleared({**STATUS_CHANGE, "newStatus": "ON_HOLD"}) is None
    assert usage.any_delivery(json.dumps(STATUS_CHANGE).encode()) == (
        "WORK_ORDER_STATUS_CHANGE / new work order 77"
    )
    assert usage.any_delivery(b'{"orgId": 1}').startswith("unknown: ")


def test_report_reads_every_open_work_order_and_the_mirror_drift(mx: MaintainX) -> None:
    mirror = usage.mirror_snapshot(mx)
    in_sync = usage.weekly_report(mx, mirror)
    assert sorted(in_sync.titles) == sorted(
        wo.title for wo in mx.work_orders.list(statuses=["OPEN"])
    )
    assert in_sync.pages >= 1 and in_sync.failed == [] and in_sync.drift.in_sync

    stale = dict(mirror)
    gone = stale.pop(next(iter(stale)))
    assert gone
    stale["999999"] = "2026-01-01T00:00:00.000Z"
    drift = usage.weekly_report(mx, stale).drift
    assert drift.missing_remotely == ["999999"]
    assert len(drift.missing_locally) == 1 and isinstance(drift.missing_locally[0], int)
