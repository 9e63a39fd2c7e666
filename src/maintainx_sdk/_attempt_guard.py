"""What one attempt holds, and the one place that gives it back.

An attempt may hold a rate-limit reservation (a slot in the client's quota) and the
breaker's half-open probe slot. :class:`AttemptGuard` owns both for the attempt's lifetime:
used as a context manager, its exit is the single release path, whatever way the attempt
ends (an answer, a transport error, the deadline, a bug in an observer, a cancelled task).

- The probe slot is settled by :meth:`AttemptGuard.record`; otherwise it is released.
- The reservation is spent once the request is handed to the wire (:meth:`sending`), unless
  the attempt then learns it never left (:meth:`unanswered` with ``sent=False``); a
  reservation not spent is cancelled, so it does not count against the quota.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from ._actions import RateLimitInfo, Sleep
from ._deadline import Bound, Deadline
from ._request import APIRequest
from .breaker import Breaker, is_breaker_failure
from .ratelimit import InMemoryRateLimitBackend, RateLimiter, Reservation

#: The least time a rate-limiter backend call gets, even past the deadline: giving a slot
#: back after the deadline still gets a try.
BACKEND_MIN = 0.05

#: Entered around calls that need no bound (it sets nothing, so one serves every attempt).
_UNBOUNDED = Bound(None)


class AttemptGuard:
    """The rate-limit reservation and breaker probe of one attempt (see the module doc)."""

    __slots__ = ("_breaker", "_deadline", "_io", "_limiter", "_spent", "probe", "reservation")

    def __init__(
        self, limiter: RateLimiter | None, breaker: Breaker | None, deadline: Deadline
    ) -> None:
        self._limiter = limiter
        # An in-process backend does no I/O: nothing to bound by the deadline.
        self._io = limiter is not None and type(limiter.backend) is not InMemoryRateLimitBackend
        self._breaker = breaker
        self._deadline = deadline
        self._spent = False
        self.reservation: Reservation | None = None
        self.probe = False
        """True while this attempt holds the breaker's half-open probe slot."""

    def __enter__(self) -> AttemptGuard:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def release(self) -> None:
        """Give back whatever is still held and not spent (safe to call more than once)."""
        if self.probe:
            self.probe = False
            if self._breaker is not None:
                self._breaker.release(True)
        reservation, self.reservation = self.reservation, None
        if reservation is not None and not self._spent and self._limiter is not None:
            with self.backend():
                self._limiter.cancel(reservation)

    def backend(self) -> Bound:
        """Bounds a rate-limiter backend call (Redis, say) by the call's deadline."""
        if not self._io:
            return _UNBOUNDED  # no I/O to bound: skip setting the deadline
        return self._deadline.bound(BACKEND_MIN)

    def reserve(self, request: APIRequest, organization: str | None) -> float:
        """Take a rate-limit slot; returns how long to wait for it (0: go now; then
        :meth:`wait_out` yields the waits). Not a generator: most slots are free at once."""
        limiter = self._limiter
        if limiter is None:
            return 0.0
        now = self._deadline.clock()
        if not self._io:  # in-process: nothing to bound
            reservation = self.reservation = limiter.acquire(request, organization, now)
        else:
            with self.backend():
                reservation = self.reservation = limiter.acquire(request, organization, now)
        return reservation.wait

    def wait_out(self, too_late: Callable[[float], BaseException]) -> Generator[Sleep, Any, None]:
        """Yield the waits for the slot :meth:`reserve` took; ``too_late(wait)`` is raised when
        the slot lies past the deadline (the slot is then given back on exit)."""
        reservation = self.reservation
        limiter = self._limiter
        if reservation is None or limiter is None:
            return
        clock = self._deadline.clock
        while reservation.wait > 0:
            if not self._deadline.allows(reservation.wait):
                raise too_late(reservation.wait)
            yield Sleep(reservation.wait)
            with self.backend():
                reservation = self.reservation = limiter.confirm(reservation, clock())

    def admit(self, where: str) -> None:
        """Ask the breaker to let the attempt through (raises ``CircuitOpenError``)."""
        if self._breaker is not None:
            self.probe = self._breaker.before_send(where)

    def sending(self) -> None:
        """The request goes on the wire now: its slot counts against the quota."""
        self._spent = True

    def record(self, status_code: int | None, error: BaseException | None) -> None:
        """Tell the breaker how the attempt went; this settles the probe slot."""
        if self._breaker is not None:
            probe, self.probe = self.probe, False
            self._breaker.record(failure=is_breaker_failure(status_code, error), probe=probe)

    def unanswered(self, *, sent: bool) -> None:
        """No response came; ``sent=False``: the request never left, so its slot is given back."""
        if self.reservation is not None and self._limiter is not None:
            with self.backend():  # it may tell a shared backend (Redis) to end the probe hold
                self._limiter.unanswered(self.reservation)
            if not sent:
                self._spent = False

    def observe(self, info: RateLimitInfo) -> None:
        """Correct the limiter's pacing from the response's X-Rate-Limit headers."""
        if self.reservation is not None and self._limiter is not None:
            with self.backend():
                self._limiter.observe(
                    self.reservation,
                    limit=info.limit,
                    remaining=info.remaining,
                    reset=info.reset,
                    now=self._deadline.clock(),
                )
