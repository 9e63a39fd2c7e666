from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk import ValidationError
from maintainx_sdk._models import APIResult
from maintainx_sdk.pagination import AsyncPager, SyncPager
from maintainx_sdk.reconcile import (
    Changed,
    areconcile,
    content_hash,
    reconcile,
    snapshot,
)
from tests.helpers.paging_list_server import FakeList


def _remote() -> FakeList:
    fake = FakeList()
    fake.add(6)
    return fake


def test_finds_each_kind_of_drift() -> None:
    fake = _remote()
    local = snapshot(SyncPager(fake.client(), fake.op()))
    assert reconcile(SyncPager(fake.client(), fake.op()), local).in_sync
    fake.touch(2)  # changed remotely
    fake.delete(4)  # deleted remotely
    fake.add(1)  # created remotely (id 7)
    local["99"] = "2026-01-01T00:00:00Z"  # a local record the API never had
    drift = reconcile(SyncPager(fake.client(), fake.op()), local)
    assert drift.missing_locally == [7]
    assert drift.missing_remotely == ["4", "99"]
    assert drift.changed == [
        Changed(id=2, local=drift.changed[0].local, remote=drift.changed[0].remote)
    ]
    assert drift.changed[0].local != drift.changed[0].remote
    assert not drift.in_sync
    assert "1 missing locally, 2 missing remotely, 1 changed" in drift.summary()
    assert drift.to_dict()["changed"][0]["id"] == 2


def test_timestamps_compare_as_instants_and_ids_as_text() -> None:
    remote = [{"id": 1, "updatedAt": "2026-01-01T00:00:00.000Z"}]
    assert reconcile(remote, {1: "2026-01-01T00:00:00+00:00"}).in_sync
    assert not reconcile(remote, {"1": "2026-01-01T00:00:00.001Z"}).in_sync


def test_content_hash_mode_sees_changes_updated_at_does_not() -> None:
    before = [{"id": 1, "title": "a", "updatedAt": "2026-01-01T00:00:00Z"}]
    after = [{"id": 1, "title": "b", "updatedAt": "2026-01-01T00:00:00Z"}]
    local = snapshot(before, version="hash")
    assert reconcile(before, local, version="hash").in_sync
    assert reconcile(after, snapshot(before)).in_sync
    assert [c.id for c in reconcile(after, local, version="hash").changed] == [1]


def test_hash_ignores_key_order_and_excluded_fields() -> None:
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash({"a": 1, "seen": 1}, exclude=["seen"]) == content_hash({"a": 1})


class _Item(APIResult):
    id: int
    updated_at: str


def test_models_and_custom_versions() -> None:
    items = [_Item(id=1, updated_at="2026-01-01T00:00:00Z")]
    assert reconcile(items, {"1": "2026-01-01T00:00:00.000Z"}).in_sync
    drift = reconcile([{"id": 1, "rev": 3}], {"1": "2"}, version=lambda i: i["rev"])
    assert drift.changed == [Changed(id=1, local="2", remote="3")]


def test_a_record_hashes_the_same_as_raw_json_and_as_the_sdks_model() -> None:
    """Regression: hashing a parsed model dumped every unset field (as null), datetimes with
    microseconds and integral floats as 1.0, so a snapshot of raw records (what the
    incremental sync hands over) reported every record as changed against the typed pager."""
    from maintainx_sdk import MaintainX
    from maintainx_sdk.testing import Emulator

    emu = Emulator(seed=2, work_orders=6, rate_limit=None, org_rate_limit=None)
    with MaintainX(api_key=emu.api_key, transport=emu.transport()) as mx:
        raw = mx.request("GET", "/workorders", params={"limit": 200}).json()["workOrders"]
        local = snapshot(raw, version="hash")
        assert reconcile(mx.work_orders.list(), local, version="hash").in_sync
        mx.work_orders.update(raw[0]["id"], title="edited")
        drift = reconcile(mx.work_orders.list(), local, version="hash")
    assert [c.id for c in drift.changed] == [raw[0]["id"]]


def test_hash_normalizes_instants_and_integral_numbers() -> None:
    a = {"id": 1, "at": "2026-01-01T00:00:00.100Z", "n": 1, "nested": [{"v": 2.0}]}
    b = {"id": 1, "at": "2026-01-01T00:00:00.100000+00:00", "n": 1.0, "nested": [{"v": 2}]}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "n": 1.5})
    assert content_hash({"t": "Tank 2"}) != content_hash({"t": "Tank 3"})


def test_repeated_remote_ids_count_once() -> None:
    remote = [{"id": 1, "updatedAt": "x"}, {"id": 1, "updatedAt": "x"}]
    drift = reconcile(remote, {})
    assert drift.missing_locally == [1] and drift.remote_count == 1


def test_unknown_version_kind() -> None:
    with pytest.raises(ValidationError, match="version must be"):
        reconcile([], {}, version="etag")  # type: ignore[arg-type]


async def test_async_reconcile() -> None:
    fake = _remote()
    local: dict[str, Any] = snapshot(SyncPager(fake.client(), fake.op()))
    del local["3"]
    pager: AsyncPager[Any] = AsyncPager(fake.async_client(), fake.op(), query={"limit": 2})
    drift = await areconcile(pager, local)
    assert drift.missing_locally == [3] and drift.remote_count == 6


def test_the_daily_job_example_finds_the_staged_drift() -> None:
    pytest.importorskip("maintainx_sdk.testing.emulator")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(root / "examples" / "daily_reconcile.py"), "--emulator"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
    )
    assert done.returncode == 1, done.stderr
    assert "2 missing locally, 1 missing remotely, 1 changed" in done.stdout
