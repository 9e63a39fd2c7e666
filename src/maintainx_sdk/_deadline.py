"""The absolute deadline of the blocking send in progress (see :mod:`._deadline_transport`).

httpx's timeouts bound each socket operation, not the whole exchange: a server that sends
one header byte per second never trips a 5 s read timeout. A blocking read cannot be
interrupted from outside, so the sync driver sets the deadline here (a context variable,
so it follows the calling thread) and the SDK's transport clamps every socket operation
to it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

_until: ContextVar[float | None] = ContextVar("maintainx_sdk_send_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Every socket operation of the SDK's blocking transports inside ends within ``seconds``."""
    if seconds is None:
        yield
        return
    token = _until.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _until.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline of the send in progress (None: no deadline)."""
    until = _until.get()
    return None if until is None else until - time.monotonic()
