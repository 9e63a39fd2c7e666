"""Cursor pagination as the API does it: keyset cursors (work orders) and offsets behind a
cursor (assets, parts, purchase orders, and the small lists).

Cursors are opaque base64url JSON; a cursor from another sort order, or garbage, is a 400.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from ._context import Ctx
from ._store import Row, Table

MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 200, 100

Predicate = Callable[[Row], bool]
SortKey = Callable[[Row], tuple[Any, ...]]


def parse_limit(ctx: Ctx) -> int:
    raw = ctx.q("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ctx.bad(
            f"limit must be an integer between {MIN_LIMIT} and {MAX_LIMIT}", "limit", raw
        ) from None
    if not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise ctx.bad(f"limit must be between {MIN_LIMIT} and {MAX_LIMIT}", "limit", raw)
    return limit


def encode_cursor(data: list[Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(ctx: Ctx, tag: str) -> list[Any] | None:
    """The cursor's payload (after its tag), None without a cursor; 400 for a foreign one."""
    raw = ctx.q("cursor")
    if raw is None or raw == "":
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        data = None
    if not isinstance(data, list) or not data or data[0] != tag:
        raise ctx.bad(
            "Invalid cursor: pass back the nextCursor of the previous page unchanged", "cursor", raw
        )
    return data[1:]


def sort_param(ctx: Ctx, allowed: tuple[str, ...], default: str) -> str:
    value = ctx.q("sort") or default
    if value.lstrip("-") not in allowed:
        raise ctx.bad(
            f"sort must be one of {', '.join(allowed)} (prefix - for descending)", "sort", value
        )
    return value


def field_sort_key(field: str) -> SortKey:
    """Ascending by a row field, rows without a value last."""

    def key(row: Row) -> tuple[Any, ...]:
        value = row.get(field)
        return (1, "") if value is None else (0, value)

    return key


def _take(rows: Iterator[Row], match: Predicate, limit: int) -> tuple[list[Row], bool]:
    out: list[Row] = []
    for row in rows:
        if match(row):
            if len(out) == limit:
                return out, True
            out.append(row)
    return out, False


def keyset_page(
    ctx: Ctx, table: Table, match: Predicate, sort: str, key: SortKey | None, limit: int
) -> tuple[list[Row], str | None]:
    """A page in a stable order: the cursor holds the last (sort key, id) seen, so items that
    change or disappear while a client pages never make it skip or repeat another item."""
    position = _position(ctx, decode_cursor(ctx, "k"), sort, keyed=key is not None)
    descending = sort.startswith("-")
    rows = table.rows
    if key is None:  # id order: the table's own index
        ids = table.order
        if descending:
            end = len(ids) if position is None else bisect.bisect_left(ids, position[0])
            id_iter: Iterator[int] = (ids[i] for i in range(end - 1, -1, -1))
        else:
            start = 0 if position is None else bisect.bisect_right(ids, position[0])
            id_iter = (ids[i] for i in range(start, len(ids)))
        page, more = _take((rows[i] for i in id_iter), match, limit)
        last: tuple[Any, ...] = (page[-1]["id"],) if page else ()
    else:
        keys = table.sorted_keys(sort.lstrip("-"), key)
        if descending:
            end = len(keys) if position is None else bisect.bisect_left(keys, position)
            key_iter: Iterator[tuple[Any, ...]] = (keys[i] for i in range(end - 1, -1, -1))
        else:
            start = 0 if position is None else bisect.bisect_right(keys, position)
            key_iter = (keys[i] for i in range(start, len(keys)))
        page, more = _take((rows[k[-1]] for k in key_iter if k[-1] in rows), match, limit)
        last = (*key(page[-1]), page[-1]["id"]) if page else ()
    return page, (encode_cursor(["k", sort, list(last)]) if more else None)


def _position(
    ctx: Ctx, after: list[Any] | None, sort: str, *, keyed: bool
) -> tuple[Any, ...] | None:
    """The (sort key, id) a keyset cursor holds, checked to be exactly what this list wrote."""
    if after is None:
        return None
    if len(after) != 2 or after[0] != sort:
        raise ctx.bad(
            "cursor belongs to another sort order; restart paging", "cursor", ctx.q("cursor")
        )
    position = after[1]
    if not isinstance(position, list) or not all(type(p) in (int, str) for p in position):
        raise ctx.bad("Invalid cursor", "cursor", ctx.q("cursor"))
    valid = (
        len(position) == 3 and position[0] in (0, 1) and type(position[0]) is int
        and isinstance(position[1], str) and type(position[2]) is int
        if keyed
        else len(position) == 1 and type(position[0]) is int
    )  # fmt: skip
    if not valid:
        raise ctx.bad("Invalid cursor", "cursor", ctx.q("cursor"))
    return tuple(position)


def offset_page(
    ctx: Ctx, rows: list[Row], limit: int, sort: str = "id"
) -> tuple[list[Row], str | None]:
    """A page by position in the current result (shifts when earlier items change)."""
    state = decode_cursor(ctx, "o")
    offset = 0
    if state is not None:
        if len(state) != 2 or type(state[1]) is not int or state[1] < 0 or state[0] != sort:
            raise ctx.bad("Invalid cursor for this sort order", "cursor", ctx.q("cursor"))
        offset = state[1]
    page = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return page, (encode_cursor(["o", sort, offset + limit]) if more else None)


def sorted_rows(table: Table, match: Predicate, sort: str) -> list[Row]:
    """Matching rows of ``table`` in ``sort`` order (``id``, ``field`` or ``-field``)."""
    field = sort.lstrip("-")
    if field == "id":
        rows = [table.rows[i] for i in table.order if match(table.rows[i])]
    else:
        key = field_sort_key(field)
        rows = sorted(
            (r for r in table.rows.values() if match(r)), key=lambda r: (*key(r), r["id"])
        )
    if sort.startswith("-"):
        rows.reverse()
    return rows


def page_body(
    ctx: Ctx, items_key: str, items: list[Any], next_cursor: str | None
) -> dict[str, Any]:
    """``{items_key: [...], nextCursor, nextPageUrl}``; the URL keeps the query's filters."""
    body: dict[str, Any] = {items_key: items, "nextCursor": next_cursor, "nextPageUrl": None}
    if next_cursor is not None:
        pairs = [(k, v) for k, values in ctx.query.items() if k != "cursor" for v in values]
        pairs.append(("cursor", next_cursor))
        body["nextPageUrl"] = f"{ctx.path_prefix}{ctx.path}?{urlencode(pairs)}"
    return body
