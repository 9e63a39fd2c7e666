"""Guarded creates through the generated resources against the emulator's real faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk.errors import MaintainXError, OutcomeUnknownError
from maintainx_sdk.idempotency import REPLAYED_HEADER, STAMP_FIELD, SQLiteIdempotencyStore
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.retry import RetryPolicy
from maintainx_sdk.testing import Emulator

FAST = RetryPolicy(max_attempts=3, backoff_base=0, backoff_cap=0)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(
        seed=3, work_orders=5, rate_limit=None, org_rate_limit=None, keep_log=True
    ) as emu:
        yield emu


def client(emu: Emulator, **kw: object) -> MaintainX:
    return MaintainX(
        api_key=emu.api_key,
        transport=emu.transport(),
        retry=FAST,
        rate_limit=RateLimit.disabled(),
        **kw,
    )  # type: ignore[arg-type]


def titled(mx: MaintainX, title: str) -> list[int]:
    return [wo.id for wo in mx.work_orders.list(title=title) if wo.title == title]


@pytest.mark.parametrize("fault", ["applied-503", "applied-reset", "applied-500"])
def test_applied_then_failed_create_is_resolved_without_a_duplicate(
    emulator: Emulator, fault: str
) -> None:
    emulator.faults.script("POST", "/workorders", [fault])
    with client(emulator) as mx:
        created = mx.work_orders.create(
            title=f"Leak {fault}", priority="HIGH", idempotency_key=f"k-{fault}"
        )
        assert titled(mx, f"Leak {fault}") == [created.id]
        again = mx.work_orders.create(
            title=f"Leak {fault}", priority="HIGH", idempotency_key=f"k-{fault}"
        )
        assert again.id == created.id and again.raw_response.headers[REPLAYED_HEADER] == "true"
        detail = mx.work_orders.get(created.id)
        assert STAMP_FIELD in detail.external_data  # type: ignore[operator]


def test_without_a_key_the_same_fault_surfaces_outcome_unknown(emulator: Emulator) -> None:
    emulator.faults.script("POST", "/workorders", ["applied-503"])
    with client(emulator) as mx:
        with pytest.raises(OutcomeUnknownError):
            mx.work_orders.create(title="Unguarded")
        assert len(titled(mx, "Unguarded")) == 1  # applied once, never re-sent


def test_a_rerun_in_a_new_process_resolves_an_earlier_unknown_outcome(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "keys.sqlite3"
    emulator.faults.script("POST", "/workorders", ["applied-reset"])
    emulator.faults.script("GET", "/workorders", [503, 503, 503])  # the lookup fails too
    with client(emulator, idempotency_store=SQLiteIdempotencyStore(path)) as mx:
        with pytest.raises(OutcomeUnknownError, match="re-run"):
            mx.work_orders.create(title="Nightly import 42", idempotency_key="nightly-42")
        mx.idempotency_store.close()
    with client(emulator, idempotency_store=SQLiteIdempotencyStore(path)) as mx:
        created = mx.work_orders.create(title="Nightly import 42", idempotency_key="nightly-42")
        assert titled(mx, "Nightly import 42") == [created.id]
        mx.idempotency_store.close()


def test_chaos_every_keyed_create_lands_exactly_once(emulator: Emulator) -> None:
    emulator.faults.configure(seed=11, error_rate=0.15, reset_rate=0.05, applied_rate=0.2)
    keys = [f"batch-{n}" for n in range(40)]
    pending = list(keys)
    with client(emulator) as mx:
        for _ in range(5):  # the job is re-run until every create settled
            failed = []
            for key in pending:
                try:
                    mx.work_orders.create(title=f"Chaos {key}", idempotency_key=key)
                except MaintainXError:  # typed: outcome unknown, connection, 5xx...
                    failed.append(key)
            pending = failed
        emulator.faults.configure(error_rate=0, reset_rate=0, applied_rate=0)
        for key in pending:
            mx.work_orders.create(title=f"Chaos {key}", idempotency_key=key)
        titles = [wo.title for wo in mx.work_orders.list() if wo.title.startswith("Chaos ")]
    assert sorted(titles) == sorted(f"Chaos {k}" for k in keys)
    applied = [
        e for e in emulator.counters.log if e.method == "POST" and e.fault and e.fault.applied
    ]
    assert len(applied) >= 3  # the run really met applied-then-failed writes


@pytest.mark.async_backends
async def test_async_client_over_a_loopback_socket(emulator: Emulator) -> None:
    emulator.faults.script("POST", "/workorders", ["applied-reset"])
    with emulator.serve() as server:
        async with AsyncMaintainX(
            api_key=emulator.api_key, base_url=server.base_url, retry=FAST
        ) as mx:
            created = await mx.work_orders.create(title="Over the wire", idempotency_key="wire-1")
            again = await mx.work_orders.create(title="Over the wire", idempotency_key="wire-1")
            found = [wo.id async for wo in mx.work_orders.list(title="Over the wire")]
    assert again.id == created.id and found == [created.id]
