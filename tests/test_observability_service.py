"""examples/service.py: /health, /ready and Prometheus /metrics through the OTel exporter."""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("opentelemetry.exporter.prometheus")

import httpx

from maintainx_sdk import AsyncMaintainX
from maintainx_sdk.testing import Emulator
from tests.conftest import TEST_KEY

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "service.py"


@pytest.fixture(autouse=True)
def _restore_sdk_logger() -> Iterator[None]:
    logger = logging.getLogger("maintainx_sdk")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


async def _get_all(app: Any, *paths: str) -> list[httpx.Response]:
    """Run the app's lifespan and GET each path through an in-process ASGI transport."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http,
    ):
        return [await http.get(p) for p in paths]


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("example_service", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["example_service"] = module
    spec.loader.exec_module(module)
    return module


async def test_service_health_ready_metrics() -> None:
    api = Emulator(api_key=TEST_KEY, webhook_mode="capture", webhook_sink=lambda delivery: None)

    def factory(observers: Any) -> AsyncMaintainX:
        return AsyncMaintainX(
            api_key=TEST_KEY,
            base_url="http://127.0.0.1:1/v1",
            transport=api.async_transport(),
            observers=observers,
        )

    health, ready, metrics = await _get_all(
        _load().build_app(factory), "/health", "/ready", "/metrics"
    )
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert "maintainx_client_requests" in text
    assert "http_client_request_duration_seconds_bucket" in text
    assert "maintainx_client_rate_limit_remaining" in text
    assert TEST_KEY not in text + health.text + ready.text


async def test_service_reports_down_and_not_ready_with_a_bad_key() -> None:
    api = Emulator(api_key=TEST_KEY, webhook_mode="capture", webhook_sink=lambda delivery: None)

    def factory(observers: Any) -> AsyncMaintainX:
        return AsyncMaintainX(
            api_key="wrong-key-0123456789",
            base_url="http://127.0.0.1:1/v1",
            transport=api.async_transport(),
            observers=observers,
        )

    health, ready = await _get_all(_load().build_app(factory), "/health", "/ready")
    assert health.status_code == 503 and health.json()["status"] == "down"
    assert ready.status_code == 503 and "auth.key_valid" in ready.json()["failing"]
