"""A tiny list server for paging tests: keyset or offset cursors, sort, updatedAt[gte],
mutations between requests and scripted failures. Loopback only (httpx.MockTransport).

Not the emulator on purpose: tests change the list between any two page requests and serve
what the emulator never would (a change committed late under an older stamp, items that break
the page's model), fast enough for the property tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk._operation import Operation

from ..conftest import TEST_KEY
from .fast_policies import FAST

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(ms: int) -> str:
    at = EPOCH + timedelta(milliseconds=ms)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass
class FakeList:
    """A collection served at ``path`` under ``key``; ``offset=True`` mimics assets/parts."""

    path: str = "/workorders"
    key: str = "workOrders"
    offset: bool = False
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    clock_ms: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    before_request: Callable[[FakeList, int], None] | None = None
    failures: list[int] = field(default_factory=list)
    """Statuses to answer (in order) before serving normally again."""
    next_id: int = 1

    def add(self, n: int = 1, *, same_stamp: bool = False, stamped: bool = True) -> list[int]:
        """Add ``n`` items; ``stamped=False`` leaves their ``updatedAt`` null."""
        ids = []
        for _ in range(n):
            if not same_stamp:
                self.clock_ms += 1
            self.items[self.next_id] = {
                "id": self.next_id,
                "title": f"item {self.next_id}",
                "updatedAt": stamp(self.clock_ms) if stamped else None,
            }
            ids.append(self.next_id)
            self.next_id += 1
        return ids

    def touch(self, ident: int) -> None:
        self.clock_ms += 1
        self.items[ident] = {**self.items[ident], "updatedAt": stamp(self.clock_ms)}

    def delete(self, ident: int) -> None:
        self.items.pop(ident, None)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before_request is not None:
            self.before_request(self, len(self.requests))
        if self.failures:
            return httpx.Response(self.failures.pop(0), json={"error": "injected"})
        if request.url.path != "/v1" + self.path:
            return httpx.Response(404, json={"error": "Not Found."})
        params = request.url.params
        limit = int(params.get("limit", "100"))
        if not 1 <= limit <= 200:
            return httpx.Response(400, json={"error": "limit out of range"})
        sort = params.get("sort", "id")
        desc = sort.startswith("-")
        field_name = sort.lstrip("-")
        rows = list(self.items.values())
        gte = params.get("updatedAt[gte]")
        if gte is not None:
            rows = [r for r in rows if r["updatedAt"] is not None and r["updatedAt"] >= gte]

        def sort_key(r: dict[str, Any]) -> tuple[Any, ...]:
            value = r[field_name]  # nulls sort last, as the emulator does
            return (1, "", r["id"]) if value is None else (0, value, r["id"])

        rows.sort(key=sort_key, reverse=desc)
        cursor = params.get("cursor")
        if self.offset:
            start = int(cursor) if cursor else 0
            page = rows[start : start + limit]
            more = start + limit < len(rows)
            next_cursor = str(start + limit) if more else None
        else:
            if cursor:
                last = tuple(json.loads(base64.b64decode(cursor)))
                rows = [r for r in rows if (sort_key(r) < last if desc else sort_key(r) > last)]
            page = rows[:limit]
            more = len(rows) > limit
            next_cursor = (
                base64.b64encode(json.dumps(list(sort_key(page[-1]))).encode()).decode()
                if more
                else None
            )
        return httpx.Response(
            200,
            json={self.key: page, "nextCursor": next_cursor, "nextPageUrl": None},
        )

    def op(self) -> Operation:
        return Operation(
            name="fake.list", method="GET", path=self.path, items_key=self.key, retry_safe=True
        )

    def client(self) -> MaintainX:
        return MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(self.handler), **FAST)

    def async_client(self) -> AsyncMaintainX:
        return AsyncMaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(self.handler), **FAST)
