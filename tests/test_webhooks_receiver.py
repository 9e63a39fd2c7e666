"""The example receiver: verifies, answers 204 at once, processes in the background, once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk._signing import signature_header
from maintainx_sdk.webhooks import WebhookDispatcher

from .helpers.example_loader import load_example

pytest.importorskip("starlette")

SECRET = "whsec-receiver"
PUBLIC = "https://hooks.example.com"
SIGNED_URL = f"{PUBLIC}/maintainx?event=WORK_ORDER_STATUS_CHANGE"
BODY = b'{"workOrderId":9,"orgId":1,"oldStatus":"OPEN","newStatus":"DONE","occurredAt":"2026-11-27T08:00:00.000Z"}'


def client_for(app: Any) -> httpx.AsyncClient:
    # httpx's ASGI transport runs the app to completion, background task included.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def deliver(
    client: httpx.AsyncClient, body: bytes, *, sign_url: str, t: int | None = None
) -> Any:
    stamp = str(int(time.time()) if t is None else t)
    headers = {
        "x-maintainx-webhook-body-signature": signature_header(SECRET, stamp, body),
        "x-maintainx-webhook-uri-signature": signature_header(SECRET, stamp, sign_url),
        "content-type": "application/json",
    }
    return await client.post(
        "/maintainx?event=WORK_ORDER_STATUS_CHANGE", content=body, headers=headers
    )


@pytest.fixture
def app_and_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    example = load_example()
    monkeypatch.setenv("MAINTAINX_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("MAINTAINX_WEBHOOK_DB", str(tmp_path / "deliveries.sqlite3"))
    dispatcher: WebhookDispatcher = example.default_dispatcher()
    log: list[str] = []
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(
        lambda e: log.append(f"{e.work_order_id}:{e.new_status}")
    )
    return example.create_app(dispatcher, public_base_url=PUBLIC), log


async def test_valid_delivery_is_acknowledged_and_processed_once(
    app_and_log: tuple[Any, list[str]],
) -> None:
    app, log = app_and_log
    async with client_for(app) as client:
        assert (await deliver(client, BODY, sign_url=SIGNED_URL)).status_code == 204
        assert (await deliver(client, BODY, sign_url=SIGNED_URL)).status_code == 204  # again
    assert log == ["9:DONE"]


async def test_bad_deliveries_are_refused_and_not_processed(
    app_and_log: tuple[Any, list[str]],
) -> None:
    app, log = app_and_log
    async with client_for(app) as client:
        stamp = str(int(time.time()))
        forged = await client.post(
            "/maintainx?event=WORK_ORDER_STATUS_CHANGE",
            content=BODY.replace(b"DONE", b"OPEN"),
            headers={
                "x-maintainx-webhook-body-signature": signature_header(SECRET, stamp, BODY),
                "x-maintainx-webhook-uri-signature": signature_header(SECRET, stamp, SIGNED_URL),
            },
        )
        assert forged.status_code == 401 and forged.json() == {"error": "SignatureMismatchError"}
        wrong_url = await deliver(
            client, BODY, sign_url="http://testserver/maintainx?event=WORK_ORDER_STATUS_CHANGE"
        )
        assert wrong_url.status_code == 401
        old = await deliver(client, BODY, sign_url=SIGNED_URL, t=int(time.time()) - 3600)
        assert old.status_code == 401 and old.json() == {"error": "StaleWebhookError"}
        missing = await client.post("/maintainx", content=BODY)
        assert missing.status_code == 401 and missing.json() == {
            "error": "MissingSignatureHeaderError"
        }
        not_json = await deliver(client, b"<xml/>", sign_url=SIGNED_URL)
        assert not_json.status_code == 400
    assert log == []
