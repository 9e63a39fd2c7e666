"""progress= callbacks on pagers, incremental sync, reconcile and the bulk helpers."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from typing import Any

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, ValidationError, bulk
from maintainx_sdk.checkpoints import MemoryCheckpointStore
from maintainx_sdk.progress import Progress
from maintainx_sdk.reconcile import areconcile, reconcile
from maintainx_sdk.sync import AsyncIncrementalSync, IncrementalSync
from tests.helpers.fast_policies import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")


def _emulator(**kwargs: Any) -> Any:
    return emulator_module.Emulator(
        seed=5, work_orders=45, rate_limit=None, org_rate_limit=None, **kwargs
    )


def _client(emu: Any) -> MaintainX:
    return MaintainX(api_key=emu.api_key, transport=emu.transport(), telemetry=False, **FAST)


def _async_client(emu: Any) -> AsyncMaintainX:
    return AsyncMaintainX(
        api_key=emu.api_key, transport=emu.async_transport(), telemetry=False, **FAST
    )


def _check_monotonic(seen: list[Progress]) -> None:
    for before, after in itertools.pairwise(seen):
        for name in ("items", "pages", "requests", "retries", "rate_limit_waits"):
            assert getattr(after, name) >= getattr(before, name), name
        assert after.waited >= before.waited and after.elapsed >= before.elapsed
    assert [p.done for p in seen].count(True) == 1 and seen[-1].done


def test_pager_reports_items_pages_and_requests_and_ends_with_done() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    with _client(emu) as mx:
        expected = len(list(mx.work_orders.list()))
        pager = mx.work_orders.list(limit=10).with_options(progress=seen.append)
        items = list(pager)
    assert len(items) == expected > 10
    pages = -(-expected // 10)
    final = seen[-1]
    assert (final.task, final.items, final.pages, final.requests) == (
        "work_orders.list",
        expected,
        pages,
        pages,
    )
    assert final.retries == final.rate_limit_waits == 0 and final.total is None
    assert [p.items for p in seen[:-1]] == [min(10 * n, expected) for n in range(pages + 1)]
    _check_monotonic(seen)
    with pytest.raises(dataclasses.FrozenInstanceError):
        final.items = 0  # type: ignore[misc]


def test_pager_counts_retries_and_429_waits_from_the_observer() -> None:
    emu = _emulator()
    emu.faults.script("GET", "/workorders", ["ok", 503, "429:0.02", "ok"])
    seen: list[Progress] = []
    with _client(emu) as mx:
        items = list(mx.work_orders.list(limit=20).with_options(progress=seen.append))
    final = seen[-1]
    pages = -(-len(items) // 20)
    assert final.pages == pages
    assert final.requests == pages + 2
    assert (final.retries, final.rate_limit_waits) == (2, 1)
    assert final.waited > 0  # the 429's Retry-After was waited out between attempts
    # A snapshot goes out before each retry's wait, so a bar shows it while it waits.
    assert [p.retries for p in seen if p.pages == 1] == [0, 1, 2]
    assert (seen[0].requests, seen[0].items) == (0, 0)  # the first goes out before any request
    _check_monotonic(seen)


def test_calls_outside_the_walk_are_not_counted() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    with _client(emu) as mx:

        def callback(p: Progress) -> None:
            seen.append(p)
            mx.users.list().first_page()  # the same client, but not the walk's request

        list(mx.work_orders.list(limit=20).with_options(progress=callback))
    assert seen[-1].requests == seen[-1].pages


def test_a_callback_that_raises_is_logged_once_and_the_walk_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu = _emulator()
    calls: list[int] = []

    def broken(p: Progress) -> None:
        calls.append(p.items)
        raise RuntimeError("the bar broke")

    with _client(emu) as mx:
        expected = [wo.id for wo in mx.work_orders.list()]
        with caplog.at_level(logging.DEBUG, logger="maintainx_sdk"):
            got = [wo.id for wo in mx.work_orders.list(limit=10).with_options(progress=broken)]
    assert got == expected
    assert len(calls) > 2  # it kept being called: every page and the end
    warnings = [r for r in caplog.records if "progress callback failed" in r.getMessage()]
    assert warnings[0].levelno == logging.WARNING
    assert warnings[0].exc_info is not None
    assert all(r.levelno == logging.DEBUG for r in warnings[1:]) and len(warnings) == len(calls)


def test_a_progress_that_is_not_callable_fails_before_any_request() -> None:
    emu = _emulator(keep_log=True)
    with _client(emu) as mx, pytest.raises(ValidationError, match="progress must be a function"):
        mx.work_orders.list().with_options(progress="bar")  # type: ignore[arg-type]
    with (
        _client(emu) as mx,
        IncrementalSync(mx, store=MemoryCheckpointStore()) as sync,
        pytest.raises(ValidationError, match="progress"),
    ):
        sync.run(lambda batch: None, progress=3)  # type: ignore[arg-type]
    assert emu.counters.log == []


async def test_async_pager_reports_progress() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    async with _async_client(emu) as mx:
        items = [
            wo async for wo in mx.work_orders.list(limit=10).with_options(progress=seen.append)
        ]
    assert seen[-1].done and seen[-1].items == len(items)
    assert seen[-1].requests == seen[-1].pages == -(-len(items) // 10)
    _check_monotonic(seen)


def test_incremental_sync_reports_each_committed_page() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    delivered: list[int] = []
    with _client(emu) as mx, IncrementalSync(mx, store=MemoryCheckpointStore(), page_size=10) as s:
        report = s.run(
            lambda batch: delivered.extend(i["id"] for i in batch.items), progress=seen.append
        )
        again = s.run(lambda batch: None, progress=seen.append)
    first = [p for p in seen if p.task == "sync work_orders.list"]
    assert report.items == len(delivered) > 10
    done = [p for p in first if p.done]
    assert done[0].items == report.items and done[0].pages == report.pages
    assert done[0].requests == report.pages
    assert done[1].items == again.items == 0 and done[1].requests == again.pages


async def test_async_incremental_sync_reports_progress() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    async with _async_client(emu) as mx:
        sync: AsyncIncrementalSync[Any] = AsyncIncrementalSync(
            mx, store=MemoryCheckpointStore(), page_size=10
        )
        report = await sync.run(lambda batch: None, progress=seen.append)
    assert seen[-1].done and (seen[-1].items, seen[-1].pages) == (report.items, report.pages)
    _check_monotonic(seen)


def test_bulk_reports_total_failures_and_requests() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    with _client(emu) as mx:
        ids = [wo.id for wo in mx.work_orders.list(limit=5).with_options(max_items=5)]
        result = bulk.get_many(mx.work_orders, [*ids, 987654], concurrency=3, progress=seen.append)
    final = seen[-1]
    assert (final.task, final.total, final.items, final.failures) == ("bulk", 6, 6, 1)
    assert final.requests == 6 and final.fraction == 1.0 and final.eta == 0.0
    assert len(result.failures) == 1
    assert sorted(p.items for p in seen[:-1]) == [0, 1, 2, 3, 4, 5, 6]
    _check_monotonic(sorted(seen, key=lambda p: (p.items, p.done)))


def test_bulk_without_a_length_has_no_total() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    with _client(emu) as mx:
        ids = [wo.id for wo in mx.work_orders.list(limit=3).with_options(max_items=3)]
        bulk.get_many(mx.work_orders, iter(ids), progress=seen.append)
    assert seen[-1].total is None and seen[-1].items == 3 and seen[-1].fraction is None


async def test_async_bulk_reports_progress() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    async with _async_client(emu) as mx:
        ids = [wo.id async for wo in mx.work_orders.list(limit=4).with_options(max_items=4)]
        await bulk.aget_many(mx.work_orders, ids, concurrency=2, progress=seen.append)
    assert (seen[-1].items, seen[-1].total, seen[-1].requests) == (4, 4, 4) and seen[-1].done


def test_reconcile_over_a_pager_reports_pages_and_requests() -> None:
    emu = _emulator()
    seen: list[Progress] = []
    with _client(emu) as mx:
        report = reconcile(mx.work_orders.list(limit=10), {}, progress=seen.append)
    assert seen[-1].done and seen[-1].items == report.remote_count
    assert seen[-1].pages == seen[-1].requests == -(-report.remote_count // 10)


async def test_areconcile_over_any_async_iterable_counts_records() -> None:
    async def records() -> Any:
        for n in range(3):
            yield {"id": n, "updatedAt": "2026-01-01T00:00:00Z"}

    seen: list[Progress] = []
    await areconcile(records(), {"1": "2026-01-01T00:00:00Z"}, progress=seen.append)
    assert [p.items for p in seen] == [1, 2, 3, 3] and seen[-1].done and seen[-1].pages == 0


def test_eta_and_fraction_follow_the_rate_when_the_total_is_known() -> None:
    half = Progress(task="t", items=5, total=10, elapsed=2.0)
    assert (half.rate, half.fraction, half.eta) == (2.5, 0.5, 2.0)
    assert Progress(task="t", items=5, elapsed=2.0).eta is None
    assert Progress(task="t", total=10).eta is None  # no rate yet
    assert Progress(task="t", total=0).fraction == 1.0


def test_a_raising_callback_leaves_the_sync_exact() -> None:
    emu = _emulator()
    delivered: list[int] = []

    def broken(p: Progress) -> None:
        raise ValueError("bar bug")

    with _client(emu) as mx, IncrementalSync(mx, store=MemoryCheckpointStore(), page_size=10) as s:
        first = s.run(lambda b: delivered.extend(i["id"] for i in b.items), progress=broken)
        again = s.run(lambda b: delivered.extend(i["id"] for i in b.items), progress=broken)
        expected = sorted(wo.id for wo in mx.work_orders.list())
    assert first.caught_up and again.items == 0
    assert sorted(delivered) == expected  # each once: every page committed, none repeated


def test_an_interrupt_in_the_callback_propagates() -> None:
    emu = _emulator()

    def stop(p: Progress) -> None:
        if p.pages == 2:
            raise KeyboardInterrupt

    with _client(emu) as mx, pytest.raises(KeyboardInterrupt):
        list(mx.work_orders.list(limit=10).with_options(progress=stop))


def test_bulk_callbacks_never_overlap() -> None:
    emu = _emulator()
    inside = [0]
    overlaps = [0]

    def slow(p: Progress) -> None:
        inside[0] += 1
        overlaps[0] += inside[0] > 1
        time.sleep(0.002)  # widen the window a concurrent call would hit
        inside[0] -= 1

    with _client(emu) as mx:
        ids = [wo.id for wo in mx.work_orders.list(limit=20).with_options(max_items=20)]
        bulk.get_many(mx.work_orders, ids, concurrency=8, progress=slow)
    assert overlaps[0] == 0
