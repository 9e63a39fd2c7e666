"""Shared test fixtures. No test reaches the internet: only respx, MockTransport or loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed set of examples, so a run's verdict depends on the
# code alone; local runs keep drawing new examples (and so keep finding new bugs).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
#: The committed, prose-free facts of the API description (scripts/refresh_spec.py writes it).
SPEC_PATH = Path(os.environ.get("MAINTAINX_SPEC", ROOT / "spec" / "openapi.json"))

TEST_KEY = "test-key-9f8e7d6c5b4a"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MAINTAINX_API_KEY",
        "MAINTAINX_API_KEY_FILE",
        "MAINTAINX_BASE_URL",
        "MAINTAINX_ORGANIZATION_ID",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def spec_path() -> Path:
    assert SPEC_PATH.is_file(), f"{SPEC_PATH} is missing: run scripts/refresh_spec.py"
    return SPEC_PATH


ASYNC_BACKENDS = ("httpx", "aiohttp")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests marked async_backends run once per AsyncMaintainX http_backend.
    if metafunc.definition.get_closest_marker("async_backends") is not None:
        metafunc.fixturenames.append("async_backend")
        metafunc.parametrize("async_backend", ASYNC_BACKENDS, indirect=True)


@pytest.fixture
def async_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every AsyncMaintainX built without a transport uses this http_backend in the test."""
    from maintainx_sdk import AsyncMaintainX

    backend: str = request.param
    defaults = AsyncMaintainX.__init__.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "http_backend", backend)
    return backend
