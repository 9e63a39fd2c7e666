"""An asyncio-native httpcore network backend for the default async transport.

httpcore's own async backend goes through AnyIO: every read and write opens an
``anyio.fail_after`` cancel scope and waits through AnyIO's stream layer, which made that
layer, not the SDK, the bound on async fan-out. This backend talks to an
``asyncio.Protocol`` directly: a read waits on one future, a timeout is one
``loop.call_later`` handle (none when no timeout is set), and ``is_readable`` (asked of every
idle pooled connection) is the protocol's own state, with one non-blocking poll of the
socket for what the loop has not read yet.

Errors are httpcore's, as the AnyIO backend raises them: ``ConnectTimeout``/``ConnectError``
while connecting or starting TLS, ``ReadTimeout``/``ReadError`` and
``WriteTimeout``/``WriteError`` after. Imported on the first request.
"""

from __future__ import annotations

import asyncio
import collections
import select
import socket
import ssl
import typing
from collections.abc import Iterable

import httpcore

#: Stop reading from the socket while this much received data waits to be read.
_HIGH_WATER = 256 * 1024

#: Seconds before trying a host's next address while one is still connecting (RFC 8305,
#: as AnyIO connects): a broken IPv6 route must not cost the whole connect timeout.
_HAPPY_EYEBALLS_DELAY = 0.25


def _fail(waiter: asyncio.Future[None], error: Exception) -> None:
    if not waiter.done():
        waiter.set_exception(error)


class ConnectionProtocol(asyncio.Protocol):
    """Buffers what the connection receives and wakes the one reader or writer waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.eof = False
        self.lost: Exception | None = None
        self.closed = False
        self.reading_paused = False
        self.writing_paused = False
        self.read_waiter: asyncio.Future[None] | None = None
        self.drain_waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _HIGH_WATER and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # close the transport: HTTP/1.1 has no use for a half-open socket

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self.eof = True
        self._wake_reader()
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_reader(self) -> None:
        waiter = self.read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of what has arrived (the caller checked there is some)."""
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered <= _HIGH_WATER // 4:
            self.reading_paused = False
            if self.transport is not None:
                self.transport.resume_reading()
        return chunk


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain or TLS) as httpcore sees it."""

    def __init__(
        self,
        transport: asyncio.Transport,
        protocol: ConnectionProtocol,
        raw: asyncio.Transport | None = None,
        ssl_object: ssl.SSLObject | None = None,
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        # A closed TLS transport answers no questions: ask the socket's, keep the SSL object.
        self._raw = raw or transport
        self._ssl_object = ssl_object

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        while not protocol.chunks:
            if protocol.eof:
                if protocol.lost is not None:
                    raise httpcore.ReadError(str(protocol.lost))
                return b""
            if self._transport.is_closing():
                raise httpcore.ReadError("the connection is closed")
            if protocol.read_waiter is not None:
                raise RuntimeError("another task is already reading from this connection")
            await self._wait("read_waiter", timeout, httpcore.ReadTimeout)
        return protocol.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.closed or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        try:
            self._transport.write(buffer)
        except (OSError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc)) from exc
        while protocol.writing_paused and not protocol.closed:
            await self._wait("drain_waiter", timeout, httpcore.WriteTimeout)
        if protocol.closed and protocol.lost is not None:
            raise httpcore.WriteError(str(protocol.lost))

    async def _wait(
        self,
        slot: typing.Literal["read_waiter", "drain_waiter"],
        timeout: float | None,
        on_timeout: type[httpcore.TimeoutException],
    ) -> None:
        """Wait for the protocol to fill ``slot``'s future; ``on_timeout`` after ``timeout``."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        setattr(self._protocol, slot, waiter)
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, _fail, waiter, on_timeout("timed out"))
        try:
            await waiter
        finally:
            setattr(self._protocol, slot, None)
            if timer is not None:
                timer.cancel()

    async def aclose(self) -> None:
        transport = self._transport
        # Closing asyncio's TLS transport a second time (the server's EOF already closed it)
        # drops its SSL protocol on Python 3.11.2, and abort() then raises AttributeError.
        if not transport.is_closing():
            transport.close()
        # As AnyIO does: one loop turn lets the close reach the socket before returning.
        try:
            await asyncio.sleep(0)
        finally:
            transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout("the TLS handshake timed out") from exc
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        except BaseException:
            self._transport.close()
            raise
        if transport is None:  # the loop reports a closed connection this way
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._protocol.transport = transport
        return AsyncioStream(
            transport, self._protocol, self._raw, transport.get_extra_info("ssl_object")
        )

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            protocol = self._protocol
            if protocol.chunks or protocol.eof or self._transport.is_closing():
                return True
            # The loop has not run since the server's FIN reached the socket when it was
            # busy: ask the kernel (as the AnyIO backend does), or a request (a POST, not
            # safe to repeat) goes out on a connection the server has already closed.
            return _has_unread_input(self._raw.get_extra_info("socket"))
        if info == "ssl_object":
            return self._ssl_object
        name = _EXTRA_INFO.get(info)
        return None if name is None else self._raw.get_extra_info(name)


def _has_unread_input(sock: socket.socket | None) -> bool:
    """Whether the kernel holds bytes, or the peer's FIN, the loop has not read yet."""
    if sock is None or sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


# httpcore's extra-info names and asyncio's.
_EXTRA_INFO = {
    "client_addr": "sockname",
    "server_addr": "peername",
    "socket": "socket",
}


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's async network backend on asyncio transports (asyncio only: no trio)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        return await _connect(
            lambda: loop.create_connection(
                ConnectionProtocol,
                host,
                port,
                local_addr=local,
                happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
            ),
            timeout,
            socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        return await _connect(
            lambda: loop.create_unix_connection(ConnectionProtocol, path), timeout, socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connect(
    opener: typing.Callable[
        [], typing.Awaitable[tuple[asyncio.BaseTransport, asyncio.BaseProtocol]]
    ],
    timeout: float | None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
) -> AsyncioStream:
    """Open a connection with ``opener``, mapping its failures the way httpcore's AnyIO
    backend does (asyncio sets TCP_NODELAY itself)."""
    try:
        async with asyncio.timeout(timeout):
            transport, protocol = await opener()
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout("connecting timed out") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    assert isinstance(transport, asyncio.Transport) and isinstance(protocol, ConnectionProtocol)
    sock = transport.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)
    return AsyncioStream(transport, protocol)
