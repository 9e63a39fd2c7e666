"""What both clients share that is not I/O: settings, pipeline, observers, views, closing.

:class:`ClientCore` is the base of :class:`~maintainx_sdk.MaintainX` and
:class:`~maintainx_sdk.AsyncMaintainX`; the clients add only their httpx client and the
lines that send or await through it (see :mod:`._client`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from .errors import MaintainXError

if TYPE_CHECKING:  # the pipeline's modules load when a client is made, not on import
    from ._actions import CallOptions
    from ._client_options import HardeningArgs
    from ._config import ClientConfig, PoolLimits, Timeouts
    from ._flow import Pipeline
    from ._observer import Observer
    from ._secret import Secret
    from .idempotency import IdempotencyStore
    from .observability import ClientStats, StatsObserver
    from .retry import RetryPolicy
    from .settings import HardeningSettings

HTTP = TypeVar("HTTP", httpx.Client, httpx.AsyncClient)


class ClientCore:
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
        hardening: HardeningArgs,
        idempotency_store: IdempotencyStore | None = None,
        telemetry: bool = True,
    ) -> None:
        from ._actions import CallOptions
        from ._client_options import client_hardening, client_observers, user_agent
        from ._config import resolve_config
        from ._flow import Pipeline

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
        self._stats, self.observers, observer = client_observers(
            self._config, observers, telemetry=telemetry
        )
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
        self._hardening = client_hardening(self._pipeline, self._config, idempotency_store)
        self._closed = False

    def _own_http(self, given: HTTP | None, new: Callable[[ClientConfig], HTTP]) -> HTTP:
        """``given``, or ``new(config)``: a pooled httpx client this one owns (and closes)."""
        self._owns_http = given is None
        return given if given is not None else new(self._config)

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
    def call_options(self) -> CallOptions:
        """The per-call settings of this client or view (set by :meth:`with_options`)."""
        return self._options

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
        from ._client_options import view_hardening, view_options

        clone = copy.copy(self)
        clone.__dict__ = {k: v for k, v in self.__dict__.items() if not _is_resource_cache(k, v)}
        clone._options = view_options(
            self._options,
            client_timeouts=self._config.timeouts,
            client_retry=self._pipeline.retry,
            timeout=timeout,
            headers=headers,
            retry=retry,
            max_retries=max_retries,
            rate_limit=rate_limit,
            breaker=breaker,
            cache=cache,
        )
        clone._hardening = view_hardening(self._hardening, clone._options)
        clone._owns_http = False
        return clone

    def _check_open(self, pool_closed: bool) -> None:
        # A with_options view shares its parent's pool: closing the parent closes the view too.
        if self._closed or pool_closed:
            raise MaintainXError(
                "this client is closed (or the client it was made from with with_options is); "
                "create a new one"
            )

    def __repr__(self) -> str:
        from .observability._redact import redact

        # A key pasted into the base URL (a query parameter, a userinfo part) stays hidden.
        return redact(f"{type(self).__name__}(base_url={self._config.base_url!r})")


def _is_resource_cache(key: str, value: Any) -> bool:
    from ._resource import AsyncAPIResource, SyncAPIResource

    return isinstance(value, SyncAPIResource | AsyncAPIResource)
