"""Cursor pagination: iterate every item across pages, sync (``for``) and async (``async for``).

Paging trusts the cursor, never the item count: it stops only when ``nextCursor`` is null, and
raises :class:`CursorNotAdvancingError` when the API hands back a cursor it already gave.
One page is held in memory at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._operation import Operation, build_request
from ._response import ApiResponse, ResponseMeta
from .errors import CursorNotAdvancingError

if TYPE_CHECKING:
    from ._client import AsyncMaintainX, MaintainX

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, the cursor that fetched it and the next one."""

    items: list[T]
    cursor: str | None
    next_cursor: str | None
    meta: ResponseMeta

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


class _PagerBase(Generic[T]):
    def __init__(
        self,
        client: Any,
        op: Operation,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cursor: str | None = None,
    ) -> None:
        if op.items_key is None:
            raise TypeError(f"{op.name} is not a paginated operation")
        self._client = client
        self._op = op
        self._path = dict(path or {})
        self._query = dict(query or {})
        self._headers = dict(headers or {})
        self._start_cursor = cursor if cursor is not None else self._query.pop("cursor", None)
        self.next_cursor: str | None = self._start_cursor
        """The cursor of the next page to fetch (None before the first and after the last)."""

    def _request_for(self, cursor: str | None) -> Any:
        query = dict(self._query)
        if cursor is not None:
            query["cursor"] = cursor
        return build_request(self._op, path=self._path, query=query, headers=self._headers)

    def _page_from(self, cursor: str | None, response: ApiResponse, seen: set[str]) -> Page[T]:
        data = response.json() or {}
        key = self._op.items_key
        assert key is not None
        raw_items = data.get(key) or []
        model = self._op.item_model
        items: list[T] = []
        for raw in raw_items:
            if model is None:
                items.append(raw)
            else:
                item = model.model_validate(raw)
                if hasattr(item, "_meta"):
                    item._meta = response.meta
                items.append(item)  # type: ignore[arg-type]
        next_cursor = data.get("nextCursor") or None
        if next_cursor is not None:
            if next_cursor in seen or next_cursor == cursor:
                raise CursorNotAdvancingError(
                    f"{self._op.method} {self._op.path}: the API returned cursor {next_cursor!r} "
                    "again; stopping instead of looping forever"
                )
            seen.add(next_cursor)
        return Page(items=items, cursor=cursor, next_cursor=next_cursor, meta=response.meta)


class SyncPager(_PagerBase[T]):
    """Lazily pages through a list on the blocking client."""

    _client: MaintainX

    def iter_pages(self) -> Iterator[Page[T]]:
        """Yield page after page until ``nextCursor`` is null."""
        cursor = self._start_cursor
        seen: set[str] = set()
        while True:
            response = self._client._send(self._request_for(cursor))
            page = self._page_from(cursor, response, seen)
            self.next_cursor = page.next_cursor
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.items

    def first_page(self) -> Page[T]:
        """Fetch only the first page."""
        return next(iter(self.iter_pages()))


class AsyncPager(_PagerBase[T]):
    """Lazily pages through a list on the asyncio client."""

    _client: AsyncMaintainX

    async def iter_pages(self) -> AsyncIterator[Page[T]]:
        """Yield page after page until ``nextCursor`` is null."""
        cursor = self._start_cursor
        seen: set[str] = set()
        while True:
            response = await self._client._send(self._request_for(cursor))
            page = self._page_from(cursor, response, seen)
            self.next_cursor = page.next_cursor
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.items:
                yield item

    async def first_page(self) -> Page[T]:
        """Fetch only the first page."""
        async for page in self.iter_pages():
            return page
        raise RuntimeError("unreachable: iter_pages always yields at least one page")
