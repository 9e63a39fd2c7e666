"""The API key never shows: not in a repr, str, exception, traceback or log record."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, MaintainXError, Secret
from maintainx_sdk.models.subscriptions import (
    SubscriptionCreateResponse,
    SubscriptionGetSecretResponse,
)

from .helpers.client_flavours import single_attempt
from .helpers.loopback_server import loopback_server
from .helpers.recording_handler import RecordingHandler

KEY = "sk-live-SECRET-7e3c1f0b9a"


def _texts_of(err: BaseException) -> list[str]:
    return [str(err), repr(err), repr(vars(err)), "".join(traceback.format_exception(err))]


def _assert_clean(*texts: str) -> None:
    for text in texts:
        assert KEY not in text
        assert KEY[8:20] not in text  # not even a fragment


def test_reprs_and_config_hide_the_key() -> None:
    mx = MaintainX(
        api_key=KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    )
    view = mx.with_options(timeout=3, headers={"X-Trace": "1"})
    _assert_clean(
        repr(mx),
        str(mx),
        repr(mx.config),
        str(mx.config),
        repr(view),
        repr(view.config),
        repr(mx.work_orders),
        repr(vars(mx.config)) if hasattr(mx.config, "__dict__") else "",
    )
    assert mx.config.api_key.reveal() == KEY
    assert str(mx.config.api_key) == "***"
    with pytest.raises(TypeError):
        pickle.dumps(mx.config.api_key)
    mx.close()


def test_key_from_file_is_hidden_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text(KEY + "\n")
    monkeypatch.setenv("MAINTAINX_API_KEY_FILE", str(secret_file))
    with MaintainX(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as mx:
        assert mx.config.key_source == "file"
        _assert_clean(repr(mx), repr(mx.config))


@pytest.mark.parametrize(
    "handler",
    [
        lambda r: httpx.Response(401),
        lambda r: httpx.Response(400, json={"errors": [{"error": "bad", "fieldPath": "title"}]}),
        lambda r: httpx.Response(429, headers={"Retry-After": "0"}, json={"error": "slow down"}),
        lambda r: httpx.Response(500, json={"error": "boom"}),
    ],
    ids=["401", "400", "429", "500"],
)
def test_api_errors_hide_the_key(handler: Any) -> None:
    with (
        MaintainX(api_key=KEY, transport=httpx.MockTransport(handler)) as mx,
        pytest.raises(MaintainXError) as info,
    ):
        single_attempt(mx).work_orders.update(7, title="t")
    _assert_clean(*_texts_of(info.value))


def test_transport_errors_hide_the_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect for {request.url}", request=request)

    with (
        MaintainX(api_key=KEY, transport=httpx.MockTransport(handler)) as mx,
        pytest.raises(MaintainXError) as info,
    ):
        single_attempt(mx).work_orders.get(1)
    _assert_clean(*_texts_of(info.value))


def test_validation_errors_hide_the_key() -> None:
    with (
        MaintainX(api_key=KEY, transport=httpx.MockTransport(RecordingHandler())) as mx,
        pytest.raises(MaintainXError) as info,
    ):
        mx.work_orders.create(title="t", priority="URGENT")
    _assert_clean(*_texts_of(info.value))


@pytest.mark.async_backends
def test_no_log_record_holds_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """Real sockets, so httpx and httpcore log everything they log at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "maintainx_sdk", ""):
        logging.getLogger(name).setLevel(logging.DEBUG)
    with loopback_server() as base_url:
        with MaintainX(api_key=KEY, base_url=base_url) as mx:
            mx.work_orders.get(1)
            with pytest.raises(MaintainXError):
                single_attempt(mx).request("GET", "/unauthorized")

        async def main() -> None:
            async with AsyncMaintainX(api_key=KEY, base_url=base_url) as amx:
                await amx.work_orders.get(1)

        asyncio.run(main())
    assert any(r.name.startswith("httpcore") for r in caplog.records), (
        "httpcore did not log at DEBUG"
    )
    for record in caplog.records:
        _assert_clean(record.getMessage(), repr(record.args), repr(record.__dict__))


@pytest.mark.parametrize("path", ["@evil.example/x", "workorders", ".evil.example/x"])
def test_a_sent_request_never_leaves_the_base_urls_host(path: str) -> None:
    """``mx.send(APIRequest(...))`` joins ``path`` to the base URL: a path without its leading
    slash on a base URL without a path (a proxy) moved the host, ``@evil.example`` taking the
    base URL as user-info, and the bearer key went along. It is taken from the root instead,
    as ``mx.request`` does."""
    from maintainx_sdk._request import APIRequest

    rec = RecordingHandler(default=(200, {}))
    with MaintainX(
        api_key=KEY, base_url="https://proxy.internal", transport=httpx.MockTransport(rec)
    ) as mx:
        mx.send(APIRequest("GET", path))
    assert [r.url.host for r in rec.requests] == ["proxy.internal"]
    assert rec.last.url.path == "/" + path


def test_secret_compares_in_constant_time_and_masks_format() -> None:
    a, b = Secret(KEY), Secret(KEY)
    assert a == b and hash(a) == hash(b)
    assert f"{a}" == "***" and f"{a!r}" == "Secret('***')"


def test_webhook_secrets_stay_out_of_reprs() -> None:
    secret = "whsec-0123456789abcdef"
    created = SubscriptionCreateResponse.model_validate(
        {"id": 1, "status": "VALID", "secret": secret}
    )
    fetched = SubscriptionGetSecretResponse.model_validate({"secret": secret})
    for model in (created, fetched):
        assert secret not in repr(model)
        assert secret not in str(model)
    assert created.secret == fetched.secret == secret


def test_a_key_pasted_into_the_base_url_stays_out_of_the_clients_repr() -> None:
    for base_url in (
        f"https://api.example.test/v1?token={KEY}",
        f"https://u:{KEY}@h.test/v1",
    ):
        for cls in (MaintainX, AsyncMaintainX):
            client = cls(api_key=KEY, base_url=base_url, telemetry=False)
            assert KEY not in repr(client)
            assert "base_url=" in repr(client)
