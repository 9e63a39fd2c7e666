"""Shared test fixtures. No test reaches the internet: only respx, MockTransport or loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
SPEC_PATH = Path(os.environ.get("MAINTAINX_SPEC", SHARED_DIR / "maintainx-openapi.json"))

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
    if not SPEC_PATH.exists():
        pytest.skip(f"API spec not found at {SPEC_PATH} (../shared/ is absent)")
    return SPEC_PATH
