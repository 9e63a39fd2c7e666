"""The two clients, :class:`MaintainX` and :class:`AsyncMaintainX`.

Both hold one pooled httpx client for their whole life and share one :class:`Pipeline`;
resource namespaces (``mx.work_orders``, ...) load lazily on first use. Both implement the
``SyncSender`` / ``AsyncSender`` protocols (``send``, ``call_options``) that resources,
pagers and sync jobs call. All that is not I/O lives in ``_client_core.ClientCore`` and ``_client_options``;
the pairs left (``__init__``, ``send``, ``request``, closing) stay: each takes or awaits a
different httpx client, and the explicit keyword signatures are the public, typed API (the
constructors only forward them and name their httpx client and transport).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import httpx

from ._client_core import ClientCore
from .errors import ConfigurationError
from .resources._mixins import AsyncResourcesMixin, SyncResourcesMixin

if TYPE_CHECKING:  # the pipeline's modules load when a client is made, not on import
    import asyncio

    from ._actions import CallOptions
    from ._config import PoolLimits, Timeouts
    from ._observer import Observer
    from ._request import APIRequest
    from ._response import APIResponse
    from ._secret import Secret
    from .breaker import BreakerPolicy
    from .cache import CachePolicy
    from .idempotency import IdempotencyStore
    from .ratelimit import RateLimit, RateLimiter
    from .retry import RetryPolicy

HTTP = TypeVar("HTTP", httpx.Client, httpx.AsyncClient)


class MaintainX(ClientCore, SyncResourcesMixin):
    """The blocking MaintainX client. Make one per process and reuse it.

    >>> with MaintainX() as mx:            # key from MAINTAINX_API_KEY(_FILE)
    ...     wo = mx.work_orders.get(42)

    Telemetry is on by default: OpenTelemetry spans and metrics on the global providers
    (no-ops until an SDK is configured) and logs on the ``maintainx_sdk`` logger;
    ``telemetry=False`` leaves only the counters behind :meth:`stats`.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        organization_id: int | str | None = None,
        timeout: float | Timeouts | None = None,
        pool: PoolLimits | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        observers: Sequence[Observer] = (),
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | RateLimiter | None = None,
        breaker: BreakerPolicy | None = None,
        cache: CachePolicy | None = None,
        idempotency_store: IdempotencyStore | None = None,
        telemetry: bool = True,
    ) -> None:
        from ._client_options import HardeningArgs, httpx_settings
        from ._drivers import run_sync
        from ._transport import sync_pool_transport

        # Bound here, not imported in send(): a function-level import costs ~0.45 us a call.
        self._drive = run_sync

        self._setup(
            api_key=api_key,
            base_url=base_url,
            organization_id=organization_id,
            timeout=timeout,
            pool=pool,
            default_headers=default_headers,
            observers=observers,
            hardening=HardeningArgs(retry, rate_limit, breaker, cache),
            idempotency_store=idempotency_store,
            telemetry=telemetry,
        )
        self._http = self._own_http(
            http_client,
            lambda config: httpx.Client(
                transport=transport if transport is not None else sync_pool_transport(config.pool),
                **httpx_settings(config),
            ),
        )

    def send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        """Send a prepared request through the pipeline (what resources and pagers call)."""
        self._check_open(self._http.is_closed)
        return self._drive(self._pipeline.flow(request, options or self._options), self._http)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry_safe: bool | None = None,
    ) -> APIResponse:
        """Call any endpoint through the full pipeline (for operations newer than the SDK)."""
        from ._client_options import raw_request

        return self.send(
            raw_request(
                method,
                path,
                params=params,
                json=json,
                content=content,
                headers=headers,
                retry_safe=retry_safe,
            )
        )

    def close(self) -> None:
        """Close the connection pool (a no-op on views made by ``with_options``)."""
        if self._owns_http and not self._closed:
            self._http.close()
        self._closed = self._closed or self._owns_http

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMaintainX(ClientCore, AsyncResourcesMixin):
    """The asyncio MaintainX client; mirrors :class:`MaintainX` with ``await``.

    It is bound to the event loop it is first used on: using it from another loop raises
    :class:`EventLoopMismatchError` instead of hanging.

    ``http_backend="aiohttp"`` sends over aiohttp (``pip install 'maintainx-sdk[aiohttp]'``,
    the httpx-aiohttp transport) instead of httpx's own async stack: less CPU per request,
    so faster fan-out at high concurrency.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        organization_id: int | str | None = None,
        timeout: float | Timeouts | None = None,
        pool: PoolLimits | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        observers: Sequence[Observer] = (),
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | RateLimiter | None = None,
        breaker: BreakerPolicy | None = None,
        cache: CachePolicy | None = None,
        idempotency_store: IdempotencyStore | None = None,
        telemetry: bool = True,
        http_backend: Literal["httpx", "aiohttp"] = "httpx",
    ) -> None:
        from ._client_options import HardeningArgs, bind_loop, httpx_settings
        from ._drivers import run_async
        from ._transport import aiohttp_transport, async_default_transport

        # Bound here, not imported in send(): a function-level import costs ~0.45 us a call.
        self._drive = run_async
        self._bind_loop = bind_loop

        if http_backend not in ("httpx", "aiohttp"):
            raise ConfigurationError(
                f"http_backend must be 'httpx' or 'aiohttp', got {http_backend!r}"
            )
        if http_backend == "aiohttp" and (transport is not None or http_client is not None):
            raise ConfigurationError(
                "http_backend='aiohttp' builds its own transport: drop transport= / http_client="
            )
        self._setup(
            api_key=api_key,
            base_url=base_url,
            organization_id=organization_id,
            timeout=timeout,
            pool=pool,
            default_headers=default_headers,
            observers=observers,
            hardening=HardeningArgs(retry, rate_limit, breaker, cache),
            idempotency_store=idempotency_store,
            telemetry=telemetry,
        )
        pooled = aiohttp_transport if http_backend == "aiohttp" else async_default_transport
        self._http = self._own_http(
            http_client,
            lambda config: httpx.AsyncClient(
                transport=transport if transport is not None else pooled(config.pool),
                **httpx_settings(config),
            ),
        )
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        """Send a prepared request through the pipeline (what resources and pagers call)."""
        self._check_open(self._http.is_closed)
        self._loop = self._bind_loop(self._loop)
        return await self._drive(self._pipeline.flow(request, options or self._options), self._http)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry_safe: bool | None = None,
    ) -> APIResponse:
        """Call any endpoint through the full pipeline (for operations newer than the SDK)."""
        from ._client_options import raw_request

        return await self.send(
            raw_request(
                method,
                path,
                params=params,
                json=json,
                content=content,
                headers=headers,
                retry_safe=retry_safe,
            )
        )

    async def aclose(self) -> None:
        """Close the connection pool (a no-op on views made by ``with_options``)."""
        if self._owns_http and not self._closed:
            await self._http.aclose()
        self._closed = self._closed or self._owns_http

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
