"""Incremental sync against the emulator through the generated, typed list calls."""

from __future__ import annotations

from typing import Any

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, ValidationError
from maintainx_sdk.checkpoints import MemoryCheckpointStore
from maintainx_sdk.sync import AsyncIncrementalSync, IncrementalSync, SyncBatch
from tests._paging_fakes import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")


def _emulator(work_orders: int) -> Any:
    return emulator_module.Emulator(
        seed=5, work_orders=work_orders, rate_limit=None, org_rate_limit=None
    )


def test_typed_sync_from_a_filtered_pager_delivers_models_and_only_changes() -> None:
    emu = _emulator(120)
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        source = mx.work_orders.list(statuses=["OPEN"])
        sync: IncrementalSync[Any] = IncrementalSync(
            mx, source, store=MemoryCheckpointStore(), page_size=25
        )
        got: list[Any] = []

        def handler(batch: SyncBatch[Any]) -> None:
            got.extend(batch.items)

        report = sync.run(handler)
        expected = {wo.id for wo in mx.work_orders.list(statuses=["OPEN"])}
        assert {wo.id for wo in got} == expected and len(got) == len(expected)
        assert all(type(wo).__name__ == "WorkOrderListItem" for wo in got)
        assert all(wo.status == "OPEN" for wo in got)
        assert report.caught_up

        got.clear()
        target = next(iter(expected))
        mx.work_orders.update(target, title="changed")
        other = mx.work_orders.create(title="new one").id
        sync.run(handler)
        assert sorted(wo.id for wo in got) == sorted([target, other])


def test_sync_refuses_a_pager_sorted_another_way_or_an_unfilterable_list() -> None:
    emu = _emulator(1)
    with MaintainX(api_key=emu.api_key, transport=emu.transport()) as mx:
        with pytest.raises(ValidationError, match="drop sort"):
            IncrementalSync(
                mx, mx.work_orders.list(sort="-createdAt"), store=MemoryCheckpointStore()
            )
        with pytest.raises(ValidationError, match="cannot be synced"):
            IncrementalSync(mx, mx.users.list(), store=MemoryCheckpointStore())


@pytest.mark.parametrize("source", ["assets", "parts", "purchase_orders"])
def test_every_offset_source_syncs_typed_from_its_pager(source: str) -> None:
    emu = _emulator(10)
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        pager = getattr(mx, source).list()
        expected = [item.id for item in getattr(mx, source).list()]
        got: list[int] = []
        IncrementalSync(mx, pager, store=MemoryCheckpointStore(), page_size=3).run(
            lambda batch: got.extend(item.id for item in batch.items)
        )
        assert sorted(got) == sorted(expected)


async def test_async_typed_sync() -> None:
    emu = _emulator(40)
    async with AsyncMaintainX(api_key=emu.api_key, transport=emu.async_transport(), **FAST) as mx:
        sync: AsyncIncrementalSync[Any] = AsyncIncrementalSync(
            mx, mx.work_orders.list(), store=MemoryCheckpointStore(), page_size=15
        )
        got: list[int] = []
        report = await sync.run(lambda batch: got.extend(wo.id for wo in batch.items))
        assert report.caught_up and len(got) == len(set(got)) == 40
