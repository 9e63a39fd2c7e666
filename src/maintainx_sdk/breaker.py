"""A circuit breaker around the API, driven from the sans-IO pipeline.

pybreaker keeps the state machine (closed → open → half-open → closed), the failure
counter and the listeners; we never call ``CircuitBreaker.call`` / ``call_async`` (the latter
needs tornado). Instead the pipeline asks :meth:`Breaker.before_send` before each attempt
and reports :meth:`Breaker.record` after it, so the same breaker serves sync and asyncio
clients. Time comes from the injected clock (pybreaker's own reset check reads the wall
clock, so the storage below maps our clock onto it).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pybreaker

from ._observer import Observer
from .errors import CircuitOpenError, ConfigurationError

__all__ = ["Breaker", "BreakerPolicy", "BreakerState", "is_breaker_failure"]

BreakerState = Literal["closed", "open", "half-open"]


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Open after ``fail_max`` consecutive server-side failures; probe after ``reset_timeout``."""

    fail_max: int = 5
    reset_timeout: float = 30.0
    name: str = "maintainx"
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.fail_max < 1 or not self.reset_timeout > 0:
            raise ConfigurationError(
                "BreakerPolicy needs fail_max >= 1 and reset_timeout > 0, got "
                f"fail_max={self.fail_max}, reset_timeout={self.reset_timeout}"
            )

    @classmethod
    def disabled(cls) -> BreakerPolicy:
        return cls(enabled=False)


def is_breaker_failure(status_code: int | None, error: BaseException | None) -> bool:
    """5xx, timeouts and connection errors count; 4xx, 429 and local errors never do."""
    if status_code is not None:
        return status_code >= 500
    if isinstance(error, httpx.PoolTimeout | httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return False
    return isinstance(error, httpx.TransportError | TimeoutError | OSError)


class _ClockStorage(pybreaker.CircuitMemoryStorage):
    """Memory storage whose ``opened_at`` follows the injected clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(pybreaker.STATE_CLOSED)
        self._clock = clock
        self.opened_clock: float | None = None

    @property
    def opened_at(self) -> datetime | None:
        if self.opened_clock is None:
            return None
        return datetime.now(UTC) - timedelta(seconds=self._clock() - self.opened_clock)

    @opened_at.setter
    def opened_at(self, value: datetime) -> None:
        self.opened_clock = self._clock()


class _Failure(Exception):
    """Stands in for the attempt's failure inside pybreaker's bookkeeping."""


class _Listener(pybreaker.CircuitBreakerListener):
    def __init__(self, observer: Callable[[], Observer], name: str) -> None:
        self._observer = observer
        self._name = name

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        old = old_state.name if old_state is not None else "closed"
        self._observer().breaker_state_changed(self._name, old, new_state.name)


class Breaker:
    """One breaker per client (views made by ``with_options`` share it)."""

    def __init__(
        self,
        policy: BreakerPolicy,
        *,
        clock: Callable[[], float],
        observer: Callable[[], Observer],
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._storage = _ClockStorage(clock)
        self._cb = pybreaker.CircuitBreaker(
            fail_max=policy.fail_max,
            reset_timeout=policy.reset_timeout,
            state_storage=self._storage,
            listeners=[_Listener(observer, policy.name)],
            name=policy.name,
            throw_new_error_on_trip=False,
        )
        self._probe_in_flight = False
        self._lock = threading.Lock()
        self._healthy = True
        """Closed with no failure counted: the fast path skips pybreaker entirely. (A stale
        read under a race admits one more attempt; every state change takes the lock.)"""

    @property
    def state(self) -> BreakerState:
        """``closed``, ``open`` or ``half-open``."""
        name: BreakerState = self._cb.current_state  # type: ignore[assignment]
        return name

    @property
    def fail_counter(self) -> int:
        return self._cb.fail_counter

    def retry_after(self) -> float:
        """Seconds until an open breaker lets a probe through (0 unless open)."""
        opened = self._storage.opened_clock
        if self.state != "open" or opened is None:
            return 0.0
        return max(opened + self.policy.reset_timeout - self._clock(), 0.0)

    def check(self, where: str) -> None:
        """Fail fast while open and the reset timeout has not passed (changes nothing)."""
        if self._healthy:
            return
        wait = self.retry_after()
        if wait > 0:
            raise self._open_error(where, wait)

    def before_send(self, where: str) -> bool:
        """Admit an attempt or raise :class:`CircuitOpenError`. True when it is the probe."""
        if self._healthy:
            return False
        with self._lock:
            state = self.state
            if state == "open":
                wait = self.retry_after()
                if wait > 0:
                    raise self._open_error(where, wait)
                self._cb.half_open()
                state = "half-open"
            if state == "half-open":
                if self._probe_in_flight:
                    raise self._open_error(where, 0.0, probing=True)
                self._probe_in_flight = True
                return True
            return False

    def record(self, *, failure: bool, probe: bool) -> None:
        """Report how an admitted attempt went."""
        if self._healthy and not failure and not probe:
            return  # closed with no failures counted: nothing to change
        with self._lock:
            if probe:
                self._probe_in_flight = False
            elif self._cb.current_state != "closed":
                # Sent before the breaker opened and answered late: only the probe decides
                # (a late success must not close it mid-probe, a late failure not reopen it).
                return
            state = self._cb.state
            if not failure:
                state._handle_success()
            else:
                self._healthy = False
                # pybreaker re-raises when the failure trips the breaker; that is the point.
                with contextlib.suppress(_Failure, pybreaker.CircuitBreakerError):
                    state._handle_error(_Failure(), reraise=False)
            self._healthy = self._cb.current_state == "closed" and self._cb.fail_counter == 0

    def release(self, probe: bool) -> None:
        """An admitted attempt ended without an answer (cancelled): free the probe slot."""
        if probe:
            with self._lock:
                self._probe_in_flight = False

    def _open_error(self, where: str, wait: float, *, probing: bool = False) -> CircuitOpenError:
        if probing:
            text = "a probe request is testing whether the API has recovered"
        else:
            text = f"the next probe is allowed in {wait:.1f}s"
        return CircuitOpenError(
            f"{where}: circuit breaker {self.policy.name!r} is open after repeated server-side "
            f"failures; failing fast without a request ({text})",
            retry_after=wait,
        )
