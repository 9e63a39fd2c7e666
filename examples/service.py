"""A small service exposing /health, /ready and /metrics for a MaintainX integration.

Run it against the bundled emulator (no internet needed)::

    maintainx-sdk emulator --port 8080 --api-key dev-key-0123456789 &
    MAINTAINX_BASE_URL=http://127.0.0.1:8080/v1 MAINTAINX_API_KEY=dev-key-0123456789 \
        python examples/service.py --port 8000
    curl localhost:8000/health; curl localhost:8000/ready; curl localhost:8000/metrics

``/metrics`` is Prometheus text rendered by the OpenTelemetry Prometheus exporter from the
SDK's own instruments (``maintainx_client_requests_total``, ``http_client_request_duration_seconds``,
...). Needs the example dependencies: ``pip install starlette uvicorn
opentelemetry-sdk opentelemetry-exporter-prometheus prometheus-client``.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from maintainx_sdk import AsyncMaintainX, readiness
from maintainx_sdk.observability import OpenTelemetryObserver, configure_logging


def build_app(client_factory: Any = AsyncMaintainX) -> Starlette:
    """The app; ``client_factory(observers=[...])`` builds the client (tests inject one)."""
    registry = CollectorRegistry()
    meter_provider = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)])
    # Spans go to the global tracer provider (configure OTLP or another exporter as usual);
    # metrics go to a provider read by the Prometheus exporter on /metrics.
    telemetry = OpenTelemetryObserver(meter_provider=meter_provider)
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None, None]:
        configure_logging()
        client = client_factory(observers=[telemetry])
        state["client"] = client
        # The start-up gate: the live checks run once; /ready reuses their result.
        state["report"] = await readiness.acheck(client)
        try:
            yield
        finally:
            await client.aclose()
            meter_provider.shutdown()

    async def health(request: Request) -> JSONResponse:
        payload = await readiness.ahealth(state["client"])
        return JSONResponse(payload, status_code=503 if payload["status"] == "down" else 200)

    async def ready(request: Request) -> JSONResponse:
        payload = readiness.ready(state["client"], report=state["report"])
        return JSONResponse(payload, status_code=200 if payload["ready"] else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(build_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
