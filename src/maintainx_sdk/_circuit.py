"""The pybreaker circuit behind :class:`maintainx_sdk.breaker.Breaker`, built on first failure.

Only pybreaker's public API is used: a ``CircuitBreakerStorage`` subclass (its documented
extension point) that keeps time on the injected clock, a ``CircuitBreakerListener`` for
state changes, and ``CircuitBreaker.call`` / ``half_open`` to move the state machine.

Importing pybreaker imports ``redis`` whenever redis is installed (for its optional Redis
storage), and redis pulls in the OpenTelemetry SDK: about 0.2 s. A healthy client never
needs the circuit, so this module is imported only when the first failure is recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pybreaker

from ._observer import Observer

__all__ = ["ClockStorage", "new_circuit", "replay"]


class ClockStorage(pybreaker.CircuitBreakerStorage):
    """In-memory circuit state whose opening time follows the injected clock.

    pybreaker stamps ``opened_at`` with the wall clock (naive UTC up to 1.0.x, aware UTC
    later); the stamp is recorded as a reading of our clock instead, and read back in the
    same flavour the library wrote, so its own reset check agrees with ours.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__("memory")
        self._clock = clock
        self._state: str = pybreaker.STATE_CLOSED
        self._fail_counter = 0
        self._success_counter = 0
        self._aware = True
        self.opened_clock: float | None = None
        """The clock reading when the circuit last opened (None: never opened)."""

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, state: str) -> None:
        self._state = state

    def increment_counter(self) -> None:
        self._fail_counter += 1

    def reset_counter(self) -> None:
        self._fail_counter = 0

    def increment_success_counter(self) -> None:
        self._success_counter += 1

    def reset_success_counter(self) -> None:
        self._success_counter = 0

    @property
    def counter(self) -> int:
        return self._fail_counter

    @property
    def success_counter(self) -> int:
        return self._success_counter

    @property
    def opened_at(self) -> datetime | None:
        if self.opened_clock is None:
            return None
        now = datetime.now(UTC)
        if not self._aware:
            now = now.replace(tzinfo=None)
        return now - timedelta(seconds=self._clock() - self.opened_clock)

    @opened_at.setter
    def opened_at(self, value: datetime) -> None:
        self._aware = value.tzinfo is not None
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


class AttemptFailed(Exception):
    """Stands in for a failed attempt inside pybreaker's bookkeeping."""


def _outcome(failure: bool) -> None:
    if failure:
        raise AttemptFailed


def replay(circuit: pybreaker.CircuitBreaker, *, failure: bool) -> None:
    """Feed an attempt's outcome, already known, through ``CircuitBreaker.call``.

    The request itself was sent by the sans-IO pipeline (sync or asyncio); pybreaker sees a
    call that succeeds or raises, and moves its state machine as for any guarded call.
    Call it only while the circuit is closed or half-open: open, pybreaker refuses the call.
    """
    # A failure comes back out of call(): re-raised as is, since the circuit is built with
    # throw_new_error_on_trip=False (CircuitBreakerError only if a caller opened it since).
    with contextlib.suppress(AttemptFailed, pybreaker.CircuitBreakerError):
        circuit.call(_outcome, failure)
