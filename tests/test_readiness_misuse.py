"""Readiness given a caller's mistake: the other flavour of client, a key too short to mask."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, ConfigurationError, MaintainX, readiness

from .conftest import TEST_KEY
from .helpers.recording_handler import RecordingHandler


def _redaction(api_key: str) -> readiness.CheckResult:
    with MaintainX(api_key=api_key, transport=httpx.MockTransport(RecordingHandler())) as mx:
        report = readiness.check(mx, live=False)
    return next(c for c in report.checks if c.id == "logging.redaction")


def test_redaction_check_warns_on_a_key_too_short_to_mask_instead_of_blaming_the_sdk() -> None:
    short = _redaction("abc")
    assert short.status == "warn"
    assert "3 characters" in short.evidence
    assert "SDK bug" not in (short.fix or "")
    assert _redaction("a-long-enough-test-key-0123456789").status == "pass"


def test_readiness_entry_points_name_their_twin_when_given_the_other_client() -> None:
    sync = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
    amx = AsyncMaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
    with pytest.raises(ConfigurationError, match=r"use readiness.acheck\(\)"):
        readiness.check(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.ahealth\(\)"):
        readiness.health(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.check\(\)"):
        asyncio.run(readiness.acheck(sync))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.health\(\)"):
        asyncio.run(readiness.ahealth(sync))  # type: ignore[arg-type]
    sync.close()
