from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from maintainx_sdk import ConfigurationError, MaintainX, Secret
from tests.conftest import TEST_KEY


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
