"""The checks that need no API call, one module per group; each is a plain function of a
:class:`~maintainx_sdk.readiness._context.CheckContext` returning one ``CheckResult``.

- ``credentials``: the API key's source, the webhook signing secret
- ``resilience``: retry, breaker, rate limiter, timeouts, pooling, cache (``client.hardening``)
- ``data``: page size, idempotency and sync stores, strict input, reconciliation
- ``telemetry``: JSON logs, redaction, OpenTelemetry, the audit log
- ``alerts``: error rate, latency and sync lag thresholds
"""

from __future__ import annotations

from .alerts import check_error_rate, check_latency, check_sync_lag
from .base import Check
from .credentials import check_api_key, check_webhook_secret
from .data import (
    check_idempotency,
    check_page_size,
    check_reconciliation,
    check_sync_state,
    check_validation,
)
from .resilience import (
    check_breaker,
    check_cache,
    check_pooling,
    check_rate_limiter,
    check_retry,
    check_timeout,
)
from .telemetry import check_audit, check_json_logging, check_opentelemetry, check_redaction

__all__ = ["STATIC_CHECKS", "Check"]

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
