"""Base classes of the generated resource namespaces (sync and async share all logic)."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from ._deadline import deadline
from ._omit import strip_omitted
from ._operation import Operation, build_request, parse_response
from ._request import APIRequest
from ._response import APIResponse
from .errors import MaintainXError

if TYPE_CHECKING:
    from ._client import AsyncMaintainX, MaintainX
    from .pagination import AsyncPager, SyncPager

T = TypeVar("T")
R = TypeVar("R")

#: A multi-request flow written once for both clients: it yields the requests it needs and
#: receives their responses (or has the SDK error thrown into it); its return value is the
#: result. Used for read-then-write steps such as validated status changes and guarded creates.
Procedure = Generator[APIRequest, APIResponse, T]


def _store_deadline(client: MaintainX | AsyncMaintainX) -> AbstractContextManager[None]:
    """Bounds what a procedure does between its requests (a Redis idempotency store's
    claim, for one) by the client's deadline, ``Timeouts.total``."""
    timeouts = client._options.timeouts or client.config.timeouts
    return deadline(timeouts.total)


class SyncAPIResource:
    """A namespace of operations on the blocking client (``mx.work_orders``, ...)."""

    def __init__(self, client: MaintainX) -> None:
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
        return parse_response(op, self._client._send(request))

    def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the blocking client."""
        try:
            with _store_deadline(self._client):
                request = next(procedure)
            while True:
                try:
                    response = self._client._send(request)
                except MaintainXError as exc:
                    with _store_deadline(self._client):
                        request = procedure.throw(exc)
                else:
                    with _store_deadline(self._client):
                        request = procedure.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            procedure.close()

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

    def __init__(self, client: AsyncMaintainX) -> None:
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
        return parse_response(op, await self._client._send(request))

    async def _run(self, procedure: Procedure[T]) -> T:
        """Drive a :data:`Procedure` with the asyncio client."""
        try:
            with _store_deadline(self._client):
                request = next(procedure)
            while True:
                try:
                    response = await self._client._send(request)
                except MaintainXError as exc:
                    with _store_deadline(self._client):
                        request = procedure.throw(exc)
                else:
                    with _store_deadline(self._client):
                        request = procedure.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            procedure.close()

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
