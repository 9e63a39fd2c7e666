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
from typing import Any

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


def _serve_then_close_on_cue(listener: socket.socket, go: threading.Event) -> threading.Event:
    """Answers one request per connection; closes the first only once ``go`` is set."""
    closed = threading.Event()

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                data = b""
                while b"\r\n\r\n{}" not in data:
                    data += conn.recv(65536)
                conn.sendall(response_bytes(200, b'{"ok": true}'))
                go.wait(5)
            closed.set()

    threading.Thread(target=serve, daemon=True).start()
    return closed


async def test_a_connection_closed_while_the_loop_was_busy_is_not_reused(build: Build) -> None:
    # The server's FIN lands while the loop runs other code: the pool must still see it
    # before sending a POST (not safe to repeat) on that connection.
    go = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        closed = _serve_then_close_on_cue(listener, go)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        async with httpx.AsyncClient(transport=build()) as client:
            first = await client.post(url, content=b"{}")
            go.set()
            closed.wait(5)  # blocks the loop, as busy code does, while the FIN arrives
            second = await client.post(url, content=b"{}")
    assert first.json() == second.json() == {"ok": True}


@pytest.fixture
def unanswered_then_live_address(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A name resolving first to an address that never answers a SYN (127.0.0.2 with a
    full accept queue, as a broken IPv6 route), then to a live server on 127.0.0.1."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host: str | bytes | None, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("dual-stack.test", b"dual-stack.test"):
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with RawServer(_ok).running() as server:
        port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
        with socket.socket() as dead:
            dead.bind(("127.0.0.2", port))
            dead.listen(0)
            queued = [socket.socket() for _ in range(4)]
            for sock in queued:
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.2", port))
            try:
                yield f"http://dual-stack.test:{port}/"
            finally:
                for sock in queued:
                    sock.close()


async def test_an_unanswered_first_address_falls_back_to_the_next(
    build: Build, unanswered_then_live_address: str
) -> None:
    # Happy Eyeballs, as the AnyIO backend connects: a host with a broken IPv6 route
    # still connects over IPv4 well within the connect timeout.
    timeout = httpx.Timeout(5.0, connect=2.0)
    async with httpx.AsyncClient(transport=build(), timeout=timeout) as client:
        answer = await client.get(unanswered_then_live_address)
    assert answer.json() == {"ok": True}


class _TLSTransportOf3112(asyncio.Transport):
    """asyncio's TLS transport as Python 3.11.2 has it: a second ``close()`` drops the SSL
    protocol, and ``abort()`` then raises AttributeError (later 3.11 releases guard it)."""

    def __init__(self) -> None:
        super().__init__()
        self.ssl_protocol: object | None = object()
        self.closed = False
        self.aborted = False

    def close(self) -> None:
        if self.closed:
            self.ssl_protocol = None
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.closed = True
        if self.ssl_protocol is None:
            raise AttributeError("'NoneType' object has no attribute '_abort'")
        self.aborted = True


@pytest.mark.parametrize("closed_by_eof", [False, True])
async def test_closing_a_tls_stream_the_servers_eof_already_closed_does_not_fail(
    closed_by_eof: bool,
) -> None:
    from maintainx_sdk._asyncio_network import AsyncioStream, ConnectionProtocol

    transport = _TLSTransportOf3112()
    if closed_by_eof:
        transport.close()  # the protocol's eof_received returned False: asyncio closed it
    stream = AsyncioStream(transport, ConnectionProtocol())
    await stream.aclose()
    assert transport.aborted
