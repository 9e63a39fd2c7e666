"""Structured logs through stdlib ``logging``, a JSON formatter and a redaction filter.

The SDK logs on the ``maintainx_sdk`` logger: each HTTP attempt at DEBUG, retries and breaker
transitions at WARNING, writes (the audit trail) and failed calls at INFO. Structured fields
travel as ``extra`` attributes; :class:`JsonFormatter` renders them as one JSON object per
line. :class:`RedactionFilter` is attached to the SDK logger itself, so its records are masked
whatever handler the application uses; add it to your handlers to mask other loggers too.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import weakref
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from .._observer import CallObservation
from .._request import APIRequest
from .._response import APIResponse
from ..errors import APIStatusError, RetryRecord
from ._common import error_type, operation_name
from ._redact import MASK, SENSITIVE_NAMES, redact, redact_value, safe_url

LOGGER_NAME = "maintainx_sdk"

#: Attributes every LogRecord has; anything else came in through ``extra``.
_RECORD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Records already masked (the SDK logger's filter and a handler's may both see one record).
_REDACTED: weakref.WeakSet[logging.LogRecord] = weakref.WeakSet()
#: Handlers :func:`configure_logging` installed, so a second call replaces its own only.
_INSTALLED: weakref.WeakSet[logging.Handler] = weakref.WeakSet()


class RedactionFilter(logging.Filter):
    """Masks the API key, bearer tokens, ``authorization`` values and JWTs in a record.

    The message is formatted once and replaced by its redacted text; ``extra`` fields and the
    exception text are redacted too. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record in _REDACTED:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_ATTRS:
                sensitive = key.lower() in SENSITIVE_NAMES and value is not None
                record.__dict__[key] = MASK if sensitive else redact_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        _REDACTED.add(record)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, ``extra`` fields, exception.

    Output is redacted again here, so a record that skipped the filter still hides secrets.
    """

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return redact(json.dumps(redact_value(payload), default=str, ensure_ascii=False))


def configure_logging(
    level: int | str = logging.INFO,
    *,
    stream: TextIO | None = None,
    logger: str = LOGGER_NAME,
) -> logging.Handler:
    """Send ``logger`` records as redacted JSON lines to ``stream`` (stderr); returns the handler.

    Idempotent: a second call replaces the handler it installed before.
    """
    target = logging.getLogger(logger)
    for handler in list(target.handlers):
        if handler in _INSTALLED:
            target.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactionFilter())
    _INSTALLED.add(handler)
    target.addHandler(handler)
    target.setLevel(level)
    return handler


def sdk_logger() -> logging.Logger:
    """The SDK's logger, with its redaction filter and a NullHandler installed once."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, RedactionFilter) for f in logger.filters):
        logger.addFilter(RedactionFilter())
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    return logger


class LoggingObserver:
    """Logs each attempt (DEBUG), retry (WARNING), breaker change (WARNING), write (INFO).

    Checks ``isEnabledFor`` first, so a disabled level costs one comparison.
    """

    def __init__(self, logger: logging.Logger | None = None, *, audit: bool = True) -> None:
        self.logger = logger or sdk_logger()
        self.audit = audit

    def start_call(self, request: APIRequest) -> CallObservation:
        return _LogCall(self, request)

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        if remaining == 0 and self.logger.isEnabledFor(logging.INFO):
            self.logger.info(
                "maintainx rate limit exhausted; window resets in %ss",
                reset,
                extra={"event": "rate_limit.exhausted", "limit": limit, "reset_s": reset},
            )

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        self.logger.warning(
            "maintainx circuit breaker %r: %s -> %s",
            name,
            old,
            new,
            extra={"event": "breaker.state_changed", "breaker": name, "old": old, "new": new},
        )

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        if stale and hit and self.logger.isEnabledFor(logging.WARNING):
            self.logger.warning(
                "maintainx served a stale cached read of %s",
                route,
                extra={"event": "cache.stale_served", "route": route},
            )


class _LogCall:
    __slots__ = ("_observer", "_request", "_started", "_url")

    def __init__(self, observer: LoggingObserver, request: APIRequest) -> None:
        self._observer = observer
        self._request = request
        self._started = time.perf_counter()
        self._url = ""

    def _fields(self, event: str, **more: Any) -> dict[str, Any]:
        request = self._request
        fields: dict[str, Any] = {
            "event": event,
            "operation": operation_name(request),
            "method": request.method,
            "path": request.path,
        }
        if request.path_template:
            fields["route"] = request.path_template
        fields.update(more)
        return fields

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        if self._observer.logger.isEnabledFor(logging.DEBUG):
            self._url = safe_url(str(request.url))

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        logger = self._observer.logger
        if not logger.isEnabledFor(logging.DEBUG):
            return
        etype = error_type(status_code=status_code, error=error)
        logger.debug(
            "maintainx %s %s attempt %d -> %s in %.1f ms",
            self._request.method,
            self._url or self._request.path,
            attempt,
            status_code if status_code is not None else etype,
            duration * 1000,
            extra=self._fields(
                "http.attempt",
                url=self._url,
                attempt=attempt,
                status_code=status_code,
                error_type=etype,
                duration_ms=round(duration * 1000, 3),
            ),
        )

    def retry_scheduled(self, record: RetryRecord) -> None:
        self._observer.logger.warning(
            "maintainx retrying %s %s after attempt %d (%s); waiting %.2fs",
            self._request.method,
            self._request.path,
            record.attempt,
            record.reason,
            record.wait,
            extra=self._fields(
                "http.retry", attempt=record.attempt, reason=record.reason, wait_s=record.wait
            ),
        )

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        logger = self._observer.logger
        is_write = self._request.method not in _READ_METHODS
        if error is None and not (is_write and self._observer.audit):
            return
        if not logger.isEnabledFor(logging.INFO):
            return
        status = response.status_code if response is not None else None
        if isinstance(error, APIStatusError):
            status = error.status_code
        duration_ms = round((time.perf_counter() - self._started) * 1000, 3)
        outcome = "ok" if error is None else type(error).__name__
        event = "audit" if is_write and self._observer.audit else "http.call_failed"
        logger.info(
            "maintainx %s %s -> %s",
            self._request.method,
            self._request.path,
            status if error is None else outcome,
            extra=self._fields(
                event,
                status_code=status,
                outcome=outcome,
                attempts=response.meta.attempts if response is not None else None,
                duration_ms=duration_ms,
                error=redact(str(error)) if error is not None else None,
            ),
        )
