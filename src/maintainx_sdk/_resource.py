"""Base classes of the generated resource namespaces (sync and async share all logic)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._operation import Operation, build_request, parse_response

if TYPE_CHECKING:
    from ._client import AsyncMaintainX, MaintainX
    from .pagination import AsyncPager, SyncPager


class SyncAPIResource:
    """A namespace of operations on the blocking client (``mx.work_orders``, ...)."""

    def __init__(self, client: MaintainX) -> None:
        self._client = client

    def _call(
        self,
        op: Operation,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        request = build_request(
            op,
            path=path,
            query=query,
            headers=headers,
            body=body,
            content=content,
            content_type=content_type,
        )
        return parse_response(op, self._client._send(request))

    def _paginate(
        self,
        op: Operation,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> SyncPager[Any]:
        from .pagination import SyncPager

        return SyncPager(self._client, op, path=path, query=query, headers=headers)


class AsyncAPIResource:
    """A namespace of operations on the asyncio client."""

    def __init__(self, client: AsyncMaintainX) -> None:
        self._client = client

    async def _call(
        self,
        op: Operation,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        request = build_request(
            op,
            path=path,
            query=query,
            headers=headers,
            body=body,
            content=content,
            content_type=content_type,
        )
        return parse_response(op, await self._client._send(request))

    def _paginate(
        self,
        op: Operation,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> AsyncPager[Any]:
        from .pagination import AsyncPager

        return AsyncPager(self._client, op, path=path, query=query, headers=headers)
