"""Multi-request procedures, written once for both clients.

A :data:`Procedure` yields the requests it needs and receives their responses (or has the
SDK error thrown into it); its return value is the result. Read-then-write steps such as
validated status changes, guarded creates and the readiness smoke test are procedures.

:func:`bounded` holds every decision (one deadline for the whole procedure, error routing,
scrubbing) without I/O; :func:`run_procedure` and :func:`arun_procedure` only send what it
asks for. That pair stays twinned: they differ in the one line that sends (``await``).
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from ._deadline import Deadline
from ._request import APIRequest
from ._response import APIResponse
from .errors import APITimeoutError, MaintainXError, scrub_chain

if TYPE_CHECKING:
    from ._actions import CallOptions
    from ._sender import AsyncSender, ClientView, SyncSender

T = TypeVar("T")

#: A multi-request flow written once for both clients (see the module docstring).
Procedure = Generator[APIRequest, APIResponse, T]
#: What :func:`bounded` asks its driver to send: a request and the options to send it with.
Step = tuple[APIRequest, "CallOptions"]


class ProcedureDeadline:
    """One deadline, ``Timeouts.total``, for a whole :data:`Procedure`: each request it sends
    gets what is left of it (a guarded create's sends and look-ups together, not each), and so
    does what it does between requests (a Redis idempotency store's claim, for one)."""

    def __init__(self, client: ClientView) -> None:
        self._options = client.call_options
        self._timeouts = self._options.timeouts or client.config.timeouts
        self._deadline = Deadline.after(self._timeouts.total)

    def between(self) -> AbstractContextManager[None]:
        return self._deadline.bound()

    def options(self, request: APIRequest) -> CallOptions:
        """The options of the procedure's next request; raises once no time is left."""

        def too_late() -> APITimeoutError:
            return APITimeoutError(
                f"{request.method} {request.path}: the call's deadline of "
                f"{self._timeouts.total:g}s passed before this request of it was sent",
                method=request.method,
                path=request.path,
            )

        left = self._deadline.check(too_late)
        return replace(self._options, timeouts=replace(self._timeouts, total=left))


def bounded(procedure: Procedure[T], clock: ProcedureDeadline) -> Generator[Step, APIResponse, T]:
    """``procedure`` under ``clock``: yields each request with its options and takes back the
    response; whatever the driver throws in (the send's error) is routed here: an SDK error
    goes into the procedure, anything else ends it. Every error leaving is scrubbed."""
    try:
        with clock.between():
            request = next(procedure)
        while True:
            try:
                response = yield request, clock.options(request)
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


def run_procedure(client: SyncSender, procedure: Procedure[T]) -> T:
    """Drive a :data:`Procedure` with the blocking client."""
    steps = bounded(procedure, ProcedureDeadline(client))
    try:
        request, options = next(steps)
        while True:
            try:
                response = client.send(request, options)
            except BaseException as exc:
                request, options = steps.throw(exc)
            else:
                request, options = steps.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        steps.close()


async def arun_procedure(client: AsyncSender, procedure: Procedure[T]) -> T:
    """Drive a :data:`Procedure` with the asyncio client."""
    steps = bounded(procedure, ProcedureDeadline(client))
    try:
        request, options = next(steps)
        while True:
            try:
                response = await client.send(request, options)
            except BaseException as exc:
                request, options = steps.throw(exc)
            else:
                request, options = steps.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        steps.close()
