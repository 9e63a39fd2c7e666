"""The ``/health`` payload: the live probe's facts, the breaker and the client's stats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..observability import redact_value
from ._checks.alerts import MAX_ERROR_RATE, MIN_CALLS_FOR_RATE
from ._checks.resilience import breaker_state
from ._context import build_context
from ._live import ProbeFacts, live_results

if TYPE_CHECKING:
    from .._client import AsyncMaintainX, MaintainX


def health_payload(client: MaintainX | AsyncMaintainX, facts: ProbeFacts) -> dict[str, Any]:
    """``status`` ok/degraded/down, API connectivity, breaker state and stats, JSON-ready."""
    ctx = build_context(
        client, project_dir=None, replicas=None, sync=None, webhooks=None, webhook_secret=None
    )
    checks = {r.id: r for r in live_results(facts, ctx)}
    reach, key, headroom = (
        checks["health.api_reachable"],
        checks["auth.key_valid"],
        checks["health.rate_limit"],
    )
    stats = client.stats()
    breaker_now = breaker_state(client.hardening, stats)
    if reach.status == "fail" or key.status == "fail":
        status = "down"
    elif (
        breaker_now == "open"
        or headroom.status == "fail"
        or reach.status == "warn"
        or (stats.window >= MIN_CALLS_FOR_RATE and stats.error_rate > MAX_ERROR_RATE)
    ):
        status = "degraded"
    else:
        status = "ok"
    api: dict[str, Any] = {
        "reachable": reach.status != "fail",
        "authenticated": key.status == "pass",
        "latency_ms": reach.data.get("latency_ms"),
        "detail": reach.evidence if reach.status != "pass" else key.evidence,
    }
    payload: dict[str, Any] = {
        "status": status,
        "version": __version__,
        "api": api,
        "breaker": breaker_now,
        "rate_limit": {k: headroom.data.get(k) for k in ("limit", "remaining", "reset")},
        "stats": {
            "calls": stats.calls,
            "error_rate": round(stats.error_rate, 4),
            "p95_ms": round(stats.p95 * 1000, 1) if stats.p95 is not None else None,
            "retries": stats.retries,
            "rate_limited": stats.rate_limited,
            "sync_lag_s": stats.sync_lag,
        },
    }
    out: dict[str, Any] = redact_value(payload)
    return out
