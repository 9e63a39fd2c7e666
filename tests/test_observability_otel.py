"""Spans and metrics, asserted with the OpenTelemetry SDK's in-memory exporters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from maintainx_sdk import (
    APIConnectionError,
    AsyncMaintainX,
    InternalServerError,
    MaintainX,
    RetryPolicy,
)
from maintainx_sdk._request import APIRequest
from maintainx_sdk.errors import RetryRecord
from maintainx_sdk.observability import OpenTelemetryObserver
from tests.conftest import TEST_KEY

BASE = "https://api.example.test/v1"
NO_RETRY = RetryPolicy(max_attempts=1)
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_cap=0.002)


@pytest.fixture
def otel() -> tuple[OpenTelemetryObserver, InMemorySpanExporter, InMemoryMetricReader]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    observer = OpenTelemetryObserver(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    return observer, exporter, reader


def _handler(request: httpx.Request) -> httpx.Response:
    headers = {
        "X-Rate-Limit-Limit": "100",
        "X-Rate-Limit-Remaining": "70",
    }
    if request.url.path.endswith("/boom"):
        return httpx.Response(500, json={"error": "Internal server error."}, headers=headers)
    if request.url.path.endswith("/down"):
        raise httpx.ConnectError("refused", request=request)
    return httpx.Response(200, json={"users": []}, headers=headers)


def _client(
    observer: OpenTelemetryObserver,
    handler: Any,
    retry: RetryPolicy = NO_RETRY,
) -> MaintainX:
    return MaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(handler),
        observers=[observer],
        retry=retry,
    )


def _metrics(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    assert data is not None
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def test_call_span_with_child_attempt_span_following_http_semconv(otel: Any) -> None:
    observer, exporter, _ = otel
    with _client(observer, _handler) as mx:
        mx.request("GET", "/users", params={"limit": 1})
    spans = exporter.get_finished_spans()
    (call,) = _by_name(spans, "maintainx GET")
    (attempt,) = _by_name(spans, "GET")
    assert call.kind is SpanKind.CLIENT and attempt.kind is SpanKind.CLIENT
    assert call.parent is None
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
    assert attempt.context.trace_id == call.context.trace_id
    attrs = dict(attempt.attributes or {})
    assert attrs["http.request.method"] == "GET"
    assert attrs["url.full"] == f"{BASE}/users?limit=1"
    assert attrs["server.address"] == "api.example.test"
    assert attrs["server.port"] == 443
    assert attrs["http.response.status_code"] == 200
    assert "http.request.resend_count" not in attrs
    assert "error.type" not in attrs


def test_attempt_spans_nest_under_call_span_even_inside_a_user_span(otel: Any) -> None:
    observer, exporter, _ = otel
    tracer = observer.tracer
    with (
        _client(observer, _handler) as mx,
        tracer.start_as_current_span("user work") as outer,
    ):
        mx.request("GET", "/users")
    spans = exporter.get_finished_spans()
    (call,) = _by_name(spans, "maintainx GET")
    (attempt,) = _by_name(spans, "GET")
    assert call.parent is not None and call.parent.span_id == outer.get_span_context().span_id
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id


def test_error_type_on_5xx_and_connection_errors(otel: Any) -> None:
    observer, exporter, reader = otel
    with _client(observer, _handler) as mx:
        with pytest.raises(InternalServerError):
            mx.request("GET", "/boom")
        with pytest.raises(APIConnectionError):
            mx.request("GET", "/down")
    spans = exporter.get_finished_spans()
    attempts = _by_name(spans, "GET")
    assert [dict(s.attributes or {}).get("error.type") for s in attempts] == ["500", "ConnectError"]
    assert all(s.status.status_code is StatusCode.ERROR for s in spans)
    calls = _by_name(spans, "maintainx GET")
    assert [dict(c.attributes or {})["error.type"] for c in calls] == [
        "InternalServerError",
        "APIConnectionError",
    ]
    assert any(e.name == "exception" for e in calls[0].events)
    errors = _metrics(reader)["maintainx.client.errors"]
    assert sorted(p.attributes["error.type"] for p in errors) == [
        "APIConnectionError",
        "InternalServerError",
    ]


def test_real_retries_give_resend_count_and_retry_events(otel: Any) -> None:
    observer, exporter, reader = otel
    answers = iter([503, 503, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={"workOrder": {"id": 7}})

    with _client(observer, flaky, retry=FAST_RETRY) as mx:
        mx.request("GET", "/workorders/7")
    spans = exporter.get_finished_spans()
    attempts = _by_name(spans, "GET")
    assert [dict(s.attributes or {}).get("http.request.resend_count") for s in attempts] == [
        None,
        1,
        2,
    ]
    assert [dict(s.attributes or {}).get("error.type") for s in attempts] == ["503", "503", None]
    (call,) = _by_name(spans, "maintainx GET")
    assert [e.name for e in call.events] == ["retry", "retry"]
    assert all(a.parent is not None and a.parent.span_id == call.context.span_id for a in attempts)
    assert sum(p.value for p in _metrics(reader)["maintainx.client.retries"]) == 2


def test_retries_resend_count_and_metrics_through_the_hooks(otel: Any) -> None:
    """Drive the observer as a retrying pipeline does: 429, then 503, then 200."""
    observer, exporter, reader = otel
    request = APIRequest(method="GET", path="/workorders/7", operation="work_orders.get",
                         path_template="/workorders/{id}")  # fmt: skip
    http_request = httpx.Request("GET", f"{BASE}/workorders/7")
    call = observer.start_call(request)
    for attempt, status in ((1, 429), (2, 503), (3, 200)):
        call.attempt_started(attempt, http_request)
        call.attempt_finished(attempt, status_code=status, error=None, duration=0.01 * attempt)
        if status != 200:
            call.retry_scheduled(RetryRecord(attempt=attempt, reason=f"status {status}", wait=0.5))
    call.finished(response=None, error=None)
    observer.rate_limit_observed(limit=100, remaining=3, reset=12.0)
    observer.breaker_state_changed("maintainx", "closed", "open")
    observer.cache_lookup("/users", hit=True, stale=True)

    spans = exporter.get_finished_spans()
    attempts = _by_name(spans, "GET /workorders/{id}")
    assert [dict(s.attributes or {}).get("http.request.resend_count") for s in attempts] == [
        None,
        1,
        2,
    ]
    (call_span,) = _by_name(spans, "maintainx work_orders.get")
    assert [e.name for e in call_span.events] == ["retry", "retry"]
    assert dict(call_span.attributes or {})["url.template"] == "/workorders/{id}"

    metrics = _metrics(reader)
    assert sum(p.value for p in metrics["maintainx.client.retries"]) == 2
    assert sum(p.value for p in metrics["maintainx.client.rate_limited"]) == 1
    assert sum(p.count for p in metrics["http.client.request.duration"]) == 3
    assert sum(p.value for p in metrics["maintainx.client.requests"]) == 1
    (remaining,) = metrics["maintainx.client.rate_limit.remaining"]
    assert remaining.value == 3
    (state,) = metrics["maintainx.client.breaker.state"]
    assert state.value == 2 and state.attributes["maintainx.breaker.name"] == "maintainx"
    (lookup,) = metrics["maintainx.client.cache.lookups"]
    assert lookup.attributes["maintainx.cache.result"] == "stale"


async def test_async_client_emits_the_same_spans(otel: Any) -> None:
    observer, exporter, reader = otel
    async with AsyncMaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(_handler),
        observers=[observer],
    ) as mx:
        await mx.request("GET", "/users")
    spans = exporter.get_finished_spans()
    (call,) = _by_name(spans, "maintainx GET")
    (attempt,) = _by_name(spans, "GET")
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
    assert sum(p.value for p in _metrics(reader)["maintainx.client.requests"]) == 1


def test_the_key_is_in_no_span_or_metric(otel: Any) -> None:
    observer, exporter, reader = otel
    with _client(observer, _handler, retry=FAST_RETRY) as mx:
        mx.request("GET", "/users", params={"token": TEST_KEY, "limit": 1})
        mx.request("POST", "/workorders", json={"title": TEST_KEY})
        with pytest.raises(InternalServerError):
            mx.request("GET", "/boom", headers={"Authorization": f"Bearer {TEST_KEY}"})
    dumped = [s.to_json() for s in exporter.get_finished_spans()]
    data = reader.get_metrics_data()
    assert data is not None
    dumped.append(data.to_json())
    text = "\n".join(dumped)
    assert "url.full" in text and "maintainx.client.requests" in text
    assert TEST_KEY not in text
    (span,) = [s for s in exporter.get_finished_spans() if "token" in str(s.attributes)]
    assert "token=%2A%2A%2A" in str(span.attributes) or "token=***" in str(span.attributes)


def test_many_clients_share_one_provider_without_losing_gauges() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    observers = [OpenTelemetryObserver(meter_provider=provider) for _ in range(3)]
    for i, o in enumerate(observers):
        o.server_attributes = {"server.address": f"host{i}", "server.port": 443}
        o.rate_limit_observed(limit=100, remaining=10 * i, reset=None)
    points = _metrics(reader)["maintainx.client.rate_limit.remaining"]
    assert sorted((p.attributes["server.address"], p.value) for p in points) == [
        ("host0", 0),
        ("host1", 10),
        ("host2", 20),
    ]


def test_default_client_installs_otel_and_logging_observers_and_can_opt_out() -> None:
    from maintainx_sdk.observability import LoggingObserver, StatsObserver

    with MaintainX(api_key=TEST_KEY, base_url=BASE) as mx:
        kinds = {type(o) for o in mx.observers}
        assert {StatsObserver, OpenTelemetryObserver, LoggingObserver} <= kinds
    with MaintainX(api_key=TEST_KEY, base_url=BASE, telemetry=False) as mx:
        assert [type(o) for o in mx.observers] == [StatsObserver]
    mine = OpenTelemetryObserver()
    with MaintainX(api_key=TEST_KEY, base_url=BASE, observers=[mine]) as mx:
        assert [o for o in mx.observers if isinstance(o, OpenTelemetryObserver)] == [mine]
