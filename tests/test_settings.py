"""``client.hardening``: a typed, read-only view of what a client's calls run with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from maintainx_sdk import (
    AsyncMaintainX,
    BreakerPolicy,
    CachePolicy,
    MaintainX,
    PoolLimits,
    RateLimit,
    RateLimiter,
    RetryPolicy,
    Timeouts,
    readiness,
)
from maintainx_sdk.idempotency import SQLiteIdempotencyStore
from maintainx_sdk.ratelimit import InMemoryRateLimitBackend
from maintainx_sdk.settings import HardeningSettings, StoreInfo, ViewSwitches
from tests.conftest import TEST_KEY


def _transport() -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json={"users": []}))


def test_defaults_are_the_parts_the_client_runs_with() -> None:
    with MaintainX(api_key=TEST_KEY, transport=_transport()) as mx:
        view = mx.hardening
    assert view.retry == RetryPolicy()
    assert view.rate_limit == RateLimit()
    assert view.breaker == BreakerPolicy()
    assert view.cache == CachePolicy()
    assert view.timeouts == Timeouts() and view.deadline == Timeouts().total
    assert view.pool == PoolLimits()
    assert view.stores.idempotency == StoreInfo("InMemoryIdempotencyStore", "memory")
    assert view.stores.rate_limit == StoreInfo("InMemoryRateLimitBackend", "memory")
    assert not view.stores.idempotency.persistent
    assert view.switches == ViewSwitches()


def test_parts_switched_off_are_none() -> None:
    with MaintainX(
        api_key=TEST_KEY,
        transport=_transport(),
        breaker=BreakerPolicy.disabled(),
        cache=CachePolicy.disabled(),
        rate_limit=RateLimit.disabled(),
    ) as mx:
        view = mx.hardening
    assert view.breaker is None and view.cache is None and view.rate_limit is None
    assert view.stores.rate_limit is None


def test_custom_parts_and_stores_are_described(tmp_path: Path) -> None:
    class SharedQuotaBackend(InMemoryRateLimitBackend):
        pass

    policy = RateLimit(user=None, namespace="erp")
    store = SQLiteIdempotencyStore(tmp_path / "keys.sqlite3")
    with MaintainX(
        api_key=TEST_KEY,
        transport=_transport(),
        timeout=Timeouts(total=12, connect=2),
        pool=PoolLimits(max_connections=4, max_keepalive_connections=2),
        rate_limit=RateLimiter(policy, backend=SharedQuotaBackend()),
        breaker=BreakerPolicy(fail_max=2, reset_timeout=5),
        idempotency_store=store,
    ) as mx:
        view = mx.hardening
    assert view.rate_limit == policy
    assert view.stores.rate_limit == StoreInfo("SharedQuotaBackend", "unknown")
    assert view.stores.idempotency == StoreInfo("SQLiteIdempotencyStore", "sqlite")
    assert view.stores.idempotency.persistent
    assert view.breaker == BreakerPolicy(fail_max=2, reset_timeout=5)
    assert view.deadline == 12 and view.timeouts.connect == 2
    assert view.pool.max_connections == 4


def test_the_view_is_read_only() -> None:
    with MaintainX(api_key=TEST_KEY, transport=_transport()) as mx:
        view = mx.hardening
        with pytest.raises(dataclasses.FrozenInstanceError):
            view.retry = RetryPolicy.disabled()  # type: ignore[misc]
        with pytest.raises(AttributeError):
            mx.hardening = view  # type: ignore[misc]
        assert mx.hardening is view  # built once, not per access


def test_no_secret_in_the_view_or_its_repr() -> None:
    # A key pasted into a policy (here the shared-quota namespace) is masked as well.
    with MaintainX(
        api_key=TEST_KEY, transport=_transport(), rate_limit=RateLimit(namespace=TEST_KEY)
    ) as mx:
        view = mx.hardening
    text = repr(view) + str(view)
    assert TEST_KEY not in text
    assert "HardeningSettings(retry=RetryPolicy(" in text and "namespace='***'" in text
    assert TEST_KEY not in repr(dataclasses.replace(view, rate_limit=RateLimit()))


def test_a_with_options_view_has_its_own_settings() -> None:
    with MaintainX(api_key=TEST_KEY, transport=_transport()) as mx:
        strict = mx.with_options(max_retries=0, timeout=5, breaker=False, cache=False)
        nested = strict.with_options(rate_limit=False)
        assert strict.hardening.retry.max_attempts == 1
        assert strict.hardening.deadline == 5
        assert strict.hardening.switches == ViewSwitches(
            rate_limit=True, breaker=False, cache=False
        )
        # the shared parts stay the client's; a view only switches them off for its calls
        assert strict.hardening.breaker == mx.hardening.breaker == BreakerPolicy()
        assert nested.hardening.switches == ViewSwitches(False, False, False)
        assert nested.hardening.retry.max_attempts == 1 and nested.hardening.deadline == 5
        assert mx.hardening.retry == RetryPolicy() and mx.hardening.switches == ViewSwitches()


async def test_the_async_client_has_the_same_view() -> None:
    async with AsyncMaintainX(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
        retry=RetryPolicy(max_attempts=5),
        cache=CachePolicy.disabled(),
    ) as amx:
        view: HardeningSettings = amx.hardening
    assert view.retry.max_attempts == 5 and view.cache is None
    assert view.breaker == BreakerPolicy()


@pytest.mark.parametrize(
    ("class_name", "kind"),
    [
        ("InMemoryCheckpointStore", "memory"),
        ("SQLiteCheckpointStore", "sqlite"),
        ("RedisRateLimitBackend", "redis"),
        ("PostgresStore", "postgres"),
        ("Anything", "unknown"),
    ],
)
def test_store_kinds_are_read_from_the_class_name(class_name: str, kind: str) -> None:
    store = type(class_name, (), {"__module__": "app.stores"})()
    info = StoreInfo.of(store)
    assert info.type_name == class_name and info.kind == kind
    assert info.persistent is (kind != "memory")


def test_readiness_judges_a_view_by_its_own_settings() -> None:
    with MaintainX(api_key=TEST_KEY, transport=_transport()) as mx:
        assert readiness.check(mx, live=False).get("retry.policy").status == "pass"
        once = readiness.check(mx.with_options(max_retries=0), live=False)
        slow = readiness.check(mx.with_options(timeout=60), live=False)
    assert once.get("retry.policy").status == "fail"
    assert slow.get("retry.timeout").status == "warn" and slow.get("retry.timeout").data == {
        "total": 60.0
    }
