from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintainx_sdk import ValidationError
from maintainx_sdk.checkpoints import (
    Checkpoint,
    CheckpointStore,
    MemoryCheckpointStore,
    RedisCheckpointStore,
    SQLiteCheckpointStore,
)
from maintainx_sdk.sync import AsyncIncrementalSync, IncrementalSync, SyncBatch
from tests.helpers.paging_list_server import FakeList, stamp

Delivered = list[tuple[int, str]]


def _sync(fake: FakeList, store: CheckpointStore | None = None, **kw: Any) -> IncrementalSync[Any]:
    source = "assets" if fake.offset else "work_orders"
    kw.setdefault("page_size", 5)
    return IncrementalSync(fake.client(), source, store=store or MemoryCheckpointStore(), **kw)


def _collect(out: Delivered) -> Any:
    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        out.extend((i["id"], i["updatedAt"]) for i in batch.items)

    return handler


def test_first_run_delivers_everything_then_only_changes() -> None:
    fake = FakeList()
    fake.add(12)
    sync = _sync(fake)
    got: Delivered = []
    report = sync.run(_collect(got))
    assert [i for i, _ in got] == list(range(1, 13))
    assert report.caught_up and report.items == 12 and report.watermark == stamp(12)
    got.clear()
    before = len(fake.requests)
    assert sync.run(_collect(got)).items == 0 and got == []
    sent = fake.requests[before].url.params
    assert sent["sort"] == "updatedAt" and sent["updatedAt[gte]"] == report.watermark
    fake.touch(3)
    fake.add(1)
    sync.run(_collect(got))
    assert [i for i, _ in got] == [3, 13]


def test_a_stopped_run_resumes_exactly(tmp_path: Path) -> None:
    fake = FakeList()
    fake.add(23)
    got: Delivered = []
    first = _sync(fake, SQLiteCheckpointStore(tmp_path / "cp.db")).run(_collect(got), max_pages=2)
    assert not first.caught_up and first.lag is None
    again = _sync(fake, SQLiteCheckpointStore(tmp_path / "cp.db")).run(_collect(got))
    assert again.caught_up
    assert [i for i, _ in got] == list(range(1, 24))


def test_a_failing_handler_commits_nothing_and_the_page_comes_again(tmp_path: Path) -> None:
    fake = FakeList()
    fake.add(10)
    store = SQLiteCheckpointStore(tmp_path / "cp.db")
    store.connection.execute("CREATE TABLE done (id INTEGER)")
    calls = 0

    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        nonlocal calls
        calls += 1
        batch.transaction.executemany(
            "INSERT INTO done VALUES (?)", [(i["id"],) for i in batch.items]
        )
        if calls == 2:
            raise RuntimeError("handler failed")

    sync = _sync(fake, store)
    with pytest.raises(RuntimeError):
        sync.run(handler)
    rows = [r[0] for r in store.connection.execute("SELECT id FROM done")]
    assert rows == [1, 2, 3, 4, 5]  # page 2's inserts rolled back with its checkpoint
    sync.run(handler)
    rows = [r[0] for r in store.connection.execute("SELECT id FROM done ORDER BY id")]
    assert rows == list(range(1, 11))


def test_offset_source_edited_during_the_pass_loses_and_repeats_nothing() -> None:
    fake = FakeList(path="/assets", key="assets", offset=True)
    fake.add(30)

    def edit(f: FakeList, n: int) -> None:
        if n in (2, 4):
            f.touch(n)  # an already-delivered record changes: it comes again as a new version
            f.delete(20 + n)
            f.add(1)

    fake.before_request = edit
    got: Delivered = []
    _sync(fake).run(_collect(got))
    assert len(got) == len(set(got))
    current = {(i, r["updatedAt"]) for i, r in fake.items.items()}
    assert current <= set(got)


def test_a_run_of_equal_timestamps_longer_than_a_page_survives_a_restart() -> None:
    fake = FakeList(path="/assets", key="assets", offset=True)
    fake.add(2)
    fake.add(205, same_stamp=True)  # longer than the largest page: read by offset
    fake.add(2)
    store = MemoryCheckpointStore()
    got: Delivered = []
    _sync(fake, store).run(_collect(got), max_pages=3)
    saved = store.load(_sync(fake, store).key)
    assert saved is not None and saved.cursor is not None and saved.floor == saved.watermark
    assert [r.url.params["limit"] for r in fake.requests] == ["5", "5", "200"]
    _sync(fake, store).run(_collect(got))
    assert sorted(i for i, _ in got) == list(range(1, 210)) and len(got) == 209


def test_a_run_edited_while_it_is_read_loses_nothing() -> None:
    # Found by the property test: a run of equal timestamps read by offset shifts when one
    # of its records is edited; the sync reads a run that fits in one page in one request.
    fake = FakeList(path="/assets", key="assets", offset=True)
    fake.add(3, same_stamp=True)
    store = MemoryCheckpointStore()
    got: Delivered = []
    _sync(fake, store, page_size=1).run(_collect(got), max_pages=2)
    fake.touch(1)
    _sync(fake, store, page_size=1).run(_collect(got))
    current = {(i, r["updatedAt"]) for i, r in fake.items.items()}
    assert current <= set(got) and len(got) == len(set(got))


def test_lookback_picks_up_a_change_committed_late_with_an_older_timestamp() -> None:
    def scenario(lookback: float) -> list[int]:
        fake = FakeList()
        fake.add(5)
        sync = _sync(fake, lookback=lookback)
        sync.run(lambda b: None)
        late = fake.add(1)[0]
        fake.items[late]["updatedAt"] = stamp(fake.clock_ms - 2)  # committed late
        got: Delivered = []
        sync.run(_collect(got))
        return [i for i, _ in got]

    assert scenario(0.0) == []
    assert scenario(1.0) == [6]


def test_lag_is_measured_from_the_last_complete_pass() -> None:
    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    fake = FakeList()
    fake.add(3)
    sync = _sync(fake, clock=lambda: now[0])
    report = sync.run(lambda b: None)
    assert report.lag == 0.0 and report.synced_through == "2026-03-01T12:00:00.000Z"
    now[0] += timedelta(minutes=5)
    assert sync.status().lag == 300.0


def test_unknown_source_and_negative_lookback_are_refused() -> None:
    fake = FakeList()
    with pytest.raises(ValidationError, match="not one of"):
        IncrementalSync(fake.client(), "users", store=MemoryCheckpointStore())
    with pytest.raises(ValidationError, match="lookback"):
        _sync(fake, lookback=-1)


def test_reset_starts_over() -> None:
    fake = FakeList()
    fake.add(3)
    sync = _sync(fake)
    sync.run(lambda b: None)
    sync.reset()
    got: Delivered = []
    sync.run(_collect(got))
    assert len(got) == 3


async def test_async_sync_with_an_async_handler() -> None:
    fake = FakeList()
    fake.add(8)
    store = MemoryCheckpointStore()
    got: Delivered = []

    async def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        got.extend((i["id"], i["updatedAt"]) for i in batch.items)

    sync: AsyncIncrementalSync[Any] = AsyncIncrementalSync(
        fake.async_client(), "work_orders", store=store, page_size=3
    )
    report = await sync.run(handler, max_pages=2)
    assert not report.caught_up
    report = await sync.run(handler)
    assert report.caught_up and [i for i, _ in got] == list(range(1, 9))


def test_checkpoint_json_round_trip() -> None:
    cp = Checkpoint(watermark="w", delivered={"1": "w"}, floor="f", cursor="c", synced_through="s")
    assert Checkpoint.from_json(cp.to_json()) == cp


@pytest.mark.redis
def test_redis_store_commits_handler_commands_with_the_checkpoint() -> None:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url)
    prefix = f"test-sync-{os.getpid()}:"
    store = RedisCheckpointStore(client, prefix=prefix)
    fake = FakeList()
    fake.add(7)

    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        for item in batch.items:
            batch.transaction.sadd(prefix + "done", item["id"])

    try:
        _sync(fake, store).run(handler)
        assert {int(x) for x in client.smembers(prefix + "done")} == set(range(1, 8))
        saved = store.load(_sync(fake, store).key)
        assert saved is not None and saved.watermark == stamp(7)
    finally:
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)


def test_redis_store_with_fakeredis_commits_and_refuses_a_moved_checkpoint() -> None:
    """The WATCH-ed transaction: handler commands commit with the checkpoint; a checkpoint
    written by another run during the page discards both (CheckpointConflictError)."""
    fakeredis = pytest.importorskip("fakeredis")
    from maintainx_sdk import CheckpointConflictError

    client = fakeredis.FakeRedis()
    store = RedisCheckpointStore(client)
    fake = FakeList()
    fake.add(4)

    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        for item in batch.items:
            batch.transaction.sadd("done", item["id"])

    sync = _sync(fake, store, page_size=2)
    assert sync.run(handler).caught_up
    assert {int(x) for x in client.smembers("done")} == {1, 2, 3, 4}
    fake.add(2)
    before = store.load(sync.key)

    def racing(batch: SyncBatch[dict[str, Any]]) -> None:
        handler(batch)
        with store.transaction(sync.key) as other:  # another host commits meanwhile
            other.save(Checkpoint(watermark="elsewhere"))

    with pytest.raises(CheckpointConflictError, match="another run"):
        sync.run(racing)
    assert {int(x) for x in client.smembers("done")} == {1, 2, 3, 4}, "commands were applied"
    assert store.load(sync.key) == Checkpoint(watermark="elsewhere") != before


# --- property: interleaved edits, partial runs and restarts -----------------------------------

_actions = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 4)),
        st.tuples(st.just("burst"), st.integers(2, 10)),  # one updatedAt for many records
        st.tuples(st.just("touch"), st.integers(1, 40)),
        st.tuples(st.just("delete"), st.integers(1, 40)),
        st.tuples(st.just("run"), st.integers(1, 3)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offset=st.booleans(),
    page_size=st.integers(1, 7),
    initial=st.integers(0, 25),
    actions=_actions,
    edit_every=st.integers(2, 5),
    same_stamp=st.booleans(),
    lookback=st.sampled_from([0.0, 0.003]),
)
def test_property_no_version_lost_or_delivered_twice(
    offset: bool,
    page_size: int,
    initial: int,
    actions: list[tuple[str, int]],
    edit_every: int,
    same_stamp: bool,
    lookback: float,
) -> None:
    fake = FakeList(path="/assets", key="assets", offset=True) if offset else FakeList()
    fake.add(initial, same_stamp=same_stamp)
    store = MemoryCheckpointStore()
    got: Delivered = []
    edits = iter(actions)

    def mutate(f: FakeList, n: int) -> None:  # edits that land while a pass is paging
        if n % edit_every == 0:
            _apply(f, next(edits, ("none", 0)))

    def _apply(f: FakeList, action: tuple[str, int]) -> None:
        kind, arg = action
        if kind == "add":
            f.add(arg)
        elif kind == "burst":
            f.add(1)
            f.add(arg - 1, same_stamp=True)
        elif kind == "touch" and arg in f.items:
            f.touch(arg)
        elif kind == "delete":
            f.delete(arg)

    fake.before_request = mutate
    for kind, arg in actions:
        if kind == "run":
            sync = _sync(fake, store, page_size=page_size, lookback=lookback)
            sync.run(_collect(got), max_pages=arg)
    fake.before_request = None
    _sync(fake, store, page_size=page_size, lookback=lookback).run(_collect(got))
    assert not [v for v, n in Counter(got).items() if n > 1], "a version was delivered twice"
    current = {(i, r["updatedAt"]) for i, r in fake.items.items()}
    assert current <= set(got), "a current version was never delivered"


def test_sqlite_store_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "cp.db"
    store = SQLiteCheckpointStore(path)
    with store.transaction("k") as txn:
        txn.save(Checkpoint(watermark="x"))
    store.close()
    assert SQLiteCheckpointStore(path).load("k") == Checkpoint(watermark="x")
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_second_run_of_the_same_sync_cannot_process_a_page_twice(tmp_path: Path) -> None:
    """Regression: two runs of one sync (two processes on one SQLite file) both read page 1
    from the same checkpoint and both processed it; now the later commit is refused."""
    import threading

    from maintainx_sdk import CheckpointConflictError

    fake = FakeList()
    fake.add(6)
    path = tmp_path / "cp.db"
    processed: list[int] = []
    errors: list[Exception] = []

    def other_run() -> None:
        try:
            _sync(fake, SQLiteCheckpointStore(path), page_size=3).run(
                lambda b: processed.extend(i["id"] for i in b.items)
            )
        except CheckpointConflictError as exc:
            errors.append(exc)

    other = threading.Thread(target=other_run)

    def first_handler(batch: SyncBatch[dict[str, Any]]) -> None:
        processed.extend(i["id"] for i in batch.items)
        if not other.is_alive() and not errors:
            asked = len(fake.requests)
            other.start()  # it reads page 1 from the old checkpoint, then waits for our lock
            while len(fake.requests) == asked:
                time.sleep(0.001)

    report = _sync(fake, SQLiteCheckpointStore(path), page_size=3).run(first_handler)
    other.join(timeout=15)
    assert report.caught_up and len(errors) == 1 and "another run" in str(errors[0])
    assert sorted(processed) == list(range(1, 7)), "a page was processed twice"


def test_page_size_bounds_and_keys_per_filter() -> None:
    fake = FakeList()
    with pytest.raises(ValidationError, match="page_size must be between 1 and 200"):
        _sync(fake, page_size=500)
    open_only = _sync(fake, query={"statuses": ["OPEN"]})
    done_only = _sync(fake, query={"statuses": ["DONE"]})
    assert len({open_only.key, done_only.key, _sync(fake).key}) == 3


@pytest.mark.parametrize("shared_object", [True, False])
async def test_async_syncs_on_one_sqlite_file_take_turns_without_blocking_the_loop(
    tmp_path: Path, shared_object: bool
) -> None:
    """Regression: the second sync's BEGIN IMMEDIATE used to block the event loop (and with
    it the first sync, which held the lock) until busy_timeout, then fail "database is
    locked"; sharing one store object failed at once."""
    import asyncio

    fake = FakeList()
    fake.add(6)
    first_store = SQLiteCheckpointStore(tmp_path / "cp.db")
    second_store = first_store if shared_object else SQLiteCheckpointStore(tmp_path / "cp.db")
    inside: set[str] = set()
    overlapped: list[set[str]] = []

    def handler(key: str) -> Any:
        async def handle(batch: SyncBatch[dict[str, Any]]) -> None:
            inside.add(key)
            overlapped.append(set(inside))
            await asyncio.sleep(0.01)  # the loop runs the other sync meanwhile
            inside.discard(key)

        return handle

    def run(key: str, store: SQLiteCheckpointStore) -> Any:
        sync: AsyncIncrementalSync[Any] = AsyncIncrementalSync(
            fake.async_client(), "work_orders", store=store, key=key, page_size=2
        )
        return sync.run(handler(key))

    reports = await asyncio.wait_for(
        asyncio.gather(run("a", first_store), run("b", second_store)), timeout=5
    )
    assert [r.items for r in reports] == [6, 6] and all(r.caught_up for r in reports)
    assert all(len(keys) == 1 for keys in overlapped), "two transactions were open at once"
    assert first_store.load("a") is not None and first_store.load("b") is not None


async def test_async_sqlite_transaction_gives_up_after_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maintainx_sdk import checkpoints

    monkeypatch.setattr(checkpoints, "BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(tmp_path / "cp.db", isolation_level=None)
    store = SQLiteCheckpointStore(tmp_path / "cp.db")
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        async with checkpoints.async_transaction(store, "k"):
            pass
    holder.execute("ROLLBACK")
    async with checkpoints.async_transaction(store, "k") as txn:
        txn.save(Checkpoint(watermark="w"))
    assert store.load("k") == Checkpoint(watermark="w")


def test_close_closes_a_store_the_sync_opened_but_not_one_it_was_given(tmp_path: Path) -> None:
    fake = FakeList()
    fake.add(3)
    with IncrementalSync(fake.client(), "work_orders", store=tmp_path / "own.sqlite3") as sync:
        sync.run(_collect([]))
    with pytest.raises(sqlite3.ProgrammingError):  # the connection it opened is closed
        sync.status()
    given = SQLiteCheckpointStore(tmp_path / "given.sqlite3")
    with IncrementalSync(fake.client(), "work_orders", store=given) as sync:
        sync.run(_collect([]))
    assert given.load(sync.key) is not None  # still open: it is the caller's to close
    given.close()


def test_records_without_updated_at_are_synced_once() -> None:
    fake = FakeList(path="/purchaseorders", key="purchaseOrders", offset=True)
    fake.add(3)
    fake.add(6, stamped=False)
    fake.add(3)
    sync = IncrementalSync(
        fake.client(), "purchase_orders", store=MemoryCheckpointStore(), page_size=4
    )
    got: Delivered = []
    assert sync.run(_collect(got)).caught_up
    assert sorted(i for i, _ in got) == list(range(1, 13)) and len(got) == 12


def test_a_sync_stopped_while_reading_records_without_updated_at_resumes_exactly() -> None:
    fake = FakeList(path="/purchaseorders", key="purchaseOrders", offset=True)
    fake.add(5)
    fake.add(9, stamped=False)
    store = MemoryCheckpointStore()
    got: Delivered = []
    pages = 0
    while True:  # one page per run, as if the process stopped after every page
        report = IncrementalSync(fake.client(), "purchase_orders", store=store, page_size=2).run(
            _collect(got), max_pages=1
        )
        pages += 1
        if report.caught_up:
            break
        assert pages < 30
    assert sorted(i for i, _ in got) == list(range(1, 15)) and len(got) == 14


@pytest.mark.parametrize("stop_after", range(1, 7))
def test_a_record_changed_around_the_end_of_the_first_pass_is_delivered(stop_after: int) -> None:
    fake = FakeList(path="/purchaseorders", key="purchaseOrders", offset=True)
    fake.add(5)
    store = MemoryCheckpointStore()
    got: Delivered = []
    for run in range(1, 30):
        report = IncrementalSync(fake.client(), "purchase_orders", store=store, page_size=2).run(
            _collect(got), max_pages=1
        )
        if run == stop_after:
            fake.add(1)
            fake.touch(2)
        if report.caught_up and run > stop_after:
            break
    current = {(i["id"], i["updatedAt"]) for i in fake.items.values()}
    assert current <= set(got) and len(got) == len(set(got))
