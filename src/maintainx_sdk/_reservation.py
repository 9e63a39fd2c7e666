"""What a rate-limit backend is asked: the quotas a request counts against, and its
reserved send time. :class:`RateLimitBackend` is the protocol every backend (in-process,
Redis) implements; :mod:`maintainx_sdk.ratelimit` re-exports these names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["PROBE_PATIENCE", "HoldRelease", "RateLimitBackend", "Reservation", "ScopeRequest"]

#: Seconds the probe hold waits for a report before one more held request goes as a prober.
PROBE_PATIENCE = 2.0


@dataclass(frozen=True, slots=True)
class ScopeRequest:
    """One quota a reservation must fit in.

    ``guide`` names the scope whose X-Rate-Limit headers describe this one: while the
    server has reported on it, the server's numbers govern instead of the local log.
    """

    key: str
    limit: int
    period: float
    guide: str | None = None
    probe: int = 0
    """Until the server first reports on the scope, at most this many requests go at once
    (0: no such hold); the rest re-check every ``probe_poll`` seconds. With no report for
    ``PROBE_PATIENCE`` seconds, one more goes (a prober that was cancelled or lost)."""
    probe_poll: float = 0.05


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reserved send time. ``wait`` is how long to wait, from when it was made."""

    token: int
    wait: float
    scopes: tuple[ScopeRequest, ...]
    feedback_scope: str | None
    """The scope whose quota this route's X-Rate-Limit headers describe."""
    seqs: tuple[int, ...] = ()
    """Position of this reservation in each scope's sequence (for header feedback)."""

    def with_wait(self, wait: float) -> Reservation:
        return dataclasses.replace(self, wait=wait)

    def feedback(self) -> tuple[int, ScopeRequest] | None:
        """Index and spec of the scope this reservation's X-Rate-Limit headers describe."""
        for index, spec in enumerate(self.scopes):
            if spec.key == self.feedback_scope:
                return index, spec
        return None


class RateLimitBackend(Protocol):
    """Where reservations live: in this process, or shared (see ``RedisRateLimitBackend``).

    Every method must be atomic across all the scopes it is given.
    """

    def reserve(
        self, scopes: Sequence[ScopeRequest], now: float, feedback: str | None = None
    ) -> Reservation:
        """Reserve the earliest send time allowed in every scope (``feedback`` is kept)."""
        ...

    def confirm(self, reservation: Reservation, now: float) -> Reservation:
        """After waiting: ``wait == 0`` if it may go now, else how much longer to wait."""
        ...

    def cancel(self, reservation: Reservation) -> None: ...

    def observe(
        self,
        reservation: Reservation,
        *,
        limit: int | None,
        remaining: int,
        reset: float,
        now: float,
    ) -> None:
        """Only ``remaining`` more requests (after this one) may go until ``now + reset``."""
        ...


@runtime_checkable
class HoldRelease(Protocol):
    """A backend whose probe hold is shared (both built-in backends): it can end the hold
    for every limiter on it when the prober's answer brought no report."""

    def end_hold(self, reservation: Reservation) -> None:
        """No X-Rate-Limit report will come for the reservation's feedback scope (the answer
        had no headers, or there was no answer): stop holding requests for one."""
        ...
