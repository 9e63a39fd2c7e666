"""Incremental sync: pull what changed since the last checkpoint, page by page, and resume
exactly where a stopped (or killed) process left off.

>>> from maintainx_sdk.sync import IncrementalSync
>>> sync = IncrementalSync(mx, "work_orders", store="sync.sqlite3")
>>> report = sync.run(lambda batch: upsert(batch.items))
>>> report.lag   # seconds since the start of the last complete pass

How it pages: ``updatedAt[gte]=<watermark>`` sorted by ``updatedAt``, re-anchored on the
newest ``updatedAt`` after every page (keyset paging through the filter, see
:class:`~maintainx_sdk.pagination.PageWalk`), skipping versions (id + ``updatedAt``) already
delivered at the boundary. That is exact for cursor-backed work orders and for the
offset-backed assets, parts and purchase orders alike: edits, inserts and deletes during a
pass can neither shift a record out of it nor hand the same version over twice.

Delivery and commit: for each page the handler is called inside a store transaction, and
the new checkpoint is saved in that same transaction after the handler returns. A crash
before the commit re-delivers that page on restart (at-least-once); writes the handler makes
through ``batch.transaction`` (the SQLite connection, or the Redis MULTI pipeline) commit
with the checkpoint, which makes processing exactly-once. Otherwise make the handler
idempotent (upsert by id and ``updatedAt``). Before the handler runs, the stored checkpoint is
checked to be the one the page was read from: a second run of the same sync (another
process or host) that moved it meanwhile makes this run raise
:class:`~maintainx_sdk.errors.CheckpointConflictError` instead of processing the page again.

Layout: the sources and keys are in ``_sync_source``, a run's walk and checkpoints (no I/O)
in ``_sync_pass``. :class:`IncrementalSync` and :class:`AsyncIncrementalSync` stay twinned
in their typed constructors (the overloads pick the item type per client; the body only
forwards) and in ``run``, a loop around three I/O steps (send, store transaction, handler
call, each blocking or awaited); every decision in it is in ``_SyncCore`` and ``Pass``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

from pydantic import BaseModel

from ._constants import MAX_PAGE_SIZE
from ._operation import Operation
from ._page_walk import Page, PageWalk
from ._sync_pass import (
    Clock,
    Pass,
    SyncBatch,
    SyncReport,
    SyncStatus,
    lag_seconds,
    utcnow,
)
from ._sync_source import (
    SHOW_UPCOMING,
    SOURCES,
    SourceName,
    default_key,
    filters_of,
    source_operation,
)
from .checkpoints import (
    Checkpoint,
    CheckpointStore,
    CheckpointTransaction,
    async_transaction,
    open_store,
)
from .errors import ValidationError
from .pagination import AsyncPager, SyncPager
from .progress import ProgressCallback, ProgressTracker, track

if TYPE_CHECKING:
    from ._sender import AsyncSender, SyncSender

__all__ = [
    "SHOW_UPCOMING",
    "SOURCES",
    "AsyncIncrementalSync",
    "Clock",
    "IncrementalSync",
    "SourceName",
    "SyncBatch",
    "SyncReport",
    "SyncStatus",
    "lag_seconds",
    "source_operation",
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Item = TypeVar("Item")


class _SyncCore(Generic[T]):
    """Everything but the I/O: the walk, the checkpoints and the report."""

    def __init__(
        self,
        client: Any,
        source: str | Operation[Any] | SyncPager[Any] | AsyncPager[Any] = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: type[BaseModel] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        if lookback < 0:
            raise ValidationError(
                f"lookback must be >= 0 seconds (got {lookback})",
                errors=[{"field": "lookback", "message": "must be >= 0"}],
            )
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError(
                f"page_size must be between 1 and {MAX_PAGE_SIZE} (got {page_size})",
                errors=[{"field": "page_size", "message": f"must be 1..{MAX_PAGE_SIZE}"}],
            )
        self._client = client
        base_query: dict[str, Any] = {}
        if isinstance(source, SyncPager | AsyncPager):
            base_query = filters_of(source)
            source = source.operation
        self.op: Operation[Any] = source_operation(source, item_model)
        self.store: CheckpointStore = open_store(store)
        # A store we opened from a path (or the default file) is ours to close; yours is not.
        self._owns_store = store is None or isinstance(store, str | os.PathLike)
        self._query = {**base_query, **(query or {})}
        if self.op.path == "/workorders" and self._query.get(SHOW_UPCOMING) is None:
            # The work-order list leaves out those starting in the future unless asked.
            self._query[SHOW_UPCOMING] = True
        self.key: str = key or default_key(self.op, client.config, self._query)
        self._page_size = page_size
        self._lookback = lookback
        self._clock = clock

    def status(self) -> SyncStatus:
        """The stored checkpoint and the current lag (no request is made)."""
        checkpoint = self.store.load(self.key)
        synced = checkpoint.synced_through if checkpoint else None
        return SyncStatus(checkpoint=checkpoint, lag=lag_seconds(synced, self._clock()))

    def reset(self) -> None:
        """Forget the checkpoint: the next run starts from the beginning."""
        self.store.delete(self.key)

    def close(self) -> None:
        """Close the checkpoint store if this sync opened it (from a path or the default)."""
        close = getattr(self.store, "close", None)
        if self._owns_store and callable(close):
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(
        self, max_pages: int | None, progress: ProgressCallback | None
    ) -> tuple[Pass[T], ProgressTracker]:
        """A run's pass from the stored checkpoint, and its progress tracker."""
        saved = self.store.load(self.key) or Checkpoint()
        walk: PageWalk[T] = PageWalk(
            self.op,
            query={**self._query, "limit": self._page_size},
            cursor=saved.cursor,
            max_pages=max_pages,
            anchor=True,
            lookback=self._lookback,
            watermark=saved.watermark,
            floor=saved.floor if saved.cursor is not None else None,
            delivered=saved.delivered,
        )
        return Pass(walk, saved, self._clock), track(progress, task=f"sync {self.op.name}")

    def _deliveries(
        self, run: Pass[T], page: Page[T], txn: CheckpointTransaction
    ) -> Iterator[SyncBatch[T]]:
        """A page's commit, inside its store transaction: the checkpoint must be the one the
        page was read from; then the batch for the handler (none for an empty page); once the
        handler returned, the new checkpoint. A handler that raises saves nothing."""
        run.check_unchanged(self.store, self.key)
        if page.items:
            yield run.batch(page, txn.handle)
        txn.save(run.checkpoint)

    def _report(self, run: Pass[T], tracker: ProgressTracker) -> SyncReport:
        tracker.finish()
        now = self._clock()
        return SyncReport(
            items=run.walk.items,
            pages=run.walk.pages,
            skipped=run.walk.skipped,
            caught_up=run.caught_up,
            watermark=run.checkpoint.watermark,
            synced_through=run.checkpoint.synced_through,
            lag=lag_seconds(run.checkpoint.synced_through, now),
        )


class IncrementalSync(_SyncCore[T]):
    """Incremental sync on the blocking client. See the module docstring.

    The item type follows the source: a pager's (or list operation's) items
    (``IncrementalSync(mx, mx.work_orders.list())`` hands over ``WorkOrderListItem`` models),
    ``item_model`` with a source name, or the raw JSON objects (``dict[str, Any]``) for a bare
    source name.
    """

    _client: SyncSender

    @overload
    def __init__(
        self: IncrementalSync[Item],
        client: SyncSender,
        source: SyncPager[Item] | AsyncPager[Item] | Operation[Item],
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        clock: Clock = utcnow,
    ) -> None: ...
    @overload
    def __init__(
        self: IncrementalSync[dict[str, Any]],
        client: SyncSender,
        source: SourceName = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: None = None,
        clock: Clock = utcnow,
    ) -> None: ...
    @overload
    def __init__(
        self: IncrementalSync[M],
        client: SyncSender,
        source: SourceName = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: type[M],
        clock: Clock = utcnow,
    ) -> None: ...
    def __init__(
        self,
        client: SyncSender,
        source: str | Operation[Any] | SyncPager[Any] | AsyncPager[Any] = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: type[BaseModel] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(
            client,
            source,
            store=store,
            key=key,
            query=query,
            page_size=page_size,
            lookback=lookback,
            item_model=item_model,
            clock=clock,
        )

    def run(
        self,
        handler: Callable[[SyncBatch[T]], object],
        *,
        max_pages: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Deliver every change since the checkpoint to ``handler``, a page at a time,
        committing the checkpoint after each page. Empty pages are committed without a call.
        ``progress`` is called after each committed page (see :mod:`maintainx_sdk.progress`)."""
        run, tracker = self._start(max_pages, progress)
        while (request := run.next_request()) is not None:
            with tracker.scope():
                page = run.accept(self._client.send(request))
            with self.store.transaction(self.key) as txn:
                for batch in self._deliveries(run, page, txn):
                    handler(batch)
            tracker.page(len(page.items))
        return self._report(run, tracker)


class AsyncIncrementalSync(_SyncCore[T]):
    """Incremental sync on the asyncio client; the handler may be sync or async.

    The checkpoint store is called directly (SQLite and Redis calls are short and local);
    a store with ``atransaction`` (SQLite) waits for its write lock without blocking the loop.
    """

    _client: AsyncSender

    @overload
    def __init__(
        self: AsyncIncrementalSync[Item],
        client: AsyncSender,
        source: SyncPager[Item] | AsyncPager[Item] | Operation[Item],
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        clock: Clock = utcnow,
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncIncrementalSync[dict[str, Any]],
        client: AsyncSender,
        source: SourceName = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: None = None,
        clock: Clock = utcnow,
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncIncrementalSync[M],
        client: AsyncSender,
        source: SourceName = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: type[M],
        clock: Clock = utcnow,
    ) -> None: ...
    def __init__(
        self,
        client: AsyncSender,
        source: str | Operation[Any] | SyncPager[Any] | AsyncPager[Any] = "work_orders",
        *,
        store: CheckpointStore | str | os.PathLike[str] | None = None,
        key: str | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        lookback: float = 0.0,
        item_model: type[BaseModel] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(
            client,
            source,
            store=store,
            key=key,
            query=query,
            page_size=page_size,
            lookback=lookback,
            item_model=item_model,
            clock=clock,
        )

    async def run(
        self,
        handler: Callable[[SyncBatch[T]], Awaitable[object] | object],
        *,
        max_pages: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Deliver every change since the checkpoint to ``handler``; see :meth:`IncrementalSync.run`."""
        run, tracker = self._start(max_pages, progress)
        while (request := run.next_request()) is not None:
            with tracker.scope():
                page = run.accept(await self._client.send(request))
            async with async_transaction(self.store, self.key) as txn:
                for batch in self._deliveries(run, page, txn):
                    result = handler(batch)
                    if inspect.isawaitable(result):
                        await result
            tracker.page(len(page.items))
        return self._report(run, tracker)
