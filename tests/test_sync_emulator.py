"""Incremental sync against the emulator through the generated, typed list calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintainx_sdk import AsyncMaintainX, MaintainX, ValidationError
from maintainx_sdk.checkpoints import MemoryCheckpointStore
from maintainx_sdk.sync import AsyncIncrementalSync, IncrementalSync, SyncBatch
from tests.helpers.fast_policies import FAST

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


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(["work_orders", "assets"]),
    page_size=st.integers(1, 30),
    runs=st.lists(st.integers(1, 4), max_size=4),
    edits=st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["create", "update"])), max_size=8),
    faults=st.lists(st.sampled_from(["ok", 500, 503, "reset", "429:0"]), max_size=6),
)
def test_property_sync_against_the_emulator_with_edits_and_restarts(
    source: str,
    page_size: int,
    runs: list[int],
    edits: list[tuple[int, str]],
    faults: list[Any],
) -> None:
    emu = _emulator(40)
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        resource = getattr(mx, source)
        if source == "assets":
            for n in range(30):
                resource.create(name=f"asset {n}")
        ids = sorted(item.id for item in resource.list())
        path = "/workorders" if source == "work_orders" else "/assets"
        emu.faults.script("GET", path, [f for fault in faults for f in (fault, "ok")])
        store = MemoryCheckpointStore()
        got: list[tuple[int, str]] = []
        pages = 0

        def handler(batch: SyncBatch[Any]) -> None:
            nonlocal pages
            got.extend((item.id, item.updated_at) for item in batch.items)
            for _, kind in (e for e in edits if e[0] == pages):  # edits while paging
                target = ids[(pages * 7) % len(ids)]
                if kind == "create":
                    resource.create(**{"title" if source == "work_orders" else "name": "new"})
                elif source == "work_orders":
                    resource.update(target, title=f"edit {pages}")
                else:
                    resource.update(target, name=f"edit {pages}")
            pages += 1

        def sync() -> IncrementalSync[Any]:
            return IncrementalSync(mx, resource.list(), store=store, page_size=page_size)

        for bound in runs:  # stopped runs, as a restarted process would leave them
            sync().run(handler, max_pages=bound)
        edits.clear()
        sync().run(handler)
        current = {(item.id, item.updated_at) for item in resource.list()}
    assert len(got) == len(set(got)), "a version was delivered twice"
    assert current <= set(got), "a current version was never delivered"


def test_a_typed_updated_at_filter_starts_the_first_pass() -> None:
    emu = _emulator(30)
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        stamps = sorted(wo.updated_at for wo in mx.work_orders.list())
        since = stamps[20]
        expected = {wo.id for wo in mx.work_orders.list() if wo.updated_at >= since}
        got: list[int] = []
        sync: IncrementalSync[Any] = IncrementalSync(
            mx, mx.work_orders.list(updated_at_gte=since), store=MemoryCheckpointStore()
        )
        report = sync.run(lambda batch: got.extend(wo.id for wo in batch.items))
        resumed = list(mx.assets.list(updated_at_gte=since, limit=2))
    assert set(got) == expected and report.watermark is not None
    assert all(a.updated_at >= since for a in resumed)


@pytest.mark.parametrize("typed", [False, True])
def test_a_sync_of_all_work_orders_holds_those_starting_in_the_future(typed: bool) -> None:
    emu = _emulator(30)
    with MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST) as mx:
        future = datetime.now(UTC) + timedelta(days=30)
        upcoming = {
            mx.work_orders.create(
                title=f"later {n}", start_date=future, due_date=future + timedelta(days=1)
            ).id
            for n in range(3)
        }
        assert upcoming.isdisjoint(wo.id for wo in mx.work_orders.list())  # the list hides them
        source: Any = mx.work_orders.list() if typed else "work_orders"
        sync: IncrementalSync[Any] = IncrementalSync(
            mx, source, store=MemoryCheckpointStore(), page_size=10
        )
        got: list[Any] = []
        sync.run(lambda batch: got.extend(batch.items))
        ids = [wo.id if typed else wo["id"] for wo in got]
        everything = {wo.id for wo in mx.work_orders.list(show_upcoming=True)}
        assert upcoming <= set(ids) and set(ids) == everything and len(ids) == len(everything)
        # Asking for the list without them is still possible, explicitly.
        hidden = IncrementalSync(
            mx, mx.work_orders.list(show_upcoming=False), store=MemoryCheckpointStore()
        )
        got.clear()
        hidden.run(lambda batch: got.extend(batch.items))
        assert upcoming.isdisjoint(wo.id for wo in got)
