"""Base classes of the generated resource namespaces (sync and async share all logic).

A resource holds the client only through :mod:`._sender`'s protocol. The sync and async
classes stay twinned: each method differs from its twin only in the line that sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._omit import strip_omitted
from ._operation import Operation, build_request, parse_response
from ._procedure import Procedure, arun_procedure, run_procedure

if TYPE_CHECKING:
    from ._sender import AsyncSender, SyncSender
    from .pagination import AsyncPager, SyncPager

__all__ = ["AsyncAPIResource", "Procedure", "SyncAPIResource"]

T = TypeVar("T")
R = TypeVar("R")


class SyncAPIResource:
    """A namespace of operations on the blocking client (``mx.work_orders``, ...)."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def _call(
        self,
        op: Operation[R],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> R:
        request = build_request(
            op,
            path=path,
            query=query,
            headers=headers,
            body=body,
            content=content,
            content_type=content_type,
        )
        return parse_response(op, self._client.send(request))

    def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the blocking client."""
        return run_procedure(self._client, procedure)

    def _paginate(
        self,
        op: Operation[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> SyncPager[T]:
        from .pagination import SyncPager

        return SyncPager(self._client, op, path=path, query=strip_omitted(query), headers=headers)


class AsyncAPIResource:
    """A namespace of operations on the asyncio client."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def _call(
        self,
        op: Operation[R],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> R:
        request = build_request(
            op,
            path=path,
            query=query,
            headers=headers,
            body=body,
            content=content,
            content_type=content_type,
        )
        return parse_response(op, await self._client.send(request))

    async def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the asyncio client."""
        return await arun_procedure(self._client, procedure)

    def _paginate(
        self,
        op: Operation[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> AsyncPager[T]:
        from .pagination import AsyncPager

        return AsyncPager(self._client, op, path=path, query=strip_omitted(query), headers=headers)
