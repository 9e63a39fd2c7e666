"""One walk over a list, without I/O: :class:`PageWalk` says which request comes next and
turns each response into a :class:`Page` (the pagers and incremental sync send for it)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from ._constants import MAX_PAGE_SIZE
from ._operation import Operation, build_request
from ._page_query import (
    RESUME_PREFIX,
    UPDATED_AT,
    UPDATED_GTE,
    ResumeState,
    checked_page_size,
    decode_resume,
    encode_resume,
    item_id,
    limit_error,
    pop_param,
    query_key,
    stamp_of,
    validate_items,
)
from ._request import APIRequest
from ._response import APIResponse, ResponseMeta
from ._timestamps import format_timestamp, parse_timestamp
from .errors import APIResponseValidationError, CursorNotAdvancingError, ValidationError

T = TypeVar("T")


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
        given_cursor = pop_param(op, self._query, "cursor")
        self.start_cursor: str | None = cursor if cursor is not None else given_cursor
        if self.start_cursor is not None and not isinstance(self.start_cursor, str):
            raise ValidationError(
                f"{op.name}: cursor must be a string handed out by a previous page "
                f"(got {type(self.start_cursor).__name__})",
                errors=[{"field": "cursor", "message": "expected str"}],
            )
        given_limit = {"limit", query_key(op, "limit")} & self._query.keys()
        if any(self._query[k] is None for k in given_limit):
            raise limit_error(op, None)  # None is not "the default": leave limit out for that
        self.page_size: int = checked_page_size(op, pop_param(op, self._query, "limit"))
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
            given = pop_param(op, self._query, UPDATED_GTE)
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
        items: list[T] = validate_items(self.op, kept, response.meta)
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
        owes_sweep = self._full and not self._unstamped_seen
        return encode_resume(
            ResumeState(
                self.watermark, self.floor, self.cursor, self.delivered, self.sweeping, owes_sweep
            )
        )

    def _restore(self, token: str) -> None:
        state = decode_resume(token, self.op.name)
        self.sweeping = state.sweeping
        self._full = state.owes_sweep
        self.watermark, self.floor, self.cursor = state.watermark, state.floor, state.cursor
        self.delivered = state.delivered

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
            if self.sweeping and stamp_of(raw) is not None:
                continue  # the anchored phase delivered it
            if ident is not None:
                stamp = stamp_of(raw)
                # No stamp is no proof of delivery: only a known version is skipped.
                if self.anchor and stamp is not None and self.delivered.get(str(ident)) == stamp:
                    continue
                if self.dedupe:
                    if ident in self._seen_ids or ident in new_ids:
                        continue
                    new_ids.add(ident)
            kept.append(raw)
        return kept, new_ids

    def _start_floor(self) -> str | None:
        at = parse_timestamp(self.watermark)
        if at is None or not self.lookback:
            return self.watermark
        return format_timestamp(at - self.lookback)

    def _advance_sweep(self, raw_items: list[Any], next_cursor: str | None) -> str | None:
        """Records without a stamp come first in descending order: the sweep is over at
        the first stamped record (or the end of the list). Then one more anchored page
        picks up what changed while the sweep ran."""
        if next_cursor is None or any(stamp_of(raw) is not None for raw in raw_items):
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
        stamps = [(raw, stamp_of(raw)) for raw in raw_items]
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
