"""Guarded creates: unreadable answers, manual recovery, recovered-vs-replayed, per-call TTL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk.errors import BackendUnavailableError, OutcomeUnknownError, ValidationError
from maintainx_sdk.idempotency import (
    RECOVERED_HEADER,
    REPLAYED_HEADER,
    IdempotencyKey,
    InMemoryIdempotencyStore,
)
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.retry import RetryPolicy
from maintainx_sdk.testing import Emulator

from .helpers.logged_emulator import LoggedEmulator

FAST = RetryPolicy(max_attempts=3, backoff_base=0, backoff_cap=0)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(
        seed=5, work_orders=2, rate_limit=None, org_rate_limit=None, keep_log=True
    ) as emu:
        yield emu


def on(emu: Emulator, **kw: object) -> MaintainX:
    return MaintainX(
        api_key=emu.api_key,
        transport=emu.transport(),
        retry=FAST,
        rate_limit=RateLimit.disabled(),
        telemetry=False,
        **kw,
    )  # type: ignore[arg-type]


def test_a_purchase_order_recovered_by_resolve_is_the_real_record(emulator: Emulator) -> None:
    store = InMemoryIdempotencyStore()
    emulator.faults.script("POST", "/purchaseorders", ["applied-500"])
    with on(emulator, idempotency_store=store) as mx:
        vendor = mx.vendors.create(name="Acme").id
        items = [{"quantityOrdered": 2, "name": "Filter"}]
        with pytest.raises(OutcomeUnknownError, match=r"store\.resolve"):
            mx.purchase_orders.create(vendor_id=vendor, items=items, idempotency_key="po-1")
        (created,) = [po.id for po in mx.purchase_orders.list()]
        store.resolve("purchase_orders.create:po-1", str(created))  # the documented route
        again = mx.purchase_orders.create(vendor_id=vendor, items=items, idempotency_key="po-1")
    assert again.id == created
    assert [item.name for item in again.items] == ["Filter"]  # read back, not invented
    assert again.raw_response.headers == {REPLAYED_HEADER: "true"}
    posts = [r for r in emulator.counters.log if (r.method, r.path) == ("POST", "/purchaseorders")]
    assert len(posts) == 1  # the re-run sent nothing


def test_a_create_this_call_made_is_recovered_not_replayed(emulator: Emulator) -> None:
    emulator.faults.script("POST", "/workorders", ["applied-503"])
    with on(emulator) as mx:
        first = mx.work_orders.create(title="Leak", idempotency_key="wo-1")
        again = mx.work_orders.create(title="Leak", idempotency_key="wo-1")
    assert first.raw_response.headers == {RECOVERED_HEADER: "true"}
    assert again.id == first.id and again.raw_response.headers == {REPLAYED_HEADER: "true"}


def test_the_record_ttl_can_be_set_per_call(emulator: Emulator) -> None:
    now = [1_000.0]
    store = InMemoryIdempotencyStore(clock=lambda: now[0])
    with on(emulator, idempotency_store=store) as mx:
        mx.work_orders.create(title="Week", idempotency_key=IdempotencyKey("wk", ttl=7 * 86_400))
        mx.work_orders.create(title="Day", idempotency_key="day")
        week = store.get("work_orders.create:wk")
        day = store.get("work_orders.create:day")
        assert week is not None and day is not None
        assert week.expires_at - week.created_at == 7 * 86_400
        assert day.expires_at - day.created_at == 86_400
        now[0] += 2 * 86_400  # the default record is gone, the week-long one is not
        assert store.get("work_orders.create:day") is None
        again = mx.work_orders.create(
            title="Week", idempotency_key=IdempotencyKey("wk", ttl=7 * 86_400)
        )
        assert again.raw_response.headers == {REPLAYED_HEADER: "true"}


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan"), "1h"])
def test_a_bad_ttl_is_refused(ttl: object) -> None:
    with pytest.raises(ValidationError, match="ttl"):
        IdempotencyKey("k", ttl=ttl)  # type: ignore[arg-type]


# --- a truncated success answer to a guarded create -------------------------------------------


def test_a_truncated_answer_to_a_searchable_create_is_resolved_by_the_stamp() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "truncated")  # applied, then a cut-off 200 body
    with api.client(retry=FAST) as mx:
        created = mx.work_orders.create(title="Pump", idempotency_key="t-1")
        again = mx.work_orders.create(title="Pump", idempotency_key="t-1")
    assert created.id == again.id and list(api.created("workorders")) == [created.id]
    assert created.raw_response.headers == {RECOVERED_HEADER: "true"}


def test_a_truncated_answer_to_an_unsearchable_create_leaves_the_key_pending() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "truncated")  # applied, then a cut-off 200 body
    store = InMemoryIdempotencyStore()
    with api.client(retry=FAST, idempotency_store=store) as mx:
        data = "a string: no stamp possible"
        with pytest.raises(OutcomeUnknownError, match=r"store\.resolve"):
            mx.work_orders.create(title="Pump", external_data=data, idempotency_key="t-2")
        record = store.get("work_orders.create:t-2")
        assert record is not None and record.state != "completed"  # not "done, no id"
        with pytest.raises(OutcomeUnknownError):  # a re-run does not send it again
            mx.work_orders.create(title="Pump", external_data=data, idempotency_key="t-2")
    assert api.count("POST", "/workorders") == 1


class CompleteFails(InMemoryIdempotencyStore):
    """The store goes away between the claim and recording the result."""

    def complete(self, key: str, **kw: object) -> None:  # type: ignore[override]
        raise BackendUnavailableError("the store is gone", backend="test store")


def test_a_store_outage_after_the_create_does_not_hide_the_created_record(
    emulator: Emulator,
) -> None:
    with on(emulator, idempotency_store=CompleteFails()) as mx:
        created = mx.work_orders.create(title="Made", idempotency_key="gone-1")
        assert mx.work_orders.get(created.id).title == "Made"  # the caller learns the id
