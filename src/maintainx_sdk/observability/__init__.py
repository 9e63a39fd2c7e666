"""Observability of the SDK: OpenTelemetry spans and metrics, JSON logs, stats, redaction.

Every client installs a :class:`StatsObserver` (behind ``client.stats()``) and, unless built
with ``telemetry=False``, an :class:`OpenTelemetryObserver` on the global providers and a
:class:`LoggingObserver` on the ``maintainx_sdk`` logger. With only ``opentelemetry-api``
installed (no SDK configured) spans and metrics are no-ops and cost next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._observer import Observer
from ._logging import (
    LOGGER_NAME,
    JsonFormatter,
    LoggingObserver,
    RedactionFilter,
    configure_logging,
    sdk_logger,
)
from ._otel import OpenTelemetryObserver
from ._redact import MASK, redact, redact_value, register_secret, safe_url
from ._stats import ClientStats, StatsObserver

__all__ = [
    "LOGGER_NAME",
    "MASK",
    "ClientStats",
    "JsonFormatter",
    "LoggingObserver",
    "OpenTelemetryObserver",
    "RedactionFilter",
    "StatsObserver",
    "configure_logging",
    "default_observers",
    "redact",
    "redact_value",
    "register_secret",
    "safe_url",
    "sdk_logger",
]


def default_observers(user_observers: Sequence[Observer] = ()) -> list[Observer]:
    """The telemetry observers a client adds itself: OTel and logging, unless the user gave one."""
    out: list[Observer] = []
    if not any(isinstance(o, OpenTelemetryObserver) for o in user_observers):
        out.append(OpenTelemetryObserver())
    if not any(isinstance(o, LoggingObserver) for o in user_observers):
        out.append(LoggingObserver())
    return out
