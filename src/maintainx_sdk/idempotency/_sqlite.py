"""A SQLite idempotency store: one file, survives restarts, safe across threads and processes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from .._sqlite_file import open_sqlite
from ._records import IdempotencyRecord
from ._store import AtomicStore, R, Transition

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_records (
    key TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SQLiteIdempotencyStore(AtomicStore):
    """Records in a SQLite file. Each change runs in a ``BEGIN IMMEDIATE`` transaction, so
    processes sharing the file see one order of claims (WAL mode; writers wait up to
    ``busy_timeout`` seconds for each other).

    Calls block briefly (a local file write); the async client calls them inline. Open the
    store in each process (after a fork), not before: a SQLite connection must not cross one.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = os.fspath(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._conn = open_sqlite(
            self.path,
            what="SQLiteIdempotencyStore",
            setup=("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", _SCHEMA),
            timeout=busy_timeout,
        )
        self._writes = 0

    def _transact(self, key: str, transition: Transition[R]) -> R:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock()
                row = conn.execute(
                    "SELECT record FROM idempotency_records WHERE key = ?", (key,)
                ).fetchone()
                existing = IdempotencyRecord.from_json(row[0]) if row else None
                new, result = transition(existing, now)
                if new is None:
                    conn.execute("DELETE FROM idempotency_records WHERE key = ?", (key,))
                elif new is not existing:
                    conn.execute(
                        "INSERT OR REPLACE INTO idempotency_records (key, record, expires_at) "
                        "VALUES (?, ?, ?)",
                        (key, new.to_json(), new.expires_at),
                    )
                self._writes += 1
                if self._writes % 1000 == 0:
                    conn.execute("DELETE FROM idempotency_records WHERE expires_at <= ?", (now,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return result

    def get(self, key: str) -> IdempotencyRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT record FROM idempotency_records WHERE key = ?", (key,)
            ).fetchone()
        record = IdempotencyRecord.from_json(row[0]) if row else None
        return record if record is not None and record.live(self.clock()) else None

    def forget(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM idempotency_records WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteIdempotencyStore({self.path!r})"
