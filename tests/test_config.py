"""Configuration is checked when it is given: the key, organization, headers, pool limits and
policy values; a bad value is refused up front, never carried into a call."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    ConfigurationError,
    MaintainX,
    PoolLimits,
    Quota,
    RateLimit,
    RetryPolicy,
    Secret,
    ValidationError,
)
from tests.conftest import TEST_KEY
from tests.helpers.api_records import WORK_ORDER
from tests.helpers.recording_handler import RecordingHandler


def test_missing_key_names_both_variables() -> None:
    with pytest.raises(ConfigurationError) as info:
        MaintainX()
    assert "MAINTAINX_API_KEY" in str(info.value)
    assert "MAINTAINX_API_KEY_FILE" in str(info.value)


def test_key_from_env_and_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAINTAINX_API_KEY", TEST_KEY)
    assert MaintainX().config.key_source == "env"
    monkeypatch.delenv("MAINTAINX_API_KEY")
    secret = tmp_path / "key"
    secret.write_text(TEST_KEY + "\n")
    monkeypatch.setenv("MAINTAINX_API_KEY_FILE", str(secret))
    mx = MaintainX()
    assert mx.config.key_source == "file"
    assert mx.config.api_key.reveal() == TEST_KEY


def test_unreadable_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAINTAINX_API_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        MaintainX()


def test_org_header_and_user_agent_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    monkeypatch.setenv("MAINTAINX_ORGANIZATION_ID", "77")
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        mx.request("GET", "/users")
    req = seen[0]
    assert req.headers["x-organization-id"] == "77"
    assert req.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert req.headers["user-agent"].startswith("maintainx-sdk/")
    assert "httpx/" in req.headers["user-agent"]


def test_bad_org_id() -> None:
    with pytest.raises(ConfigurationError, match="integer"):
        MaintainX(api_key=TEST_KEY, organization_id="abc")


def test_secret_never_shows() -> None:
    s = Secret(TEST_KEY)
    assert TEST_KEY not in repr(s) and TEST_KEY not in str(s) and TEST_KEY not in f"{s}"
    mx = MaintainX(api_key=TEST_KEY)
    assert TEST_KEY not in repr(mx) and TEST_KEY not in repr(mx.config)


WO = {**WORK_ORDER, "id": 42}


@pytest.mark.parametrize(
    "key",
    ["abc\ndef-0123456789", "abc def-0123456789", '"abcdef-0123456789"', "ab\x00c-0123456789"],
)
def test_a_key_no_http_header_can_carry_is_a_configuration_error_without_the_key(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="the api_key argument") as info:
        MaintainX(api_key=key)
    assert "0123456789" not in str(info.value)
    if "\x00" in key:
        return  # an environment variable cannot hold a NUL byte
    monkeypatch.setenv("MAINTAINX_API_KEY", key)
    with pytest.raises(ConfigurationError, match="MAINTAINX_API_KEY has"):
        MaintainX()


def test_surrounding_whitespace_is_trimmed_and_a_blank_key_is_refused() -> None:
    assert MaintainX(api_key=" k-0123456789\n").config.api_key.reveal() == "k-0123456789"
    with pytest.raises(ConfigurationError, match="is empty"):
        MaintainX(api_key="   ")


@pytest.mark.parametrize(
    "limits",
    [
        {"max_connections": 0},
        {"max_keepalive_connections": -1},
        {"keepalive_expiry": -1.0},
    ],
)
def test_pool_limits_that_cannot_work_are_refused(limits: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="PoolLimits"):
        PoolLimits(**limits)


def test_header_values_httpx_would_refuse_on_the_wire_fail_before_sending() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        for bad in ({"X-Trace": "abc\nsecret-value"}, {"X-Trace": "café"}, {"Bad Name": "v"}):
            with pytest.raises(ConfigurationError) as info:
                mx.with_options(headers=bad)
            assert "secret-value" not in str(info.value)
            with pytest.raises(ValidationError):
                mx.request("GET", "/workorders/42", headers=bad)
        with pytest.raises(ConfigurationError, match="default_headers"):
            MaintainX(api_key=TEST_KEY, default_headers={"X-A": "1\r\n2"})
        mx.with_options(headers={"X-Request-Source": "nightly\tjob"}).work_orders.get(42)
    assert len(rec.requests) == 1 and rec.last.headers["X-Request-Source"] == "nightly\tjob"


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(backoff_base=math.nan),
        lambda: RetryPolicy(rate_limit_buffer=math.nan),
        lambda: RetryPolicy(backoff_cap=math.nan),
        lambda: RetryPolicy(backoff_base=math.inf),
        lambda: Quota(5, math.inf),
        lambda: RateLimit(reset_buffer=-1.0),
        lambda: RateLimit(reset_buffer=math.nan),
        lambda: RateLimit(probe_burst=-1),
        lambda: RateLimit(probe_poll=0.0),
    ],
)
def test_policy_values_that_would_misbehave_at_call_time_are_refused(make: Any) -> None:
    with pytest.raises(ConfigurationError):
        make()
