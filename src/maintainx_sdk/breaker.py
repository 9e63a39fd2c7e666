"""A circuit breaker around the API, driven from the sans-IO pipeline.

pybreaker keeps the state machine (closed → open → half-open → closed), the failure
counter and the listeners, driven through its public API only. The pipeline asks
:meth:`Breaker.before_send` before each attempt and reports :meth:`Breaker.record` after
it, so the same breaker serves sync and asyncio clients (pybreaker's ``call_async`` needs
tornado): the outcome, already known, is replayed through ``CircuitBreaker.call``. Time
comes from the injected clock, kept by the storage in ``_circuit``.

pybreaker is imported when the first failure is recorded, not with this module: it imports
``redis`` (and through it the OpenTelemetry SDK) whenever redis is installed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx

from ._observer import Observer
from .errors import CircuitOpenError, ConfigurationError

if TYPE_CHECKING:
    import pybreaker

    from ._circuit import ClockStorage

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
        self._observer = observer
        self._circuit: pybreaker.CircuitBreaker | None = None
        self._storage: ClockStorage | None = None
        self._probe_in_flight = False
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._healthy = True
        """Closed with no failure counted: the fast path skips pybreaker entirely. (A stale
        read under a race admits one more attempt; every state change takes the lock.)"""

    @property
    def _cb(self) -> pybreaker.CircuitBreaker:
        """The pybreaker circuit, built (and pybreaker imported) on first need."""
        if self._circuit is None:
            from ._circuit import new_circuit

            with self._build_lock:  # not self._lock: callers may hold it
                if self._circuit is None:
                    self._circuit, self._storage = new_circuit(
                        fail_max=self.policy.fail_max,
                        reset_timeout=self.policy.reset_timeout,
                        name=self.policy.name,
                        clock=self._clock,
                        observer=self._observer,
                    )
        return self._circuit

    @property
    def state(self) -> BreakerState:
        """``closed``, ``open`` or ``half-open``."""
        if self._circuit is None:
            return "closed"
        name: BreakerState = self._circuit.current_state  # type: ignore[assignment]
        return name

    @property
    def fail_counter(self) -> int:
        return 0 if self._circuit is None else self._circuit.fail_counter

    def retry_after(self) -> float:
        """Seconds until an open breaker lets a probe through (0 unless open)."""
        opened = None if self._storage is None else self._storage.opened_clock
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
            if failure:
                self._healthy = False
            from ._circuit import replay

            replay(self._cb, failure=failure)
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
