"""The idempotency store protocol, the shared store logic, and the in-memory store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeVar, runtime_checkable

from cachetools import TLRUCache

from ._records import (
    Claim,
    IdempotencyRecord,
    claim_transition,
    complete_transition,
    pending_transition,
    release_transition,
)

R = TypeVar("R")
Transition = Callable[[IdempotencyRecord | None, float], tuple[IdempotencyRecord | None, R]]

#: How long a record is kept (a re-run within this window is recognised): one day.
DEFAULT_TTL = 24 * 3600.0
#: How long a claim keeps others out while its owner works (longer than one guarded call).
DEFAULT_LEASE = 300.0


@runtime_checkable
class IdempotencyStore(Protocol):
    """Where idempotency records live. Every method is atomic for one key.

    Built-in: :class:`InMemoryIdempotencyStore` (one process), ``SQLiteIdempotencyStore``
    (a file; survives restarts, shared by processes on one host) and
    ``RedisIdempotencyStore`` (shared by hosts). To add a backend, subclass
    :class:`AtomicStore` and implement ``_transact``, ``get``, ``forget`` and ``close``.
    """

    def claim(
        self,
        key: str,
        *,
        owner: str,
        lease: float = DEFAULT_LEASE,
        ttl: float = DEFAULT_TTL,
        fingerprint: str | None = None,
    ) -> Claim: ...

    def complete(
        self,
        key: str,
        *,
        result_id: str | None = None,
        response: bytes | None = None,
        ttl: float = DEFAULT_TTL,
    ) -> None: ...

    def mark_pending(self, key: str, *, owner: str) -> None: ...

    def release(self, key: str, *, owner: str) -> None: ...

    def resolve(self, key: str, result_id: str | None) -> None: ...

    def get(self, key: str) -> IdempotencyRecord | None: ...

    def forget(self, key: str) -> None: ...

    def close(self) -> None: ...


class AtomicStore:
    """The shared part of every store: backends only supply an atomic read-modify-write."""

    clock: Callable[[], float]

    def _transact(self, key: str, transition: Transition[R]) -> R:  # pragma: no cover
        raise NotImplementedError

    def claim(
        self,
        key: str,
        *,
        owner: str,
        lease: float = DEFAULT_LEASE,
        ttl: float = DEFAULT_TTL,
        fingerprint: str | None = None,
    ) -> Claim:
        """Take the key (or learn it is done, busy, or used for another payload)."""
        return self._transact(
            key,
            partial(
                claim_transition,
                key=key,
                owner=owner,
                lease=lease,
                ttl=ttl,
                fingerprint=fingerprint,
            ),
        )

    def complete(
        self,
        key: str,
        *,
        result_id: str | None = None,
        response: bytes | None = None,
        ttl: float = DEFAULT_TTL,
    ) -> None:
        """Record the result; later claims of the key answer ``completed`` until it expires."""
        self._transact(
            key,
            partial(complete_transition, key=key, ttl=ttl, result_id=result_id, response=response),
        )

    def mark_pending(self, key: str, *, owner: str) -> None:
        """The owner sent a request whose outcome is unknown: the next claim must resolve it."""
        self._transact(key, partial(pending_transition, owner=owner))

    def release(self, key: str, *, owner: str) -> None:
        """The owner failed before anything could have been applied: free the key."""
        self._transact(key, partial(release_transition, owner=owner))

    def resolve(self, key: str, result_id: str | None) -> None:
        """Operator action: mark an unresolved key as done with the record you found by hand."""
        self.complete(key, result_id=result_id)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release resources (connections); the default has none."""


class InMemoryIdempotencyStore(AtomicStore):
    """A per-process store (cachetools TLRU cache, lock-protected). Lost when the process ends.

    ``maxsize`` bounds memory: past it the least recently used records are dropped early,
    so size it above the number of keys you use within one TTL.
    """

    def __init__(self, *, maxsize: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._records: TLRUCache[str, IdempotencyRecord] = TLRUCache(
            maxsize=maxsize, ttu=lambda _key, record, _now: record.expires_at, timer=clock
        )

    def _transact(self, key: str, transition: Transition[R]) -> R:
        with self._lock:
            now = self.clock()
            existing = self._records.get(key)
            new, result = transition(existing, now)
            if new is None:
                self._records.pop(key, None)
            elif new is not existing:
                self._records[key] = new
            return result

    def get(self, key: str) -> IdempotencyRecord | None:
        with self._lock:
            record = self._records.get(key)
        return record if record is not None and record.live(self.clock()) else None

    def forget(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            self._records.expire()
            return len(self._records)
