"""Where incremental sync keeps its place: the checkpoint and its stores.

A :class:`CheckpointStore` saves a checkpoint inside a transaction that the sync opens
around the user's handler, so a store that can share that transaction with the handler
(SQLite: the same connection; Redis: the same MULTI pipeline) commits the handler's writes
and the new checkpoint together or not at all.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ._redis_bounds import BoundedRedis, typed
from ._sqlite_file import open_sqlite
from .errors import CheckpointConflictError, ConfigurationError

#: Where :class:`~maintainx_sdk.sync.IncrementalSync` keeps checkpoints unless told otherwise.
DEFAULT_SQLITE_PATH = "maintainx_sync.sqlite3"
REDIS_KEY_PREFIX = "maintainx-sdk:checkpoint:"
#: Seconds a SQLite store waits for another writer before "database is locked".
BUSY_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The position of one sync: everything needed to resume exactly.

    ``watermark`` is the newest ``updatedAt`` delivered; ``delivered`` maps the ids delivered
    at or just before it (within the look-back window) to the ``updatedAt`` they had, so a
    restart does not hand them over again; ``floor`` and ``cursor`` are set only inside a
    run of items sharing one timestamp, where the server's cursor must be followed.
    ``synced_through`` is the (client) time at which the last complete pass started:
    every change made before it has been delivered.
    """

    watermark: str | None = None
    delivered: Mapping[str, str] = field(default_factory=dict)
    floor: str | None = None
    cursor: str | None = None
    synced_through: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        data = json.loads(text)
        return cls(
            watermark=data.get("watermark"),
            delivered={str(k): str(v) for k, v in (data.get("delivered") or {}).items()},
            floor=data.get("floor"),
            cursor=data.get("cursor"),
            synced_through=data.get("synced_through"),
        )


class CheckpointTransaction(Protocol):
    """One open store transaction. ``handle`` lets the handler write in it (or is None)."""

    @property
    def handle(self) -> Any: ...

    def save(self, checkpoint: Checkpoint) -> None: ...


@runtime_checkable
class CheckpointStore(Protocol):
    """Loads and transactionally saves checkpoints by key.

    The sync calls ``load`` inside ``transaction`` too (to check that no other run moved the
    checkpoint), so ``load`` must not wait for a lock the open transaction holds.
    """

    def load(self, key: str) -> Checkpoint | None: ...

    def transaction(self, key: str) -> AbstractContextManager[CheckpointTransaction]: ...

    def delete(self, key: str) -> None: ...


@dataclass(slots=True)
class _StagedTransaction:
    handle: Any = None
    staged: Checkpoint | None = None

    def save(self, checkpoint: Checkpoint) -> None:
        self.staged = checkpoint


class MemoryCheckpointStore:
    """Checkpoints in a dict: for tests and for processes that always start over."""

    def __init__(self) -> None:
        self._data: dict[str, Checkpoint] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> Checkpoint | None:
        with self._lock:
            return self._data.get(key)

    @contextmanager
    def transaction(self, key: str) -> Iterator[CheckpointTransaction]:
        txn = _StagedTransaction()
        yield txn
        if txn.staged is not None:
            with self._lock:
                self._data[key] = txn.staged

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class SQLiteCheckpointStore:
    """Checkpoints in a SQLite file (the default store).

    Each save is one ``BEGIN IMMEDIATE`` transaction in WAL mode with ``synchronous=FULL``,
    so a killed process leaves either the previous checkpoint or the new one. ``handle`` of
    the transaction is the :class:`sqlite3.Connection` itself: tables the handler writes
    through it commit atomically with the checkpoint (exactly-once processing).
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_SQLITE_PATH) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = open_sqlite(
            self.path,
            what="SQLiteCheckpointStore",
            setup=(
                "PRAGMA journal_mode=WAL",
                "PRAGMA synchronous=FULL",
                f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}",
                "CREATE TABLE IF NOT EXISTS maintainx_checkpoints "
                "(key TEXT PRIMARY KEY, data TEXT NOT NULL)",
            ),
        )

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    def load(self, key: str) -> Checkpoint | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM maintainx_checkpoints WHERE key = ?", (key,)
            ).fetchone()
        return Checkpoint.from_json(row[0]) if row else None

    @contextmanager
    def transaction(self, key: str) -> Iterator[CheckpointTransaction]:
        with self._lock:
            if self._conn.in_transaction:  # same thread: another sync's handler is awaiting
                raise ConfigurationError(
                    "this SQLiteCheckpointStore is already inside another sync's transaction; "
                    "give each concurrently running sync its own store object (same file is fine)"
                )
            self._conn.execute("BEGIN IMMEDIATE")
            with self._committing(key) as txn:
                yield txn

    @asynccontextmanager
    async def atransaction(self, key: str) -> AsyncIterator[CheckpointTransaction]:
        """:meth:`transaction` for the asyncio sync: waits for the write lock (held by another
        task, thread or process) by polling, so the event loop keeps running meanwhile.

        Blocking in ``BEGIN IMMEDIATE`` instead would freeze the loop, and with it the task
        that holds the lock: two async syncs on one SQLite file would stall until
        ``busy_timeout`` and fail with "database is locked".
        """
        deadline = time.monotonic() + BUSY_TIMEOUT
        delay = 0.001
        while not self._try_begin():
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError(
                    f"database is locked: waited {BUSY_TIMEOUT:g} s for the checkpoint store "
                    f"{self.path}"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
        try:
            with self._committing(key) as txn:
                yield txn
        finally:
            self._lock.release()

    def _try_begin(self) -> bool:
        """Take the lock and ``BEGIN IMMEDIATE`` without waiting; False when either is busy.
        On True the caller holds ``self._lock`` and must release it."""
        if not self._lock.acquire(blocking=False):
            return False
        if not self._conn.in_transaction:  # else: another task's transaction, same connection
            self._conn.execute("PRAGMA busy_timeout=0")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    self._lock.release()
                    raise
            finally:
                self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        self._lock.release()
        return False

    @contextmanager
    def _committing(self, key: str) -> Iterator[_StagedTransaction]:
        """Inside ``BEGIN``: yield the transaction, then save its checkpoint and commit (or
        roll back on any exception, cancellation included)."""
        txn = _StagedTransaction(handle=self._conn)
        try:
            yield txn
            if txn.staged is not None:
                self._conn.execute(
                    "INSERT INTO maintainx_checkpoints (key, data) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET data = excluded.data",
                    (key, txn.staged.to_json()),
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM maintainx_checkpoints WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class RedisCheckpointStore:
    """Checkpoints in Redis, shared by every host that runs the sync.

    ``handle`` of a transaction is a ``MULTI`` pipeline: commands the handler queues on it
    run atomically with the checkpoint write when the handler returns. The checkpoint key is
    ``WATCH``-ed for the transaction: if another run writes it meanwhile, nothing is applied
    and :class:`~maintainx_sdk.errors.CheckpointConflictError` is raised.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        url: str | None = None,
        prefix: str = REDIS_KEY_PREFIX,
        timeout: float | None = None,
    ) -> None:
        if client is None:
            url = url or os.environ.get("REDIS_URL")
            if not url:
                raise ConfigurationError(
                    "RedisCheckpointStore needs a redis client, url= or the REDIS_URL variable"
                )
            try:
                import redis
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ConfigurationError(
                    "RedisCheckpointStore needs the redis package: pip install 'maintainx-sdk[redis]'"
                ) from exc
            client = redis.Redis.from_url(url)
        self._redis = client
        self._bounded = BoundedRedis(client, "the Redis checkpoint store", timeout=timeout)
        self._prefix = prefix

    def load(self, key: str) -> Checkpoint | None:
        with typed(self._bounded.what):
            raw = self._bounded.now().get(self._prefix + key)
        return Checkpoint.from_json(raw) if raw else None

    @contextmanager
    def transaction(self, key: str) -> Iterator[CheckpointTransaction]:
        name = self._prefix + key
        with typed(self._bounded.what):
            pipe = self._bounded.now().pipeline(transaction=True)
        try:
            # WATCH first: a checkpoint written by anyone else from here on aborts the EXEC,
            # so a check of the stored checkpoint made inside the transaction holds.
            with typed(self._bounded.what):
                pipe.watch(name)
            pipe.multi()
            txn = _StagedTransaction(handle=pipe)
            yield txn
            if txn.staged is not None:
                pipe.set(name, txn.staged.to_json())
            try:
                with typed(self._bounded.what):  # a lost connection is not a conflict
                    pipe.execute()
            except Exception as exc:
                if type(exc).__name__ != "WatchError":
                    raise
                raise CheckpointConflictError(
                    f"the checkpoint {key!r} was moved by another run of this sync during this "
                    "page; the page's commands were discarded"
                ) from None
        finally:
            pipe.reset()

    def delete(self, key: str) -> None:
        with typed(self._bounded.what):
            self._bounded.now().delete(self._prefix + key)

    def close(self) -> None:
        """Close the connection pools made for short deadlines (the client stays yours)."""
        self._bounded.close()


@asynccontextmanager
async def async_transaction(
    store: CheckpointStore, key: str
) -> AsyncIterator[CheckpointTransaction]:
    """``store``'s transaction for the asyncio sync: its ``atransaction`` when it has one
    (it waits for the store without blocking the event loop), else ``transaction``."""
    atransaction: Callable[[str], AbstractAsyncContextManager[CheckpointTransaction]] | None
    atransaction = getattr(store, "atransaction", None)
    if atransaction is not None:
        async with atransaction(key) as txn:
            yield txn
    else:
        with store.transaction(key) as txn:
            yield txn


def open_store(store: CheckpointStore | str | os.PathLike[str] | None) -> CheckpointStore:
    """A store from a store, a SQLite path, or None (the default SQLite file)."""
    if store is None:
        return SQLiteCheckpointStore(DEFAULT_SQLITE_PATH)
    if isinstance(store, str | os.PathLike):
        return SQLiteCheckpointStore(store)
    return store
