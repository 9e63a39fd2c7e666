"""Blocking httpx transport whose sockets honour the send's deadline (:mod:`._deadline`).

:class:`DeadlineTransport` is an httpx transport over an httpcore connection pool whose
network streams clamp every connect, read and write timeout to what is left of the
deadline, so a server trickling its headers or body cannot hold a blocking call past it.
Imported on the first request (httpcore is not needed by ``import maintainx_sdk``).
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable, Iterator

import httpcore
import httpx

from ._deadline import current
from ._httpcore_errors import as_httpx_error, core_request


def _clamp(timeout: float | None, error: type[Exception], what: str) -> float | None:
    """``timeout`` cut down to the time left before the deadline; raise if none is left."""
    deadline = current()
    if deadline is None:
        return timeout
    # Deadline.clamp, inlined: this runs on every socket read and write.
    left = deadline.end - deadline.clock()
    if left <= 0:
        raise error(f"{what} did not finish within the call's deadline")
    return left if timeout is None or timeout > left else timeout


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout, "the answer"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout, "the request"))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _clamp(timeout, httpcore.ConnectTimeout, "the TLS handshake")
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking network backend, with every stream bound by :func:`deadline`."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, left, local_address, socket_options)
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        left = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        return _DeadlineStream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """httpx's blocking HTTP/1.1 transport, with sends bounded by :func:`deadline`."""

    def __init__(self, limits: httpx.Limits, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.SyncByteStream):
            raise TypeError("DeadlineTransport sends only blocking request bodies")
        core = core_request(request, request.stream)
        try:
            answer = self._pool.handle_request(core)
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        if not isinstance(answer.stream, Iterable):
            raise TypeError("httpcore returned an async body to a blocking transport")
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()
