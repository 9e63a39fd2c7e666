"""The default async transport: an httpcore pool over :mod:`._asyncio_network`.

What ``httpx.AsyncHTTPTransport`` does for HTTP/1.1 without proxies (the SDK mounts no
proxies on the pools it builds), with httpcore's asyncio-native network backend in place of
its AnyIO one. Imported on the first request.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator

import httpcore
import httpx

from ._asyncio_network import AsyncioBackend
from ._httpcore_errors import as_httpx_error, core_request


class _Body(httpx.AsyncByteStream):
    """httpcore's response body, with its errors raised as httpx's."""

    def __init__(self, inner: AsyncIterable[bytes]) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        close = getattr(self._inner, "aclose", None)
        if close is not None:
            await close()


class AsyncioTransport(httpx.AsyncBaseTransport):
    """httpx's async HTTP/1.1 transport on an asyncio-native httpcore pool."""

    def __init__(self, limits: httpx.Limits, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.network_backend = AsyncioBackend()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=self.network_backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("AsyncioTransport sends only async request bodies")
        try:
            answer = await self._pool.handle_async_request(core_request(request, request.stream))
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        if not isinstance(answer.stream, AsyncIterable):
            raise TypeError("httpcore returned a blocking body to an async transport")
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
