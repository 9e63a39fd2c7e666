"""Redis down (killed) or frozen (SIGSTOP): typed ``BackendUnavailableError``, bounded by the
call's deadline, never a conflict. A real redis-server, started and stopped by each test."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from maintainx_sdk import BackendUnavailableError, MaintainX, RateLimit, Timeouts
from maintainx_sdk.checkpoints import Checkpoint, RedisCheckpointStore
from maintainx_sdk.errors import CheckpointConflictError, ConfigurationError
from maintainx_sdk.idempotency import RedisIdempotencyStore
from maintainx_sdk.ratelimit import RateLimiter
from maintainx_sdk.ratelimit_redis import RedisRateLimitBackend

from .conftest import TEST_KEY

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not on PATH"
)

#: The Redis client's own socket timeout: what a frozen Redis would cost without the bound.
CLIENT_TIMEOUT = 5.0


class RedisServer:
    """A redis-server of this test's own, on a free loopback port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        client.close()

    def client(self) -> Any:
        return redis.Redis.from_url(self.url, socket_timeout=CLIENT_TIMEOUT)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@pytest.fixture
def server() -> Iterator[RedisServer]:
    running = RedisServer()
    try:
        yield running
    finally:
        running.close()


class Counting:
    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if request.method == "POST":
            return httpx.Response(200, json={"id": 7})
        return httpx.Response(200, json={"users": []})


def limited(server: RedisServer, api: Counting, **backend: Any) -> MaintainX:
    limiter = RateLimiter(RateLimit(), RedisRateLimitBackend(server.client(), **backend))
    return MaintainX(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(api),
        rate_limit=limiter,
        timeout=Timeouts(total=1.0),
        telemetry=False,
    )


def finishes_before_the_client_timeout(call: Callable[[], Any]) -> BaseException | None:
    """Run ``call``; it must end well inside the Redis client's own 5 s socket timeout."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=CLIENT_TIMEOUT - 2)
    assert not worker.is_alive(), "the call waited for the frozen Redis past its deadline"
    return outcome[0]


# --- the shared rate limiter -----------------------------------------------------------------


def test_rate_limiter_with_redis_killed_fails_closed_and_typed(server: RedisServer) -> None:
    api = Counting()
    with limited(server, api) as mx:
        mx.request("GET", "/users")
        server.kill()
        with pytest.raises(BackendUnavailableError) as info:
            mx.request("GET", "/users")
    assert info.value.backend == "the Redis rate limiter"
    assert isinstance(info.value.__cause__, redis.ConnectionError)
    assert api.sent == 1  # nothing was sent unpaced


def test_rate_limiter_with_redis_frozen_ends_within_the_deadline(server: RedisServer) -> None:
    api = Counting()
    with limited(server, api) as mx:
        mx.request("GET", "/users")
        server.stop()
        error = finishes_before_the_client_timeout(lambda: mx.request("GET", "/users"))
    assert isinstance(error, BackendUnavailableError)
    assert api.sent == 1


def test_rate_limiter_can_fall_back_to_a_local_limiter_with_a_warning(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    api = Counting()
    with limited(server, api, on_unavailable="local") as mx, caplog.at_level(logging.WARNING):
        server.kill()
        for _ in range(3):
            assert mx.request("GET", "/users").status_code == 200
    assert api.sent == 3
    warnings = [r for r in caplog.records if "local limiter" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not per call


def test_an_unknown_policy_is_refused(server: RedisServer) -> None:
    with pytest.raises(ConfigurationError, match="on_unavailable"):
        RedisRateLimitBackend(server.client(), on_unavailable="maybe")  # type: ignore[arg-type]


# --- the idempotency store -------------------------------------------------------------------


def guarded(server: RedisServer, api: Counting) -> MaintainX:
    return MaintainX(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(api),
        idempotency_store=RedisIdempotencyStore(server.client()),
        timeout=Timeouts(total=1.0),
        telemetry=False,
    )


@pytest.mark.parametrize("outage", ["kill", "stop"])
def test_idempotency_store_outage_is_typed_and_bounded(server: RedisServer, outage: str) -> None:
    api = Counting()
    with guarded(server, api) as mx:
        assert mx.work_orders.create(title="t", idempotency_key="k-1").id == 7
        getattr(server, outage)()
        error = finishes_before_the_client_timeout(
            lambda: mx.work_orders.create(title="u", idempotency_key="k-2")
        )
    assert isinstance(error, BackendUnavailableError)
    assert error.backend == "the Redis idempotency store"
    assert api.sent == 1  # the second create was not sent without its claim


# --- the checkpoint store --------------------------------------------------------------------


def test_a_redis_failure_mid_page_is_not_a_checkpoint_conflict(server: RedisServer) -> None:
    store = RedisCheckpointStore(server.client())
    with pytest.raises(BackendUnavailableError) as info, store.transaction("sync") as txn:
        txn.save(Checkpoint(cursor="c1"))
        server.kill()  # Redis goes away while the page is being processed
    assert not isinstance(info.value, CheckpointConflictError)
    assert info.value.backend == "the Redis checkpoint store"


def test_a_real_conflict_is_still_a_conflict(server: RedisServer) -> None:
    store = RedisCheckpointStore(server.client())
    other = RedisCheckpointStore(server.client())
    with pytest.raises(CheckpointConflictError), store.transaction("sync") as txn:
        txn.save(Checkpoint(cursor="mine"))
        with other.transaction("sync") as theirs:
            theirs.save(Checkpoint(cursor="theirs"))


def test_checkpoint_store_frozen_is_bounded_by_its_timeout(server: RedisServer) -> None:
    store = RedisCheckpointStore(server.client(), timeout=0.5)
    server.stop()
    error = finishes_before_the_client_timeout(lambda: store.load("sync"))
    assert isinstance(error, BackendUnavailableError)


def test_a_sync_whose_redis_dies_mid_page_reports_an_outage_not_a_conflict(
    server: RedisServer,
) -> None:
    from maintainx_sdk.sync import IncrementalSync, SyncBatch

    from .helpers.paging_list_server import FakeList

    fake = FakeList()
    fake.add(7)
    store = RedisCheckpointStore(server.client())

    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        batch.transaction.sadd("done", *(item["id"] for item in batch.items))
        server.kill()  # Redis goes away while the page is being processed

    sync = IncrementalSync(fake.client(), "work_orders", store=store, page_size=5)
    with pytest.raises(BackendUnavailableError) as info:
        sync.run(handler)
    assert not isinstance(info.value, CheckpointConflictError)
    assert "another run" not in str(info.value)


# --- a client built with redis-py's defaults (it retries 10 times, reconnecting each time) ----


def _plain_client(server: RedisServer) -> Any:
    return redis.Redis(host="127.0.0.1", port=server.port)  # as most code builds one


@pytest.mark.parametrize("backend", ["rate limiter", "idempotency store", "checkpoint store"])
def test_a_frozen_redis_behind_a_default_client_is_bounded_by_one_try(
    server: RedisServer, backend: str
) -> None:
    client = _plain_client(server)
    call: Callable[[], Any]
    if backend == "checkpoint store":
        store = RedisCheckpointStore(client, timeout=1.0)
        store.load("sync")
        call = lambda: store.load("sync")  # noqa: E731
    else:
        kw: dict[str, Any] = {}
        if backend == "rate limiter":
            kw["rate_limit"] = RateLimiter(RateLimit(), RedisRateLimitBackend(client))
        else:
            kw["idempotency_store"] = RedisIdempotencyStore(client)
        mx = MaintainX(
            api_key=TEST_KEY,
            transport=httpx.MockTransport(Counting()),
            timeout=Timeouts(total=1.0),
            telemetry=False,
            **kw,
        )
        client.ping()
        if backend == "rate limiter":
            call = lambda: mx.request("GET", "/users")  # noqa: E731
        else:
            call = lambda: mx.work_orders.create(title="t", idempotency_key="k-1")  # noqa: E731
    server.stop()
    assert isinstance(finishes_before_the_client_timeout(call), BackendUnavailableError)
