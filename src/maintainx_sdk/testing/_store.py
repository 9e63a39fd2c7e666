"""In-memory state: one :class:`OrgState` per organization, one :class:`Table` per resource."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]


def iso(ts: float) -> str:
    """Epoch seconds as the API writes date-times: UTC, milliseconds, ``Z``."""
    return (
        datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(ts * 1000) % 1000:03d}Z"
    )


def normalize_datetime(text: str) -> str | None:
    """A client's date-time filter value in the stored format (so strings compare), or None."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso(parsed.timestamp())


class Table:
    """Rows of one resource in one organization, in id order, with cached sorted views."""

    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}
        self.order: list[int] = []
        self.version = 0
        self._sorted: dict[str, tuple[int, list[tuple[Any, ...]]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def insert(self, row: Row) -> Row:
        row_id = int(row["id"])
        self.rows[row_id] = row
        if self.order and row_id < self.order[-1]:
            bisect.insort(self.order, row_id)
        else:
            self.order.append(row_id)
        self.version += 1
        return row

    def get(self, row_id: int) -> Row | None:
        return self.rows.get(row_id)

    def touch(self) -> None:
        """Note an in-place change of a row (invalidates sorted views)."""
        self.version += 1

    def delete(self, row_id: int) -> Row | None:
        row = self.rows.pop(row_id, None)
        if row is not None:
            index = bisect.bisect_left(self.order, row_id)
            del self.order[index]
            self.version += 1
        return row

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows.values())

    def sorted_keys(
        self, name: str, key: Callable[[Row], tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """``key(row) + (id,)`` for every row, sorted; cached until the next write."""
        cached = self._sorted.get(name)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        keys = sorted((*key(row), row["id"]) for row in self.rows.values())
        self._sorted[name] = (self.version, keys)
        return keys


class OrgState:
    """All data of one organization."""

    def __init__(self, org_id: int, name: str, ids: Iterator[int]) -> None:
        self.id = org_id
        self.name = name
        self._ids = ids
        self.tables: dict[str, Table] = {}
        self.sequence = itertools.count(1)

    def table(self, name: str) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table()
        return table

    def next_id(self) -> int:
        return next(self._ids)
