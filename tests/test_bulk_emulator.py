"""Bulk helpers over the generated resources against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, NotFoundError, ValidationError, bulk
from tests.helpers.fast_policies import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")


def _emulator() -> Any:
    return emulator_module.Emulator(seed=2, work_orders=5, rate_limit=None, org_rate_limit=None)


def test_create_many_with_idempotency_keys_never_duplicates() -> None:
    emu = _emulator()
    items = [{"title": "pump"}, {"title": "bad", "priority": "URGENT"}, {"title": "fan"}]
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        first = bulk.create_many(
            mx.work_orders, items, concurrency=3, idempotency_key=lambda i: f"imp-{i['title']}"
        )
        again = bulk.create_many(
            mx.work_orders, items, concurrency=3, idempotency_key=lambda i: f"imp-{i['title']}"
        )
        titles = [wo.title for wo in mx.work_orders.list()]
    assert [r.ok for r in first.results] == [True, False, True]
    assert isinstance(first.results[1].error, ValidationError)
    assert [v.id for v in again.values] == [v.id for v in first.values]
    assert titles.count("pump") == 1 and titles.count("fan") == 1


def test_get_and_update_many_report_each_missing_id() -> None:
    emu = _emulator()
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        ids = [wo.id for wo in mx.work_orders.list()]
        updated = bulk.update_many(
            mx.work_orders, {ids[0]: {"title": "new"}, 987654: {"title": "x"}}
        )
        got = bulk.get_many(mx.work_orders, [ids[0], 987654])
    failures = [(r.key, repr(r.error)) for r in updated.failures]
    assert [key for key, _ in failures] == [987654], failures  # once flaked in a full run
    assert isinstance(got.failures[0].error, NotFoundError)
    assert got.values[0].title == "new"


async def test_async_get_many_typed() -> None:
    emu = _emulator()
    async with AsyncMaintainX(api_key=emu.api_key, transport=emu.async_transport(), **FAST) as mx:
        ids = [wo.id async for wo in mx.work_orders.list()]
        result = await bulk.aget_many(mx.work_orders, [*ids, 123456], concurrency=4)
    assert [v.id for v in result.values] == ids
    assert [f.key for f in result.failures] == [123456]
