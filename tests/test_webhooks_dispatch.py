"""The webhook dispatcher: exactly-once per handler, failures released, sync and async."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk._signing import signature_header
from maintainx_sdk.errors import ConfigurationError, SignatureMismatchError, ValidationError
from maintainx_sdk.idempotency import SQLiteIdempotencyStore
from maintainx_sdk.webhook_events import NewWorkOrderEvent, WorkOrderStatusChangeEvent
from maintainx_sdk.webhooks import ANY, UnknownEvent, WebhookDispatcher, parse_event, webhook_url

SECRET = "whsec-dispatch"
URL = webhook_url("https://hooks.example.com/mx", "WORK_ORDER_STATUS_CHANGE")
PAYLOAD = {
    "workOrderId": 77,
    "orgId": 1,
    "oldStatus": "OPEN",
    "newStatus": "DONE",
    "occurredAt": "2026-11-27T08:00:00.000Z",
}


def status_event(**changes: Any) -> WorkOrderStatusChangeEvent:
    event = parse_event({**PAYLOAD, **changes}, "WORK_ORDER_STATUS_CHANGE")
    assert isinstance(event, WorkOrderStatusChangeEvent)
    return event


def signed(body: bytes, url: str = URL, t: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if t is None else t)
    return {
        "X-MaintainX-Webhook-Body-Signature": signature_header(SECRET, stamp, body),
        "X-MaintainX-Webhook-Uri-Signature": signature_header(SECRET, stamp, url),
    }


def test_a_duplicate_delivery_is_processed_once() -> None:
    dispatcher = WebhookDispatcher()
    seen: list[int] = []

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    def record(event: WorkOrderStatusChangeEvent) -> None:
        seen.append(event.work_order_id)

    first = dispatcher.dispatch(status_event())
    again = dispatcher.dispatch(status_event())
    other = dispatcher.dispatch(status_event(occurredAt="2026-11-27T09:00:00.000Z"))
    assert seen == [77, 77]
    assert [r.outcome for r in first.results] == ["processed"] and not first.duplicate
    assert again.duplicate and [r.outcome for r in again.results] == ["duplicate"]
    assert not other.duplicate


def test_a_failing_handler_releases_its_claim_and_the_redelivery_runs_it() -> None:
    dispatcher = WebhookDispatcher()
    calls = {"flaky": 0, "steady": 0}

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    def flaky(event: WorkOrderStatusChangeEvent) -> None:
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise RuntimeError("database down")

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    def steady(event: WorkOrderStatusChangeEvent) -> None:
        calls["steady"] += 1

    with pytest.raises(RuntimeError, match="database down"):
        dispatcher.dispatch(status_event())
    assert calls == {"flaky": 1, "steady": 1}  # the other handler still ran
    result = dispatcher.dispatch(status_event())  # the redelivery
    assert calls == {"flaky": 2, "steady": 1}
    assert sorted(r.outcome for r in result.results) == ["duplicate", "processed"]
    dispatcher.dispatch(status_event())
    assert calls == {"flaky": 2, "steady": 1}


async def test_async_handlers_and_mixed_registration() -> None:
    dispatcher = WebhookDispatcher()
    seen: list[str] = []

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE", "NEW_WORK_ORDER")
    async def async_handler(event: Any) -> None:
        await asyncio.sleep(0)
        seen.append("async:" + event.event_type)

    @dispatcher.on(ANY)
    def catch_all(event: Any) -> None:
        seen.append("any:" + event.event_type)

    await dispatcher.dispatch_async(status_event())
    await dispatcher.dispatch_async(status_event())
    unknown = parse_event({"robotId": 1}, "ROBOT_ARRIVED")
    await dispatcher.dispatch_async(unknown)
    assert seen == [
        "async:WORK_ORDER_STATUS_CHANGE",
        "any:WORK_ORDER_STATUS_CHANGE",
        "any:ROBOT_ARRIVED",
    ]
    with pytest.raises(ConfigurationError, match="dispatch_async"):
        dispatcher.dispatch(
            parse_event(
                {"workOrderId": 1, "orgId": 1, "occurredAt": "2026-01-01T00:00:00Z"},
                "NEW_WORK_ORDER",
            )
        )


async def test_a_cancelled_async_handler_frees_its_claim() -> None:
    dispatcher = WebhookDispatcher()
    started = asyncio.Event()
    runs = 0

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    async def slow(event: Any) -> None:
        nonlocal runs
        runs += 1
        started.set()
        if runs == 1:
            await asyncio.sleep(3600)

    task = asyncio.create_task(dispatcher.dispatch_async(status_event()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    result = await dispatcher.dispatch_async(status_event())
    assert runs == 2 and [r.outcome for r in result.results] == ["processed"]


def test_unhandled_events_are_reported_not_dropped_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = WebhookDispatcher()
    result = dispatcher.dispatch(status_event())
    assert result.unhandled and not result.duplicate
    assert "no webhook handler for WORK_ORDER_STATUS_CHANGE" in caplog.text


def test_handle_verifies_then_dispatches_with_the_type_from_the_url() -> None:
    dispatcher = WebhookDispatcher(secret=SECRET)
    seen: list[Any] = []
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(seen.append)
    body = b'{"workOrderId":77,"orgId":1,"oldStatus":"OPEN","newStatus":"DONE","occurredAt":"2026-11-27T08:00:00.000Z"}'
    dispatcher.handle(signed(body), body, URL)
    dispatcher.handle(signed(body), body, URL)  # redelivered with a new signature timestamp
    assert len(seen) == 1 and isinstance(seen[0], WorkOrderStatusChangeEvent)
    with pytest.raises(SignatureMismatchError):
        dispatcher.handle(signed(body), body.replace(b"DONE", b"OPEN"), URL)
    with pytest.raises(ConfigurationError, match="secret"):
        WebhookDispatcher().handle(signed(body), body, URL)
    assert len(seen) == 1


def test_two_receivers_sharing_a_sqlite_store_process_once(tmp_path: Path) -> None:
    path = tmp_path / "deliveries.sqlite3"
    seen: list[int] = []

    def make() -> WebhookDispatcher:
        d = WebhookDispatcher(store=SQLiteIdempotencyStore(path))
        d.on("WORK_ORDER_STATUS_CHANGE")(handle_status)
        return d

    def handle_status(event: WorkOrderStatusChangeEvent) -> None:
        seen.append(event.work_order_id)

    a, b = make(), make()
    a.dispatch(status_event())
    assert b.dispatch(status_event()).duplicate
    assert seen == [77]


def test_concurrent_duplicate_deliveries_run_the_handler_once() -> None:
    dispatcher = WebhookDispatcher()
    calls: list[int] = []
    gate = threading.Event()

    @dispatcher.on("NEW_WORK_ORDER")
    def handler(event: NewWorkOrderEvent) -> None:
        calls.append(event.work_order_id)
        gate.wait(2)

    event = parse_event(
        {"workOrderId": 5, "orgId": 1, "occurredAt": "2026-01-01T00:00:00Z"}, "NEW_WORK_ORDER"
    )
    outcomes: list[str] = []

    def deliver() -> None:
        outcomes.extend(r.outcome for r in dispatcher.dispatch(event).results)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join()
    assert calls == [5]
    assert sorted(outcomes) == ["in_progress"] * 5 + ["processed"]


def test_unknown_events_can_be_routed_by_their_type() -> None:
    dispatcher = WebhookDispatcher()
    got: list[UnknownEvent] = []
    dispatcher.on("ROBOT_ARRIVED")(got.append)
    dispatcher.dispatch(parse_event({"robotId": 1}, "ROBOT_ARRIVED"))
    assert got and got[0].payload == {"robotId": 1}
    with pytest.raises(ConfigurationError):
        dispatcher.on()


def _recorder(tag: str, seen: list[str]) -> Any:
    def record(event: Any) -> None:
        seen.append(tag)

    return record


def test_handlers_from_one_factory_or_two_lambdas_are_refused_unless_named() -> None:
    # They share module.qualname, so they would share one claim and only the first would run.
    dispatcher = WebhookDispatcher()
    seen: list[str] = []
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(_recorder("a", seen))
    with pytest.raises(ConfigurationError, match=r"already registered as .*name="):
        dispatcher.on("WORK_ORDER_STATUS_CHANGE")(_recorder("b", seen))
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", name="recorder-b")(_recorder("b", seen))
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(lambda event: seen.append("c"))
    with pytest.raises(ConfigurationError, match="already registered"):
        dispatcher.on("NEW_WORK_ORDER")(lambda event: seen.append("d"))
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", name="lambda-d")(lambda event: seen.append("d"))
    result = dispatcher.dispatch(status_event())
    assert seen == ["a", "b", "c", "d"]
    assert [r.outcome for r in result.results] == ["processed"] * 4
    assert len({r.handler for r in result.results}) == 4
    again = dispatcher.dispatch(status_event())
    assert again.duplicate and seen == ["a", "b", "c", "d"]


def test_a_handler_without_a_qualified_name_needs_one() -> None:
    dispatcher = WebhookDispatcher()
    seen: list[str] = []

    def record(tag: str, event: Any) -> None:
        seen.append(tag)

    with pytest.raises(ConfigurationError, match=r"no module\.qualname"):
        dispatcher.on("WORK_ORDER_STATUS_CHANGE")(functools.partial(record, "p"))
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", name="partial-p")(functools.partial(record, "p"))
    with pytest.raises(ConfigurationError, match="non-empty"):
        dispatcher.on("WORK_ORDER_STATUS_CHANGE", name=" ")
    dispatcher.dispatch(status_event())
    assert seen == ["p"]


def test_one_handler_under_several_types_and_the_catch_all_runs_once_per_delivery() -> None:
    dispatcher = WebhookDispatcher()
    seen: list[str] = []
    handler = _recorder("x", seen)
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", "NEW_WORK_ORDER")(handler)
    dispatcher.on(ANY)(handler)  # the same function again: the same name, no error
    dispatcher.dispatch(status_event())
    assert seen == ["x"]


def test_claims_are_keyed_by_the_name_so_another_process_recognises_them(tmp_path: Path) -> None:
    store_path = tmp_path / "claims.sqlite3"
    seen: list[str] = []

    def receiver(tag: str) -> WebhookDispatcher:
        d = WebhookDispatcher(store=SQLiteIdempotencyStore(store_path))
        d.on("WORK_ORDER_STATUS_CHANGE", name="mirror")(_recorder(tag, seen))
        return d

    receiver("first").dispatch(status_event())
    assert receiver("second").dispatch(status_event()).duplicate
    assert seen == ["first"]


@pytest.mark.parametrize("depth", [65, 5_000, 200_000])
@pytest.mark.parametrize("bracket", ["[]", '{"a":}'])
def test_a_validly_signed_deeply_nested_body_is_a_typed_error(depth: int, bracket: str) -> None:
    opening, closing = (
        ("[" * depth, "]" * depth) if bracket == "[]" else ('{"a":' * depth, "1" + "}" * depth)
    )
    body = ('{"workOrderId":77,"x":' + opening + closing + "}").encode()
    dispatcher = WebhookDispatcher(secret=SECRET)
    seen: list[Any] = []
    dispatcher.on("WORK_ORDER_STATUS_CHANGE")(seen.append)
    with pytest.raises(ValidationError, match="nested deeper than 64"):
        dispatcher.handle(signed(body), body, URL)
    with pytest.raises(ValidationError, match="nested deeper"):
        parse_event(body)
    assert seen == []


def test_nesting_within_the_limit_still_parses() -> None:
    nested: Any = 1
    for _ in range(60):
        nested = {"a": nested}
    event = parse_event({**PAYLOAD, "extra": nested}, "WORK_ORDER_STATUS_CHANGE")
    assert event.payload["extra"]["a"]["a"] is not None
    deep: Any = 1
    for _ in range(70):
        deep = [deep]
    with pytest.raises(ValidationError, match="nested deeper"):
        parse_event({**PAYLOAD, "extra": deep}, "WORK_ORDER_STATUS_CHANGE")


def test_a_mistyped_webhook_event_type_is_refused_with_a_suggestion() -> None:
    from maintainx_sdk.webhooks import WebhookDispatcher

    dispatcher = WebhookDispatcher()
    for typo in ("WORK_ORDER_STATUS_CHANGED", "work_order_status_change"):
        with pytest.raises(ConfigurationError, match="did you mean 'WORK_ORDER_STATUS_CHANGE'"):
            dispatcher.on(typo)
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", "*", "ROBOT_ARRIVED")(print)  # known, any, new
    dispatcher.on("WORK_ORDER_STATUS_CHANGED", allow_unknown=True)(print)
