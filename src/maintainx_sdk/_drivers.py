"""The only places that do a call's I/O: they drive a sans-IO flow (:mod:`._flow`).

:func:`run_sync` and :func:`run_async` perform the flow's :class:`~._actions.Send` and
:class:`~._actions.Sleep` actions and hand the results back. A ``Send`` carries the attempt's
budget (the rest of the call's :class:`~._deadline.Deadline`): the async driver enforces it
with ``asyncio.timeout``; a blocking read cannot be interrupted, so the sync driver bounds
the sockets through a :class:`~._deadline.Bound` and checks the body as it arrives.
The two stay twins: they are the I/O itself (a blocking or an awaited send and sleep).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from ._actions import Flow, Send, Sleep
from ._deadline import Bound, Deadline
from ._response import APIResponse

#: Slack given to httpx's own timeouts before the attempt's budget cuts a send off.
DEADLINE_GRACE = 0.1


def _outer_budget(budget: float | None) -> float | None:
    return None if budget is None else budget + DEADLINE_GRACE


class _BodyDeadline(httpx.SyncByteStream):
    """A response body that stops with ``ReadTimeout`` once the attempt's budget is spent."""

    def __init__(self, inner: httpx.SyncByteStream, request: httpx.Request, until: float) -> None:
        self._inner = inner
        self._request = request
        self._until = until
        """The end of the budget on ``time.monotonic``."""

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() >= self._until:
                raise httpx.ReadTimeout(
                    "the response body did not arrive within the call's deadline",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _send_sync(http: httpx.Client, action: Send) -> httpx.Response:
    """Send and read the whole body, within the attempt's budget when it has one."""
    budget = action.budget
    if budget is None:
        return http.send(action.request)
    now = time.monotonic()
    outer = budget + DEADLINE_GRACE
    # The SDK's own transports cut every socket read off at the deadline (trickled headers
    # included); the body check below also bounds a transport passed in by the caller.
    with Bound(Deadline(outer, now, now + outer)):
        response = http.send(action.request, stream=True)
        try:
            if isinstance(response.stream, httpx.SyncByteStream):
                response.stream = _BodyDeadline(response.stream, action.request, now + budget)
            response.read()
        except BaseException:
            response.close()
            raise
    return response


def _stopped(flow: Flow, why: BaseException) -> None:
    """The I/O was stopped by ``why`` (a cancelled task, Ctrl-C): the flow ends with it, so
    its observers see why, not the ``GeneratorExit`` of closing it. The caller re-raises."""
    with contextlib.suppress(BaseException):
        flow.throw(why)


def run_sync(
    flow: Flow, http: httpx.Client, sleep: Callable[[float], None] = time.sleep
) -> APIResponse:
    """Drive a flow with a blocking httpx client."""
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                try:
                    sleep(action.seconds)
                except BaseException as stop:
                    _stopped(flow, stop)
                    raise
                action = flow.send(None)
                continue
            try:
                response = _send_sync(http, action)
            except Exception as exc:
                failure: Exception | None = exc
            except BaseException as stop:
                _stopped(flow, stop)
                raise
            else:
                failure = None
            # thrown outside the except block, so the SDK's error does not chain the httpx
            # error (and the request with the key in its headers) as its __context__
            action = flow.send(response) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        result: APIResponse = stop.value
        return result
    finally:
        flow.close()


async def run_async(
    flow: Flow,
    http: httpx.AsyncClient,
    sleep: Callable[[float], Any] | None = None,
) -> APIResponse:
    """Drive a flow with an asyncio httpx client. Cancellation closes the flow cleanly.

    ``sleep`` defaults to ``asyncio.sleep``.
    """
    import asyncio  # here, not at the top: sync-only programs never import asyncio

    if sleep is None:
        sleep = asyncio.sleep
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                try:
                    await sleep(action.seconds)
                except BaseException as stop:
                    _stopped(flow, stop)
                    raise
                action = flow.send(None)
                continue
            try:
                # httpx.send reads the whole body; httpx's own timeouts (each <= the budget)
                # fire first when they apply, so a pool wait or connect keeps its precise error
                async with asyncio.timeout(_outer_budget(action.budget)):
                    response = await http.send(action.request)
            except Exception as exc:
                failure: Exception | None = exc
            except BaseException as stop:
                _stopped(flow, stop)
                raise
            else:
                failure = None
            action = flow.send(response) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        result: APIResponse = stop.value
        return result
    finally:
        flow.close()
