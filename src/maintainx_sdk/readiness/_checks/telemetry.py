"""Logs, redaction, traces and metrics, and the audit trail: what an operator will see."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .._context import CheckContext
from .._report import CheckResult
from .base import NO_CLIENT, result

if TYPE_CHECKING:
    from ..._observer import Observer


def _effective_handlers(logger: logging.Logger) -> list[logging.Handler]:
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        handlers += current.handlers
        if not current.propagate:
            break
        current = current.parent
    return [h for h in handlers if not isinstance(h, logging.NullHandler)]


def _observers(ctx: CheckContext) -> tuple[Observer, ...]:
    return ctx.client.observers if ctx.client is not None else ()


def check_json_logging(ctx: CheckContext) -> CheckResult:
    title = "structured JSON logging"
    from ...observability import LOGGER_NAME

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
    from ...observability import LOGGER_NAME, RedactionFilter
    from ...observability._redact import MIN_SECRET_LEN

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
    from ...observability import LoggingObserver

    if any(isinstance(o, LoggingObserver) for o in _observers(ctx)):
        return "Do not remove the SDK's filter; call observability.sdk_logger() to restore it."
    return (
        "The client was built without the SDK's LoggingObserver, which installs the filter: "
        "call observability.sdk_logger() at start-up."
    )


def check_opentelemetry(ctx: CheckContext) -> CheckResult:
    title = "OpenTelemetry tracer and meter present"
    from opentelemetry import metrics, trace

    from ...observability import OpenTelemetryObserver

    otel = [o for o in _observers(ctx) if isinstance(o, OpenTelemetryObserver)]
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


def check_audit(ctx: CheckContext) -> CheckResult:
    title = "audit log of writes"
    from ...observability import LoggingObserver

    audit = [o for o in _observers(ctx) if isinstance(o, LoggingObserver) and o.audit]
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
