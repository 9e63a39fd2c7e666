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

This module holds the policy (:class:`RateLimit`, :class:`Quota`, :class:`RouteQuota`) and
the :class:`RateLimiter` that maps requests onto quotas; the reservation types live in
``_reservation``, the in-process backend in ``_ratelimit_memory`` (both re-exported here),
the shared one in :mod:`maintainx_sdk.ratelimit_redis`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from dataclasses import dataclass

from ._ratelimit_memory import InMemoryRateLimitBackend
from ._request import APIRequest
from ._reservation import HoldRelease, RateLimitBackend, Reservation, ScopeRequest
from .errors import ConfigurationError

__all__ = [
    "HoldRelease",
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


#: The quotas a request counts against, and the one its X-Rate-Limit headers describe.
Scopes = tuple[tuple[ScopeRequest, ...], str | None]

#: Organizations whose scopes are kept worked out (more is unusual: then start over).
_MAX_ORGANIZATIONS = 64


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
        self._version = 0
        """Bumped whenever the state the scopes depend on changes (the sets and dict above),
        after the change and under ``_changing``: a version read before working the scopes
        out is stale as soon as anything they depend on has changed."""
        self._changing = threading.Lock()
        self._routes: tuple[RateLimit, dict[str, tuple[RouteQuota, ...]]] = (policy, {})
        self._plain: dict[str | None, tuple[int, RateLimit, Scopes]] = {}
        """Per organization: the scopes of requests no route quota applies to, and the
        version and policy they were worked out under."""

    def scopes_for(self, request: APIRequest, organization: str | None) -> Scopes:
        """The quotas ``request`` counts against, and the one its headers describe."""
        routes = self._routes_of(request.method)
        if routes:
            return self._scopes_for(request, organization, routes)
        # Most requests: the same answer for every request of the organization until the
        # server's reports change the state; worked out once per change.
        version, policy = self._version, self.policy
        cached = self._plain.get(organization)
        if cached is not None and cached[0] == version and cached[1] is policy:
            return cached[2]
        scopes = self._scopes_for(request, organization, ())
        if len(self._plain) >= _MAX_ORGANIZATIONS:
            self._plain.clear()
        self._plain[organization] = (version, policy, scopes)
        return scopes

    def _routes_of(self, method: str) -> tuple[RouteQuota, ...]:
        """The route quotas of ``method`` (a route of another method never matches)."""
        policy, by_method = self._routes
        if policy is not self.policy:
            policy, by_method = self._routes = (self.policy, {})
        routes = by_method.get(method)
        if routes is None:
            upper = method.upper()
            routes = by_method[method] = tuple(
                r for r in policy.routes if r.method.upper() == upper
            )
        return routes

    def _scopes_for(
        self, request: APIRequest, organization: str | None, routes: tuple[RouteQuota, ...]
    ) -> Scopes:
        ns = self.policy.namespace
        scopes: list[ScopeRequest] = []
        feedback: str | None = None
        if self.policy.user is not None:
            feedback = f"{ns}:user"
            scopes.append(self._scope(feedback, self.policy.user))
        if self.policy.organization is not None:
            key = f"{ns}:org:{organization or '-'}"
            scopes.append(self._scope(key, self.policy.organization, guide=feedback))
        for route in routes:
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
            and cached.period == quota.period
            and cached.guide == guide
            and cached.probe == probe
            and cached.probe_poll == policy.probe_poll
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
        if key is not None and key not in self._silent and key not in self._unanswered:
            with self._changing:
                self._unanswered.add(key)
                self._version += 1
            self._end_hold(reservation)

    def cancel(self, reservation: Reservation) -> None:
        self.backend.cancel(reservation)

    def _end_hold(self, reservation: Reservation) -> None:
        """This process stops holding for a report that will not come (above); limiters in
        other processes sharing the backend would still hold for it, one more request per
        ``PROBE_PATIENCE``, so the backend is told as well."""
        if reservation.feedback_scope not in self._reported and isinstance(
            self.backend, HoldRelease
        ):
            self.backend.end_hold(reservation)

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
            if key not in self._silent:
                with self._changing:
                    self._silent.add(key)
                    self._version += 1
                self._end_hold(reservation)
            return
        if key in self._silent or key in self._unanswered or key not in self._reported:
            with self._changing:
                self._silent.discard(key)
                self._unanswered.discard(key)
                self._reported.add(key)
                self._version += 1
        if not self.policy.follow_headers:
            return
        if limit is not None and limit > 0 and self._announced.get(key) != limit:
            with self._changing:
                self._announced[key] = limit
                self._version += 1
        if remaining is not None and reset is not None:
            self.backend.observe(
                reservation,
                limit=limit,
                remaining=remaining,
                reset=reset + self.policy.reset_buffer,
                now=now,
            )
