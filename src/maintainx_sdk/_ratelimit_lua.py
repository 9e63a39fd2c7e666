"""The Lua scripts of :class:`~maintainx_sdk.ratelimit_redis.RedisRateLimitBackend`.

They run the rules of the in-process backend (``_ratelimit_memory``) inside Redis, so one
reservation is atomic across all of its scopes and every process reads Redis's clock. One
difference: processes sharing a quota elect one prober (see ``held``).
"""

from __future__ import annotations

from ._reservation import PROBE_PATIENCE

__all__ = ["CONFIRM", "OBSERVE", "RESERVE"]

_COMMON = (
    """
local function now_s()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function num(x) return string.format('%.6f', x) end
local PATIENCE = """
    + repr(PROBE_PATIENCE)
    + """

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
local function admit(meta, guide_win, seq, probe, now, ttl)
  local cur = tonumber(redis.call('HGET', meta, 'adm') or '0')
  if seq > cur then redis.call('HSET', meta, 'adm', tostring(seq)) end
  if probe > 0 and redis.call('EXISTS', guide_win) == 0 then
    redis.call('HSETNX', meta, 'p0', num(now))
  end
  redis.call('PEXPIRE', meta, ttl)
end
-- Processes sharing a quota elect one prober: until the server's first report on a scope,
-- one request goes (a burst could overshoot a quota that others have partly used, and
-- reordered reports could not tell by how much); the rest of the burst is still paced by
-- the static log.
-- A prober answered without a report ('unheld', see end_hold): no report is coming, so the
-- scope's log paces instead of the hold.
local function probe_of(meta, probe)
  if probe > 0 and redis.call('HEXISTS', meta, 'unheld') == 1 then return 0 end
  return probe
end
local function held(meta, seq, probe, now)
  probe = probe_of(meta, probe)
  if probe <= 0 then return false end
  probe = 1
  local p0 = redis.call('HGET', meta, 'p0')
  local extra = 0
  if p0 then extra = math.floor((now - tonumber(p0)) / PATIENCE) end
  return seq > probe + extra
end
local function hold(guide_win, meta, seq, probe, poll, now)
  if redis.call('EXISTS', guide_win) == 1 or not held(meta, seq, probe, now) then
    return -1e18
  end
  return now + poll
end
local function window_slot(w, seq)
  if (not w) or seq <= w.a then return -1e18 end
  local later = math.ceil((seq - w.a) / w.l)
  return w.e + (later - 1) * w.p
end
"""
)

# KEYS per scope: log, seq, win, samples, guide-win, meta; then the token counter.
# ARGV: n, ttl_ms, then limit, period, probe, probe_poll per scope.
RESERVE = (
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
  local probe = probe_of(KEYS[i * 6 + 6], tonumber(ARGV[5 + i * 4]))
  local beyond = probe > 0 and (not guided) and cur + 1 > probe
  if (not guided) and (not beyond) and count >= limit then
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
  local hs = hold(KEYS[i * 6 + 5], KEYS[i * 6 + 6], seq, tonumber(ARGV[5 + i * 4]),
                  tonumber(ARGV[6 + i * 4]), now)
  if hs > slot then slot = hs end
end
local token = redis.call('INCR', KEYS[n * 6 + 1])
redis.call('PEXPIRE', KEYS[n * 6 + 1], ttl)
for i = 0, n - 1 do
  if redis.call('EXISTS', KEYS[i * 6 + 5]) == 0 then  -- guided scopes never read their log
    redis.call('ZADD', KEYS[i * 6 + 1], num(slot), tostring(token))
    redis.call('PEXPIRE', KEYS[i * 6 + 1], ttl)
  end
  if slot <= now then
    admit(KEYS[i * 6 + 6], KEYS[i * 6 + 5], tonumber(out[3 + i]), tonumber(ARGV[5 + i * 4]), now,
          ttl)
  end
end
out[1] = num(slot - now)
out[2] = tostring(token)
return out
"""
)

# KEYS as for reserve (without the token counter).
# ARGV: n, ttl_ms, token, then seq, probe, probe_poll per scope.
CONFIRM = (
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
  local hs = hold(KEYS[i * 6 + 5], KEYS[i * 6 + 6], seq, tonumber(ARGV[5 + i * 3]),
                  tonumber(ARGV[6 + i * 3]), now)
  if hs > slot then slot = hs end
end
for i = 0, n - 1 do
  if slot > now then
    redis.call('ZADD', KEYS[i * 6 + 1], 'XX', num(slot), token)
  else
    admit(KEYS[i * 6 + 6], KEYS[i * 6 + 5], tonumber(ARGV[4 + i * 3]), tonumber(ARGV[5 + i * 3]),
          now, ttl)
  end
end
return num(slot - now)
"""
)

# KEYS: win, samples, meta of the feedback scope.
# ARGV: seq, remaining, reset, limit (0 = unknown), spec limit, spec period, ttl_ms, probe.
OBSERVE = (
    _COMMON
    + """
local seq = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local reset = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local spec_limit = tonumber(ARGV[5])
local spec_period = tonumber(ARGV[6])
local ttl = tonumber(ARGV[7])
local probe = tonumber(ARGV[8])
local now = now_s()
local lr = math.max(tonumber(redis.call('HGET', KEYS[3], 'lr') or '0'), reset)
redis.call('HSET', KEYS[3], 'lr', num(lr))
redis.call('PEXPIRE', KEYS[3], ttl)
local old = get_win(KEYS[1])
local lim = spec_limit
if limit > 0 then lim = limit elseif old then lim = old.l end
local fresh = {e=now + reset, a=seq + math.max(remaining, 0), l=lim,
               p=math.min(spec_period, math.max(lr, reset)), est=false, prior=-1}
if (not old) and probe > 0 then
  fresh.prior = fresh.a  -- the sole prober's report is exact: later ones may only lower it
end
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
