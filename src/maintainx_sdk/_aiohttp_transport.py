"""The ``http_backend="aiohttp"`` transport: httpx-aiohttp's, with aiohttp's errors told apart.

httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` to ``httpx.ConnectTimeout``
("nothing was sent"), including a server that read the request and then hung up
(``ServerDisconnectedError``), a reset mid-answer and a read timeout; and it lets errors it
does not know (a garbled status line: ``ClientResponseError``) escape raw, with the request's
``Authorization`` header inside. The pipeline decides what is safe to repeat from the httpx
error class, so a POST whose answer was lost would be sent again. This transport maps by
the aiohttp error itself: only a failed connect means nothing was sent.
Imported on first use (the ``aiohttp`` extra).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# aiohttp's errors and the httpx errors they are (most specific first).
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ClientConnectionError, httpx.ReadError),  # after connecting: maybe sent
    (aiohttp.ClientError, httpx.RemoteProtocolError),  # a garbled answer
)


def _translated(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx error for an aiohttp one (raw, or wrapped by httpx-aiohttp), else None."""
    source = exc.__cause__ if isinstance(exc, httpx.TransportError) else exc
    for aiohttp_error, httpx_error in _ERRORS:
        if isinstance(source, aiohttp_error):
            # The message only: aiohttp's own (with the request headers) is not chained.
            return httpx_error(f"{type(source).__name__}: {source}", request=request)
    return None


class _Body(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            mapped = _translated(exc, self._request)
            if mapped is None:
                raise
            raise mapped from None

    async def aclose(self) -> None:
        await self._inner.aclose()


class AiohttpBackend(AiohttpTransport):
    """httpx-aiohttp's transport whose errors say whether the request may have been sent."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            mapped = _translated(exc, request)
            if mapped is None:
                raise
            raise mapped from None
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _Body(response.stream, request)
        return response
