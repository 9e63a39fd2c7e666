"""The default async transport's asyncio-native httpcore backend, on real loopback sockets.

Its errors must be the ones httpcore's AnyIO backend raises (the pipeline decides what is
safe to repeat from them), so each error test runs over both backends.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, PoolLimits
from maintainx_sdk._asyncio_network import AsyncioBackend
from maintainx_sdk._asyncio_transport import AsyncioTransport
from maintainx_sdk._transport import ShardedAsyncTransport

from .conftest import TEST_KEY
from .helpers.closed_port import closed_port
from .helpers.raw_socket_server import RawServer, Send, response_bytes

LIMITS = httpx.Limits(max_connections=1, max_keepalive_connections=1)
Build = Callable[[], httpx.AsyncBaseTransport]
BACKENDS: dict[str, Build] = {
    "asyncio": lambda: AsyncioTransport(LIMITS),
    "anyio": lambda: httpx.AsyncHTTPTransport(limits=LIMITS),
}


@pytest.fixture(params=list(BACKENDS))
def build(request: pytest.FixtureRequest) -> Build:
    built: Build = BACKENDS[request.param]
    return built


@pytest.mark.parametrize("pool", [PoolLimits(), PoolLimits(max_connections=4)])
def test_the_default_async_client_sends_over_the_asyncio_backend(
    pool: PoolLimits, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    amx = AsyncMaintainX(api_key=TEST_KEY, pool=pool)
    transport = amx._http._transport
    assert isinstance(transport, ShardedAsyncTransport)
    for shard in transport.shards:
        assert isinstance(shard, AsyncioTransport)
        assert isinstance(shard.network_backend, AsyncioBackend)


def test_with_proxy_variables_the_async_client_keeps_httpx_own_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    amx = AsyncMaintainX(api_key=TEST_KEY)
    assert isinstance(amx._http._transport, httpx.AsyncHTTPTransport)


def _ok(request: bytes, send: Send) -> None:
    send(response_bytes(200, b'{"ok": true}'))


async def test_answers_and_keeps_the_connection_for_the_next_request() -> None:
    with RawServer(_ok).running() as server:
        async with httpx.AsyncClient(transport=AsyncioTransport(LIMITS)) as client:
            first = await client.get(server.base_url)
            second = await client.get(server.base_url)
    assert first.json() == second.json() == {"ok": True}
    assert len(server.requests) == 2


async def test_cancelling_a_read_midway_releases_the_connection() -> None:
    started = threading.Event()
    release = threading.Event()

    def answer(request: bytes, send: Send) -> None:
        if b"/stall" in request:
            send(response_bytes(200, b"x" * 100)[:-90])  # the headers and 10 of 100 bytes
            started.set()
            release.wait(5)
        else:
            _ok(request, send)

    with RawServer(answer).running() as server:
        timeout = httpx.Timeout(5.0, pool=2.0)
        async with httpx.AsyncClient(transport=AsyncioTransport(LIMITS), timeout=timeout) as c:
            stalled = asyncio.create_task(c.get(f"{server.base_url}/stall"))
            await asyncio.to_thread(started.wait, 5)
            await asyncio.sleep(0.05)  # let the client reach the body read
            stalled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stalled
            # One connection in all: this waits for it, or fails with a PoolTimeout.
            after = await c.get(f"{server.base_url}/next")
        release.set()
    assert after.json() == {"ok": True}


async def test_a_silent_server_is_a_read_timeout(build: Build) -> None:
    done = threading.Event()

    def silent(request: bytes, send: Send) -> None:
        done.wait(5)

    with RawServer(silent).running() as server:
        async with httpx.AsyncClient(transport=build(), timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(server.base_url)
        done.set()


async def test_a_refused_connection_is_a_connect_error(build: Build) -> None:
    async with httpx.AsyncClient(transport=build()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{closed_port()}/")


@pytest.fixture
def never_reading_port() -> Iterator[int]:
    """A port whose connections are accepted by the kernel and never read."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        yield sock.getsockname()[1]


async def test_a_server_that_stops_reading_is_a_write_timeout(
    build: Build, never_reading_port: int
) -> None:
    body = b"x" * (64 * 1024 * 1024)  # more than the socket buffers hold
    async with httpx.AsyncClient(transport=build(), timeout=0.5) as client:
        with pytest.raises(httpx.WriteTimeout):
            await client.post(f"http://127.0.0.1:{never_reading_port}/", content=body)


async def test_a_server_hanging_up_mid_answer_is_a_read_error_class(build: Build) -> None:
    def hang_up(request: bytes, send: Send) -> None:
        send(response_bytes(200, b"x" * 100)[:-90])
        raise ConnectionAbortedError("hang up")

    with RawServer(hang_up).running() as server:
        async with httpx.AsyncClient(transport=build()) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(server.base_url)


async def test_https_starts_tls_over_the_asyncio_backend(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from .helpers.tls_certs import loopback_contexts

    server_context, client_context = loopback_contexts(tmp_path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(response_bytes(200, b'{"tls": true}'))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        transport = AsyncioTransport(LIMITS, ssl_context=client_context)
        async with httpx.AsyncClient(transport=transport) as client:
            answer = await client.get(f"https://127.0.0.1:{port}/")
            stream = answer.extensions["network_stream"]
            assert stream.get_extra_info("ssl_object") is not None
    assert answer.json() == {"tls": True}


async def test_an_untrusted_certificate_is_a_connect_error(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from .helpers.tls_certs import loopback_contexts

    server_context, _ = loopback_contexts(tmp_path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    async with server, httpx.AsyncClient(transport=AsyncioTransport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"https://127.0.0.1:{port}/")
