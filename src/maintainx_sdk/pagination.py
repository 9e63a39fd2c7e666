"""Cursor pagination: iterate every item across pages, sync (``for``) and async (``async for``).

Paging trusts the cursor, never the item count: it stops only when ``nextCursor`` is null
(never on a short or empty page), and raises :class:`CursorNotAdvancingError` when the API
hands back a cursor it already gave. One page is held in memory at a time, and nothing is
held open between pages: each response is read in full by the pipeline, so breaking out of
a loop (or dropping an ``async for`` half way) leaves no connection checked out.

The decisions live in :class:`PageWalk` (no I/O, in ``_page_walk``; the wire parameters and
resume tokens in ``_page_query``); :class:`SyncPager` and :class:`AsyncPager` only send the
requests it asks for. Their page and item iterators stay twinned: they differ in the send
(``await``) and in the iterator protocol they implement.

Offset-backed lists: ``/assets``, ``/parts`` and ``/purchaseorders`` page by offset behind
the cursor, so a record inserted or edited during a walk can shift the pages under it.
Walks over them drop repeated ids (memory: the ids only), and a walk in their default
order (or sorted by ``updatedAt``) goes in ``updatedAt`` order and re-anchors every page on
``updatedAt[gte]`` (keyset paging through the filter), so edits, inserts and deletes made
during the walk cannot push an unchanged record out of it.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from ._operation import Operation
from ._page_query import (
    OFFSET_PAGED_PATHS,
    RESUME_PREFIX,
    UPDATED_AT,
    UPDATED_GTE,
    default_walk_options,
    item_id,
    query_key,
)
from ._page_walk import Page, PageWalk
from ._request import APIRequest
from ._response import APIResponse
from .errors import ValidationError
from .progress import ProgressCallback, ProgressTracker, track

if TYPE_CHECKING:
    from ._sender import AsyncSender, SyncSender

__all__ = [
    "OFFSET_PAGED_PATHS",
    "RESUME_PREFIX",
    "UPDATED_AT",
    "UPDATED_GTE",
    "AsyncPager",
    "Page",
    "PageWalk",
    "SyncPager",
    "default_walk_options",
    "item_id",
    "query_key",
]

T = TypeVar("T")
C = TypeVar("C")
P = TypeVar("P")


class _PagerBase(Generic[T]):
    _progress: ProgressCallback | None = None

    def __init__(
        self,
        client: Any,
        op: Operation[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        dedupe: bool | None = None,
    ) -> None:
        if op.items_key is None:
            raise TypeError(f"{op.name} is not a paginated operation")
        self._client = client
        self._op = op
        options = default_walk_options(op, query or {})
        given = cursor if cursor is not None else (query or {}).get("cursor")
        if given is not None and not str(given).startswith(RESUME_PREFIX):
            options["anchor"] = False  # a server cursor belongs to the server's own walk
        if dedupe is not None:
            options["dedupe"] = dedupe
        self._walk_args: dict[str, Any] = dict(
            path=path,
            query=query,
            headers=headers,
            cursor=cursor,
            max_items=max_items,
            max_pages=max_pages,
            **options,
        )
        self._walk: PageWalk[T] = self._new_walk()
        self._walk.next_request()  # bad arguments raise here, at the call, not at iteration

    def with_options(
        self,
        *,
        max_items: int | None = None,
        max_pages: int | None = None,
        dedupe: bool | None = None,
        progress: ProgressCallback | None = None,
    ) -> Self:
        """A copy of this pager with walk bounds (``max_items``, ``max_pages``), with
        repeated ids dropped or kept (``dedupe``), or reporting to a ``progress`` callback
        (see :mod:`maintainx_sdk.progress`); the original is unchanged."""
        clone = copy.copy(self)
        if progress is not None:
            track(progress, task=self._op.name)  # a bad callback fails here, not mid-walk
            clone._progress = progress
        clone._walk_args = dict(self._walk_args)
        for name, value in (("max_items", max_items), ("max_pages", max_pages)):
            if value is not None:
                clone._walk_args[name] = value
        if dedupe is not None:
            clone._walk_args["dedupe"] = dedupe
        clone._new_walk()
        return clone

    @property
    def operation(self) -> Operation[T]:
        """The list operation this pager walks."""
        return self._op

    @property
    def query(self) -> dict[str, Any]:
        """The caller's query parameters (without ``None`` values)."""
        return {k: v for k, v in (self._walk_args["query"] or {}).items() if v is not None}

    def _new_walk(self) -> PageWalk[T]:
        self._walk = PageWalk(self._op, **self._walk_args)
        return self._walk

    def _tracker(self) -> ProgressTracker:
        return track(self._progress, task=self._op.name)

    @property
    def next_cursor(self) -> str | None:
        """Cursor of the next page of the latest walk: pass it as ``cursor=`` to resume."""
        return self._walk.next_cursor

    @property
    def pages_fetched(self) -> int:
        return self._walk.pages

    @property
    def duplicates_skipped(self) -> int:
        """Items of the latest walk dropped because their id had already been delivered."""
        return self._walk.skipped


class SyncPager(_PagerBase[T]):
    """Lazily pages through a list on the blocking client.

    ``for item in pager`` walks every item; ``pager.iter_pages()`` walks pages. Each new
    iteration starts a new walk from the starting cursor.
    """

    _client: SyncSender

    def iter_pages(self) -> Iterator[Page[T]]:
        """Yield page after page until ``nextCursor`` is null (or a bound is reached)."""
        return _SyncPages(self._client, self._new_walk(), self._tracker())

    def __iter__(self) -> Iterator[T]:
        return _SyncItems(_SyncPages(self._client, self._new_walk(), self._tracker()))

    def first_page(self) -> Page[T]:
        """Fetch only the first page."""
        for page in self.iter_pages():
            return page
        raise _no_page()


class AsyncPager(_PagerBase[T]):
    """Lazily pages through a list on the asyncio client (``async for item in pager``)."""

    _client: AsyncSender

    def iter_pages(self) -> AsyncIterator[Page[T]]:
        """Yield page after page until ``nextCursor`` is null (or a bound is reached)."""
        return _AsyncPages(self._client, self._new_walk(), self._tracker())

    def __aiter__(self) -> AsyncIterator[T]:
        return _AsyncItems(_AsyncPages(self._client, self._new_walk(), self._tracker()))

    async def first_page(self) -> Page[T]:
        """Fetch only the first page."""
        async for page in self.iter_pages():
            return page
        raise _no_page()


def _no_page() -> ValidationError:
    # Only a walk bounded to nothing (max_items=0 or max_pages=0) yields no page at all.
    return ValidationError(
        "first_page(): this pager is bounded to no items (max_items=0 or max_pages=0), so it "
        "fetches no page; raise the bound",
        errors=[{"field": "max_items", "message": "bounded to nothing"}],
    )


# Plain iterator classes rather than generators: an abandoned async generator is only
# finalized when the event loop gets to it, while these hold nothing that needs closing.


class _PageFetch(Generic[T, C]):
    """All of fetching one page but the send: the walk's next request, then its page."""

    def __init__(self, client: C, walk: PageWalk[T], progress: ProgressTracker) -> None:
        self._client = client
        self._walk = walk
        self._progress = progress

    def _next_request(self) -> APIRequest | None:
        request = self._walk.next_request()
        if request is None:
            self._progress.finish()
        return request

    def _page(self, response: APIResponse) -> Page[T]:
        page = self._walk.accept(response)
        self._progress.page(len(page.items))
        return page


class _SyncPages(_PageFetch[T, "SyncSender"], Iterator[Page[T]]):
    def __next__(self) -> Page[T]:
        request = self._next_request()
        if request is None:
            raise StopIteration
        with self._progress.scope():
            response = self._client.send(request)
        return self._page(response)


class _ItemBuffer(Generic[T, P]):
    """The items of the current page, over a page iterator of type ``P``."""

    def __init__(self, pages: P) -> None:
        self._pages = pages
        self._buffer: Iterator[T] = iter(())


class _SyncItems(_ItemBuffer[T, _SyncPages[T]], Iterator[T]):
    def __next__(self) -> T:
        while True:
            for item in self._buffer:
                return item
            self._buffer = iter(next(self._pages).items)


class _AsyncPages(_PageFetch[T, "AsyncSender"], AsyncIterator[Page[T]]):
    async def __anext__(self) -> Page[T]:
        request = self._next_request()
        if request is None:
            raise StopAsyncIteration
        with self._progress.scope():
            response = await self._client.send(request)
        return self._page(response)

    async def aclose(self) -> None:
        """Nothing is held between pages; provided so ``contextlib.aclosing`` works."""


class _AsyncItems(_ItemBuffer[T, _AsyncPages[T]], AsyncIterator[T]):
    async def __anext__(self) -> T:
        while True:
            for item in self._buffer:
                return item
            self._buffer = iter((await self._pages.__anext__()).items)

    async def aclose(self) -> None:
        """Nothing is held between pages; provided so ``contextlib.aclosing`` works."""
