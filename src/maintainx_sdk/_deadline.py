"""The call's deadline: one value that every step asks whether time is left.

A :class:`Deadline` is made once per call from ``Timeouts.total`` and a monotonic clock.
The flow asks it before each attempt and before each rate-limit wait; the retry decision
gets its end; the drivers and the rate-limit/Redis backends get it through :func:`bound`.

Why a context variable as well: httpx's timeouts bound each socket operation, not the whole
exchange (a server that sends one header byte per second never trips a 5 s read timeout),
and a blocking read cannot be interrupted from outside. So the sync driver and the backend
calls put the deadline in :func:`current` (it follows the calling thread), and the SDK's
transport (:mod:`._deadline_transport`) and Redis bounds (:mod:`._redis_bounds`) clamp
every socket operation to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from types import TracebackType

from .errors import APITimeoutError

ErrorFactory = Callable[[], BaseException]


@dataclass(frozen=True, slots=True)
class Deadline:
    """The end of a call's time budget on ``clock`` (a monotonic clock, injectable)."""

    total: float
    """The whole budget in seconds (``Timeouts.total``)."""
    started: float
    end: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, total: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A deadline ``total`` seconds from now on ``clock``."""
        now = clock()
        return cls(total, now, now + total, clock)

    def remaining(self) -> float:
        """Seconds left (negative once past)."""
        return self.end - self.clock()

    @property
    def expired(self) -> bool:
        return self.clock() >= self.end

    def allows(self, wait: float) -> bool:
        """Would something still be left after waiting ``wait`` seconds from now?"""
        return self.clock() + wait < self.end

    def check(self, error: ErrorFactory | None = None) -> float:
        """The seconds left; raises ``error()`` (default :class:`APITimeoutError`) if none."""
        left = self.end - self.clock()
        if left <= 0:
            if error is None:
                raise APITimeoutError(f"the call's deadline of {self.total:g}s passed")
            raise error()
        return left

    def clamp(self, timeout: float | None, error: ErrorFactory | None = None) -> float:
        """``timeout`` cut down to the time left (None: the time left); raises as ``check``."""
        left = self.check(error)
        return left if timeout is None or timeout > left else timeout

    def bound(self, floor: float = 0.0) -> Bound:
        """A context in which :func:`current` is this deadline on the real monotonic clock
        (at least ``floor`` seconds away), for the sockets and backends used inside."""
        left = self.end - self.clock()
        if left >= floor and self.clock is time.monotonic:
            return Bound(self)  # already on the real clock: no new value needed
        return Bound(max(left, floor))


_current: ContextVar[Deadline | None] = ContextVar("maintainx_sdk_send_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the blocking send or backend call in progress (None: none)."""
    return _current.get()


class Bound:
    """Sets :func:`current` to ``until`` (a deadline, or one that many seconds from entry)
    inside; None leaves it as it is."""

    __slots__ = ("_token", "_until")

    def __init__(self, until: Deadline | float | None) -> None:
        self._until = until
        self._token: Token[Deadline | None] | None = None

    def __enter__(self) -> None:
        until = self._until
        if until is not None:
            self._token = _current.set(
                until if isinstance(until, Deadline) else Deadline.after(until)
            )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None


def deadline(seconds: float | None) -> Bound:
    """Every socket operation of the SDK's blocking transports inside ends within ``seconds``."""
    return Bound(seconds)
