"""Webhook delivery: events from state changes, signed both ways, over real loopback HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from maintainx_sdk._signing import BODY_SIGNATURE_HEADER, URI_SIGNATURE_HEADER, compute_signature
from maintainx_sdk.testing import Delivery, Emulator
from maintainx_sdk.webhooks import verify

from .helpers.clocks import ManualClock
from .helpers.emulator_clients import make_emulator, raw_client


class Receiver:
    """A loopback HTTP endpoint that records every POST it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with outer.arrived:
                    outer.received.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    outer.arrived.notify_all()
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks/mx") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout), (
                self.received
            )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _subscribe(emu: Emulator, event: str, url: str, **extra: Any) -> tuple[int, str]:
    with raw_client(emu) as c:
        body = c.post("/subscriptions", json={"type": event, "url": url, **extra}).json()
    assert body["status"] == "VALID"
    return body["id"], body["secret"]


def test_status_change_is_posted_and_both_signatures_verify(receiver: Receiver) -> None:
    emu = make_emulator(webhook_mode="sync", webhook_sink=None)
    url = receiver.url("/hooks/mx?tenant=7")
    _, secret = _subscribe(emu, "WORK_ORDER_STATUS_CHANGE", url)
    with raw_client(emu) as c:
        wid = c.post("/workorders", json={"title": "Belt"}).json()["id"]
        c.patch(f"/workorders/{wid}/status", json={"status": "IN_PROGRESS"})
        c.patch(f"/workorders/{wid}/status", json={"status": "CANCELED"})
        assert (
            c.get(f"/subscriptions/{_subscribe(emu, 'NEW_WORK_ORDER', url)[0]}/secret").status_code
            == 200
        )
    receiver.wait_for(2)
    path, headers, body = receiver.received[0]
    assert path == "/hooks/mx?tenant=7"
    verify(headers, body, url, secret)  # raises if either signature is wrong
    stamp = headers[BODY_SIGNATURE_HEADER].split(",")[0][2:]
    assert headers[URI_SIGNATURE_HEADER] == f"t={stamp},v1={compute_signature(secret, stamp, url)}"
    import json

    first, second = (json.loads(r[2]) for r in receiver.received[:2])
    assert (
        first["workOrderId"] == wid
        and first["oldStatus"] == "OPEN"
        and first["newStatus"] == "IN_PROGRESS"
    )
    assert second["newStatus"] == "DONE" and second["newSubStatus"] == "CANCELED"
    assert "newWorkOrder" not in first  # serializeEntity was not asked for


def test_events_of_the_work_order_lifecycle_are_captured_in_process() -> None:
    deliveries: list[Delivery] = []
    emu = make_emulator(webhook_sink=deliveries.append, clock=ManualClock())
    for event in (
        "NEW_WORK_ORDER",
        "WORK_ORDER_CHANGE",
        "WORK_ORDER_STATUS_CHANGE",
        "WORK_ORDER_DELETE",
    ):
        _subscribe(emu, event, "https://hooks.example.com/mx", options={"serializeEntity": True})
    with raw_client(emu) as c:
        wid = c.post("/workorders", json={"title": "Valve", "priority": "LOW"}).json()["id"]
        c.patch(f"/workorders/{wid}", json={"title": "Valve 2"})
        c.patch(f"/workorders/{wid}/status", json={"status": "DONE"})
        c.delete(f"/workorders/{wid}")
    assert [d.event_type for d in deliveries] == [
        "NEW_WORK_ORDER", "WORK_ORDER_CHANGE", "WORK_ORDER_STATUS_CHANGE", "WORK_ORDER_DELETE",
    ]  # fmt: skip
    payloads = [d.json() for d in deliveries]
    assert payloads[0]["newWorkOrder"]["title"] == "Valve"
    assert (
        payloads[1]["newWorkOrder"]["title"] == "Valve 2" and "costs" in payloads[1]["newWorkOrder"]
    )
    assert payloads[2]["progress"]["doneCount"] == 1
    assert payloads[3]["WorkOrder"]["title"] == "Valve 2"
    assert all(p["workOrderId"] == wid and p["orgId"] == emu.default_org_id for p in payloads)


def test_skip_webhook_and_failed_writes_send_nothing() -> None:
    deliveries: list[Delivery] = []
    emu = make_emulator(webhook_sink=deliveries.append)
    _subscribe(emu, "NEW_WORK_ORDER", "https://hooks.example.com/mx")
    with raw_client(emu) as c:
        c.post("/workorders", params={"skipWebhook": "true"}, json={"title": "quiet"})
        c.post("/workorders", json={"title": 7})  # rejected: no event
    assert deliveries == []


def test_status_filter_and_other_organizations() -> None:
    deliveries: list[Delivery] = []
    emu = make_emulator(webhook_sink=deliveries.append)
    _subscribe(
        emu, "WORK_ORDER_STATUS_CHANGE", "https://h.example/x", filters={"oneOfStatuses": ["DONE"]}
    )
    emu.add_token("other-org", org_ids=(2,))
    with raw_client(emu) as c, raw_client(emu, "other-org") as other:
        wid = c.post("/workorders", json={"title": "a"}).json()["id"]
        c.patch(f"/workorders/{wid}/status", json={"status": "ON_HOLD"})
        c.patch(f"/workorders/{wid}/status", json={"status": "DONE"})
        oid = other.post("/workorders", json={"title": "b"}).json()["id"]
        other.patch(f"/workorders/{oid}/status", json={"status": "DONE"})
    assert [d.json()["newStatus"] for d in deliveries] == ["DONE"]
    assert deliveries[0].json()["workOrderId"] == wid


def test_duplicate_redelivery_is_seeded() -> None:
    deliveries: list[Delivery] = []
    emu = make_emulator(webhook_sink=deliveries.append, webhook_duplicate_rate=1.0)
    _subscribe(emu, "NEW_WORK_ORDER", "https://h.example/x")
    with raw_client(emu) as c:
        c.post("/workorders", json={"title": "twice"})
    assert len(deliveries) == 2 and deliveries[1].duplicate
    assert deliveries[0].body == deliveries[1].body


def test_background_delivery_uses_a_bounded_queue(receiver: Receiver) -> None:
    emu = make_emulator(webhook_mode="background", webhook_sink=None)
    _subscribe(emu, "NEW_WORK_ORDER", receiver.url())
    try:
        with raw_client(emu) as c:
            for i in range(5):
                c.post("/workorders", json={"title": f"wo {i}"})
        assert emu.webhooks.flush(5.0)
        receiver.wait_for(5)
        assert emu.webhooks.stats.queued == 5 and emu.webhooks.stats.dropped == 0
        assert all(r.status_code == 200 for r in emu.webhooks.stats.results)
    finally:
        emu.close()


def test_millisecond_timestamps_verify_too() -> None:
    deliveries: list[Delivery] = []
    clock = ManualClock(1_780_000_000.5)
    emu = make_emulator(webhook_sink=deliveries.append, webhook_timestamp_unit="ms", clock=clock)
    _, secret = _subscribe(emu, "NEW_WORK_ORDER", "https://h.example/x")
    with raw_client(emu) as c:
        c.post("/workorders", json={"title": "ms"})
    stamp = deliveries[0].headers[BODY_SIGNATURE_HEADER].split(",")[0]
    assert stamp == "t=1780000000500"
    verify(deliveries[0].headers, deliveries[0].body, "https://h.example/x", secret, now=clock())


def test_subscription_crud_and_validation() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        assert (
            c.post("/subscriptions", json={"type": "NOPE", "url": "https://x"}).status_code == 400
        )
        assert (
            c.post("/subscriptions", json={"type": "NEW_ASSET", "url": "ftp://x"}).status_code
            == 400
        )
        sid, secret = _subscribe(emu, "NEW_ASSET", "https://h.example/a")
        assert c.get(f"/subscriptions/{sid}/secret").json() == {"secret": secret}
        patched = c.patch(f"/subscriptions/{sid}", json={"url": "https://h.example/b"}).json()[
            "subscription"
        ]
        assert patched == {
            "id": sid,
            "type": "NEW_ASSET",
            "url": "https://h.example/b",
            "status": "VALID",
        }
        assert c.delete(f"/subscriptions/{sid}").status_code == 204
        assert c.get(f"/subscriptions/{sid}").status_code == 404


@pytest.mark.parametrize("url", ["http://", "https://h.example:x/hook", "http://[::1/hook"])
def test_a_subscription_url_that_cannot_be_parsed_is_refused(url: str) -> None:
    """Regression: such URLs were stored, and the next event then raised httpx.InvalidURL
    out of the write that caused it (already stored) instead of answering it."""
    emu = make_emulator()
    with raw_client(emu) as c:
        answer = c.post("/subscriptions", json={"type": "NEW_WORK_ORDER", "url": url})
        assert answer.status_code == 400 and answer.json()["errors"][0]["fieldPath"] == "url"
        sid, _ = _subscribe(emu, "NEW_WORK_ORDER", "https://h.example/ok")
        assert c.patch(f"/subscriptions/{sid}", json={"url": url}).status_code == 400


def test_a_delivery_to_an_unusable_url_is_a_failed_result_not_a_crash() -> None:
    emu = make_emulator(webhook_mode="sync")
    bad = emu.webhooks.sign(1, "NEW_WORK_ORDER", "https://h.example:x/hook", "s", {"a": 1})
    emu.webhooks.dispatch(bad)
    (result,) = emu.webhooks.stats.results
    assert result.status_code is None and result.error and "InvalidURL" in result.error


def test_work_request_categories_and_asset_status_events() -> None:
    deliveries: list[Delivery] = []
    emu = make_emulator(webhook_sink=deliveries.append)
    for event in (
        "WORK_REQUEST_STATUS_CHANGE",
        "NEW_CATEGORY_ON_WORK_ORDER",
        "ASSET_STATUS_CHANGE",
        "NEW_WORK_ORDER",
    ):
        _subscribe(emu, event, "https://h.example/x")
    with raw_client(emu) as c:
        request = c.post("/workrequests", json={"title": "leak"}).json()["id"]
        wid = c.post(
            "/workorders",
            json={"title": "fix leak", "workRequestId": request, "categories": ["Plumbing"]},
        ).json()["id"]
        assert (
            c.get(f"/workrequests/{request}").json()["workRequest"]["requestStatus"] == "APPROVED"
        )
        c.patch(f"/workorders/{wid}", json={"categories": ["Plumbing", "Safety"]})
        c.patch(f"/workorders/{wid}/status", json={"status": "DONE"})
        asset = c.post("/assets", json={"name": "tank"}).json()["id"]
        c.post(f"/assets/{asset}/status", json={"status": "OFFLINE"})
        c.post("/workorders", json={"title": "legacy quiet", "skipRestHook": True})
    events = [(d.event_type, d.json()) for d in deliveries]
    kinds = [e for e, _ in events]
    assert kinds == [
        "NEW_WORK_ORDER", "NEW_CATEGORY_ON_WORK_ORDER", "WORK_REQUEST_STATUS_CHANGE",
        "NEW_CATEGORY_ON_WORK_ORDER", "WORK_REQUEST_STATUS_CHANGE", "ASSET_STATUS_CHANGE",
    ]  # fmt: skip
    assert [c["name"] for c in events[1][1]["newCategories"]] == ["Plumbing"]
    assert [c["name"] for c in events[3][1]["newCategories"]] == ["Safety"]
    assert (events[2][1]["oldStatus"], events[2][1]["newStatus"]) == ("PENDING", "APPROVED")
    assert (events[4][1]["oldStatus"], events[4][1]["newStatus"]) == ("APPROVED", "DONE")
    assert (
        events[5][1]["oldStatus"]["status"] == "ONLINE"
        and events[5][1]["newStatus"]["status"] == "OFFLINE"
    )


def test_overdue_work_orders_fire_once_when_the_clock_passes_their_due_date() -> None:
    deliveries: list[Delivery] = []
    clock = ManualClock()
    emu = make_emulator(webhook_sink=deliveries.append, clock=clock)
    _subscribe(emu, "WORK_ORDER_OVERDUE", "https://h.example/x")
    with raw_client(emu) as c:
        due = emu.now()
        late = c.post("/workorders", json={"title": "late", "dueDate": due}).json()["id"]
        done = c.post("/workorders", json={"title": "done", "dueDate": due}).json()["id"]
        c.post("/workorders", json={"title": "no due date"})
        c.patch(f"/workorders/{done}/status", json={"status": "DONE"})
    assert emu.fire_overdue() == 0  # not yet past
    clock.advance(60)
    assert emu.fire_overdue() == 1
    assert emu.fire_overdue() == 0  # once per work order
    payload = deliveries[0].json()
    assert deliveries[0].event_type == "WORK_ORDER_OVERDUE"
    assert payload["workOrderId"] == late and payload["dueDate"].startswith(due[:19])
