"""Cost of the default telemetry per call, measured side by side in one run.

Three clients call one in-process MockTransport endpoint, interleaved round by round:
``telemetry=False`` (stats only), the default (OpenTelemetry API without an SDK = no-op
spans/metrics, logging observer at WARNING), and a recording OpenTelemetry SDK (spans to an
in-memory exporter, metrics to an in-memory reader). The transport is instant, so the ratios
are the worst case: over a real network the same absolute cost is a far smaller share.

    python benchmarks/telemetry_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from maintainx_sdk import MaintainX
from maintainx_sdk.observability import OpenTelemetryObserver

KEY = "bench-key-0123456789"
BODY = b'{"workOrder": {"id": 1, "title": "pump", "status": "OPEN"}}'


def _handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=BODY,
        headers={"Content-Type": "application/json", "X-Rate-Limit-Remaining": "99",
                 "X-Rate-Limit-Limit": "100"},
    )  # fmt: skip


def _client(**kw: object) -> MaintainX:
    return MaintainX(
        api_key=KEY, base_url="http://127.0.0.1:1/v1", transport=httpx.MockTransport(_handler), **kw
    )  # type: ignore[arg-type]


def _round(mx: MaintainX, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        mx.request("GET", "/workorders/1")
    return (time.perf_counter() - t0) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI")
    args = parser.parse_args()
    rounds, calls = (5, 200) if args.quick else (25, 1000)

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    recording = OpenTelemetryObserver(
        tracer_provider=tracer_provider,
        meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
    )
    clients = {
        "telemetry=False": _client(telemetry=False),
        "default (no-op OTel)": _client(),
        "OTel SDK recording": _client(observers=[recording]),
    }
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for mx in clients.values():
        _round(mx, 50)  # warm-up
    for _ in range(rounds):
        for name, mx in clients.items():
            samples[name].append(_round(mx, calls))
        exporter.clear()
    base = statistics.median(samples["telemetry=False"])
    print(f"{rounds} rounds x {calls} GETs per client, in-process transport, interleaved")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"  {name:<22} median {med * 1e6:8.1f} us/call   ratio {med / base:5.2f}x")
    for mx in clients.values():
        mx.close()


if __name__ == "__main__":
    main()
