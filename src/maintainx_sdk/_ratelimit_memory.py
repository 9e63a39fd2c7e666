"""The in-process rate-limit backend: reservations under one lock, for threads and asyncio
tasks alike. :class:`~maintainx_sdk.ratelimit_redis.RedisRateLimitBackend` runs the same
rules as Lua scripts for processes that share a quota.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._reservation import PROBE_PATIENCE, Reservation, ScopeRequest

__all__ = ["InMemoryRateLimitBackend"]


@dataclass(slots=True)
class _Window:
    """The server's view of a scope: up to ``allowed_seq`` may go before ``end``."""

    end: float
    allowed_seq: int
    limit: int
    period: float
    estimated: bool = False
    samples: list[int] = field(default_factory=list)
    prior: int | None = None
    """Our own count for a window we rolled into (reports may lower it, not raise it)."""


_MAX_SAMPLES = 32


@dataclass(slots=True)
class _Scope:
    log: list[tuple[float, int]] = field(default_factory=list)
    seq: int = 0
    window: _Window | None = None
    longest_reset: float = 0.0
    admitted: int = 0
    """The highest sequence number that has been let go."""
    probe_start: float | None = None
    """When the first request went while the probe hold was on (for ``PROBE_PATIENCE``)."""
    unheld: bool = False
    """The probe hold is over without a report (see :meth:`InMemoryRateLimitBackend.end_hold`)."""


class InMemoryRateLimitBackend:
    """Reservations for one process, under one lock (threads and asyncio tasks alike).

    Before the server has reported on a scope, a sliding log keeps at most ``limit`` sends
    in any ``period``. Once X-Rate-Limit headers arrive, the server's window governs: the
    requests reserved after the reporting one may use its ``Remaining``; later ones wait for
    ``Reset``, then ``Limit`` per window (the window length learnt from the longest Reset).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, _Scope] = {}
        self._tokens = itertools.count(1)

    def reserve(
        self, scopes: Sequence[ScopeRequest], now: float, feedback: str | None = None
    ) -> Reservation:
        specs = tuple(scopes)
        with self._lock:
            slot = now
            states: list[_Scope] = []
            unguided: list[bool] = []
            known = self._scopes
            for spec in specs:
                scope = known.get(spec.key)
                if scope is None:
                    scope = known[spec.key] = _Scope()
                states.append(scope)
                guide = known.get(spec.guide or spec.key)  # as _guided, inlined: every call
                guided = guide is not None and guide.window is not None
                unguided.append(not guided)
                if guided:
                    continue  # the server's window governs (below)
                held = _held(spec, scope, now, scope.seq + 1)
                if held:
                    slot = max(slot, now + spec.probe_poll)  # wait for the first report
                    continue
                log = scope.log
                # Keep the last `limit` entries whatever `now` says: callers read the clock
                # before taking the lock, so a slightly older `now` may still arrive.
                drop = 0
                while len(log) - drop > spec.limit and log[drop][0] <= now - spec.period:
                    drop += 1
                del log[:drop]
                if len(log) >= spec.limit:
                    # At or after the limit-th latest send + period: any window holding this
                    # send holds at most the limit-1 later ones besides it.
                    slot = max(slot, log[-spec.limit][0] + spec.period)
            seqs: list[int] = []
            for scope in states:
                window = scope.window
                if window is not None and now >= window.end:
                    self._roll(scope, now)
                    window = scope.window
                seq = scope.seq = scope.seq + 1
                seqs.append(seq)
                if window is not None and seq > window.allowed_seq:
                    slot = max(slot, _window_slot(window, seq))
            token = next(self._tokens)
            for spec, scope, seq, log_it in zip(specs, states, seqs, unguided, strict=True):
                if log_it:  # guided scopes never read their log
                    bisect.insort(scope.log, (slot, token))
                if slot <= now:
                    # as _admit; a scope's guidance cannot have changed since the loop above
                    scope.admitted = max(scope.admitted, seq)
                    if spec.probe > 0 and scope.probe_start is None and log_it:
                        scope.probe_start = now
            return Reservation(token, slot - now, specs, feedback, tuple(seqs))

    def confirm(self, reservation: Reservation, now: float) -> Reservation:
        with self._lock:
            slot = now
            for spec, seq in zip(reservation.scopes, reservation.seqs, strict=True):
                scope = self._scope(spec.key)
                self._roll(scope, now)
                slot = max(slot, _window_slot(scope.window, seq), self._hold(spec, now, seq))
            if slot > now:
                self._move(reservation, slot)
            else:
                for spec, seq in zip(reservation.scopes, reservation.seqs, strict=True):
                    self._admit(spec, self._scope(spec.key), seq, now)
            return reservation.with_wait(slot - now)

    def cancel(self, reservation: Reservation) -> None:
        with self._lock:
            self._move(reservation, None)

    def end_hold(self, reservation: Reservation) -> None:
        """No report will come for the reservation's feedback scope: the scopes it describes
        stop holding requests (the sliding log paces them instead)."""
        with self._lock:
            for spec in reservation.scopes:
                if (spec.guide or spec.key) == reservation.feedback_scope:
                    self._scope(spec.key).unheld = True

    def observe(
        self,
        reservation: Reservation,
        *,
        limit: int | None,
        remaining: int,
        reset: float,
        now: float,
    ) -> None:
        found = reservation.feedback()
        if found is None:
            return
        index, spec = found
        with self._lock:
            scope = self._scope(spec.key)
            scope.longest_reset = max(scope.longest_reset, reset)
            old = scope.window
            fresh_end = now + reset
            fresh_allowed = reservation.seqs[index] + max(remaining, 0)
            fresh_limit = limit if limit and limit > 0 else (old.limit if old else spec.limit)
            fresh_period = min(spec.period, scope.longest_reset)
            if old is None or now >= old.end or fresh_end > old.end + max(1.0, old.period / 2):
                # First report, or the server is in a later window than we thought. (The
                # window's end tells windows apart; Remaining does not: with many requests
                # in flight one report can look like a fresh window.)
                fresh = _Window(fresh_end, fresh_allowed, fresh_limit, fresh_period)
                if old is None and spec.probe == 1:
                    # The sole prober's report: nothing else of ours was on its way, so its
                    # Remaining is exact; later (reordered) reports may lower it, not raise it.
                    fresh.prior = fresh_allowed
                fresh.samples.append(fresh_allowed)
                scope.window = fresh
            else:
                if old.estimated:
                    # The first report in a window we rolled into: our own count of what we
                    # sent since it began is the best guess; reports may only lower it.
                    old.estimated = False
                    old.prior = old.allowed_seq
                    old.samples.clear()
                    old.end = fresh_end  # the server's word beats our guess of the period
                # Concurrent requests reach the server in another order than they were
                # reserved, so each report is off by up to the concurrency: take the median
                # of the reports. Servers round Reset up to whole seconds, so the earliest
                # end is the closest.
                samples = old.samples
                samples.append(fresh_allowed)
                if len(samples) > _MAX_SAMPLES:
                    del samples[0]
                if old.prior is None:
                    old.allowed_seq = sorted(samples)[len(samples) // 2]  # the upper median
                else:
                    # Every report overstates the room by the requests it overtook, never
                    # understates it: only when even the highest is below our own count has
                    # someone else used the quota.
                    old.allowed_seq = min(old.prior, max(samples))
                old.end = min(old.end, fresh_end)
                old.limit = fresh_limit
                old.period = fresh_period
            if remaining <= 0:
                # The server is full: nothing not yet on its way may go in this window.
                window = scope.window
                assert window is not None
                window.allowed_seq = min(window.allowed_seq, max(scope.admitted, fresh_allowed))

    def _guided(self, spec: ScopeRequest) -> bool:
        guide = self._scopes.get(spec.guide or spec.key)
        return guide is not None and guide.window is not None

    def _hold(self, spec: ScopeRequest, now: float, seq: int) -> float:
        """Before the server's first report, hold requests past the probe burst briefly."""
        if self._guided(spec) or not _held(spec, self._scope(spec.key), now, seq):
            return float("-inf")
        return now + spec.probe_poll

    def _admit(self, spec: ScopeRequest, scope: _Scope, seq: int, now: float) -> None:
        """Request ``seq`` is let go (now, or after its wait)."""
        scope.admitted = max(scope.admitted, seq)
        if spec.probe > 0 and scope.probe_start is None and not self._guided(spec):
            scope.probe_start = now

    @staticmethod
    def _roll(scope: _Scope, now: float) -> None:
        """Past a window's end, the server starts a fresh one with ``limit`` requests."""
        w = scope.window
        if w is None or now < w.end:
            return
        if now >= w.end + w.period:
            scope.window = _Window(now + w.period, scope.seq + w.limit, w.limit, w.period, True)
            return
        # Everything let go so far belonged to earlier windows.
        base = min(scope.admitted, scope.seq)
        scope.window = _Window(w.end + w.period, base + w.limit, w.limit, w.period, True)

    def _move(self, reservation: Reservation, slot: float | None) -> None:
        """Re-time (or with ``None`` remove) a reservation's entries."""
        for spec in reservation.scopes:
            log = self._scope(spec.key).log
            for i in range(len(log) - 1, -1, -1):
                if log[i][1] == reservation.token:
                    del log[i]
                    if slot is not None:
                        bisect.insort(log, (slot, reservation.token))
                    break

    def _scope(self, key: str) -> _Scope:
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = _Scope()
        return scope


def _held(spec: ScopeRequest, scope: _Scope, now: float, seq: int) -> bool:
    """Whether request ``seq`` waits for the server's first report (the probe hold)."""
    if spec.probe <= 0 or scope.unheld:
        return False
    extra = 0 if scope.probe_start is None else int((now - scope.probe_start) // PROBE_PATIENCE)
    return seq > spec.probe + extra


def _window_slot(window: _Window | None, seq: int) -> float:
    """The earliest time request number ``seq`` fits the server's window (or -inf)."""
    if window is None or seq <= window.allowed_seq:
        return float("-inf")
    later = math.ceil((seq - window.allowed_seq) / window.limit)
    return window.end + (later - 1) * window.period
