"""The two clients, :class:`MaintainX` and :class:`AsyncMaintainX`.

Both hold one pooled httpx client for their whole life and share one :class:`Pipeline`;
resource namespaces (``mx.work_orders``, ...) load lazily on first use.
"""

from __future__ import annotations

import copy
import dataclasses
import platform
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import parse_qsl

import httpx

from ._config import ClientConfig, PoolLimits, Timeouts, check_headers, resolve_config
from ._observer import FanOutObserver, Observer
from ._pipeline import CallOptions, Pipeline, run_async, run_sync
from ._request import APIRequest, encode_query
from ._response import APIResponse
from ._secret import Secret
from ._transport import aiohttp_transport, async_pool_transport, sync_pool_transport
from ._version import __version__
from .breaker import BreakerPolicy
from .cache import CachePolicy
from .errors import ConfigurationError, EventLoopMismatchError, MaintainXError, ValidationError
from .progress import ProgressObserver
from .ratelimit import RateLimit, RateLimiter
from .resources._mixins import AsyncResourcesMixin, SyncResourcesMixin
from .retry import RetryPolicy
from .settings import HardeningSettings, ViewSwitches

if TYPE_CHECKING:
    import asyncio

    from .idempotency import IdempotencyStore
    from .observability import ClientStats, StatsObserver


def user_agent() -> str:
    """``maintainx-sdk/<v> Python/<v> httpx/<v>``."""
    return (
        f"maintainx-sdk/{__version__} Python/{platform.python_version()} httpx/{httpx.__version__}"
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Hardening:
    retry: RetryPolicy | None
    rate_limit: RateLimit | RateLimiter | None
    breaker: BreakerPolicy | None
    cache: CachePolicy | None


class _ClientCore:
    """State and behaviour shared by both clients (everything that is not I/O)."""

    _config: ClientConfig
    _pipeline: Pipeline
    _options: CallOptions
    _hardening: HardeningSettings
    _owns_http: bool
    idempotency_store: IdempotencyStore
    """Where guarded creates (``create(..., idempotency_key=...)``) record their keys."""

    def _setup(
        self,
        *,
        api_key: str | Secret | None,
        base_url: str | None,
        organization_id: int | str | None,
        timeout: float | Timeouts | None,
        pool: PoolLimits | None,
        default_headers: Mapping[str, str] | None,
        observers: Sequence[Observer],
        hardening: _Hardening,
        idempotency_store: IdempotencyStore | None = None,
        telemetry: bool = True,
    ) -> None:
        if idempotency_store is None:
            from .idempotency import InMemoryIdempotencyStore

            idempotency_store = InMemoryIdempotencyStore()
        self.idempotency_store = idempotency_store
        self._config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            organization_id=organization_id,
            timeout=timeout,
            pool=pool,
            default_headers=default_headers,
        )
        from . import observability

        observability.register_secret(self._config.api_key.reveal())
        self._stats = observability.StatsObserver()
        installed: list[Observer] = [self._stats]
        if telemetry:
            installed += observability.default_observers(observers)
        installed += observers
        self.observers: tuple[Observer, ...] = tuple(installed)
        # The progress observer is plumbing for progress= callbacks, not one of "yours".
        observer: Observer = FanOutObserver([*installed, ProgressObserver()])
        self._pipeline = Pipeline(
            self._config,
            observer=observer,
            user_agent=user_agent(),
            retry=hardening.retry,
            rate_limit=hardening.rate_limit,
            breaker=hardening.breaker,
            cache=hardening.cache,
        )
        self._options = CallOptions()
        breaker_part, cache_part = self._pipeline.breaker, self._pipeline.cache
        self._hardening = HardeningSettings.of(
            retry=self._pipeline.retry,
            limiter=self._pipeline.limiter,
            breaker=None if breaker_part is None else breaker_part.policy,
            cache=None if cache_part is None else cache_part.policy,
            timeouts=self._config.timeouts,
            pool=self._config.pool,
            idempotency_store=idempotency_store,
        )
        self._closed = False

    @property
    def config(self) -> ClientConfig:
        """The resolved settings (the key inside is a :class:`Secret`)."""
        return self._config

    @property
    def hardening(self) -> HardeningSettings:
        """What this client's calls run with: retry, rate limit, breaker, cache, timeouts, pool
        and stores (read-only; no secrets)."""
        return self._hardening

    @property
    def pipeline(self) -> Pipeline:
        return self._pipeline

    @property
    def stats_observer(self) -> StatsObserver:
        """The observer behind :meth:`stats` (sync jobs report their lag to it)."""
        return self._stats

    def stats(self) -> ClientStats:
        """Counts, error rate, p50/p95 latency, retries, 429s, breaker and rate-limit state."""
        return self._stats.snapshot()

    def with_options(
        self,
        *,
        timeout: float | Timeouts | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        rate_limit: bool | None = None,
        breaker: bool | None = None,
        cache: bool | None = None,
    ) -> Self:
        """A view of this client with other per-call settings; it shares the pool and state.

        Cheap: nothing long-lived is allocated, and closing the view leaves the pool open
        (the client it came from owns it). ``retry`` replaces the retry policy and
        ``max_retries`` its attempt count (``max_retries=0``: one attempt, 429 answers
        included). The rate limiter, breaker and cache keep their state per client; a view
        can switch each off for its calls: ``rate_limit=False`` (not paced locally),
        ``breaker=False`` (sent even while the breaker is open, and not counted by it),
        ``cache=False`` (never served a cached copy; its writes still invalidate the cache).
        """
        clone = copy.copy(self)
        clone.__dict__ = {k: v for k, v in self.__dict__.items() if not _is_resource_cache(k, v)}
        timeouts = self._options.timeouts
        if isinstance(timeout, Timeouts):
            timeouts = timeout
        elif timeout is not None:
            base = timeouts or self._config.timeouts
            timeouts = Timeouts(
                total=float(timeout), connect=min(base.connect, float(timeout)), pool=base.pool
            )
        merged = dict(self._options.headers)
        merged.update(check_headers(headers, "with_options(headers=...)"))
        policy = retry or self._options.retry
        if max_retries is not None:
            if max_retries < 0:
                raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
            base_policy = policy or self._pipeline.retry
            policy = dataclasses.replace(
                base_policy,
                max_attempts=max_retries + 1,
                # 0 means what it says: no second attempt, not even after a 429.
                max_rate_limit_waits=base_policy.max_rate_limit_waits if max_retries else 0,
            )
        current = self._options
        clone._options = CallOptions(
            timeouts=timeouts,
            headers=merged,
            retry=policy,
            use_rate_limit=current.use_rate_limit if rate_limit is None else bool(rate_limit),
            use_breaker=current.use_breaker if breaker is None else bool(breaker),
            use_cache=current.use_cache if cache is None else bool(cache),
        )
        view = clone._options
        clone._hardening = dataclasses.replace(
            self._hardening,
            retry=view.retry or self._hardening.retry,
            timeouts=view.timeouts or self._hardening.timeouts,
            switches=ViewSwitches(view.use_rate_limit, view.use_breaker, view.use_cache),
        )
        clone._owns_http = False
        return clone

    def _api_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        retry_safe: bool | None,
    ) -> APIRequest:
        if not path.startswith("/"):
            path = "/" + path
        # A query written into the path is kept (httpx would replace it with ``params``).
        path, _, inline = path.partition("?")
        query = parse_qsl(inline, keep_blank_values=True) + encode_query(dict(params or {}))
        return APIRequest(
            method=method.upper(),
            path=path,
            params=query,
            headers=check_headers(headers, f"{method.upper()} {path}", ValidationError),
            json=json,
            content=content,
            operation="request",
            retry_safe=retry_safe,
        )

    def _check_open(self, pool_closed: bool) -> None:
        # A with_options view shares its parent's pool: closing the parent closes the view too.
        if self._closed or pool_closed:
            raise MaintainXError(
                "this client is closed (or the client it was made from with with_options is); "
                "create a new one"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._config.base_url!r})"


def _is_resource_cache(key: str, value: Any) -> bool:
    from ._resource import AsyncAPIResource, SyncAPIResource

    return isinstance(value, SyncAPIResource | AsyncAPIResource)


class MaintainX(_ClientCore, SyncResourcesMixin):
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
        self._setup(
            api_key=api_key,
            base_url=base_url,
            organization_id=organization_id,
            timeout=timeout,
            pool=pool,
            default_headers=default_headers,
            observers=observers,
            hardening=_Hardening(retry, rate_limit, breaker, cache),
            idempotency_store=idempotency_store,
            telemetry=telemetry,
        )
        if http_client is not None:
            self._http = http_client
        else:
            self._http = httpx.Client(
                transport=transport
                if transport is not None
                else sync_pool_transport(self._config.pool),
                limits=self._config.pool.to_httpx(),
                timeout=httpx.Timeout(
                    self._config.timeouts.total, connect=self._config.timeouts.connect
                ),
                follow_redirects=False,
            )
        self._owns_http = http_client is None

    def _send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        self._check_open(self._http.is_closed)
        return run_sync(self._pipeline.flow(request, options or self._options), self._http)

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
        return self._send(
            self._api_request(
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


class AsyncMaintainX(_ClientCore, AsyncResourcesMixin):
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
            hardening=_Hardening(retry, rate_limit, breaker, cache),
            idempotency_store=idempotency_store,
            telemetry=telemetry,
        )
        if http_client is not None:
            self._http = http_client
        else:
            if transport is None:
                transport = (
                    aiohttp_transport(self._config.pool)
                    if http_backend == "aiohttp"
                    else async_pool_transport(self._config.pool)
                )
            self._http = httpx.AsyncClient(
                transport=transport,
                limits=self._config.pool.to_httpx(),
                timeout=httpx.Timeout(
                    self._config.timeouts.total, connect=self._config.timeouts.connect
                ),
                follow_redirects=False,
            )
        self._owns_http = http_client is None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _check_loop(self) -> None:
        import asyncio  # here, not at the top: sync-only programs never import asyncio

        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            if self._loop.is_closed():
                raise EventLoopMismatchError(
                    "this AsyncMaintainX was used on an event loop that is now closed; create the "
                    "client inside the loop that uses it (e.g. inside your asyncio.run main)"
                )
            raise EventLoopMismatchError(
                "this AsyncMaintainX belongs to another event loop; create one client per loop"
            )

    async def _send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        self._check_open(self._http.is_closed)
        self._check_loop()
        return await run_async(self._pipeline.flow(request, options or self._options), self._http)

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
        return await self._send(
            self._api_request(
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
