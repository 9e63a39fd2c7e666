"""Retry, breaker, rate limiter, timeouts, pooling and the degradation cache, read from the
client's public view of its hardening (``client.hardening``) and ``client.stats()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...ratelimit import Quota
from .._context import CheckContext
from .._report import CheckResult
from .base import no_client, result

if TYPE_CHECKING:
    from ...observability import ClientStats
    from ...settings import HardeningSettings

MAX_TIMEOUT_SECONDS = 30.0
#: What the API answers when it is overloaded or down; a policy must retry all of them.
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


def check_retry(ctx: CheckContext) -> CheckResult:
    title = "retry with backoff on 429 and 5xx, honouring Retry-After"
    if ctx.settings is None:
        return no_client("retry.policy", title, "P0")
    policy = ctx.settings.retry
    statuses = set(policy.retry_statuses)
    attempts = policy.max_attempts
    missing = sorted(RETRIED_STATUSES - statuses) if statuses else []
    facts = (
        f"{type(policy).__name__}: max_attempts={attempts}, statuses={sorted(statuses)}"
        f", backoff {policy.backoff_base:g}s..{policy.backoff_cap:g}s with jitter"
        f", honours Retry-After={policy.honor_retry_after}"
    )
    problems = []
    if attempts < 2:
        problems.append("max_attempts < 2 (no retries)")
    if missing:
        problems.append(f"does not retry {missing}")
    if not policy.honor_retry_after:
        problems.append("ignores Retry-After")
    if problems:
        return result(
            "retry.policy",
            title,
            "P0",
            "fail",
            f"{facts}; " + "; ".join(problems),
            "Use RetryPolicy() defaults: retry 429/500/502/503/504 with backoff, honour "
            "Retry-After, at least 3 attempts.",
            max_attempts=attempts,
            statuses=sorted(statuses),
        )
    return result(
        "retry.policy", title, "P0", "pass", facts, max_attempts=attempts, statuses=sorted(statuses)
    )


def check_breaker(ctx: CheckContext) -> CheckResult:
    title = "circuit breaker set, and its state"
    if ctx.client is None or ctx.settings is None:
        return no_client("retry.breaker", title, "P0")
    policy = ctx.settings.breaker
    if policy is None:
        return result(
            "retry.breaker",
            title,
            "P0",
            "warn",
            "no circuit breaker on this client: an API outage is retried call after call",
            "Keep the default BreakerPolicy (not BreakerPolicy.disabled()).",
        )
    state = breaker_state(ctx.settings, ctx.client.stats())
    if state == "open":
        return result(
            "retry.breaker",
            title,
            "P0",
            "fail",
            "the breaker is OPEN: recent calls failed with 5xx/timeouts; calls fail fast",
            "Check the API status and network; the breaker half-opens after its reset timeout.",
            state=state,
        )
    details = (
        f" (opens after {policy.fail_max} consecutive failures, "
        f"probes after {policy.reset_timeout} s)"
    )
    return result("retry.breaker", title, "P0", "pass", f"Breaker is {state}{details}", state=state)


def breaker_state(settings: HardeningSettings, stats: ClientStats) -> str | None:
    """The breaker's state, from ``client.stats()`` (every change is reported there):
    ``closed`` until it first changes; None when the client has no breaker."""
    if settings.breaker is None:
        return stats.breaker_state
    return stats.breaker_state or "closed"


def check_rate_limiter(ctx: CheckContext) -> CheckResult:
    title = "client-side rate limiter paces calls under the quota"
    if ctx.settings is None:
        return no_client("retry.rate_limiter", title, "P0")
    policy, backend = ctx.settings.rate_limit, ctx.settings.stores.rate_limit
    if policy is None or backend is None:
        return result(
            "retry.rate_limiter",
            title,
            "P0",
            "warn",
            "client-side rate limiting is off: bursts are paced only by 429s",
            "Keep the default RateLimit() (100/60 s per user, 500/60 s per organization).",
        )
    quotas = [
        f"{scope} {_quota_text(quota)}"
        for scope, quota in (("user", policy.user), ("organization", policy.organization))
        if quota is not None
    ]
    facts = f"{', '.join(quotas) or 'custom quotas'}; backend {backend.type_name}"
    if ctx.replicas is not None and ctx.replicas > 1 and not backend.persistent:
        return result(
            "retry.rate_limiter",
            title,
            "P0",
            "warn",
            f"{facts}: {ctx.replicas} replicas each pace alone against one shared quota",
            "Share the quota with the Redis backend (RateLimiter(RateLimit(...), "
            "backend=RedisRateLimitBackend(...))).",
        )
    return result("retry.rate_limiter", title, "P0", "pass", facts)


def _quota_text(quota: Quota) -> str:
    return f"{quota.limit}/{quota.period:g} s"


def check_timeout(ctx: CheckContext) -> CheckResult:
    title = f"timeout set and at most {MAX_TIMEOUT_SECONDS:g} s"
    if ctx.settings is None:
        return no_client("retry.timeout", title, "P0")
    t = ctx.settings.timeouts
    facts = f"total {t.total:g} s (retries included), connect {t.connect:g} s, pool {t.pool:g} s"
    if ctx.settings.deadline > MAX_TIMEOUT_SECONDS:
        return result(
            "retry.timeout",
            title,
            "P0",
            "warn",
            facts,
            f"Lower the timeout to {MAX_TIMEOUT_SECONDS:g} s or less (Timeouts(total=...)); "
            "callers rarely wait longer and stuck calls hold pooled connections.",
            total=t.total,
        )
    return result("retry.timeout", title, "P0", "pass", facts, total=t.total)


def check_pooling(ctx: CheckContext) -> CheckResult:
    title = "pooled keep-alive connections"
    if ctx.settings is None:
        return no_client("pooling.keepalive", title, "P1")
    pool = ctx.settings.pool
    facts = (
        f"max_connections={pool.max_connections}, keep-alive={pool.max_keepalive_connections}, "
        f"expiry={pool.keepalive_expiry:g} s; one pooled client per process"
    )
    if pool.max_keepalive_connections < 1 or pool.keepalive_expiry <= 0:
        return result(
            "pooling.keepalive",
            title,
            "P1",
            "warn",
            facts + ": keep-alive is off, every call opens a new TLS connection",
            "Use PoolLimits() defaults (keep-alive on).",
        )
    return result("pooling.keepalive", title, "P1", "pass", facts)


def check_cache(ctx: CheckContext) -> CheckResult:
    title = "cache for static resources"
    if ctx.settings is None:
        return no_client("caching.static", title, "P1")
    policy = ctx.settings.cache
    if policy is None:
        return result(
            "caching.static",
            title,
            "P1",
            "warn",
            "no degradation cache: users/locations/teams reads fail while the API is down",
            "Keep the default CachePolicy (not CachePolicy.disabled()).",
        )
    return result(
        "caching.static",
        title,
        "P1",
        "pass",
        f"DegradationCache (ttl={policy.ttl}, maxsize={policy.maxsize}); "
        "stale reads served when the API is down",
    )
