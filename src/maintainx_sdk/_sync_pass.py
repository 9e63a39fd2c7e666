"""One run of an incremental sync without I/O: the walk, the checkpoint after each page, the
conflict check and what the run reports (the sync classes send and commit for it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from ._page_walk import Page, PageWalk
from ._request import APIRequest
from ._response import APIResponse
from ._timestamps import format_timestamp, parse_timestamp
from .checkpoints import Checkpoint, CheckpointStore
from .errors import CheckpointConflictError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyncBatch(Generic[T]):
    """One page of changes handed to the handler."""

    items: list[T]
    checkpoint: Checkpoint
    """The checkpoint that is committed once the handler returns."""
    transaction: Any
    """The store's open transaction handle: write through it to commit with the checkpoint."""
    last: bool
    """True on the page that completes the pass."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one :meth:`IncrementalSync.run` did."""

    items: int
    pages: int
    skipped: int
    """Versions the API sent again that had already been delivered (boundary repeats)."""
    caught_up: bool
    """True when the pass reached the end of the changes (``nextCursor`` null)."""
    watermark: str | None
    synced_through: str | None
    lag: float | None
    """Seconds between the end of the run and ``synced_through`` (None before a full pass)."""


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The stored position of a sync, read without touching the API."""

    checkpoint: Checkpoint | None
    lag: float | None


Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def lag_seconds(synced_through: str | None, now: datetime) -> float | None:
    at = parse_timestamp(synced_through)
    return None if at is None else max((now - at).total_seconds(), 0.0)


class Pass(Generic[T]):
    """One run's walk plus the checkpoint after each of its pages."""

    def __init__(self, walk: PageWalk[T], saved: Checkpoint, clock: Clock) -> None:
        self.walk = walk
        self.checkpoint = saved
        self.previous = saved
        """The checkpoint the current page was read from."""
        self.caught_up = False
        self._clock = clock
        self._asked_at = ""

    def next_request(self) -> APIRequest | None:
        """The walk's next request; remembers when it was asked for (for ``synced_through``)."""
        self._asked_at = format_timestamp(self._clock())
        return self.walk.next_request()

    def accept(self, response: APIResponse) -> Page[T]:
        self.previous = self.checkpoint
        page = self.walk.accept(response)
        complete = page.next_cursor is None
        self.caught_up = complete
        walk = self.walk
        self.checkpoint = Checkpoint(
            watermark=walk.watermark,
            delivered=dict(walk.delivered),
            floor=walk.floor if walk.resume_cursor is not None else None,
            cursor=walk.resume_cursor,
            # The last page answered everything changed up to the moment it was requested.
            synced_through=self._asked_at if complete else self.checkpoint.synced_through,
        )
        return page

    def check_unchanged(self, store: CheckpointStore, key: str) -> None:
        """Inside the page's store transaction: refuse to commit over a checkpoint that
        another run of this sync moved meanwhile (both would process the same page)."""
        stored = store.load(key) or Checkpoint()
        if stored != self.previous:
            raise CheckpointConflictError(
                f"the checkpoint {key!r} was moved by another run of this sync while this one "
                "read a page; this page was not processed. Run one sync per key at a time"
            )

    def batch(self, page: Page[T], handle: Any) -> SyncBatch[T]:
        return SyncBatch(
            items=page.items, checkpoint=self.checkpoint, transaction=handle, last=self.caught_up
        )
