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

from ._redis_bounds import BoundedRedis, typed
from .errors import BackendUnavailableError, ConfigurationError
from .ratelimit import InMemoryRateLimitBackend, Reservation, ScopeRequest

_log = logging.getLogger("maintainx_sdk")
_WHAT = "the Redis rate limiter"

__all__ = ["RedisRateLimitBackend"]

_COMMON = """
local function now_s()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function num(x) return string.format('%.6f', x) end
local function get_win(k)
  local v = redis.call('HMGET', k, 'end', 'allowed', 'limit', 'period', 'est', 'prior')
  if not v[1] then return nil end
  return {e=tonumber(v[1]), a=tonumber(v[2]), l=tonumber(v[3]), p=tonumber(v[4]),
          est=(v[5] == '1'), prior=tonumber(v[6] or '-1')}
end
local function put_win(k, w, ttl)
  redis.call('HSET', k, 'end', num(w.e), 'allowed', tostring(w.a), 'limit', tostring(w.l),
             'period', num(w.p), 'est', w.est and '1' or '0', 'prior', tostring(w.prior or -1))
  redis.call('PEXPIRE', k, ttl)
end
local function roll(wk, sk, meta, seq, now, ttl)
  local w = get_win(wk)
  if (not w) or now < w.e then return w end
  local nw
  if now >= w.e + w.p then
    nw = {e=now + w.p, a=seq + w.l, l=w.l, p=w.p, est=true}
  else
    local adm = tonumber(redis.call('HGET', meta, 'adm') or '0')
    nw = {e=w.e + w.p, a=math.min(adm, seq) + w.l, l=w.l, p=w.p, est=true}
  end
  put_win(wk, nw, ttl)
  redis.call('DEL', sk)
  return nw
end
local function admit(meta, seq, ttl)
  local cur = tonumber(redis.call('HGET', meta, 'adm') or '0')
  if seq > cur then redis.call('HSET', meta, 'adm', tostring(seq)) end
  redis.call('PEXPIRE', meta, ttl)
end
local function hold(guide_win, seq, probe, poll, now)
  if probe <= 0 or seq <= probe or redis.call('EXISTS', guide_win) == 1 then return -1e18 end
  return now + poll
end
local function window_slot(w, seq)
  if (not w) or seq <= w.a then return -1e18 end
  local later = math.ceil((seq - w.a) / w.l)
  return w.e + (later - 1) * w.p
end
"""

# KEYS per scope: log, seq, win, samples, guide-win, meta; then the token counter.
# ARGV: n, ttl_ms, then limit, period, probe, probe_poll per scope.
_RESERVE = (
    _COMMON
    + """
local n = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local now = now_s()
local slot = now
for i = 0, n - 1 do
  local log = KEYS[i * 6 + 1]
  local limit = tonumber(ARGV[3 + i * 4])
  local period = tonumber(ARGV[4 + i * 4])
  local count = redis.call('ZCARD', log)
  if count > limit then
    local old = redis.call('ZRANGEBYSCORE', log, '-inf', num(now - period), 'LIMIT', 0,
                           count - limit)
    if #old > 0 then
      redis.call('ZREM', log, unpack(old))
      count = count - #old
    end
  end
  local guided = redis.call('EXISTS', KEYS[i * 6 + 5]) == 1
  local cur = tonumber(redis.call('GET', KEYS[i * 6 + 2]) or '0')
  local probe = tonumber(ARGV[5 + i * 4])
  local held = probe > 0 and (not guided) and cur + 1 > probe
  if (not guided) and (not held) and count >= limit then
    local e = redis.call('ZRANGE', log, count - limit, count - limit, 'WITHSCORES')
    local c = tonumber(e[2]) + period
    if c > slot then slot = c end
  end
end
local out = {'', ''}
for i = 0, n - 1 do
  local seqk = KEYS[i * 6 + 2]
  local cur = tonumber(redis.call('GET', seqk) or '0')
  local w = roll(KEYS[i * 6 + 3], KEYS[i * 6 + 4], KEYS[i * 6 + 6], cur, now, ttl)
  local seq = redis.call('INCR', seqk)
  redis.call('PEXPIRE', seqk, ttl)
  out[#out + 1] = tostring(seq)
  local ws = window_slot(w, seq)
  if ws > slot then slot = ws end
  local hs = hold(KEYS[i * 6 + 5], seq, tonumber(ARGV[5 + i * 4]), tonumber(ARGV[6 + i * 4]), now)
  if hs > slot then slot = hs end
end
local token = redis.call('INCR', KEYS[n * 6 + 1])
redis.call('PEXPIRE', KEYS[n * 6 + 1], ttl)
for i = 0, n - 1 do
  if redis.call('EXISTS', KEYS[i * 6 + 5]) == 0 then  -- guided scopes never read their log
    redis.call('ZADD', KEYS[i * 6 + 1], num(slot), tostring(token))
    redis.call('PEXPIRE', KEYS[i * 6 + 1], ttl)
  end
  if slot <= now then admit(KEYS[i * 6 + 6], tonumber(out[3 + i]), ttl) end
end
out[1] = num(slot - now)
out[2] = tostring(token)
return out
"""
)

# KEYS as for reserve (without the token counter).
# ARGV: n, ttl_ms, token, then seq, probe, probe_poll per scope.
_CONFIRM = (
    _COMMON
    + """
local n = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local token = ARGV[3]
local now = now_s()
local slot = now
for i = 0, n - 1 do
  local cur = tonumber(redis.call('GET', KEYS[i * 6 + 2]) or '0')
  local w = roll(KEYS[i * 6 + 3], KEYS[i * 6 + 4], KEYS[i * 6 + 6], cur, now, ttl)
  local seq = tonumber(ARGV[4 + i * 3])
  local ws = window_slot(w, seq)
  if ws > slot then slot = ws end
  local hs = hold(KEYS[i * 6 + 5], seq, tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3]), now)
  if hs > slot then slot = hs end
end
for i = 0, n - 1 do
  if slot > now then
    redis.call('ZADD', KEYS[i * 6 + 1], 'XX', num(slot), token)
  else
    admit(KEYS[i * 6 + 6], tonumber(ARGV[4 + i * 3]), ttl)
  end
end
return num(slot - now)
"""
)

# KEYS: win, samples, meta of the feedback scope.
# ARGV: seq, remaining, reset, limit (0 = unknown), spec limit, spec period, ttl_ms.
_OBSERVE = (
    _COMMON
    + """
local seq = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local reset = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local spec_limit = tonumber(ARGV[5])
local spec_period = tonumber(ARGV[6])
local ttl = tonumber(ARGV[7])
local now = now_s()
local lr = math.max(tonumber(redis.call('HGET', KEYS[3], 'lr') or '0'), reset)
redis.call('HSET', KEYS[3], 'lr', num(lr))
redis.call('PEXPIRE', KEYS[3], ttl)
local old = get_win(KEYS[1])
local lim = spec_limit
if limit > 0 then lim = limit elseif old then lim = old.l end
local fresh = {e=now + reset, a=seq + math.max(remaining, 0), l=lim,
               p=math.min(spec_period, math.max(lr, reset)), est=false, prior=-1}
local w
if (not old) or now >= old.e or fresh.e > old.e + math.max(1.0, old.p / 2) then
  w = fresh
  redis.call('DEL', KEYS[2])
else
  w = old
  if old.est then
    w.est = false
    w.prior = old.a
    w.e = fresh.e
    redis.call('DEL', KEYS[2])
  end
  w.e = math.min(w.e, fresh.e)
  w.l = lim
  w.p = fresh.p
end
redis.call('RPUSH', KEYS[2], tostring(fresh.a))
redis.call('LTRIM', KEYS[2], -64, -1)
redis.call('PEXPIRE', KEYS[2], ttl)
if w ~= fresh then
  local xs = redis.call('LRANGE', KEYS[2], 0, -1)
  local vals = {}
  for _, x in ipairs(xs) do vals[#vals + 1] = tonumber(x) end
  table.sort(vals)
  if w.prior and w.prior >= 0 then
    w.a = math.min(w.prior, vals[#vals])
  else
    w.a = vals[math.floor(#vals / 2) + 1]
  end
end
if remaining <= 0 then
  local adm = tonumber(redis.call('HGET', KEYS[3], 'adm') or '0')
  w.a = math.min(w.a, math.max(adm, fresh.a))
end
put_win(KEYS[1], w, ttl)
return 0
"""
)


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
        self._reserve = client.register_script(_RESERVE)
        self._confirm = client.register_script(_CONFIRM)
        self._observe = client.register_script(_OBSERVE)

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
                    ],
                    client=self._bounded.now(),
                )
        except BackendUnavailableError as exc:  # a lost sample; the call itself succeeded
            _log.warning("maintainx %s: could not record the server's headers (%s)", _WHAT, exc)

    def close(self) -> None:
        """Close the connection pools made for short deadlines (the client stays yours)."""
        self._bounded.close()
