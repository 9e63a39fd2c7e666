"""The checks that need no API call: they inspect the client, its policies, stores, observers.

Each check is a plain function of a :class:`CheckContext` returning one :class:`CheckResult`.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import Any

from .. import _constants as C
from ._context import CheckContext, first_attr
from ._report import CheckResult, Priority, Status

Check = Callable[[CheckContext], CheckResult]

#: Alert thresholds applied to ``client.stats()``.
MAX_ERROR_RATE = 0.05
MAX_P95_SECONDS = 5.0
MAX_SYNC_LAG_SECONDS = 15 * 60
#: Below this many calls in the window the error rate is not judged (too few to mean much).
MIN_CALLS_FOR_RATE = 20
MAX_TIMEOUT_SECONDS = 30.0


def result(
    id: str,
    title: str,
    priority: Priority,
    status: Status,
    evidence: str,
    fix: str = "",
    **data: Any,
) -> CheckResult:
    return CheckResult(id, title, priority, status, evidence, fix, data)


#: Evidence of every check that needs a client when none could be built: secrets.api_key
#: carries the reason once, the other rows point to it.
NO_CLIENT = "no client (see secrets.api_key)"


def _no_client(id: str, title: str, priority: Priority, ctx: CheckContext) -> CheckResult:
    return result(id, title, priority, "skip", NO_CLIENT)


def _module_present(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _missing_part(
    cid: str, title: str, priority: Priority, module: str, status: Status, evidence: str, fix: str
) -> CheckResult:
    """No part of this kind on the client: turned off (``status``), or absent from this build."""
    if _module_present(module):
        return result(cid, title, priority, status, evidence, fix)
    return result(cid, title, priority, "skip", f"this SDK build lacks it ({module} is absent)")


# -- P0: secrets ------------------------------------------------------------------------------


def check_api_key(ctx: CheckContext) -> CheckResult:
    title = "API key present and kept out of code"
    if ctx.config is None:
        return result(
            "secrets.api_key",
            title,
            "P0",
            "fail",
            ctx.config_error or "no API key",
            f"Set {C.ENV_API_KEY}, or mount the key as a file and set {C.ENV_API_KEY_FILE}.",
        )
    source = ctx.config.key_source
    if source == "env":
        return result(
            "secrets.api_key", title, "P0", "pass", f"key read from ${C.ENV_API_KEY}", source=source
        )
    if source == "file":
        return result(
            "secrets.api_key",
            title,
            "P0",
            "pass",
            f"key read from the file named by ${C.ENV_API_KEY_FILE}",
            source=source,
        )
    return result(
        "secrets.api_key",
        title,
        "P0",
        "warn",
        "key passed as api_key=...; fine when it comes from a secret manager, not from code",
        f"Load it from a secret manager, ${C.ENV_API_KEY} or ${C.ENV_API_KEY_FILE}; never a "
        "literal in the source (the project scan looks for that).",
        source=source,
    )


def check_webhook_secret(ctx: CheckContext) -> CheckResult:
    title = "webhook signing secret configured"
    secret = ctx.webhook_secret or ctx.env.get("MAINTAINX_WEBHOOK_SECRET")
    if ctx.webhooks is None and not secret:
        return result(
            "secrets.webhook",
            title,
            "P0",
            "skip",
            "webhooks not declared (pass webhooks=True or set MAINTAINX_WEBHOOK_SECRET)",
        )
    if ctx.webhooks is False:
        return result("secrets.webhook", title, "P0", "skip", "webhooks=False: not used")
    if not secret:
        return result(
            "secrets.webhook",
            title,
            "P0",
            "fail",
            "webhooks are used but no signing secret is configured: deliveries cannot be verified",
            "Fetch it with mx.subscriptions.get_secret(id) and provide it as "
            "MAINTAINX_WEBHOOK_SECRET (or webhook_secret=...); verify every delivery.",
        )
    return result(
        "secrets.webhook", title, "P0", "pass", "a signing secret is configured (value hidden)"
    )


# -- P0: retry, breaker, timeouts ---------------------------------------------------------------


def _as_int_set(value: Any) -> set[int]:
    try:
        return {int(v) for v in value}
    except (TypeError, ValueError):
        return set()


def check_retry(ctx: CheckContext) -> CheckResult:
    title = "retry with backoff on 429 and 5xx, honouring Retry-After"
    if ctx.client is None:
        return _no_client("retry.policy", title, "P0", ctx)
    policy = ctx.component("retry")
    if policy is None:
        return _missing_part(
            "retry.policy",
            title,
            "P0",
            "maintainx_sdk.retry",
            "fail",
            "retries are disabled on this client",
            "Build the client with the default RetryPolicy (do not pass retry=None).",
        )
    statuses = _as_int_set(
        first_attr(
            policy, "retry_statuses", "statuses", "retry_on_status", "status_codes", default=()
        )
    )
    attempts = first_attr(policy, "max_attempts", "attempts")
    if attempts is None and first_attr(policy, "max_retries") is not None:
        attempts = int(policy.max_retries) + 1
    honours = first_attr(
        policy, "honor_retry_after", "honour_retry_after", "respect_retry_after", "use_retry_after"
    )
    missing = sorted({429, 500, 502, 503, 504} - statuses) if statuses else []
    facts = f"{type(policy).__name__}: max_attempts={attempts}, statuses={sorted(statuses)}"
    base, cap = first_attr(policy, "backoff_base"), first_attr(policy, "backoff_cap")
    if base is not None:
        facts += f", backoff {base:g}s..{cap:g}s with jitter"
    if honours is not None:
        facts += f", honours Retry-After={bool(honours)}"
    problems = []
    if attempts is not None and int(attempts) < 2:
        problems.append("max_attempts < 2 (no retries)")
    if missing:
        problems.append(f"does not retry {missing}")
    if honours is False:
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
        "retry.policy",
        title,
        "P0",
        "pass",
        facts,
        max_attempts=attempts,
        statuses=sorted(statuses),
    )


def breaker_state(breaker: Any) -> str | None:
    """The state name of a breaker object (pybreaker or a wrapper), lower case."""
    for holder in (breaker, getattr(breaker, "breaker", None), getattr(breaker, "_breaker", None)):
        if holder is None:
            continue
        state = first_attr(holder, "current_state", "state")
        if state is not None:
            name = getattr(state, "name", None) or getattr(state, "value", None) or state
            return str(name).lower().replace("_", "-")
    return None


def check_breaker(ctx: CheckContext) -> CheckResult:
    title = "circuit breaker set, and its state"
    if ctx.client is None:
        return _no_client("retry.breaker", title, "P0", ctx)
    breaker = ctx.component("breaker")
    stats_states: dict[str, str] = ctx.client.stats().breaker_states
    if breaker is None:
        return _missing_part(
            "retry.breaker",
            title,
            "P0",
            "maintainx_sdk.breaker",
            "warn",
            "no circuit breaker on this client: an API outage is retried call after call",
            "Keep the default BreakerPolicy (not BreakerPolicy.disabled()).",
        )
    state = breaker_state(breaker) or (max(stats_states.values()) if stats_states else "closed")
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
    policy = getattr(breaker, "policy", None)
    details = ""
    if policy is not None:
        details = (
            f" (opens after {first_attr(policy, 'fail_max')} consecutive failures, "
            f"probes after {first_attr(policy, 'reset_timeout')} s)"
        )
    return result(
        "retry.breaker",
        title,
        "P0",
        "pass",
        f"{type(breaker).__name__} is {state}{details}",
        state=state,
    )


def check_rate_limiter(ctx: CheckContext) -> CheckResult:
    title = "client-side rate limiter paces calls under the quota"
    if ctx.client is None:
        return _no_client("retry.rate_limiter", title, "P0", ctx)
    limiter = ctx.component("rate_limiter")
    if limiter is None:
        return _missing_part(
            "retry.rate_limiter",
            title,
            "P0",
            "maintainx_sdk.ratelimit",
            "warn",
            "client-side rate limiting is off: bursts are paced only by 429s",
            "Keep the default RateLimit() (100/60 s per user, 500/60 s per organization).",
        )
    policy = getattr(limiter, "policy", None)
    quotas = []
    for scope in ("user", "organization"):
        quota = getattr(policy, scope, None)
        if quota is not None:
            quotas.append(f"{scope} {_quota_text(quota)}")
    backend = getattr(limiter, "backend", None)
    backend_name = type(backend).__name__ if backend is not None else "in-process"
    facts = f"{', '.join(quotas) or 'custom quotas'}; backend {backend_name}"
    shared = backend is not None and "memory" not in backend_name.lower()
    if ctx.replicas is not None and ctx.replicas > 1 and not shared:
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


def _quota_text(quota: Any) -> str:
    limit = first_attr(quota, "limit", "requests", "count")
    period = first_attr(quota, "period", "seconds", "window")
    return f"{limit}/{period:g} s" if limit is not None and period is not None else str(quota)


def check_timeout(ctx: CheckContext) -> CheckResult:
    title = f"timeout set and at most {MAX_TIMEOUT_SECONDS:g} s"
    if ctx.config is None:
        return _no_client("retry.timeout", title, "P0", ctx)
    t = ctx.config.timeouts
    options = getattr(ctx.client, "_options", None)
    t = getattr(options, "timeouts", None) or t
    facts = f"total {t.total:g} s (retries included), connect {t.connect:g} s, pool {t.pool:g} s"
    if t.total > MAX_TIMEOUT_SECONDS:
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


# -- P0: pagination, idempotency, sync --------------------------------------------------------


def check_page_size(ctx: CheckContext) -> CheckResult:
    title = f"list page size at the maximum ({C.MAX_PAGE_SIZE})"
    if ctx.client is None:
        return _no_client("pagination.page_size", title, "P0", ctx)
    import inspect

    try:
        namespace = ctx.client.work_orders
    except AttributeError:
        return result(
            "pagination.page_size",
            title,
            "P0",
            "skip",
            "this SDK build has no generated resources (mx.work_orders is absent)",
        )
    try:
        limit = inspect.signature(namespace.list).parameters["limit"].default
    except (AttributeError, KeyError, ValueError, TypeError):
        return result(
            "pagination.page_size", title, "P0", "skip", "work_orders.list takes no limit"
        )
    if limit in (None, inspect.Parameter.empty):
        return result(
            "pagination.page_size",
            title,
            "P0",
            "warn",
            "work_orders.list has no default page size: the API's default (100) doubles the calls",
            f"Pass limit={C.MAX_PAGE_SIZE} when listing.",
        )
    if int(limit) < C.MAX_PAGE_SIZE:
        return result(
            "pagination.page_size",
            title,
            "P0",
            "fail",
            f"default page size {limit} < {C.MAX_PAGE_SIZE}: more calls, more 429s",
            f"Use limit={C.MAX_PAGE_SIZE}.",
            limit=limit,
        )
    return result(
        "pagination.page_size",
        title,
        "P0",
        "pass",
        f"lists default to limit={limit}; paging follows nextCursor and stops on a repeated cursor",
        limit=limit,
    )


def _store_kind(store: Any) -> str:
    name = type(store).__name__.lower()
    module = type(store).__module__.lower()
    for kind in ("memory", "sqlite", "redis", "file", "postgres", "sql"):
        if kind in name or kind in module:
            return "memory" if kind == "memory" else kind
    return "unknown"


def _persistence_result(
    id: str, title: str, store: Any, what: str, ctx: CheckContext
) -> CheckResult:
    kind = _store_kind(store)
    label = f"{type(store).__name__} ({kind})"
    if kind == "memory":
        if ctx.replicas == 1:
            return result(
                id,
                title,
                "P0",
                "pass",
                f"{label}: fine for a single process (replicas=1); lost on restart",
                kind=kind,
            )
        return result(
            id,
            title,
            "P0",
            "warn",
            f"{label}: not shared between replicas and lost on restart",
            f"Use the SQLite store (one host) or the Redis store (several replicas) for {what}; "
            "pass replicas=1 to accept in-memory for a single process.",
            kind=kind,
        )
    return result(id, title, "P0", "pass", f"{label}: persistent", kind=kind)


def check_idempotency(ctx: CheckContext) -> CheckResult:
    title = "idempotency store persistent"
    if ctx.client is None:
        return _no_client("idempotency.store", title, "P0", ctx)
    store = ctx.component("idempotency_store")
    if store is None:
        return result(
            "idempotency.store",
            title,
            "P0",
            "skip",
            "this SDK build has no idempotency store (client.idempotency_store is absent)",
        )
    return _persistence_result("idempotency.store", title, store, "guarded creates", ctx)


def check_sync_state(ctx: CheckContext) -> CheckResult:
    title = "sync checkpoints persistent"
    if ctx.sync is None:
        return result(
            "sync.state",
            title,
            "P0",
            "skip",
            "no incremental sync given (pass sync=<your sync or checkpoint store>)",
        )
    store = first_attr(ctx.sync, "store", "checkpoints", "checkpoint_store", "_store") or ctx.sync
    return _persistence_result("sync.state", title, store, "sync checkpoints", ctx)


# -- P0: logging, metrics -----------------------------------------------------------------------


def _effective_handlers(logger: logging.Logger) -> list[logging.Handler]:
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        handlers += current.handlers
        if not current.propagate:
            break
        current = current.parent
    return [h for h in handlers if not isinstance(h, logging.NullHandler)]


def check_json_logging(ctx: CheckContext) -> CheckResult:
    title = "structured JSON logging"
    from ..observability import LOGGER_NAME

    handlers = _effective_handlers(logging.getLogger(LOGGER_NAME))
    json_handlers = [
        h
        for h in handlers
        if h.formatter is not None and "json" in type(h.formatter).__name__.lower()
    ]
    if json_handlers:
        names = ", ".join(sorted({type(h.formatter).__name__ for h in json_handlers}))
        return result(
            "logging.json",
            title,
            "P0",
            "pass",
            f"{LOGGER_NAME} records reach a JSON formatter ({names})",
        )
    if handlers:
        evidence = f"{len(handlers)} handler(s) for {LOGGER_NAME}, none formats JSON"
    else:
        evidence = f"no handler receives {LOGGER_NAME} records (they are dropped)"
    return result(
        "logging.json",
        title,
        "P0",
        "warn",
        evidence,
        "Call maintainx_sdk.observability.configure_logging() at start-up, or put "
        "observability.JsonFormatter on your handler.",
    )


def check_redaction(ctx: CheckContext) -> CheckResult:
    title = "API key redacted from logs"
    from ..observability import LOGGER_NAME, RedactionFilter
    from ..observability._redact import MIN_SECRET_LEN

    logger = logging.getLogger(LOGGER_NAME)
    filters = [f for f in logger.filters if isinstance(f, RedactionFilter)]
    if not filters and ctx.client is None:
        # The SDK installs its filter when it builds a client; without one nothing was removed.
        return result("logging.redaction", title, "P0", "skip", NO_CLIENT)
    if not filters:
        return result(
            "logging.redaction",
            title,
            "P0",
            "fail",
            f"the {LOGGER_NAME} logger has no RedactionFilter",
            _redaction_fix(ctx),
        )
    if ctx.config is not None:
        key = ctx.config.api_key.reveal()
        if len(key.strip()) < MIN_SECRET_LEN:
            return result(
                "logging.redaction",
                title,
                "P0",
                "warn",
                f"the key is {len(key.strip())} characters long, shorter than any key MaintainX "
                f"issues; keys under {MIN_SECRET_LEN} characters are masked in authorization "
                "values only, not in free text",
                "Use the API key MaintainX issued (Settings > Integrations > API Keys).",
            )
        record = logging.LogRecord(
            LOGGER_NAME, logging.INFO, __file__, 0, "probe %s", (f"Bearer {key}",), None
        )
        record.authorization = key
        for f in filters:
            f.filter(record)
        leaked = key in record.getMessage() or key in str(record.__dict__.get("authorization"))
        if leaked:
            return result(
                "logging.redaction",
                title,
                "P0",
                "fail",
                "a probe record still showed the key after redaction",
                "Report this as an SDK bug; until fixed keep SDK logging at WARNING.",
            )
    return result(
        "logging.redaction",
        title,
        "P0",
        "pass",
        "RedactionFilter on the SDK logger masks the key, bearer tokens and authorization values",
    )


def _redaction_fix(ctx: CheckContext) -> str:
    from ..observability import LoggingObserver

    observers = getattr(ctx.client, "observers", ())
    if any(isinstance(o, LoggingObserver) for o in observers):
        return "Do not remove the SDK's filter; call observability.sdk_logger() to restore it."
    return (
        "The client was built without the SDK's LoggingObserver, which installs the filter: "
        "call observability.sdk_logger() at start-up."
    )


def check_opentelemetry(ctx: CheckContext) -> CheckResult:
    title = "OpenTelemetry tracer and meter present"
    from opentelemetry import metrics, trace

    from ..observability import OpenTelemetryObserver

    observers = getattr(ctx.client, "observers", ()) if ctx.client is not None else ()
    otel = [o for o in observers if isinstance(o, OpenTelemetryObserver)]
    if ctx.client is not None and not otel:
        return result(
            "metrics.opentelemetry",
            title,
            "P0",
            "fail",
            "the client has no OpenTelemetry observer (built with telemetry=False)",
            "Build the client with telemetry=True (the default) or pass "
            "observers=[OpenTelemetryObserver(...)].",
        )
    tracer_provider = (otel[0].tracer_provider if otel else None) or trace.get_tracer_provider()
    meter_provider = (otel[0].meter_provider if otel else None) or metrics.get_meter_provider()
    noop = [
        kind
        for kind, provider in (("tracer", tracer_provider), ("meter", meter_provider))
        if type(provider).__name__.startswith(("Proxy", "NoOp", "_Proxy", "_NoOp"))
    ]
    facts = (
        f"tracer provider {type(tracer_provider).__name__}, "
        f"meter provider {type(meter_provider).__name__}"
    )
    if noop:
        return result(
            "metrics.opentelemetry",
            title,
            "P0",
            "warn",
            f"{facts}: {' and '.join(noop)} are no-ops (no SDK configured)",
            "Install opentelemetry-sdk and set a TracerProvider and MeterProvider with exporters "
            "(OTLP or Prometheus) before building the client.",
        )
    return result("metrics.opentelemetry", title, "P0", "pass", facts)


# -- P1 -----------------------------------------------------------------------------------------


def check_pooling(ctx: CheckContext) -> CheckResult:
    title = "pooled keep-alive connections"
    if ctx.config is None:
        return _no_client("pooling.keepalive", title, "P1", ctx)
    pool = ctx.config.pool
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
    if ctx.client is None:
        return _no_client("caching.static", title, "P1", ctx)
    cache = ctx.component("cache")
    if cache is None:
        return _missing_part(
            "caching.static",
            title,
            "P1",
            "maintainx_sdk.cache",
            "warn",
            "no degradation cache: users/locations/teams reads fail while the API is down",
            "Keep the default CachePolicy (not CachePolicy.disabled()).",
        )
    policy = getattr(cache, "policy", cache)
    ttl = first_attr(policy, "ttl", "default_ttl")
    size = first_attr(policy, "maxsize", "max_size")
    return result(
        "caching.static",
        title,
        "P1",
        "pass",
        f"{type(cache).__name__} (ttl={ttl}, maxsize={size}); stale reads served when the API is down",
    )


def check_validation(ctx: CheckContext) -> CheckResult:
    title = "input validated before sending"
    from .._models import RequestModel

    extra = RequestModel.model_config.get("extra")
    if extra != "forbid":
        return result(
            "validation.input",
            title,
            "P1",
            "fail",
            f"request models accept unknown fields (extra={extra!r})",
            "Report this as an SDK bug.",
        )
    return result(
        "validation.input",
        title,
        "P1",
        "pass",
        "request bodies and parameters are strict pydantic models; bad input raises "
        "ValidationError before any request",
    )


def check_audit(ctx: CheckContext) -> CheckResult:
    title = "audit log of writes"
    from ..observability import LoggingObserver

    observers = getattr(ctx.client, "observers", ()) if ctx.client is not None else ()
    audit = [o for o in observers if isinstance(o, LoggingObserver) and o.audit]
    if ctx.client is not None and not audit:
        return result(
            "logging.audit",
            title,
            "P1",
            "warn",
            "no LoggingObserver with audit=True on the client",
            "Build the client with telemetry=True (the default) or add LoggingObserver(audit=True).",
        )
    logger = audit[0].logger if audit else logging.getLogger("maintainx_sdk")
    if not logger.isEnabledFor(logging.INFO):
        return result(
            "logging.audit",
            title,
            "P1",
            "warn",
            f"writes are logged at INFO but {logger.name} is at "
            f"{logging.getLevelName(logger.getEffectiveLevel())}",
            f"Set the {logger.name} logger to INFO (configure_logging() does).",
        )
    return result(
        "logging.audit",
        title,
        "P1",
        "pass",
        f"every write is logged at INFO on {logger.name} (event=audit: method, path, status)",
    )


def _stats(ctx: CheckContext) -> Any:
    stats = getattr(ctx.client, "stats", None) if ctx.client is not None else None
    return stats() if callable(stats) else None


def check_error_rate(ctx: CheckContext) -> CheckResult:
    title = f"error rate at most {MAX_ERROR_RATE:.0%}"
    stats = _stats(ctx)
    if stats is None:
        return _no_client("alerts.error_rate", title, "P1", ctx)
    facts = (
        f"{stats.window_errors} of the last {stats.window} calls failed ({stats.error_rate:.1%})"
    )
    if stats.window == 0:
        return result("alerts.error_rate", title, "P1", "skip", "no calls yet: nothing to judge")
    if stats.window < MIN_CALLS_FOR_RATE:
        return result(
            "alerts.error_rate",
            title,
            "P1",
            "skip",
            f"{facts}; too few calls to judge (< {MIN_CALLS_FOR_RATE})",
            error_rate=stats.error_rate,
        )
    if stats.error_rate > MAX_ERROR_RATE:
        return result(
            "alerts.error_rate",
            title,
            "P1",
            "fail",
            f"{facts}; last error {stats.last_error_type}",
            "Look at the errors by type (maintainx.client.errors metric, logs) and the API status.",
            error_rate=stats.error_rate,
        )
    return result("alerts.error_rate", title, "P1", "pass", facts, error_rate=stats.error_rate)


def check_latency(ctx: CheckContext) -> CheckResult:
    title = f"p95 latency at most {MAX_P95_SECONDS:g} s"
    stats = _stats(ctx)
    if stats is None:
        return _no_client("alerts.latency_p95", title, "P1", ctx)
    if stats.p95 is None:
        return result("alerts.latency_p95", title, "P1", "skip", "no calls yet: nothing to judge")
    facts = (
        f"p50 {stats.p50 * 1000:.0f} ms, p95 {stats.p95 * 1000:.0f} ms over {stats.window} calls"
    )
    if stats.p95 > MAX_P95_SECONDS:
        return result(
            "alerts.latency_p95",
            title,
            "P1",
            "fail",
            facts,
            "Slow calls: check rate-limit waits (429s, retries), page sizes and the network path.",
            p95=stats.p95,
        )
    return result("alerts.latency_p95", title, "P1", "pass", facts, p95=stats.p95)


def check_sync_lag(ctx: CheckContext) -> CheckResult:
    title = f"sync lag at most {MAX_SYNC_LAG_SECONDS // 60} min"
    stats = _stats(ctx)
    lag = stats.sync_lag if stats is not None else None
    if lag is None and ctx.sync is not None:
        lag = sync_lag_of(ctx.sync)
    if lag is None:
        return result("alerts.sync_lag", title, "P1", "skip", "no sync has reported its lag")
    if float(lag) > MAX_SYNC_LAG_SECONDS:
        return result(
            "alerts.sync_lag",
            title,
            "P1",
            "fail",
            f"sync is {float(lag) / 60:.1f} min behind",
            "Check that the sync job runs and is not failing; look at its logs and 429s.",
            lag=float(lag),
        )
    return result(
        "alerts.sync_lag", title, "P1", "pass", f"sync is {float(lag):.0f} s behind", lag=float(lag)
    )


def sync_lag_of(sync: Any) -> float | None:
    """Seconds behind, from a sync object (``status().lag``, ``lag``) when it tells."""
    status = getattr(sync, "status", None)
    if callable(status):
        try:
            value = getattr(status(), "lag", None)
        except Exception:  # a broken checkpoint store must not crash the report
            value = None
    else:
        value = first_attr(sync, "lag", "sync_lag")
    if value is None:
        return None
    return float(getattr(value, "total_seconds", lambda: value)())


# -- P2 -----------------------------------------------------------------------------------------


def check_reconciliation(ctx: CheckContext) -> CheckResult:
    title = "reconciliation available"
    if _module_present("maintainx_sdk.reconcile"):
        return result(
            "reconcile.available",
            title,
            "P2",
            "pass",
            "maintainx_sdk.reconcile can compare a local snapshot with the API; run it daily",
        )
    return result(
        "reconcile.available",
        title,
        "P2",
        "skip",
        "this SDK build has no reconciliation (maintainx_sdk.reconcile is absent)",
    )


STATIC_CHECKS: tuple[Check, ...] = (
    check_api_key,
    check_webhook_secret,
    check_retry,
    check_breaker,
    check_rate_limiter,
    check_timeout,
    check_page_size,
    check_idempotency,
    check_sync_state,
    check_json_logging,
    check_redaction,
    check_opentelemetry,
    check_pooling,
    check_cache,
    check_validation,
    check_audit,
    check_error_rate,
    check_latency,
    check_sync_lag,
    check_reconciliation,
)
