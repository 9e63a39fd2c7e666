"""Readiness inspects the real hardening and integrity parts of the client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    BreakerPolicy,
    CachePolicy,
    InternalServerError,
    MaintainX,
    RateLimit,
    RetryPolicy,
    readiness,
)
from maintainx_sdk.checkpoints import MemoryCheckpointStore, SQLiteCheckpointStore
from maintainx_sdk.idempotency import SQLiteIdempotencyStore
from maintainx_sdk.sync import IncrementalSync
from maintainx_sdk.testing import Emulator
from tests.conftest import TEST_KEY


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(api_key=TEST_KEY, work_orders=5, webhook_mode="sync")
    yield emu
    emu.close()


def _report(emulator: Emulator, **client_kw: Any) -> readiness.ReadinessReport:
    options = {k: client_kw.pop(k) for k in ("sync", "replicas") if k in client_kw}
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport(), **client_kw) as mx:
        return readiness.check(mx, live=False, **options)


def test_default_policies_pass(emulator: Emulator) -> None:
    report = _report(emulator)
    for cid in ("retry.policy", "retry.breaker", "retry.rate_limiter", "caching.static"):
        assert report.get(cid).status == "pass", cid
    assert report.get("retry.policy").data["statuses"] == [429, 500, 502, 503, 504]
    assert "opens after 5" in report.get("retry.breaker").evidence


def test_a_policy_without_retries_or_5xx_fails(emulator: Emulator) -> None:
    assert _report(emulator, retry=RetryPolicy(max_attempts=1)).get("retry.policy").status == "fail"
    narrow = RetryPolicy(retry_statuses=frozenset({429}))
    result = _report(emulator, retry=narrow).get("retry.policy")
    assert result.status == "fail" and "[500, 502, 503, 504]" in result.evidence
    ignores = _report(emulator, retry=RetryPolicy(honor_retry_after=False)).get("retry.policy")
    assert ignores.status == "fail" and "Retry-After" in ignores.evidence


def test_disabled_parts_warn(emulator: Emulator) -> None:
    report = _report(
        emulator,
        breaker=BreakerPolicy.disabled(),
        cache=CachePolicy.disabled(),
        rate_limit=RateLimit.disabled(),
    )
    assert report.get("retry.breaker").status == "warn"
    assert report.get("caching.static").status == "warn"
    assert report.get("retry.rate_limiter").status == "warn"


def test_open_breaker_fails_p0(emulator: Emulator) -> None:
    emulator.faults.script("GET", "/users", [500, 500])
    with MaintainX(
        api_key=TEST_KEY,
        transport=emulator.transport(),
        retry=RetryPolicy(max_attempts=1),
        breaker=BreakerPolicy(fail_max=2),
    ) as mx:
        for _ in range(2):
            with pytest.raises(InternalServerError):
                mx.request("GET", "/users")
        report = readiness.check(mx, live=False)
        health = readiness.health(mx)
    breaker = report.get("retry.breaker")
    assert breaker.status == "fail" and breaker.data["state"] == "open"
    assert not report.ok
    assert health["breaker"] == "open" and health["status"] != "ok"


def test_idempotency_store_persistence(emulator: Emulator, tmp_path: Path) -> None:
    assert _report(emulator).get("idempotency.store").status == "warn"
    assert _report(emulator, replicas=1).get("idempotency.store").status == "pass"
    store = SQLiteIdempotencyStore(tmp_path / "keys.sqlite3")
    result = _report(emulator, idempotency_store=store).get("idempotency.store")
    assert result.status == "pass" and result.data["kind"] == "sqlite"


def test_sync_state_and_lag_from_a_real_sync(emulator: Emulator, tmp_path: Path) -> None:
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        memory = IncrementalSync(mx, "work_orders", store=MemoryCheckpointStore())
        assert readiness.check(mx, live=False, sync=memory).get("sync.state").status == "warn"
        sync = IncrementalSync(mx, "work_orders", store=SQLiteCheckpointStore(tmp_path / "s.db"))
        sync.run(lambda batch: None)
        report = readiness.check(mx, live=False, sync=sync)
    assert report.get("sync.state").status == "pass"
    lag = report.get("alerts.sync_lag")
    assert lag.status == "pass" and lag.data["lag"] < 15 * 60


def test_probe_uses_one_retry_and_a_short_deadline(emulator: Emulator) -> None:
    emulator.faults.script("GET", "/users", [503])  # one transient failure: still passes
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        report = readiness.check(mx)
    assert report.get("auth.key_valid").status == "pass"


def test_server_errors_warn_instead_of_failing_the_gate() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": "maintenance"})

    with MaintainX(
        api_key=TEST_KEY,
        base_url="http://127.0.0.1:1/v1",
        transport=httpx.MockTransport(failing),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002),
    ) as mx:
        report = readiness.check(mx)
    assert report.get("health.api_reachable").status == "warn"
    assert report.get("auth.key_valid").status == "warn"
