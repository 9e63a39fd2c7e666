"""Deliveries signed by the emulator, subscriptions managed through the client."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk.errors import NotFoundError, SignatureMismatchError
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.testing import Emulator
from maintainx_sdk.webhook_events import (
    NewWorkOrderEvent,
    WorkOrderChangeEvent,
    WorkOrderDeleteEvent,
    WorkOrderStatusChangeEvent,
)
from maintainx_sdk.webhooks import (
    UnknownEvent,
    WebhookDispatcher,
    event_type_from_url,
    parse_event,
    verify,
    webhook_url,
)

from .helpers.example_loader import load_example

HOOKS = "https://hooks.example.com/maintainx"


def make(deliveries: list[Any], **kw: Any) -> Emulator:
    return Emulator(
        seed=2,
        rate_limit=None,
        org_rate_limit=None,
        webhook_mode="capture",
        webhook_sink=deliveries.append,
        **kw,
    )


def client(emu: Emulator) -> MaintainX:
    return MaintainX(
        api_key=emu.api_key, transport=emu.transport(), rate_limit=RateLimit.disabled()
    )


@pytest.mark.parametrize("unit", ["s", "ms"])
def test_emulator_signed_deliveries_verify_and_parse_typed(unit: str) -> None:
    deliveries: list[Any] = []
    with make(deliveries, webhook_timestamp_unit=unit) as emu, client(emu) as mx:
        secrets = {}
        for event_type in (
            "NEW_WORK_ORDER",
            "WORK_ORDER_CHANGE",
            "WORK_ORDER_STATUS_CHANGE",
            "WORK_ORDER_DELETE",
        ):
            sub = mx.subscriptions.create(type=event_type, url=webhook_url(HOOKS, event_type))  # type: ignore[arg-type]
            secrets[event_type] = mx.subscriptions.get_secret(sub.id).secret
            assert sub.secret in (None, secrets[event_type])
        wid = mx.work_orders.create(title="Signed", priority="LOW").id
        mx.work_orders.update(wid, priority="HIGH")
        mx.work_orders.set_status(wid, "IN_PROGRESS")
        mx.work_orders.delete(wid)
    kinds = {
        "NEW_WORK_ORDER": NewWorkOrderEvent,
        "WORK_ORDER_CHANGE": WorkOrderChangeEvent,
        "WORK_ORDER_STATUS_CHANGE": WorkOrderStatusChangeEvent,
        "WORK_ORDER_DELETE": WorkOrderDeleteEvent,
    }
    seen = set()
    for d in deliveries:
        event_type = event_type_from_url(d.url)
        assert event_type == d.event_type
        result = verify(d.headers, d.body, d.url, secrets[event_type])
        assert abs(result.age) < 60  # seconds, whichever unit the header used
        event = parse_event(d.body, event_type)
        assert type(event) is kinds[event_type], getattr(event, "parse_error", None)
        assert event.work_order_id == wid  # type: ignore[attr-defined]
        seen.add(event_type)
        with pytest.raises(SignatureMismatchError):
            verify(
                d.headers,
                d.body,
                d.url,
                secrets[
                    "NEW_WORK_ORDER" if event_type != "NEW_WORK_ORDER" else "WORK_ORDER_DELETE"
                ],
            )
    assert seen == set(kinds)


def test_subscription_lifecycle_through_the_client() -> None:
    deliveries: list[Any] = []
    with make(deliveries) as emu, client(emu) as mx:
        sub = mx.subscriptions.create(
            type="NEW_WORK_ORDER", url=webhook_url(HOOKS, "NEW_WORK_ORDER")
        )
        fetched = mx.subscriptions.get(sub.id)
        assert (fetched.type, fetched.url) == (
            "NEW_WORK_ORDER",
            webhook_url(HOOKS, "NEW_WORK_ORDER"),
        )
        moved = webhook_url("https://hooks.example.com/v2", "NEW_WORK_ORDER")
        mx.subscriptions.update(sub.id, url=moved)
        secret = mx.subscriptions.get_secret(sub.id).secret
        mx.work_orders.create(title="After the move")
        assert [d.url for d in deliveries if d.event_type == "NEW_WORK_ORDER"] == [moved]
        verify(deliveries[-1].headers, deliveries[-1].body, moved, secret)
        with pytest.raises(SignatureMismatchError):  # signed for the new URL, not the old one
            verify(
                deliveries[-1].headers,
                deliveries[-1].body,
                webhook_url(HOOKS, "NEW_WORK_ORDER"),
                secret,
            )
        mx.subscriptions.delete(sub.id)
        with pytest.raises(NotFoundError):
            mx.subscriptions.get(sub.id)
        count = len([d for d in deliveries if d.event_type == "NEW_WORK_ORDER"])
        mx.work_orders.create(title="Nobody listens")
        assert len([d for d in deliveries if d.event_type == "NEW_WORK_ORDER"]) == count


def test_duplicate_redeliveries_are_processed_once(tmp_path: Path) -> None:
    from maintainx_sdk.idempotency import SQLiteIdempotencyStore

    deliveries: list[Any] = []
    with make(deliveries, webhook_duplicate_rate=1.0) as emu, client(emu) as mx:
        sub = mx.subscriptions.create(
            type="WORK_ORDER_STATUS_CHANGE", url=webhook_url(HOOKS, "WORK_ORDER_STATUS_CHANGE")
        )
        secret = mx.subscriptions.get_secret(sub.id).secret
        wid = mx.work_orders.create(title="Twice").id
        for status in ("IN_PROGRESS", "ON_HOLD", "DONE"):
            mx.work_orders.set_status(wid, status)  # type: ignore[arg-type]
    status_deliveries = [d for d in deliveries if d.event_type == "WORK_ORDER_STATUS_CHANGE"]
    assert len(status_deliveries) == 6 and sum(d.duplicate for d in status_deliveries) == 3
    dispatcher = WebhookDispatcher(
        secret=secret, store=SQLiteIdempotencyStore(tmp_path / "d.sqlite3")
    )
    processed: list[str] = []

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    def on_status(event: WorkOrderStatusChangeEvent) -> None:
        processed.append(str(event.new_status))

    results = [dispatcher.handle(d.headers, d.body, d.url) for d in status_deliveries]
    assert processed == ["IN_PROGRESS", "ON_HOLD", "DONE"]
    assert [r.duplicate for r in results] == [False, True] * 3


def test_unknown_event_types_from_a_newer_api_are_kept() -> None:
    event = parse_event(
        b'{"orgId": 1, "robotId": 9, "occurredAt": "2027-01-01T00:00:00Z"}', "ROBOT_DOCKED"
    )
    assert isinstance(event, UnknownEvent) and event.payload["robotId"] == 9


def test_real_http_delivery_to_the_example_receiver(tmp_path: Path) -> None:
    """Emulator -> HTTP POST over loopback -> uvicorn -> example app -> dispatcher, once."""
    uvicorn = pytest.importorskip("uvicorn")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # the URL needs the port before the app (which needs the secret)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/maintainx"
    processed: list[str] = []
    with (
        Emulator(
            seed=4,
            rate_limit=None,
            org_rate_limit=None,
            webhook_mode="sync",
            webhook_duplicate_rate=1.0,
        ) as emu,
        client(emu) as mx,
    ):
        sub = mx.subscriptions.create(
            type="WORK_ORDER_STATUS_CHANGE", url=webhook_url(base, "WORK_ORDER_STATUS_CHANGE")
        )
        dispatcher = WebhookDispatcher(secret=mx.subscriptions.get_secret(sub.id).secret)
        dispatcher.on("WORK_ORDER_STATUS_CHANGE")(lambda e: processed.append(str(e.new_status)))
        config = uvicorn.Config(
            load_example().create_app(dispatcher), log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.01)
            wid = mx.work_orders.create(title="Over HTTP").id
            mx.work_orders.set_status(wid, "DONE")
            results = [
                r.status_code
                for r in emu.webhooks.stats.results
                if r.delivery.event_type == "WORK_ORDER_STATUS_CHANGE"
            ]
        finally:
            server.should_exit = True
            thread.join(10)
            sock.close()
    assert results == [204, 204]  # the event and its duplicate, both acknowledged
    assert processed == ["DONE"]  # processed once
