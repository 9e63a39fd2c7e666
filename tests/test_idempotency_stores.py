"""Idempotency stores: the claim/pending/completed life cycle, TTL, persistence, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk.errors import ValidationError
from maintainx_sdk.idempotency import (
    IdempotencyRecord,
    IdempotencyStore,
    InMemoryIdempotencyStore,
    SQLiteIdempotencyStore,
    canonical_json,
    derive_key,
)

from .helpers.clocks import ManualClock


def _redis_store(clock: ManualClock) -> IdempotencyStore:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set (redis-server not running)")
    from maintainx_sdk.idempotency import RedisIdempotencyStore

    return RedisIdempotencyStore(url=url, prefix=f"test-{uuid.uuid4().hex}:", clock=clock)


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_and_clock(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Any, ManualClock]]:
    clock = ManualClock()
    store: Any
    if request.param == "memory":
        store = InMemoryIdempotencyStore(clock=clock)
    elif request.param == "sqlite":
        store = SQLiteIdempotencyStore(tmp_path / "idem.sqlite3", clock=clock)
    else:
        store = _redis_store(clock)
    assert isinstance(store, IdempotencyStore)
    yield store, clock
    store.close()


def test_claim_lifecycle(store_and_clock: tuple[Any, ManualClock]) -> None:
    store, clock = store_and_clock
    first = store.claim("k", owner="a", lease=60, ttl=3600, fingerprint="f1")
    assert first.status == "acquired" and first.owned
    assert first.record.state == "claimed" and first.record.created_at == clock.now

    busy = store.claim("k", owner="b", lease=60, ttl=3600, fingerprint="f1")
    assert busy.status == "in_progress" and not busy.owned

    clock.advance(61)  # the first owner crashed: its lease lapsed
    taken = store.claim("k", owner="b", lease=60, ttl=3600, fingerprint="f1")
    assert taken.status == "resumed"
    assert taken.record.created_at == first.record.created_at  # first-attempt time is kept

    store.complete("k", result_id="42", response=b'{"id":42}', ttl=3600)
    done = store.claim("k", owner="c", lease=60, ttl=3600, fingerprint="f1")
    assert done.status == "completed"
    assert (done.record.result_id, done.record.response) == ("42", b'{"id":42}')


def test_pending_is_resumed_and_release_frees(store_and_clock: tuple[Any, ManualClock]) -> None:
    store, _ = store_and_clock
    store.claim("p", owner="a")
    store.mark_pending("p", owner="a")
    record = store.get("p")
    assert record is not None and record.state == "pending" and record.owner is None
    assert store.claim("p", owner="b").status == "resumed"

    store.claim("r", owner="a")
    store.release("r", owner="b")  # not the owner: nothing happens
    assert store.claim("r", owner="c").status == "in_progress"
    store.release("r", owner="a")
    assert store.get("r") is None
    assert store.claim("r", owner="c").status == "acquired"


def test_fingerprint_conflict(store_and_clock: tuple[Any, ManualClock]) -> None:
    store, _ = store_and_clock
    store.claim("f", owner="a", fingerprint="one")
    store.complete("f", result_id="1")
    assert store.claim("f", owner="b", fingerprint="two").status == "conflict"
    assert store.claim("f", owner="b", fingerprint="one").status == "completed"


def test_ttl_expiry_with_a_fake_clock(store_and_clock: tuple[Any, ManualClock]) -> None:
    store, clock = store_and_clock
    store.claim("t", owner="a", ttl=100)
    store.complete("t", result_id="7", ttl=100)
    clock.advance(99)
    assert store.get("t") is not None
    assert store.claim("t", owner="b", ttl=100).status == "completed"
    clock.advance(2)
    assert store.get("t") is None
    assert store.claim("t", owner="b", ttl=100).status == "acquired"


def test_forget_and_resolve(store_and_clock: tuple[Any, ManualClock]) -> None:
    store, _ = store_and_clock
    store.claim("x", owner="a")
    store.mark_pending("x", owner="a")
    store.resolve("x", "99")
    record = store.get("x")
    assert record is not None and (record.state, record.result_id) == ("completed", "99")
    store.forget("x")
    assert store.get("x") is None


def test_sqlite_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "idem.sqlite3"
    with SQLiteIdempotencyStore(path) as first:
        first.claim("wo:1", owner="a")
        first.complete("wo:1", result_id="5", response=b'{"id":5}')
        first.claim("wo:2", owner="a")
        first.mark_pending("wo:2", owner="a")
    with SQLiteIdempotencyStore(path) as second:
        assert second.claim("wo:1", owner="b").record.response == b'{"id":5}'
        assert second.claim("wo:2", owner="b").status == "resumed"
    assert "idem.sqlite3" in repr(second)


def test_threads_race_for_one_key_exactly_one_wins(
    store_and_clock: tuple[Any, ManualClock],
) -> None:
    store, _ = store_and_clock
    barrier = threading.Barrier(12)
    statuses: list[str] = []

    def worker(n: int) -> None:
        barrier.wait()
        statuses.append(store.claim("race", owner=f"o{n}").status)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == ["acquired"] + ["in_progress"] * 11


def _claim_in_process(path: str, owner: str, start: Any, out: Any) -> None:
    start.wait()
    store = SQLiteIdempotencyStore(path)
    out.put(store.claim("proc-race", owner=owner).status)
    store.close()


def test_processes_race_for_one_key_exactly_one_wins(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    path = str(tmp_path / "p.sqlite3")
    SQLiteIdempotencyStore(path).close()  # create the schema first
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_claim_in_process, args=(path, f"p{i}", start, out)) for i in range(4)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(20)
    statuses = sorted(out.get(timeout=5) for _ in procs)
    assert statuses == ["acquired", "in_progress", "in_progress", "in_progress"]


def test_record_json_round_trip() -> None:
    record = IdempotencyRecord(
        key="k",
        state="completed",
        created_at=1.0,
        updated_at=2.0,
        expires_at=3.0,
        result_id="9",
        response=b"\x00\xffbinary",
    )
    assert IdempotencyRecord.from_json(record.to_json()) == record


def test_memory_store_is_bounded() -> None:
    store = InMemoryIdempotencyStore(maxsize=3)
    for n in range(5):
        store.claim(f"k{n}", owner="a")
    assert len(store) == 3


def test_derived_keys_are_deterministic_and_canonical() -> None:
    a = derive_key("work_orders.create", {"title": "Pump", "priority": "HIGH"})
    b = derive_key("work_orders.create", {"priority": "HIGH", "title": "Pump"})
    assert a == b and a.startswith("derived-")
    assert a != derive_key("work_orders.create", {"title": "Pump", "priority": "LOW"})
    assert a != derive_key("assets.create", {"title": "Pump", "priority": "HIGH"})
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(ValidationError, match="not plain JSON"):
        derive_key("x", {"when": object()})
    with pytest.raises(ValidationError):
        derive_key("x", {"n": float("nan")})


def test_derive_key_takes_what_a_create_takes() -> None:
    import hashlib
    from datetime import UTC, date, datetime, timedelta, timezone
    from decimal import Decimal

    from maintainx_sdk.idempotency import derive_key

    op = "work_orders.create"
    due = datetime(2030, 1, 1, 12, tzinfo=UTC)
    same_instant = due.astimezone(timezone(timedelta(hours=2)))
    assert derive_key(op, {"dueDate": due}) == derive_key(op, {"dueDate": same_instant})
    assert derive_key(op, {"dueDate": due}) != derive_key(op, {"dueDate": due + timedelta(1)})
    assert derive_key(op, {"tags": {"b", "a", "c"}}) == derive_key(op, {"tags": ["a", "b", "c"]})
    assert derive_key(op, {"d": date(2030, 1, 1)}) == derive_key(op, {"d": "2030-01-01"})
    assert derive_key(op, {"n": Decimal("1.5")}) == derive_key(op, {"n": "1.5"})
    # Plain payloads keep the keys they always had.
    plain = {"title": "Weekly check", "priority": "LOW"}
    body = b'{"priority":"LOW","title":"Weekly check"}'
    assert (
        derive_key(op, plain) == "derived-" + hashlib.sha256(op.encode() + b"\n" + body).hexdigest()
    )
    with pytest.raises(ValidationError, match="not plain JSON"):
        derive_key(op, {"x": object()})


@pytest.mark.parametrize("where", ["missing-dir/store.sqlite", "not-a-database.sqlite"])
def test_an_unusable_sqlite_file_is_a_typed_error_that_says_what_to_fix(
    tmp_path: Path, where: str
) -> None:
    from maintainx_sdk.checkpoints import SQLiteCheckpointStore
    from maintainx_sdk.errors import ConfigurationError
    from maintainx_sdk.idempotency import SQLiteIdempotencyStore

    (tmp_path / "not-a-database.sqlite").write_bytes(b"this is not sqlite " * 100)
    for make in (SQLiteIdempotencyStore, SQLiteCheckpointStore):
        with pytest.raises(ConfigurationError) as caught:
            make(tmp_path / where)
        assert str(tmp_path / where) in str(caught.value)
        assert "writable directory" in str(caught.value)
