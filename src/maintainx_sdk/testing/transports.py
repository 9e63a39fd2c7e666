"""In-process httpx transports over an :class:`Emulator` (no socket).

Wire faults become what a real connection would raise: a refused connection raises
``httpx.ConnectError`` (nothing was sent), a cut connection raises ``httpx.ReadError``, a hang sleeps for the request's read timeout and raises
``httpx.ReadTimeout``, added latency is slept (``asyncio.sleep`` in the async transport).
The two transports stay a pair: each implements another httpx base (blocking or async).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

import httpx

from ._outcome import Outcome


class Dispatcher(Protocol):
    """What a transport needs of the emulator (an :class:`~.emulator.Emulator` is one)."""

    @property
    def max_hang(self) -> float | None: ...

    def dispatch(self, request: httpx.Request) -> Outcome: ...


def _hang_seconds(emulator: Dispatcher, request: httpx.Request) -> float:
    timeouts = request.extensions.get("timeout") or {}
    read = timeouts.get("read")
    seconds = float(read) if read is not None else 5.0
    if emulator.max_hang is not None:
        seconds = min(seconds, emulator.max_hang)
    return seconds


def _finish(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    if outcome.refused:
        raise httpx.ConnectError("emulator fault: connection refused", request=request)
    if outcome.disconnect:
        raise httpx.ReadError("emulator fault: connection reset by peer", request=request)
    return outcome.to_response(request)


class EmulatorTransport(httpx.BaseTransport):
    """Answers a blocking client's requests from the emulator."""

    def __init__(self, emulator: Dispatcher) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        outcome = self.emulator.dispatch(request)
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.hang:
            time.sleep(_hang_seconds(self.emulator, request))
            raise httpx.ReadTimeout("emulator fault: the server did not answer", request=request)
        return _finish(outcome, request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """Answers an asyncio client's requests from the emulator."""

    def __init__(self, emulator: Dispatcher) -> None:
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        outcome = self.emulator.dispatch(request)
        if outcome.delay:
            await asyncio.sleep(outcome.delay)
        if outcome.hang:
            await asyncio.sleep(_hang_seconds(self.emulator, request))
            raise httpx.ReadTimeout("emulator fault: the server did not answer", request=request)
        return _finish(outcome, request)
