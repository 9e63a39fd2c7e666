"""The sharded async transport: routing, accounting, closing, limits and typed pool errors."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, PoolExhaustedError, PoolLimits, Timeouts
from maintainx_sdk._deadline_transport import DeadlineTransport
from maintainx_sdk._transport import (
    ShardedAsyncTransport,
    ShardedTransport,
    ShardRouter,
    async_pool_transport,
    shard_count,
    split,
    sync_pool_transport,
)
from maintainx_sdk.errors import ConfigurationError

from .conftest import TEST_KEY
from .helpers.loopback_server import loopback_server


class _Body(httpx.AsyncByteStream):
    """A streamed body, as a real connection pool hands out (held until closed)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"ok": '
        yield b"true}"


class _Shard(httpx.AsyncBaseTransport):
    """Answers 200 after ``gate`` opens; records what it served and whether it was closed.

    ``in_memory`` answers with a body already read (as ``httpx.MockTransport`` does)."""

    def __init__(
        self, gate: asyncio.Event | None = None, fail: bool = False, in_memory: bool = False
    ) -> None:
        self.gate = gate
        self.fail = fail
        self.in_memory = in_memory
        self.served: list[str] = []
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.served.append(request.url.path)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise httpx.ConnectError("refused", request=request)
        if self.in_memory:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(200, stream=_Body())

    async def aclose(self) -> None:
        self.closed = True


def test_shard_count_and_split() -> None:
    assert shard_count(10, None) == 1
    assert shard_count(16, None) == 1
    assert shard_count(17, None) == 9
    assert shard_count(20, None) == 10
    assert shard_count(50, None) == 25
    assert shard_count(50, 1) == 1
    assert shard_count(3, 8) == 3  # never more shards than connections
    assert split(50, 4) == [13, 13, 12, 12]
    assert sum(split(7, 3)) == 7


def test_pool_limits_rejects_nonsense() -> None:
    with pytest.raises(ConfigurationError, match="shards"):
        PoolLimits(shards=0)
    with pytest.raises(ConfigurationError, match="max_connections"):
        PoolLimits(max_connections=0)


def test_from_limits_keeps_the_totals() -> None:
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=25, keepalive_expiry=7)
    transport = ShardedAsyncTransport.from_limits(limits, 4)
    pools = [shard._pool for shard in transport.shards]  # type: ignore[attr-defined]
    assert sum(p._max_connections for p in pools) == 50
    assert sum(p._max_keepalive_connections for p in pools) == 25
    assert {p._keepalive_expiry for p in pools} == {7}


def test_routes_to_least_busy_and_releases_on_close() -> None:
    async def main() -> None:
        gate = asyncio.Event()
        shards = [_Shard(gate), _Shard(gate), _Shard(gate)]
        transport = ShardedAsyncTransport(shards)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            tasks = [asyncio.ensure_future(client.get(f"/{i}")) for i in range(7)]
            await asyncio.sleep(0.01)
            assert transport.in_flight == [3, 2, 2]  # round the shards, lowest first
            gate.set()
            for response in await asyncio.gather(*tasks):
                assert response.json() == {"ok": True}  # body read through the wrapper
            assert transport.in_flight == [0, 0, 0]
            # light traffic stays on the first shard's warm connections
            for _ in range(3):
                await client.get("/again")
            assert [s.served.count("/again") for s in shards] == [3, 0, 0]

    asyncio.run(main())


def test_failed_send_releases_its_slot() -> None:
    async def main() -> None:
        transport = ShardedAsyncTransport([_Shard(fail=True), _Shard(fail=True)])
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    await client.get("http://x/")
        assert transport.in_flight == [0, 0]

    asyncio.run(main())


def test_streamed_response_holds_its_slot_until_closed() -> None:
    async def main() -> None:
        transport = ShardedAsyncTransport([_Shard(), _Shard()])
        async with httpx.AsyncClient(transport=transport) as client:
            async with client.stream("GET", "http://x/") as response:
                assert transport.in_flight == [1, 0]
                await response.aread()
            assert transport.in_flight == [0, 0]

    asyncio.run(main())


def test_in_memory_answer_frees_its_slot_at_once() -> None:
    async def main() -> None:
        transport = ShardedAsyncTransport([_Shard(in_memory=True), _Shard(in_memory=True)])
        async with (
            httpx.AsyncClient(transport=transport) as client,
            client.stream("GET", "http://x/") as response,
        ):
            assert transport.in_flight == [0, 0]
            assert await response.aread() == b'{"ok":true}'

    asyncio.run(main())


def test_aclose_closes_every_shard_even_if_one_fails() -> None:
    class Broken(_Shard):
        async def aclose(self) -> None:
            self.closed = True
            raise RuntimeError("boom")

    async def main() -> None:
        shards = [_Shard(), Broken(), _Shard()]
        with pytest.raises(RuntimeError, match="boom"):
            await ShardedAsyncTransport(shards).aclose()
        assert all(s.closed for s in shards)

    asyncio.run(main())


def test_client_closes_all_shards() -> None:
    async def main() -> None:
        mx = AsyncMaintainX(api_key=TEST_KEY, pool=PoolLimits(max_connections=30, shards=3))
        transport = mx._http._transport
        assert isinstance(transport, ShardedAsyncTransport)
        closed: list[int] = []
        for i, shard in enumerate(transport.shards):
            original = shard.aclose

            async def record(i: int = i, original: object = original) -> None:
                closed.append(i)
                await original()  # type: ignore[operator]

            shard.aclose = record  # type: ignore[method-assign]
        await mx.aclose()
        assert closed == [0, 1, 2]

    asyncio.run(main())


def test_client_shards_only_when_asked_or_large(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert async_pool_transport(PoolLimits()) is not None  # default 20 connections: sharded
    assert async_pool_transport(PoolLimits(max_connections=16)) is None
    assert async_pool_transport(PoolLimits(max_connections=50, shards=1)) is None
    sharded = async_pool_transport(PoolLimits(max_connections=8, shards=4))
    assert sharded is not None and len(sharded.shards) == 4
    # httpx mounts proxies from the environment only for a transport it builds itself
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert async_pool_transport(PoolLimits(max_connections=50)) is None


def test_pool_exhausted_stays_typed_when_sharded() -> None:
    async def main() -> None:
        with loopback_server() as base_url:
            async with AsyncMaintainX(
                api_key=TEST_KEY,
                base_url=base_url,
                pool=PoolLimits(max_connections=2, max_keepalive_connections=2, shards=2),
                timeout=Timeouts(total=5, connect=1, pool=0.05),
            ) as amx:
                assert isinstance(amx._http._transport, ShardedAsyncTransport)
                slow = [asyncio.ensure_future(amx.request("GET", "/slow")) for _ in range(2)]
                await asyncio.sleep(0.15)  # both shards' only connection is busy
                with pytest.raises(PoolExhaustedError, match=r"PoolLimits\.max_connections"):
                    await amx.with_options(max_retries=0).request("GET", "/fast")
                for task in slow:
                    assert (await task).meta.status_code == 200
                assert (await amx.request("GET", "/fast")).meta.status_code == 200

    asyncio.run(main())


class _SyncBody(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b'{"ok": true}'


class _SyncShard(httpx.BaseTransport):
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.fail:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, stream=_SyncBody())

    def close(self) -> None:
        self.closed = True


def test_router_is_thread_safe_and_release_is_idempotent() -> None:
    router = ShardRouter(4)
    taken: list[tuple[int, object]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            pair = router.take()
            with lock:
                taken.append(pair)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert router.in_flight == [200, 200, 200, 200]  # 800 takes spread evenly
    for _, release in taken:
        release()  # type: ignore[operator]
        release()  # type: ignore[operator]
    assert router.in_flight == [0, 0, 0, 0]


def test_sync_transport_routes_releases_and_closes() -> None:
    shards = [_SyncShard(), _SyncShard(), _SyncShard(fail=True)]
    transport = ShardedTransport(shards)
    with httpx.Client(transport=transport) as client:
        with client.stream("GET", "http://x/") as first, client.stream("GET", "http://x/"):
            assert transport.in_flight == [1, 1, 0]
            with pytest.raises(httpx.ConnectError):
                client.get("http://x/")  # routed to the idle, failing shard
            assert transport.in_flight == [1, 1, 0]
            assert first.read() == b'{"ok": true}'  # read to the end: closed, slot freed
            assert transport.in_flight == [0, 1, 0]
        assert transport.in_flight == [0, 0, 0]
    assert all(s.closed for s in shards)


def test_sync_client_shards_and_closes_all(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    small = sync_pool_transport(PoolLimits(max_connections=16))
    assert isinstance(small, ShardedTransport) and len(small.shards) == 1
    assert isinstance(small.shards[0], DeadlineTransport)  # the deadline holds at the socket
    mx = MaintainX(api_key=TEST_KEY, pool=PoolLimits(max_connections=6, shards=3))
    transport = mx._http._transport
    assert isinstance(transport, ShardedTransport) and len(transport.shards) == 3
    pools = [shard._pool for shard in transport.shards]  # type: ignore[attr-defined]
    mx.close()
    assert all(pool._connections == [] for pool in pools)
    assert mx._closed


def test_pool_exhausted_stays_typed_when_sharded_sync() -> None:
    with loopback_server() as base_url:
        mx = MaintainX(
            api_key=TEST_KEY,
            base_url=base_url,
            pool=PoolLimits(max_connections=2, max_keepalive_connections=2, shards=2),
            timeout=Timeouts(total=5, connect=1, pool=0.05),
        )
        with mx:
            holders = [
                threading.Thread(target=lambda: mx.request("GET", "/slow")) for _ in range(2)
            ]
            for t in holders:
                t.start()
            try:
                time.sleep(0.15)  # both shards' only connection is busy
                with pytest.raises(PoolExhaustedError, match=r"PoolLimits\.max_connections"):
                    mx.with_options(max_retries=0).request("GET", "/fast")
            finally:
                for t in holders:
                    t.join()
            assert mx.request("GET", "/fast").meta.status_code == 200


def test_from_limits_builds_its_pools_on_first_use_with_one_ssl_context() -> None:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    transport = ShardedTransport.from_limits(limits, 10)
    assert not transport.built  # constructing a client loads no CA bundle
    assert transport.in_flight == [0] * 10
    contexts = {id(shard._pool._ssl_context) for shard in transport.shards}  # type: ignore[attr-defined]
    assert transport.built and len(transport.shards) == 10
    assert len(contexts) == 1  # one CA bundle load, not one per shard
    transport.close()


def test_sync_client_pools_are_built_by_the_first_request() -> None:
    with loopback_server() as url, MaintainX(api_key=TEST_KEY, base_url=url) as mx:
        transport = mx._http._transport
        assert isinstance(transport, ShardedTransport) and not transport.built
        mx.request("GET", "/users")
        assert transport.built


def test_closing_an_unused_lazy_transport_builds_nothing() -> None:
    built: list[int] = []

    def build() -> list[httpx.AsyncBaseTransport]:
        built.append(1)
        return [_Shard(), _Shard()]

    transport = ShardedAsyncTransport(count=2, build=build)
    asyncio.run(transport.aclose())
    assert built == []


def test_http_backend_aiohttp_selects_the_aiohttp_transport() -> None:
    from httpx_aiohttp import AiohttpTransport

    amx = AsyncMaintainX(api_key=TEST_KEY, http_backend="aiohttp")
    assert isinstance(amx._http._transport, AiohttpTransport)


def test_http_backend_mistakes_are_typed_and_say_what_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="'httpx' or 'aiohttp'"):
        AsyncMaintainX(api_key=TEST_KEY, http_backend="curl")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="drop transport="):
        AsyncMaintainX(
            api_key=TEST_KEY,
            http_backend="aiohttp",
            transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        )
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)  # the extra is not installed
    with pytest.raises(ConfigurationError, match=r"maintainx-sdk\[aiohttp\]"):
        AsyncMaintainX(api_key=TEST_KEY, http_backend="aiohttp")
