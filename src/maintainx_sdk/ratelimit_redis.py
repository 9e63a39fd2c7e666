"""A Redis :class:`~maintainx_sdk.ratelimit.RateLimitBackend`: one quota shared by every
process and host that uses the same Redis and ``RateLimit.namespace``.

The same rules as :class:`~maintainx_sdk.ratelimit.InMemoryRateLimitBackend` run as Lua
scripts, so each reservation is atomic across all of its scopes; time is Redis's own clock
(``TIME``), so hosts with skewed clocks still agree. Waits come back relative, so the
caller's clock never needs to match Redis's. Keys share one hash tag (Redis Cluster safe)
and expire after twice the longest period.

>>> import redis
>>> from maintainx_sdk import MaintainX, RateLimit
>>> from maintainx_sdk.ratelimit import RateLimiter
>>> from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend
>>> backend = RedisRateLimitBackend(redis.Redis.from_url("redis://localhost:6379/0"))
>>> mx = MaintainX(rate_limit=RateLimiter(RateLimit(namespace="erp-sync"), backend))

When Redis is down or frozen, every call to it ends within the call's deadline (the socket
timeouts follow the time left) and the policy ``on_unavailable`` decides: ``"fail"`` (the
default) raises :class:`~maintainx_sdk.errors.BackendUnavailableError` and sends nothing;
``"local"`` paces this process with an in-process limiter, logs a warning, and tries Redis
again after ``retry_redis_after`` seconds. Giving a slot back or feeding the server's
headers back never fails a call (a lost update only costs a little pacing precision).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ._ratelimit_lua import CONFIRM, OBSERVE, RESERVE
from ._ratelimit_memory import InMemoryRateLimitBackend
from ._redis_bounds import BoundedRedis, typed
from ._reservation import Reservation, ScopeRequest
from .errors import BackendUnavailableError, ConfigurationError

_log = logging.getLogger("maintainx_sdk")
_WHAT = "the Redis rate limiter"

__all__ = ["RedisRateLimitBackend"]


class RedisRateLimitBackend:
    """Reservations in Redis (``redis.Redis`` client, sync; calls are short Lua scripts).

    The pipeline calls the backend from both clients' code paths; with
    :class:`~maintainx_sdk.AsyncMaintainX` each call is one quick round trip to Redis.
    ``on_unavailable``: ``"fail"`` (raise ``BackendUnavailableError``) or ``"local"`` (fall
    back to an in-process limiter, with a warning); ``timeout`` bounds a Redis call made
    outside a call's deadline.
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "maintainx:ratelimit",
        on_unavailable: Literal["fail", "local"] = "fail",
        retry_redis_after: float = 5.0,
        timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if on_unavailable not in ("fail", "local"):
            raise ConfigurationError(
                f"on_unavailable must be 'fail' or 'local', got {on_unavailable!r}"
            )
        self._redis = client
        self._bounded = BoundedRedis(client, _WHAT, timeout=timeout)
        self._prefix = prefix
        self.on_unavailable = on_unavailable
        self.retry_redis_after = retry_redis_after
        self._clock = clock
        self._local = InMemoryRateLimitBackend()
        self._down_until: float | None = None
        self._lock = threading.Lock()
        self._reserve = client.register_script(RESERVE)
        self._confirm = client.register_script(CONFIRM)
        self._observe = client.register_script(OBSERVE)

    # -- Redis loss ------------------------------------------------------------------------
    def _use_local(self) -> bool:
        """Whether this reservation goes to the local limiter (Redis recently failed)."""
        with self._lock:
            if self._down_until is None:
                return False
            if self._clock() < self._down_until:
                return True
            self._down_until = None  # time to try Redis again
            return False

    def _lost(self, error: BackendUnavailableError) -> None:
        """Redis failed an admission: raise, or switch to the local limiter for a while."""
        if self.on_unavailable == "fail":
            raise error
        with self._lock:
            first = self._down_until is None
            self._down_until = self._clock() + self.retry_redis_after
        if first:
            _log.warning(
                "maintainx %s is unavailable (%s); pacing this process with a local limiter "
                "and trying Redis again in %.1fs",
                _WHAT,
                error,
                self.retry_redis_after,
            )

    @staticmethod
    def _is_local(reservation: Reservation) -> bool:
        return reservation.token < 0  # local reservations carry negated tokens

    @staticmethod
    def _flip(reservation: Reservation) -> Reservation:
        return dataclasses.replace(reservation, token=-reservation.token)

    # -- keys ------------------------------------------------------------------------------
    def _key(self, scope: str, part: str) -> str:
        # One hash tag for every key, so a multi-scope script stays on one cluster slot.
        return f"{{{self._prefix}}}:{scope}:{part}"

    def _scope_keys(self, scopes: Sequence[ScopeRequest]) -> list[str]:
        keys: list[str] = []
        for s in scopes:
            keys += [
                self._key(s.key, "log"),
                self._key(s.key, "seq"),
                self._key(s.key, "win"),
                self._key(s.key, "samples"),
                self._key(s.guide or s.key, "win"),
                self._key(s.key, "meta"),
            ]
        return keys

    @staticmethod
    def _ttl_ms(scopes: Sequence[ScopeRequest]) -> int:
        longest = max((s.period for s in scopes), default=60.0)
        return int((2 * longest + 60) * 1000)

    # -- the backend protocol --------------------------------------------------------------
    def reserve(
        self, scopes: Sequence[ScopeRequest], now: float, feedback: str | None = None
    ) -> Reservation:
        if not self._use_local():
            try:
                return self._reserve_in_redis(scopes, feedback)
            except BackendUnavailableError as exc:
                self._lost(exc)
        return self._flip(self._local.reserve(scopes, now, feedback))

    def _reserve_in_redis(
        self, scopes: Sequence[ScopeRequest], feedback: str | None
    ) -> Reservation:
        specs = tuple(scopes)
        args: list[Any] = [len(specs), self._ttl_ms(specs)]
        for s in specs:
            args += [s.limit, repr(float(s.period)), s.probe, repr(float(s.probe_poll))]
        keys = [*self._scope_keys(specs), self._key("tokens", "counter")]
        with typed(_WHAT):
            out = self._reserve(keys=keys, args=args, client=self._bounded.now())
        wait, token, *seqs = (x.decode() if isinstance(x, bytes) else str(x) for x in out)
        return Reservation(
            int(token), max(float(wait), 0.0), specs, feedback, tuple(int(q) for q in seqs)
        )

    def confirm(self, reservation: Reservation, now: float) -> Reservation:
        if self._is_local(reservation):
            return self._flip(self._local.confirm(self._flip(reservation), now))
        specs = reservation.scopes
        if not specs:
            return reservation.with_wait(0.0)
        args: list[Any] = [len(specs), self._ttl_ms(specs), str(reservation.token)]
        for spec, seq in zip(specs, reservation.seqs, strict=True):
            args += [seq, spec.probe, repr(float(spec.probe_poll))]
        try:
            with typed(_WHAT):
                out = self._confirm(
                    keys=self._scope_keys(specs), args=args, client=self._bounded.now()
                )
        except BackendUnavailableError as exc:
            self._lost(exc)
            return reservation.with_wait(0.0)  # reserved in Redis already: go, paced locally
        wait = float(out.decode() if isinstance(out, bytes) else out)
        return reservation.with_wait(max(wait, 0.0))

    def cancel(self, reservation: Reservation) -> None:
        if self._is_local(reservation):
            self._local.cancel(self._flip(reservation))
            return
        if not reservation.scopes:
            return
        try:
            with typed(_WHAT):
                pipe = self._bounded.now().pipeline(transaction=True)
                for s in reservation.scopes:
                    pipe.zrem(self._key(s.key, "log"), str(reservation.token))
                pipe.execute()
        except BackendUnavailableError as exc:  # the slot just stays used until it expires
            _log.warning("maintainx %s: could not give a slot back (%s)", _WHAT, exc)

    def end_hold(self, reservation: Reservation) -> None:
        """No report will come for the reservation's feedback scope: the scopes it describes
        stop holding requests in every process (their log paces them instead)."""
        if self._is_local(reservation):
            self._local.end_hold(self._flip(reservation))
            return
        described = [
            s for s in reservation.scopes if (s.guide or s.key) == reservation.feedback_scope
        ]
        if not described:
            return
        ttl = self._ttl_ms(reservation.scopes)
        try:
            with typed(_WHAT):
                pipe = self._bounded.now().pipeline(transaction=True)
                for s in described:
                    pipe.hset(self._key(s.key, "meta"), "unheld", "1")
                    pipe.pexpire(self._key(s.key, "meta"), ttl)
                pipe.execute()
        except BackendUnavailableError as exc:  # the others fall back on PROBE_PATIENCE
            _log.warning("maintainx %s: could not end the probe hold (%s)", _WHAT, exc)

    def observe(
        self,
        reservation: Reservation,
        *,
        limit: int | None,
        remaining: int,
        reset: float,
        now: float,
    ) -> None:
        if self._is_local(reservation):
            self._local.observe(
                self._flip(reservation), limit=limit, remaining=remaining, reset=reset, now=now
            )
            return
        found = reservation.feedback()
        if found is None:
            return
        index, spec = found
        key = spec.key
        try:
            with typed(_WHAT):
                self._observe(
                    keys=[self._key(key, "win"), self._key(key, "samples"), self._key(key, "meta")],
                    args=[
                        reservation.seqs[index],
                        remaining,
                        repr(float(reset)),
                        limit or 0,
                        spec.limit,
                        repr(float(spec.period)),
                        self._ttl_ms(reservation.scopes),
                        spec.probe,
                    ],
                    client=self._bounded.now(),
                )
        except BackendUnavailableError as exc:  # a lost sample; the call itself succeeded
            _log.warning("maintainx %s: could not record the server's headers (%s)", _WHAT, exc)

    def close(self) -> None:
        """Close the connection pools made for short deadlines (the client stays yours)."""
        self._bounded.close()
