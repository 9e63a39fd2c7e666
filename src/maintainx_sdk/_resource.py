"""Base classes of the generated resource namespaces (sync and async share all logic)."""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ._deadline import deadline
from ._omit import strip_omitted
from ._operation import Operation, build_request, parse_response
from ._request import APIRequest
from ._response import APIResponse
from .errors import APITimeoutError, MaintainXError, scrub_chain

if TYPE_CHECKING:
    from ._actions import CallOptions
    from ._client import AsyncMaintainX, MaintainX
    from .pagination import AsyncPager, SyncPager

T = TypeVar("T")
R = TypeVar("R")

#: A multi-request flow written once for both clients: it yields the requests it needs and
#: receives their responses (or has the SDK error thrown into it); its return value is the
#: result. Used for read-then-write steps such as validated status changes and guarded creates.
Procedure = Generator[APIRequest, APIResponse, T]


class _ProcedureDeadline:
    """One deadline, ``Timeouts.total``, for a whole :data:`Procedure`: each request it sends
    gets what is left of it (a guarded create's sends and look-ups together, not each), and so
    does what it does between requests (a Redis idempotency store's claim, for one)."""

    def __init__(self, client: MaintainX | AsyncMaintainX) -> None:
        self._options = client._options
        self._timeouts = client._options.timeouts or client.config.timeouts
        self._end = time.monotonic() + self._timeouts.total

    def left(self) -> float:
        return self._end - time.monotonic()

    def between(self) -> AbstractContextManager[None]:
        return deadline(max(self.left(), 0.0))

    def options(self, request: APIRequest) -> CallOptions:
        """The options of the procedure's next request; raises once no time is left."""
        left = self.left()
        if left <= 0:
            raise APITimeoutError(
                f"{request.method} {request.path}: the call's deadline of "
                f"{self._timeouts.total:g}s passed before this request of it was sent",
                method=request.method,
                path=request.path,
            )
        return replace(self._options, timeouts=replace(self._timeouts, total=left))


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
        clock = _ProcedureDeadline(self._client)
        try:
            with clock.between():
                request = next(procedure)
            while True:
                try:
                    response = self._client._send(request, clock.options(request))
                except MaintainXError as exc:
                    with clock.between():
                        request = procedure.throw(exc)
                else:
                    with clock.between():
                        request = procedure.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException as exc:
            scrub_chain(exc)  # a procedure's own errors carry no request or echoed key either
            raise
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
        clock = _ProcedureDeadline(self._client)
        try:
            with clock.between():
                request = next(procedure)
            while True:
                try:
                    response = await self._client._send(request, clock.options(request))
                except MaintainXError as exc:
                    with clock.between():
                        request = procedure.throw(exc)
                else:
                    with clock.between():
                        request = procedure.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        except BaseException as exc:
            scrub_chain(exc)  # a procedure's own errors carry no request or echoed key either
            raise
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
