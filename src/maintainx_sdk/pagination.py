"""Cursor pagination: iterate every item across pages, sync (``for``) and async (``async for``).

Paging trusts the cursor, never the item count: it stops only when ``nextCursor`` is null
(never on a short or empty page), and raises :class:`CursorNotAdvancingError` when the API
hands back a cursor it already gave. One page is held in memory at a time, and nothing is
held open between pages: each response is read in full by the pipeline, so breaking out of
a loop (or dropping an ``async for`` half way) leaves no connection checked out.

The decisions live in :class:`PageWalk` (no I/O); :class:`SyncPager` and :class:`AsyncPager`
only send the requests it asks for.

Offset-backed lists: ``/assets``, ``/parts`` and ``/purchaseorders`` page by offset behind
the cursor, so a record inserted or edited during a walk can shift the pages under it.
Walks over them drop repeated ids (memory: the ids only), and a walk in their default
order (or sorted by ``updatedAt``) goes in ``updatedAt`` order and re-anchors every page on
``updatedAt[gte]`` (keyset paging through the filter), so edits, inserts and deletes made
during the walk cannot push an unchanged record out of it.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import AsyncIterator, Hashable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import pydantic
from pydantic import BaseModel, TypeAdapter

from ._constants import MAX_PAGE_SIZE
from ._operation import Operation, build_request, response_validation_error
from ._request import APIRequest
from ._response import APIResponse, ResponseMeta
from ._timestamps import format_timestamp, parse_timestamp
from .errors import APIResponseValidationError, CursorNotAdvancingError, ValidationError
from .progress import ProgressCallback, ProgressTracker, track

if TYPE_CHECKING:
    from ._client import AsyncMaintainX, MaintainX

T = TypeVar("T")

#: Lists the API pages by offset behind the cursor (the spec's "Polling for Changes").
OFFSET_PAGED_PATHS = frozenset({"/assets", "/parts", "/purchaseorders"})

UPDATED_GTE = "updatedAt[gte]"
#: Prefix of the resume cursors of anchored walks (SDK state, not the server's cursor).
RESUME_PREFIX = "mxsdk1."
UPDATED_AT = "updatedAt"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, the cursor that fetched it and the next one."""

    items: list[T]
    cursor: str | None
    """The cursor that fetched this page (None for the first); pass it back to refetch it."""
    next_cursor: str | None
    meta: ResponseMeta
    skipped: int = 0
    """Items of this response the walk dropped: ids (or versions) it had already delivered."""

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def item_id(raw: Any) -> Hashable | None:
    """The ``id`` of a raw list item (None when it has none)."""
    if isinstance(raw, Mapping):
        value = raw.get("id")
        return value if isinstance(value, Hashable) else None
    return None


def query_key(op: Operation[Any], wire: str) -> str:
    """The key under which ``op``'s query model takes the wire parameter ``wire``."""
    model = op.query_model
    if model is not None:
        for name, info in model.model_fields.items():
            if info.alias == wire or name == wire:
                return name
    return wire


def _pop_param(op: Operation[Any], query: dict[str, Any], wire: str) -> Any:
    """Remove a parameter given under its wire name or its Python name; return its value."""
    value = query.pop(wire, None)
    alt = query.pop(query_key(op, wire), None)
    return value if value is not None else alt


@lru_cache(maxsize=256)
def _items_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _page_size(op: Operation[Any], limit: Any) -> int:
    if limit is None:
        return MAX_PAGE_SIZE
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise _limit_error(op, limit)
    return limit


def _limit_error(op: Operation[Any], limit: Any) -> ValidationError:
    shown = repr(limit) if limit is None or isinstance(limit, int | float) else type(limit).__name__
    return ValidationError(
        f"{op.name}: limit must be an integer greater than or equal to 1 and less "
        f"than or equal to {MAX_PAGE_SIZE} (got {shown})",
        errors=[{"field": "limit", "message": f"expected an integer 1..{MAX_PAGE_SIZE}"}],
    )


class PageWalk(Generic[T]):
    """The state of one walk over a list, without I/O: ask it for the next request, hand it
    the response, get a :class:`Page` back.

    ``anchor=True`` turns on keyset paging through ``updatedAt[gte]`` (the list is sorted
    by ``updatedAt`` ascending): each page is requested from the newest ``updatedAt`` seen
    so far (the watermark), and versions already delivered (id and ``updatedAt``) are
    skipped. A page entirely at the watermark is asked again from the start of the run
    with the largest page; only a run longer than that is followed with the server's
    cursor. ``lookback`` (seconds) starts the walk that much before ``watermark`` and
    remembers delivered versions that far back, so late-committed changes are not missed.
    Incremental sync resumes a walk from ``watermark`` / ``floor`` / ``cursor`` /
    ``delivered``. The cursors an anchored walk hands out (``next_cursor``) are SDK resume
    tokens carrying that state; passing one back as ``cursor`` resumes the walk exactly.
    """

    def __init__(
        self,
        op: Operation[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        dedupe: bool = False,
        anchor: bool = False,
        lookback: float = 0.0,
        watermark: str | None = None,
        floor: str | None = None,
        delivered: Mapping[str, str] | None = None,
    ) -> None:
        if op.items_key is None:
            raise TypeError(f"{op.name} is not a paginated operation")
        for name, bound in (("max_items", max_items), ("max_pages", max_pages)):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, int) or bound < 0
            ):
                raise ValidationError(
                    f"{op.name}: {name} must be >= 0, an integer (got {bound!r})",
                    errors=[{"field": name, "message": "must be an integer >= 0"}],
                )
        self.op = op
        self._path = dict(path or {})
        self._query = dict(query or {})
        self._headers = dict(headers or {})
        given_cursor = _pop_param(op, self._query, "cursor")
        self.start_cursor: str | None = cursor if cursor is not None else given_cursor
        if self.start_cursor is not None and not isinstance(self.start_cursor, str):
            raise ValidationError(
                f"{op.name}: cursor must be a string handed out by a previous page "
                f"(got {type(self.start_cursor).__name__})",
                errors=[{"field": "cursor", "message": "expected str"}],
            )
        given_limit = {"limit", query_key(op, "limit")} & self._query.keys()
        if any(self._query[k] is None for k in given_limit):
            raise _limit_error(op, None)  # None is not "the default": leave limit out for that
        self.page_size: int = _page_size(op, _pop_param(op, self._query, "limit"))
        self.max_items = max_items
        self.max_pages = max_pages
        self.dedupe: bool = dedupe
        self.anchor: bool = anchor
        self.lookback: timedelta = timedelta(seconds=lookback)
        self.watermark: str | None = watermark
        self.floor: str | None = floor
        self.delivered: dict[str, str] = dict(delivered or {})
        self.cursor: str | None = self.start_cursor
        self.sweeping = False
        """In the last phase of a full anchored walk: reading the records without a stamp."""
        self._unstamped_seen = False
        self._full = self.start_cursor is None and watermark is None
        if self.start_cursor is not None and self.start_cursor.startswith(RESUME_PREFIX):
            self.anchor = anchor = True
            self._restore(self.start_cursor)
        if anchor:
            # The walk takes the floor out of the query: check the caller's query (the floor
            # included) first, so a null or a wrong type is refused, not taken as no floor.
            build_request(op, path=self._path, query=self._query, headers=self._headers)
            given = _pop_param(op, self._query, UPDATED_GTE)
            if isinstance(given, datetime):  # from a typed list call
                given = format_timestamp(given)  # milliseconds, rounded down: still inclusive
            self.watermark = self.watermark or given
            self._full = self._full and given is None
            if self.floor is None:
                self.floor = self._start_floor()
        self._seen_ids: set[Hashable] = set()
        self._seen_cursors: set[str] = set()
        self._wide = False
        self.next_cursor: str | None = self.start_cursor
        """The cursor of the next page (None before the first page and after the last)."""
        self.pages: int = 0
        self.items: int = 0
        self.skipped: int = 0
        self.done: bool = max_pages == 0 or max_items == 0

    def next_request(self) -> APIRequest | None:
        """The request for the next page, or None when the walk is over."""
        if self.done:
            return None
        query = dict(self._query)
        limit = MAX_PAGE_SIZE if self._wide else self.page_size
        if self.max_items is not None:
            limit = max(1, min(limit, self.max_items - self.items))
        query[query_key(self.op, "limit")] = limit
        if self.sweeping:
            query[query_key(self.op, "sort")] = "-" + UPDATED_AT
        elif self.anchor:
            query[query_key(self.op, "sort")] = UPDATED_AT
            if self.floor is not None:
                query[query_key(self.op, UPDATED_GTE)] = self.floor
        if self.cursor is not None:
            query[query_key(self.op, "cursor")] = self.cursor
        return build_request(self.op, path=self._path, query=query, headers=self._headers)

    def accept(self, response: APIResponse) -> Page[T]:
        """Turn the response to :meth:`next_request` into a page and move the walk on."""
        key = self.op.items_key
        assert key is not None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
            meta = response.meta
            raise APIResponseValidationError(
                f"{meta.method} {meta.path} -> {meta.status_code}: {self.op.name}: the response "
                f"is not a page (no {key!r} list)",
                status_code=meta.status_code,
                errors=[{"field": key, "message": "expected a list of items"}],
                method=meta.method,
                path=meta.path,
                attempts=meta.attempts,
                retries=meta.retries,
            )
        raw_items: list[Any] = data[key]
        next_cursor = data.get("nextCursor") or None
        self._check_advancing(next_cursor)
        kept, new_ids = self._keep(raw_items)
        if self.max_items is not None and self.items + len(kept) > self.max_items:
            kept = kept[: self.max_items - self.items]
        # Validate before moving the walk on: a page that fails validation is asked again
        # when the caller goes on iterating, never skipped.
        items = self._validate(kept, response.meta)
        fetched_with = self._resume_token() if self.anchor else self.cursor
        if self.anchor and self.pages == 0 and self.start_cursor is None:
            fetched_with = None
        if next_cursor is not None:
            self._seen_cursors.add(next_cursor)
        self._seen_ids.update(new_ids)
        if self.sweeping:
            next_cursor = self._advance_sweep(raw_items, next_cursor)
        elif self.anchor:
            next_cursor = self._advance_anchor(raw_items, next_cursor)
        else:
            self.cursor = next_cursor
        self.pages += 1
        self.items += len(kept)
        if self.anchor and next_cursor is not None:
            next_cursor = self._resume_token()
        self.next_cursor = next_cursor
        skipped = len(raw_items) - len(kept)
        self.skipped += skipped
        if (
            next_cursor is None
            or (self.max_pages is not None and self.pages >= self.max_pages)
            or (self.max_items is not None and self.items >= self.max_items)
        ):
            self.done = True
        return Page(
            items=items,
            cursor=fetched_with,
            next_cursor=next_cursor,
            meta=response.meta,
            skipped=skipped,
        )

    @property
    def resume_cursor(self) -> str | None:
        """What to save to resume the walk at its next page: the server's cursor, or an SDK
        resume token while a full walk still owes (or runs) the sweep of records without
        a stamp."""
        owed = self.sweeping or (self._full and not self._unstamped_seen and self.pages > 0)
        return self._resume_token() if owed and self.next_cursor is not None else self.cursor

    def _resume_token(self) -> str:
        state: dict[str, Any] = {
            "w": self.watermark,
            "f": self.floor,
            "c": self.cursor,
            "d": self.delivered,
        }
        if self.sweeping:
            state["s"] = 1
        if self._full and not self._unstamped_seen:
            state["u"] = 1  # a full walk: the sweep is still owed
        raw = json.dumps(state, separators=(",", ":")).encode()
        return RESUME_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _restore(self, token: str) -> None:
        body = token[len(RESUME_PREFIX) :]
        try:
            state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            watermark, floor, cursor = state["w"], state["f"], state["c"]
            delivered = {str(k): str(v) for k, v in state["d"].items()}
            self.sweeping = bool(state.get("s"))
            self._full = bool(state.get("u"))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValidationError(
                f"{self.op.name}: cursor {token!r} is not a cursor this SDK handed out; "
                "pass back next_cursor unchanged",
                errors=[{"field": "cursor", "message": "unreadable resume cursor"}],
            ) from None
        self.watermark, self.floor, self.cursor, self.delivered = (
            watermark,
            floor,
            cursor,
            delivered,
        )

    def _check_advancing(self, next_cursor: str | None) -> None:
        if next_cursor is None:
            return
        if next_cursor == self.cursor or next_cursor in self._seen_cursors:
            raise CursorNotAdvancingError(
                f"{self.op.method} {self.op.path}: the API returned cursor {next_cursor!r} "
                "again; stopping instead of looping forever"
            )

    def _keep(self, raw_items: list[Any]) -> tuple[list[Any], set[Hashable]]:
        """The items to deliver, and the ids to remember once the page is accepted."""
        kept: list[Any] = []
        new_ids: set[Hashable] = set()
        if not (self.sweeping or self.anchor or self.dedupe):
            return list(raw_items), new_ids  # a plain cursor walk keeps every item
        for raw in raw_items:
            ident = item_id(raw)
            if self.sweeping and self._stamp(raw) is not None:
                continue  # the anchored phase delivered it
            if ident is not None:
                stamp = self._stamp(raw)
                # No stamp is no proof of delivery: only a known version is skipped.
                if self.anchor and stamp is not None and self.delivered.get(str(ident)) == stamp:
                    continue
                if self.dedupe:
                    if ident in self._seen_ids or ident in new_ids:
                        continue
                    new_ids.add(ident)
            kept.append(raw)
        return kept, new_ids

    @staticmethod
    def _stamp(raw: Any) -> str | None:
        value = raw.get(UPDATED_AT) if isinstance(raw, Mapping) else None
        return value if isinstance(value, str) else None

    def _start_floor(self) -> str | None:
        at = parse_timestamp(self.watermark)
        if at is None or not self.lookback:
            return self.watermark
        return format_timestamp(at - self.lookback)

    def _advance_sweep(self, raw_items: list[Any], next_cursor: str | None) -> str | None:
        """Records without a stamp come first in descending order: the sweep is over at
        the first stamped record (or the end of the list). Then one more anchored page
        picks up what changed while the sweep ran."""
        if next_cursor is None or any(self._stamp(raw) is not None for raw in raw_items):
            self.sweeping = False
            self.cursor = None
            self._seen_cursors.clear()
            return self._resume_token()
        self.cursor = next_cursor
        return next_cursor

    def _advance_anchor(self, raw_items: list[Any], next_cursor: str | None) -> str | None:
        """Move the watermark to the page's newest ``updatedAt`` (keyset through the filter);
        follow the server's cursor only while a whole page shares the current watermark.

        Records without ``updatedAt`` sort last and no ``updatedAt[gte]`` filter matches
        them: a full walk that re-anchored before reaching them ends with a sweep in
        descending order, which reads them first. Returns the next cursor (None: done)."""
        stamps = [(raw, self._stamp(raw)) for raw in raw_items]
        if self.floor is None and (next_cursor is None or any(s is None for _, s in stamps)):
            self._unstamped_seen = True  # an unfiltered page reached them (or the end)
        if next_cursor is None and self._full and not self._unstamped_seen:
            self._full = False
            self.sweeping = True
            self.cursor = None
            self._seen_cursors.clear()
            self._update_watermark(stamps, None)
            return self._resume_token()
        self._update_watermark(stamps, next_cursor)
        return next_cursor

    def _update_watermark(
        self, stamps: list[tuple[Any, str | None]], next_cursor: str | None
    ) -> None:
        newest, newest_at = self.watermark, parse_timestamp(self.watermark)
        for _, stamp in stamps:
            at = parse_timestamp(stamp)
            if at is not None and (newest_at is None or at > newest_at):
                newest, newest_at = stamp, at
        if next_cursor is not None and any(stamp is None for _, stamp in stamps):
            # A record without updatedAt cannot be anchored on (an updatedAt[gte] filter
            # leaves it out): follow the server's cursor past it, keeping the floor.
            self.watermark = newest
            self.cursor = next_cursor
        elif newest != self.watermark:
            self.watermark = self.floor = newest
            self.cursor = None
            self._wide = False
            self._seen_cursors.clear()
        elif (
            next_cursor is not None
            and self.cursor is None
            and not self._wide
            and self.page_size < MAX_PAGE_SIZE
        ):
            # A whole page at the watermark: ask again from the start of the run with the
            # largest page, so a run that fits in one page is read in one piece, without
            # the offset cursor (records of the run edited meanwhile would shift it).
            self._wide = True
            self._seen_cursors.clear()
        else:
            self.cursor = next_cursor
        if newest_at is None:
            return
        horizon = newest_at - self.lookback
        for raw, stamp in stamps:
            ident = item_id(raw)
            at = parse_timestamp(stamp)
            if ident is not None and stamp is not None and at is not None and at >= horizon:
                self.delivered[str(ident)] = stamp
        self.delivered = {
            k: v for k, v in self.delivered.items() if (t := parse_timestamp(v)) and t >= horizon
        }

    def _validate(self, raw_items: list[Any], meta: ResponseMeta) -> list[T]:
        model = self.op.item_model
        if model is None:
            return raw_items
        try:
            items: list[Any] = _items_adapter(model).validate_python(raw_items)
        except pydantic.ValidationError as exc:
            raise response_validation_error(self.op.name, exc, meta) from None
        from ._models import attach_page_response  # not at import: it makes pydantic models

        # The page's answer, once per page and without its body (the items hold that).
        attach_page_response(items, model, APIResponse(meta=meta))
        return items


def default_walk_options(op: Operation[Any], query: Mapping[str, Any]) -> dict[str, bool]:
    """How to walk ``op`` given the caller's query.

    Offset-backed lists drop repeated ids and, unless the caller chose another order, are
    walked in ``updatedAt`` order anchored on ``updatedAt[gte]`` (their default order is
    undocumented, and this is the one order in which edits, inserts and deletes made during
    the walk can neither skip nor repeat a record). Cursor-backed lists sorted by a field
    that edits change (``updatedAt``) drop repeated ids too: an edited row moves behind the
    cursor and would come back.
    """
    offset = op.path in OFFSET_PAGED_PATHS
    sort = query.get("sort", query.get(query_key(op, "sort")))
    sort_value = getattr(sort, "value", sort)
    mutable_order = isinstance(sort_value, str) and sort_value.lstrip("-") == UPDATED_AT
    return {
        "dedupe": offset or mutable_order,
        "anchor": offset and sort_value in (None, UPDATED_AT),
    }


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

    _client: MaintainX

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

    _client: AsyncMaintainX

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


class _SyncPages(Iterator[Page[T]]):
    def __init__(self, client: MaintainX, walk: PageWalk[T], progress: ProgressTracker) -> None:
        self._client = client
        self._walk = walk
        self._progress = progress

    def __next__(self) -> Page[T]:
        request = self._walk.next_request()
        if request is None:
            self._progress.finish()
            raise StopIteration
        with self._progress.scope():
            response = self._client._send(request)
        page = self._walk.accept(response)
        self._progress.page(len(page.items))
        return page


class _SyncItems(Iterator[T]):
    def __init__(self, pages: _SyncPages[T]) -> None:
        self._pages = pages
        self._buffer: Iterator[T] = iter(())

    def __next__(self) -> T:
        while True:
            for item in self._buffer:
                return item
            self._buffer = iter(next(self._pages).items)


class _AsyncPages(AsyncIterator[Page[T]]):
    def __init__(
        self, client: AsyncMaintainX, walk: PageWalk[T], progress: ProgressTracker
    ) -> None:
        self._client = client
        self._walk = walk
        self._progress = progress

    async def __anext__(self) -> Page[T]:
        request = self._walk.next_request()
        if request is None:
            self._progress.finish()
            raise StopAsyncIteration
        with self._progress.scope():
            response = await self._client._send(request)
        page = self._walk.accept(response)
        self._progress.page(len(page.items))
        return page

    async def aclose(self) -> None:
        """Nothing is held between pages; provided so ``contextlib.aclosing`` works."""


class _AsyncItems(AsyncIterator[T]):
    def __init__(self, pages: _AsyncPages[T]) -> None:
        self._pages = pages
        self._buffer: Iterator[T] = iter(())

    async def __anext__(self) -> T:
        while True:
            for item in self._buffer:
                return item
            self._buffer = iter((await self._pages.__anext__()).items)

    async def aclose(self) -> None:
        """Nothing is held between pages; provided so ``contextlib.aclosing`` works."""
