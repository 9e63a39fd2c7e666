"""The pybreaker circuit behind :class:`maintainx_sdk.breaker.Breaker`, built on first failure.

Importing pybreaker imports ``redis`` whenever redis is installed (for its optional Redis
storage), and redis pulls in the OpenTelemetry SDK: about 0.2 s. A healthy client never
needs the circuit, so this module is imported only when the first failure is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pybreaker

from ._observer import Observer

__all__ = ["ClockStorage", "new_circuit"]


class ClockStorage(pybreaker.CircuitMemoryStorage):
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


def new_circuit(
    *,
    fail_max: int,
    reset_timeout: float,
    name: str,
    clock: Callable[[], float],
    observer: Callable[[], Observer],
) -> tuple[pybreaker.CircuitBreaker, ClockStorage]:
    """A closed pybreaker circuit on clock-driven storage, reporting state changes."""
    storage = ClockStorage(clock)
    circuit = pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_timeout,
        state_storage=storage,
        listeners=[_Listener(observer, name)],
        name=name,
        throw_new_error_on_trip=False,
    )
    return circuit, storage


#: What pybreaker raises when a recorded failure trips the circuit.
CircuitBreakerError = pybreaker.CircuitBreakerError
