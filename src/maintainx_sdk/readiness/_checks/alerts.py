"""Alert thresholds applied to ``client.stats()`` and to a sync's reported lag (P1: they page
someone, they do not block a deploy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._context import CheckContext
from .._report import CheckResult
from .base import no_client, result

if TYPE_CHECKING:
    from ...observability import ClientStats

MAX_ERROR_RATE = 0.05
MAX_P95_SECONDS = 5.0
MAX_SYNC_LAG_SECONDS = 15 * 60
#: Below this many calls in the window the error rate is not judged (too few to mean much).
MIN_CALLS_FOR_RATE = 20


def _stats(ctx: CheckContext) -> ClientStats | None:
    return ctx.client.stats() if ctx.client is not None else None


def check_error_rate(ctx: CheckContext) -> CheckResult:
    title = f"error rate at most {MAX_ERROR_RATE:.0%}"
    stats = _stats(ctx)
    if stats is None:
        return no_client("alerts.error_rate", title, "P1")
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
        return no_client("alerts.latency_p95", title, "P1")
    if stats.p95 is None:
        return result("alerts.latency_p95", title, "P1", "skip", "no calls yet: nothing to judge")
    facts = f"p50 {(stats.p50 or 0.0) * 1000:.0f} ms, p95 {stats.p95 * 1000:.0f} ms over {stats.window} calls"
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
        value = getattr(sync, "lag", None)
    if value is None:
        return None
    return float(getattr(value, "total_seconds", lambda: value)())
