"""Client-side pacing under the API's quotas, without blocking and without a thread per wait.

The limiter never sleeps itself: :meth:`RateLimiter.acquire` *reserves* a send time and
returns how long to wait; the sans-IO pipeline yields that wait as a ``Sleep``. Within a
scope, send times are handed out in reservation order (FIFO-fair) under one
``threading.Lock``, so the same limiter is safe across threads and asyncio tasks; a request
held back only by its own endpoint's quota (one meter's readings) does not hold up the
others. A waiter that is cancelled gives its slot back.

Each scope keeps a sorted log of send times: a new send goes no earlier than the
``limit``-th latest one plus ``period``, so no window of ``period`` seconds ever holds
more than ``limit`` sends (stricter than the server's fixed windows, so never a 429 from
our own pacing). Every response's X-Rate-Limit headers tighten it further: ``Remaining: R``
lets only R more of the requests reserved after that one through before ``Reset``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._request import APIRequest
from .errors import ConfigurationError

__all__ = [
    "InMemoryRateLimitBackend",
    "Quota",
    "RateLimit",
    "RateLimitBackend",
    "RateLimiter",
    "Reservation",
    "RouteQuota",
    "ScopeRequest",
]


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``limit`` requests in any ``period`` seconds."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or not 0 < self.period < math.inf:
            raise ConfigurationError(
                f"Quota needs limit >= 1 and a finite period > 0, got limit={self.limit}, "
                f"period={self.period}"
            )


@dataclass(frozen=True, slots=True)
class RouteQuota:
    """An endpoint with its own quota (e.g. the meter-reading endpoints).

    ``path`` is a template such as ``/meters/{meterId}/readings``; with ``per_path`` each
    concrete path (each meter) gets its own quota, else all of them share one.
    """

    method: str
    path: str
    quota: Quota
    per_path: bool = False

    def matches(self, request: APIRequest) -> bool:
        if request.method.upper() != self.method.upper():
            return False
        if request.path_template is not None and request.path_template == self.path:
            return True
        return _template_regex(self.path).fullmatch(request.path) is not None


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


#: The quotas the API documents for automated meter readings.
METER_READING_QUOTAS: tuple[RouteQuota, ...] = (
    RouteQuota("POST", "/meterreadings", Quota(100, 60.0)),
    RouteQuota("POST", "/meters/{meterId}/readings", Quota(1, 10.0), per_path=True),
)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Which quotas the client paces itself under. Defaults are the API's documented ones.

    ``namespace`` names the quota owner in a shared backend (use one per API key when
    several processes share a :class:`RateLimitBackend` such as Redis). ``follow_headers``
    lets X-Rate-Limit-Remaining/-Reset/-Limit from responses correct the pacing.

    The quotas below pace the first requests, before the server has said anything. Once
    responses carry X-Rate-Limit headers, the server's numbers govern. A server that answers
    without them (a mock, a proxy that strips them) is not paced by the static quotas
    unless ``pace_without_headers`` is set; 429s are still waited out by the retry policy.
    """

    user: Quota | None = Quota(100, 60.0)
    organization: Quota | None = Quota(500, 60.0)
    routes: tuple[RouteQuota, ...] = METER_READING_QUOTAS
    enabled: bool = True
    follow_headers: bool = True
    reset_buffer: float = 0.05
    """Added to X-Rate-Limit-Reset so the next send lands just after the server's reset."""
    namespace: str = "default"
    pace_without_headers: bool = False
    probe_burst: int = 10
    """Before the server has reported on a quota, at most this many requests go out at
    once; the rest wait for its first X-Rate-Limit headers (one round trip), so a fresh
    process does not overshoot a quota that others have partly used. 0 disables."""
    probe_poll: float = 0.05

    def __post_init__(self) -> None:
        if not 0 <= self.reset_buffer < math.inf:
            raise ConfigurationError(
                f"RateLimit.reset_buffer must be finite and >= 0, got {self.reset_buffer}"
            )
        if self.probe_burst < 0 or not 0 < self.probe_poll < math.inf:
            # a zero poll would spin: every held request re-checks without waiting
            raise ConfigurationError(
                "RateLimit needs probe_burst >= 0 and a finite probe_poll > 0, got "
                f"probe_burst={self.probe_burst}, probe_poll={self.probe_poll}"
            )

    @classmethod
    def disabled(cls) -> RateLimit:
        """No client-side pacing (429s are still handled by the retry policy)."""
        return cls(enabled=False)


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
    (0: no such hold); the rest re-check every ``probe_poll`` seconds."""
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
            for spec in specs:
                scope = self._scope(spec.key)
                states.append(scope)
                guided = self._guided(spec)
                unguided.append(not guided)
                if guided:
                    continue  # the server's window governs (below)
                if spec.probe > 0 and scope.seq + 1 > spec.probe:
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
                self._roll(scope, now)
                scope.seq += 1
                seqs.append(scope.seq)
                slot = max(slot, _window_slot(scope.window, scope.seq))
            token = next(self._tokens)
            for scope, seq, log_it in zip(states, seqs, unguided, strict=True):
                if log_it:  # guided scopes never read their log
                    bisect.insort(scope.log, (slot, token))
                if slot <= now:
                    scope.admitted = max(scope.admitted, seq)
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
                    scope = self._scope(spec.key)
                    scope.admitted = max(scope.admitted, seq)
            return reservation.with_wait(slot - now)

    def cancel(self, reservation: Reservation) -> None:
        with self._lock:
            self._move(reservation, None)

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
            fresh = _Window(
                end=now + reset,
                allowed_seq=reservation.seqs[index] + max(remaining, 0),
                limit=limit if limit and limit > 0 else (old.limit if old else spec.limit),
                period=min(spec.period, scope.longest_reset),
            )
            if old is None or now >= old.end or fresh.end > old.end + max(1.0, old.period / 2):
                # First report, or the server is in a later window than we thought. (The
                # window's end tells windows apart; Remaining does not: with many requests
                # in flight one report can look like a fresh window.)
                fresh.samples.append(fresh.allowed_seq)
                scope.window = fresh
            else:
                if old.estimated:
                    # The first report in a window we rolled into: our own count of what we
                    # sent since it began is the best guess; reports may only lower it.
                    old.estimated = False
                    old.prior = old.allowed_seq
                    old.samples.clear()
                    old.end = fresh.end  # the server's word beats our guess of the period
                # Concurrent requests reach the server in another order than they were
                # reserved, so each report is off by up to the concurrency: take the median
                # of the reports. Servers round Reset up to whole seconds, so the earliest
                # end is the closest.
                samples = old.samples
                samples.append(fresh.allowed_seq)
                if len(samples) > _MAX_SAMPLES:
                    del samples[0]
                if old.prior is None:
                    old.allowed_seq = sorted(samples)[len(samples) // 2]  # the upper median
                else:
                    # Every report overstates the room by the requests it overtook, never
                    # understates it: only when even the highest is below our own count has
                    # someone else used the quota.
                    old.allowed_seq = min(old.prior, max(samples))
                old.end = min(old.end, fresh.end)
                old.limit = fresh.limit
                old.period = fresh.period
            if remaining <= 0:
                # The server is full: nothing not yet on its way may go in this window.
                window = scope.window
                assert window is not None
                window.allowed_seq = min(window.allowed_seq, max(scope.admitted, fresh.allowed_seq))

    def _guided(self, spec: ScopeRequest) -> bool:
        guide = self._scopes.get(spec.guide or spec.key)
        return guide is not None and guide.window is not None

    def _hold(self, spec: ScopeRequest, now: float, seq: int) -> float:
        """Before the server's first report, hold requests past the probe burst briefly."""
        if spec.probe <= 0 or seq <= spec.probe or self._guided(spec):
            return float("-inf")
        return now + spec.probe_poll

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


def _window_slot(window: _Window | None, seq: int) -> float:
    """The earliest time request number ``seq`` fits the server's window (or -inf)."""
    if window is None or seq <= window.allowed_seq:
        return float("-inf")
    later = math.ceil((seq - window.allowed_seq) / window.limit)
    return window.end + (later - 1) * window.period


class RateLimiter:
    """Maps requests to their quotas and keeps the limit the server announces."""

    def __init__(self, policy: RateLimit, backend: RateLimitBackend | None = None) -> None:
        self.policy = policy
        self.backend: RateLimitBackend = backend or InMemoryRateLimitBackend()
        self._announced: dict[str, int] = {}
        self._specs: dict[str, ScopeRequest] = {}
        self._unheld_specs: dict[str, tuple[ScopeRequest, ScopeRequest]] = {}
        self._reported: set[str] = set()
        """Feedback scopes the server has reported on (X-Rate-Limit headers seen)."""
        self._silent: set[str] = set()
        """Feedback scopes whose responses carry no X-Rate-Limit headers."""
        self._unanswered: set[str] = set()
        """Feedback scopes where an attempt got no response at all before any report: the
        probe hold (which waits for a report) would never end, so the static log paces."""

    def scopes_for(
        self, request: APIRequest, organization: str | None
    ) -> tuple[tuple[ScopeRequest, ...], str | None]:
        """The quotas ``request`` counts against, and the one its headers describe."""
        ns = self.policy.namespace
        scopes: list[ScopeRequest] = []
        feedback: str | None = None
        if self.policy.user is not None:
            feedback = f"{ns}:user"
            scopes.append(self._scope(feedback, self.policy.user))
        if self.policy.organization is not None:
            key = f"{ns}:org:{organization or '-'}"
            scopes.append(self._scope(key, self.policy.organization, guide=feedback))
        for route in self.policy.routes:
            if route.matches(request):
                where = request.path if route.per_path else route.path
                feedback = f"{ns}:route:{route.method.upper()} {where}"
                scopes.append(self._scope(feedback, route.quota))
                break
        if self._silent and not self.policy.pace_without_headers:
            scopes = [s for s in scopes if (s.guide or s.key) not in self._silent]
        # The probe hold waits for a report on the scope. A request whose report describes
        # another scope (a meter-reading post and the user quota) must neither be held by
        # it nor use up its probe burst (that scope would then wait for ever): until the
        # scope is reported on, such requests are paced by a log of their own instead.
        for i, spec in enumerate(scopes):
            described = spec.guide or spec.key
            if spec.probe and described != feedback and described not in self._reported:
                scopes[i] = self._unheld(spec)
        return tuple(scopes), feedback

    def _unheld(self, spec: ScopeRequest) -> ScopeRequest:
        cached = self._unheld_specs.get(spec.key)
        if cached is None or cached[0] is not spec:
            unheld = ScopeRequest(f"{spec.key}:static", spec.limit, spec.period, None, 0)
            cached = self._unheld_specs[spec.key] = (spec, unheld)
        return cached[1]

    def _scope(self, key: str, quota: Quota, guide: str | None = None) -> ScopeRequest:
        limit = self._announced.get(key, quota.limit)
        policy = self.policy
        # The probe hold replaces static pacing until the server reports; when pacing by
        # the static quotas regardless of headers, the log alone governs.
        use_probe = policy.follow_headers and not policy.pace_without_headers
        probe = policy.probe_burst if use_probe and (guide or key) not in self._unanswered else 0
        cached = self._specs.get(key)
        if (
            cached is not None
            and cached.limit == limit
            and cached.guide == guide
            and cached.probe == probe
        ):
            return cached
        spec = ScopeRequest(key, limit, quota.period, guide, probe, policy.probe_poll)
        self._specs[key] = spec
        return spec

    def acquire(self, request: APIRequest, organization: str | None, now: float) -> Reservation:
        """Reserve the earliest allowed send time for ``request``; never blocks."""
        scopes, feedback = self.scopes_for(request, organization)
        return self.backend.reserve(scopes, now, feedback)

    def confirm(self, reservation: Reservation, now: float) -> Reservation:
        """After a wait: go now, or wait some more (the server's numbers may have changed)."""
        if reservation.feedback_scope in self._silent:
            return reservation.with_wait(0.0)  # no report will come; the log was applied
        if reservation.feedback_scope in self._unanswered:
            # Held for a report that may never come: stop holding (the server's window, once
            # it reports, still applies).
            unheld = tuple(dataclasses.replace(s, probe=0) for s in reservation.scopes)
            reservation = dataclasses.replace(reservation, scopes=unheld)
        return self.backend.confirm(reservation, now)

    def unanswered(self, reservation: Reservation) -> None:
        """An attempt ended without a response (connection refused, timeout, reset).

        Before the server's first report this ends the probe hold for the scope: it waits
        for a report, and with the API unreachable none comes, so every later request would
        wait out its deadline, even after the API is back. The static quotas pace instead.
        """
        key = reservation.feedback_scope
        if key is not None and key not in self._silent:
            self._unanswered.add(key)

    def cancel(self, reservation: Reservation) -> None:
        self.backend.cancel(reservation)

    def observe(
        self,
        reservation: Reservation,
        *,
        limit: int | None,
        remaining: int | None,
        reset: float | None,
        now: float,
    ) -> None:
        """Correct the pacing from a response's X-Rate-Limit headers (all None: none sent)."""
        key = reservation.feedback_scope
        if key is None:
            return
        if limit is None and remaining is None:
            self._silent.add(key)
            return
        self._silent.discard(key)
        self._unanswered.discard(key)
        self._reported.add(key)
        if not self.policy.follow_headers:
            return
        if limit is not None and limit > 0:
            self._announced[key] = limit
        if remaining is not None and reset is not None:
            self.backend.observe(
                reservation,
                limit=limit,
                remaining=remaining,
                reset=reset + self.policy.reset_buffer,
                now=now,
            )
