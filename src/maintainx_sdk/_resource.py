"""Base classes of the generated resource namespaces (sync and async share all logic).

A resource holds the client only through :mod:`._sender`'s protocol. Building the request is
``build_request``'s, a procedure's flow is ``_procedure``'s; the two classes keep only the line
that sends (blocking or awaited), which is why the pair stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Unpack

from ._omit import strip_omitted
from ._operation import Operation, build_request, parse_response
from ._procedure import Procedure, arun_procedure, run_procedure

if TYPE_CHECKING:
    from ._sender import AsyncSender, SyncSender
    from .pagination import AsyncPager, SyncPager

__all__ = ["AsyncAPIResource", "Procedure", "SyncAPIResource"]

T = TypeVar("T")
R = TypeVar("R")


class PageParts(TypedDict, total=False):
    """The parts of a list request the caller fills (the pager adds the paging)."""

    path: Mapping[str, Any] | None
    query: Mapping[str, Any] | None
    headers: Mapping[str, Any] | None


class RequestParts(PageParts, total=False):
    """The parts of one operation's request that a resource method fills."""

    body: Any
    content: bytes | None
    content_type: str | None


class SyncAPIResource:
    """A namespace of operations on the blocking client (``mx.work_orders``, ...)."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def _call(self, op: Operation[R], **parts: Unpack[RequestParts]) -> R:
        return parse_response(op, self._client.send(build_request(op, **parts)))

    def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the blocking client."""
        return run_procedure(self._client, procedure)

    def _paginate(self, op: Operation[T], **parts: Unpack[PageParts]) -> SyncPager[T]:
        from .pagination import SyncPager

        return SyncPager(self._client, op, **_page_parts(parts))


class AsyncAPIResource:
    """A namespace of operations on the asyncio client."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def _call(self, op: Operation[R], **parts: Unpack[RequestParts]) -> R:
        return parse_response(op, await self._client.send(build_request(op, **parts)))

    async def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the asyncio client."""
        return await arun_procedure(self._client, procedure)

    def _paginate(self, op: Operation[T], **parts: Unpack[PageParts]) -> AsyncPager[T]:
        from .pagination import AsyncPager

        return AsyncPager(self._client, op, **_page_parts(parts))


def _page_parts(parts: PageParts) -> PageParts:
    """``parts`` with the caller's omitted query arguments left out."""
    return {**parts, "query": strip_omitted(parts.get("query"))}
