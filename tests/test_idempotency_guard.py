"""Guarded creates never create twice for one key: retries, re-runs, restarts, faults."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk._operation import Operation, build_request
from maintainx_sdk._resource import AsyncAPIResource, SyncAPIResource
from maintainx_sdk.errors import (
    IdempotencyInProgressError,
    IdempotencyKeyReuseError,
    OutcomeUnknownError,
    ValidationError,
)
from maintainx_sdk.idempotency import (
    REPLAYED_HEADER,
    STAMP_FIELD,
    InMemoryIdempotencyStore,
    SQLiteIdempotencyStore,
    guarded_create,
)

from .helpers.hand_built_operations import CREATE_USER, CREATE_WO, CREATE_WR
from .helpers.logged_emulator import LoggedEmulator


def create(mx: MaintainX, key: str, op: Operation = CREATE_WO, **body: Any) -> Any:
    body = body or {"title": "Pump 4 leaks"}
    request = build_request(op, body=body)
    return SyncAPIResource(mx)._run(guarded_create(mx.idempotency_store, op, request, key))


def test_clients_get_an_in_memory_store_by_default_and_accept_one() -> None:
    api = LoggedEmulator()
    assert isinstance(api.client().idempotency_store, InMemoryIdempotencyStore)
    store = InMemoryIdempotencyStore()
    assert api.client(idempotency_store=store).idempotency_store is store
    assert api.async_client(idempotency_store=store).idempotency_store is store
    mx = api.client(idempotency_store=store)
    assert mx.with_options(timeout=3).idempotency_store is store


def test_happy_path_sends_once_and_replays_from_the_store() -> None:
    api = LoggedEmulator()
    with api.client() as mx:
        first = create(mx, "erp-1", title="Pump", externalData={"erp": "A-1"})
        again = create(mx, "erp-1", title="Pump", externalData={"erp": "A-1"})
    assert first.id == again.id
    assert api.count("POST", "/workorders") == 1
    assert again.raw_response.headers[REPLAYED_HEADER] == "true"
    assert first.raw_response.attempts == 1
    external = api.created("workorders")[first.id]["externalData"]
    assert external["erp"] == "A-1" and len(external[STAMP_FIELD]) == 32
    assert "erp-1" not in str(external)  # the key itself is not written into the record


def test_applied_then_timeout_is_found_by_lookup_not_sent_again() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-reset")
    with api.client() as mx:
        result = create(mx, "k1")
    assert api.count("POST", "/workorders") == 1
    assert len(api.created("workorders")) == 1 and result.id in api.created("workorders")
    assert ("GET", "/workorders") in api.requests


def test_applied_then_500_is_found_by_lookup() -> None:
    api = LoggedEmulator()
    api.add_work_order(title="Pump 4 leaks")  # same title, different record: not a match
    api.fault("POST", "/workorders", "applied-500")
    with api.client() as mx:
        result = create(mx, "k1")
    assert api.count("POST", "/workorders") == 1
    assert len(api.created("workorders")) == 2
    assert STAMP_FIELD in api.created("workorders")[result.id]["externalData"]


def test_not_applied_failure_is_looked_up_then_resent() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", 500)
    with api.client() as mx:
        create(mx, "k1")
    assert api.count("POST", "/workorders") == 2
    assert len(api.created("workorders")) == 1


def test_unknown_after_max_sends_then_a_rerun_resolves() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", 500, 500, 500)
    with api.client() as mx:
        with pytest.raises(OutcomeUnknownError, match="after 3 sends") as info:
            create(mx, "k1")
        assert info.value.attempts == 3
        record = mx.idempotency_store.get("work_orders.create:k1")
        assert record is not None and record.state == "pending"
        result = create(mx, "k1")
    assert len(api.created("workorders")) == 1 and result.id in api.created("workorders")
    assert api.count("POST", "/workorders") == 4


def test_failed_lookup_leaves_it_pending_and_a_rerun_finds_the_record() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-reset")
    api.fault("GET", "/workorders", 500)
    with api.client() as mx:
        with pytest.raises(OutcomeUnknownError, match="lookup failed"):
            create(mx, "k1")
        assert len(api.created("workorders")) == 1
        result = create(mx, "k1")
    assert api.count("POST", "/workorders") == 1
    assert result.id in api.created("workorders") and len(api.created("workorders")) == 1


def test_a_restarted_process_resolves_the_unknown_outcome(tmp_path: Path) -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-reset")
    api.fault("GET", "/workorders", 500)
    path = tmp_path / "idem.sqlite3"
    with api.client(idempotency_store=SQLiteIdempotencyStore(path)) as mx:
        with pytest.raises(OutcomeUnknownError):
            create(mx, "nightly-42")
        mx.idempotency_store.close()
    # A new process: new client, new store object on the same file.
    with api.client(idempotency_store=SQLiteIdempotencyStore(path)) as mx:
        result = create(mx, "nightly-42")
        again = create(mx, "nightly-42")
        mx.idempotency_store.close()
    assert result.id == again.id
    assert api.count("POST", "/workorders") == 1 and len(api.created("workorders")) == 1


def test_definite_failure_releases_the_key() -> None:
    api = LoggedEmulator()
    with api.client() as mx:
        with pytest.raises(ValidationError):
            create(mx, "k1", title=None)  # type: ignore[arg-type]
        assert api.requests == []
    api.fault("POST", "/workorders", "refuse")
    api.fault("POST", "/workorders", "refuse")
    api.fault("POST", "/workorders", "refuse")
    with api.client() as mx:
        with pytest.raises(OutcomeUnknownError):
            create(mx, "k2")
        created = create(mx, "k2")
    assert list(api.created("workorders")) == [created.id]


def test_unguardable_create_refuses_to_guess() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workrequests", "applied-reset")
    with api.client() as mx:
        with pytest.raises(OutcomeUnknownError, match="cannot be looked up"):
            create(mx, "wr-1", CREATE_WR, title="Door")
        with pytest.raises(OutcomeUnknownError, match=r"store\.resolve"):
            create(mx, "wr-1", CREATE_WR, title="Door")
        assert api.count("POST", "/workrequests") == 1
        mx.idempotency_store.forget("work_requests.create:wr-1")
        create(mx, "wr-1", CREATE_WR, title="Door")
    assert api.count("POST", "/workrequests") == 2


def test_string_external_data_is_left_alone_and_not_searchable() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-reset")
    with api.client() as mx, pytest.raises(OutcomeUnknownError, match="cannot be looked up"):
        create(mx, "k", title="T", externalData="erp-7")
    wo = next(iter(api.created("workorders").values()))
    assert wo["externalData"] == "erp-7"
    assert api.count("POST", "/workorders") == 1


def test_reserved_stamp_field_is_refused() -> None:
    api = LoggedEmulator()
    with api.client() as mx, pytest.raises(ValidationError, match="reserved"):
        create(mx, "k", title="T", externalData={STAMP_FIELD: "mine"})
    assert api.requests == []


def test_key_reuse_with_another_payload_and_bad_keys() -> None:
    api = LoggedEmulator()
    with api.client() as mx:
        create(mx, "k", title="One")
        with pytest.raises(IdempotencyKeyReuseError, match="different payload"):
            create(mx, "k", title="Two")
        for bad in ("", "   ", "x" * 256, "a\nb"):
            with pytest.raises(ValidationError, match="idempotency_key"):
                create(mx, bad)
    assert api.count("POST", "/workorders") == 1


def test_live_claim_elsewhere_is_in_progress() -> None:
    api = LoggedEmulator()
    with api.client() as mx:
        mx.idempotency_store.claim("work_orders.create:k", owner="other-process", lease=60)
        with pytest.raises(IdempotencyInProgressError) as info:
            create(mx, "k")
        assert 0 < (info.value.retry_after or 0) <= 60
    assert api.requests == []


def test_user_create_is_guarded_by_email_lookup() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/users", "applied-reset")
    with api.client() as mx:
        user = create(mx, "u1", CREATE_USER, firstName="Ada", lastName="L", email="ada@example.com")
    assert api.count("POST", "/users") == 1 and list(api.created("users")) == [user.id]
    api.fault("POST", "/users", "applied-reset")
    with api.client() as mx, pytest.raises(OutcomeUnknownError, match="cannot be looked up"):
        create(mx, "u2", CREATE_USER, firstName="No", lastName="Mail")


def test_cancellation_mid_send_leaves_the_key_pending() -> None:
    store = InMemoryIdempotencyStore()
    request = build_request(CREATE_WO, body={"title": "T"})
    flow = guarded_create(store, CREATE_WO, request, "k")
    sent = next(flow)
    assert sent.json["externalData"][STAMP_FIELD] and sent.is_retry_safe is False
    flow.close()  # e.g. asyncio.CancelledError while the POST was in flight
    record = store.get("work_orders.create:k")
    assert record is not None and record.state == "pending"


def test_threads_with_one_key_create_one_record() -> None:
    api = LoggedEmulator()
    outcomes: list[str] = []
    with api.client() as mx:
        barrier = threading.Barrier(8)

        def worker() -> None:
            barrier.wait()
            try:
                create(mx, "shared")
                outcomes.append("ok")
            except IdempotencyInProgressError:
                outcomes.append("busy")

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(api.created("workorders")) == 1 and api.count("POST", "/workorders") == 1
    assert "ok" in outcomes


async def test_async_client_runs_the_same_guard() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-reset")
    async with api.async_client() as mx:
        request = build_request(CREATE_WO, body={"title": "Async"})
        flow = guarded_create(mx.idempotency_store, CREATE_WO, request, "a1")
        result = await AsyncAPIResource(mx)._run(flow)
        again = await AsyncAPIResource(mx)._run(
            guarded_create(mx.idempotency_store, CREATE_WO, request, "a1")
        )
    assert result.id == again.id and len(api.created("workorders")) == 1
    assert api.count("POST", "/workorders") == 1


def test_lookup_tolerates_server_clock_skew_within_the_margin() -> None:
    import time

    api = LoggedEmulator(clock=lambda: time.time() - 240)  # the server's clock is 4 minutes behind
    api.fault("POST", "/workorders", "applied-reset")
    with api.client() as mx:
        create(mx, "skew")
    assert api.count("POST", "/workorders") == 1 and len(api.created("workorders")) == 1


def test_with_the_pipeline_retrying_the_guard_still_creates_once() -> None:
    from maintainx_sdk.retry import RetryPolicy

    api = LoggedEmulator()
    # Connect refused twice (never sent: the pipeline retries), then applied-then-500 (the
    # pipeline must not resend a POST: outcome unknown), then the guard's lookup finds it.
    api.fault("POST", "/workorders", "refuse", "refuse", "applied-500")
    api.fault("GET", "/workorders", 500)  # the lookup's first try fails: retried
    with api.client(retry=RetryPolicy(max_attempts=4, backoff_base=0, backoff_cap=0)) as mx:
        result = create(mx, "retrying")
    assert api.count("POST", "/workorders") == 3
    assert list(api.created("workorders")) == [result.id]


def test_lookups_stay_in_the_organization_of_the_create() -> None:
    store = InMemoryIdempotencyStore()
    request = build_request(CREATE_WO, body={"title": "T"}, headers={"x-organization-id": 7})
    flow = guarded_create(store, CREATE_WO, request, "org-k")
    assert next(flow).method == "POST"
    lookup = flow.throw(OutcomeUnknownError("POST /workorders: timed out"))
    assert (lookup.method, lookup.path) == ("GET", "/workorders")
    assert dict(lookup.headers) == {"x-organization-id": "7"} and lookup.is_retry_safe
    assert ("createdAt[gte]", lookup.params[0][1]) == lookup.params[0]
    flow.close()
