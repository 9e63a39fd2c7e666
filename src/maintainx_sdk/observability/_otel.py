"""OpenTelemetry spans and metrics for every SDK call, through the :class:`Observer` seam.

Only ``opentelemetry-api`` is needed: without an SDK installed and configured every span and
instrument is a no-op, and the observer skips the call's spans and metrics altogether (it
asks the providers on every call, so one configured later is used from then on).

Spans: one ``maintainx <operation>`` span (kind CLIENT) per call, and one child span per HTTP
attempt following the HTTP client semantic conventions. The attempt spans are parented on the
call span explicitly, because the flow is a generator the client drives (the ambient context
at ``attempt_started`` is the caller's, not the call span).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any

import httpx
from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from .._observer import NULL_CALL, CallObservation
from .._request import APIRequest
from .._response import APIResponse
from .._version import __version__
from ..errors import APIStatusError, RetryRecord
from ._common import breaker_state_value, error_type, operation_name, route_of
from ._redact import redact, safe_url

INSTRUMENTATION_NAME = "maintainx_sdk"

# Bucket boundaries of the HTTP semantic conventions (seconds).
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


class _Instruments:
    """The instruments of one meter provider, shared by every observer that uses it.

    Observable gauges read the latest values of all live observers through weak references,
    so many clients can share one provider without re-registering instruments.
    """

    def __init__(self, provider: MeterProvider | None) -> None:
        meter = metrics.get_meter(INSTRUMENTATION_NAME, __version__, meter_provider=provider)
        self.observers: weakref.WeakSet[OpenTelemetryObserver] = weakref.WeakSet()
        self.attempt_duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests (one per attempt).",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.requests = meter.create_counter(
            "maintainx.client.requests", unit="{call}", description="SDK calls made."
        )
        self.call_duration = meter.create_histogram(
            "maintainx.client.call.duration",
            unit="s",
            description="Duration of SDK calls, retries and waits included.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.errors = meter.create_counter(
            "maintainx.client.errors", unit="{call}", description="SDK calls that failed, by type."
        )
        self.retries = meter.create_counter(
            "maintainx.client.retries", unit="{retry}", description="Retries scheduled."
        )
        self.rate_limited = meter.create_counter(
            "maintainx.client.rate_limited",
            unit="{response}",
            description="429 responses received.",
        )
        self.breaker_transitions = meter.create_counter(
            "maintainx.client.breaker.transitions",
            unit="{transition}",
            description="Circuit breaker state changes.",
        )
        self.cache_lookups = meter.create_counter(
            "maintainx.client.cache.lookups",
            unit="{lookup}",
            description="Degradation-cache lookups, by result (hit, stale, miss).",
        )
        meter.create_observable_gauge(
            "maintainx.client.rate_limit.remaining",
            callbacks=[self._observe_remaining],
            unit="{request}",
            description="X-Rate-Limit-Remaining of the latest response.",
        )
        meter.create_observable_gauge(
            "maintainx.client.breaker.state",
            callbacks=[self._observe_breaker],
            unit="1",
            description="Circuit breaker state: 0 closed, 1 half-open, 2 open.",
        )

    def _observe_remaining(self, options: CallbackOptions) -> Iterable[Observation]:
        for observer in list(self.observers):
            remaining = observer.rate_limit_remaining
            if remaining is not None:
                yield Observation(remaining, observer.server_attributes)

    def _observe_breaker(self, options: CallbackOptions) -> Iterable[Observation]:
        for observer in list(self.observers):
            for name, state in observer.breaker_states.items():
                yield Observation(
                    breaker_state_value(state),
                    {**observer.server_attributes, "maintainx.breaker.name": name},
                )


_instruments_lock = threading.Lock()
_instruments: dict[int, tuple[MeterProvider | None, _Instruments]] = {}


def _instruments_for(provider: MeterProvider | None) -> _Instruments:
    key = id(provider)
    with _instruments_lock:
        entry = _instruments.get(key)
        if entry is None or entry[0] is not provider:
            entry = (provider, _Instruments(provider))
            _instruments[key] = entry
        return entry[1]


class OpenTelemetryObserver:
    """Spans and metrics for every call. Providers default to the global ones (lazily bound).

    >>> from opentelemetry.sdk.trace import TracerProvider
    >>> mx = MaintainX(observers=[OpenTelemetryObserver(tracer_provider=TracerProvider())])
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.tracer = trace.get_tracer(
            INSTRUMENTATION_NAME, __version__, tracer_provider=tracer_provider
        )
        self.instruments = _instruments_for(meter_provider)
        self.instruments.observers.add(self)
        self.rate_limit_remaining: int | None = None
        self.breaker_states: dict[str, str] = {}
        self.server_attributes: dict[str, Any] = {}
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self._live = False
        """A real provider was seen: providers never go back to no-ops, so stop asking."""
        # None or the API's proxy: the global provider decides (and may be set later).
        self._global_tracing = tracer_provider is None or isinstance(
            tracer_provider, trace.ProxyTracerProvider
        )
        self._global_metrics = meter_provider is None or _is_proxy(meter_provider)

    def idle(self) -> bool:
        """True while both providers are the API's no-ops (no SDK configured): then no span
        records and no instrument counts, so a call has nothing to report."""
        if self._live:
            return False
        tracing = trace.get_tracer_provider() if self._global_tracing else self.tracer_provider
        if isinstance(tracing, _NOOP_TRACER_PROVIDERS):
            meters = metrics.get_meter_provider() if self._global_metrics else self.meter_provider
            if isinstance(meters, metrics.NoOpMeterProvider) or _is_proxy(meters):
                return True
        self._live = True
        return False

    def start_call(self, request: APIRequest) -> CallObservation:
        # The first call still records the server's address for the gauges' attributes.
        if self.server_attributes and self.idle():
            return NULL_CALL
        name = operation_name(request)
        attributes: dict[str, Any] = {"maintainx.operation": name}
        route = route_of(request)
        if route is not None:
            attributes["url.template"] = route
        span = self.tracer.start_span(f"maintainx {name}", kind=SpanKind.CLIENT)
        if span.is_recording():
            span.set_attributes(attributes)
        attributes["http.request.method"] = request.method
        return _OTelCall(self, span, attributes)

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        if remaining is not None:
            self.rate_limit_remaining = remaining

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        self.breaker_states[name] = new
        self.instruments.breaker_transitions.add(
            1, {"maintainx.breaker.name": name, "maintainx.breaker.state": new}
        )

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        result = ("stale" if stale else "hit") if hit else "miss"
        self.instruments.cache_lookups.add(
            1, {"url.template": route, "maintainx.cache.result": result}
        )


class _OTelCall:
    """One call: the call span, its attempt spans, and the metrics recorded when it ends."""

    __slots__ = ("_attempt_attrs", "_attempt_span", "_attrs", "_observer", "_span", "_started")

    def __init__(self, observer: OpenTelemetryObserver, span: Span, attrs: dict[str, Any]) -> None:
        self._observer = observer
        self._span = span
        self._attrs = attrs
        self._started = time.perf_counter()
        self._attempt_span: Span | None = None
        self._attempt_attrs: dict[str, Any] = {}

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        server = {"server.address": url.host, "server.port": port}
        if not self._observer.server_attributes:
            self._observer.server_attributes = server
        self._attempt_attrs = {"http.request.method": request.method, **server}
        context = trace.set_span_in_context(self._span)
        route = self._attrs.get("url.template")
        span = self._observer.tracer.start_span(
            f"{request.method} {route}" if route else request.method,
            context=context,
            kind=SpanKind.CLIENT,
        )
        if span.is_recording():
            attributes: dict[str, Any] = {
                **self._attempt_attrs,
                "url.full": safe_url(str(url)),
                "maintainx.operation": self._attrs["maintainx.operation"],
            }
            if route:
                attributes["url.template"] = route
            if attempt > 1:
                attributes["http.request.resend_count"] = attempt - 1
            span.set_attributes(attributes)
        self._attempt_span = span

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        attrs = dict(self._attempt_attrs)
        if status_code is not None:
            attrs["http.response.status_code"] = status_code
        etype = error_type(status_code=status_code, error=error)
        if etype is not None:
            attrs["error.type"] = etype
        instruments = self._observer.instruments
        instruments.attempt_duration.record(duration, attrs)
        if status_code == 429:
            instruments.rate_limited.add(1, {"http.request.method": attrs["http.request.method"]})
        span = self._attempt_span
        self._attempt_span = None
        if span is None:
            return
        if span.is_recording():
            if status_code is not None:
                span.set_attribute("http.response.status_code", status_code)
            if etype is not None:
                span.set_attribute("error.type", etype)
                span.set_status(Status(StatusCode.ERROR))
        span.end()

    def retry_scheduled(self, record: RetryRecord) -> None:
        self._observer.instruments.retries.add(
            1,
            {
                "maintainx.operation": self._attrs["maintainx.operation"],
                "maintainx.retry.reason": _reason_class(record.reason),
            },
        )
        if self._span.is_recording():
            self._span.add_event(
                "retry",
                {
                    "maintainx.retry.attempt": record.attempt,
                    "maintainx.retry.reason": redact(record.reason),
                    "maintainx.retry.wait": record.wait,
                },
            )

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        if self._attempt_span is not None:  # the flow ended mid-attempt (cancelled)
            self._attempt_span.end()
            self._attempt_span = None
        attrs: dict[str, Any] = {
            "maintainx.operation": self._attrs["maintainx.operation"],
            "http.request.method": self._attrs["http.request.method"],
        }
        status = response.status_code if response is not None else None
        if isinstance(error, APIStatusError):
            status = error.status_code
        if status is not None:
            attrs["http.response.status_code"] = status
        if error is not None:
            attrs["error.type"] = type(error).__name__
        instruments = self._observer.instruments
        instruments.requests.add(1, attrs)
        instruments.call_duration.record(time.perf_counter() - self._started, attrs)
        if error is not None:
            instruments.errors.add(1, attrs)
        span = self._span
        if span.is_recording():
            if status is not None:
                span.set_attribute("http.response.status_code", status)
            if response is not None:
                span.set_attribute("maintainx.attempts", response.meta.attempts)
                if response.meta.stale:
                    span.set_attribute("maintainx.stale", True)
            if error is not None:
                span.set_attribute("error.type", type(error).__name__)
                span.add_event(
                    "exception",
                    {
                        "exception.type": f"{type(error).__module__}.{type(error).__qualname__}",
                        "exception.message": redact(str(error)),
                    },
                )
                span.set_status(Status(StatusCode.ERROR, redact(type(error).__name__)))
        span.end()


_NOOP_TRACER_PROVIDERS = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


def _is_proxy(provider: object) -> bool:
    """The API's stand-in before a meter provider is set (its class is not public)."""
    return type(provider).__name__ == "_ProxyMeterProvider"


def _reason_class(reason: str) -> str:
    """A low-cardinality retry reason for metric labels (the first word of the reason)."""
    head = reason.strip().split(" ", 1)[0].rstrip(":,") if reason else "unknown"
    return head[:40] or "unknown"
