"""httpcore's errors as the httpx errors they become (the SDK's own httpcore transports)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable

import httpcore
import httpx

# httpcore's errors and the httpx errors they become (most specific first).
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def as_httpx_error(exc: Exception) -> httpx.HTTPError | None:
    """The httpx error an httpcore one becomes (None: not httpcore's, raise it as it is).

    Callers catch and re-raise inline: a context manager per send costs a generator."""
    for source, target in _ERRORS:
        if isinstance(exc, source):
            return target(str(exc))
    return None


def core_request(
    request: httpx.Request, content: Iterable[bytes] | AsyncIterable[bytes]
) -> httpcore.Request:
    """``request`` as httpcore's request, with ``content`` as its body stream."""
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=request.url.raw_scheme,
            host=request.url.raw_host,
            port=request.url.port,
            target=request.url.raw_path,
        ),
        headers=request.headers.raw,
        content=content,
        extensions=request.extensions,
    )
