"""The clients' own logic, kept out of their classes: their observers and hardening view,
a view's per-call options and hardening, a raw request, the settings of their httpx
client, the user agent and the event-loop binding.

``client.with_options(...)`` and ``client.request(...)`` are thin over these functions.
"""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import parse_qsl

import httpx

from ._actions import CallOptions
from ._config import ClientConfig, Timeouts, check_headers
from ._flow import Pipeline
from ._observer import FanOutObserver, Observer
from ._request import APIRequest, encode_query
from ._version import __version__
from .breaker import BreakerPolicy
from .cache import CachePolicy
from .errors import ConfigurationError, EventLoopMismatchError, ValidationError
from .progress import ProgressObserver
from .ratelimit import RateLimit, RateLimiter
from .retry import RetryPolicy
from .settings import HardeningSettings, ViewSwitches

if TYPE_CHECKING:
    import asyncio

    from .idempotency import IdempotencyStore
    from .observability import StatsObserver


@dataclasses.dataclass(frozen=True, slots=True)
class HardeningArgs:
    """The hardening arguments a client was constructed with."""

    retry: RetryPolicy | None
    rate_limit: RateLimit | RateLimiter | None
    breaker: BreakerPolicy | None
    cache: CachePolicy | None


def client_observers(
    config: ClientConfig, observers: Sequence[Observer], *, telemetry: bool
) -> tuple[StatsObserver, tuple[Observer, ...], Observer]:
    """A client's stats observer, its installed observers (``client.observers``) and the one
    observer its pipeline reports to. Registers the API key with the log redaction."""
    from . import observability

    observability.register_secret(config.api_key.reveal())
    stats = observability.StatsObserver()
    installed: list[Observer] = [stats]
    if telemetry:
        installed += observability.default_observers(observers)
    installed += observers
    # The progress observer is plumbing for progress= callbacks, not one of "yours".
    return stats, tuple(installed), FanOutObserver([*installed, ProgressObserver()])


def user_agent() -> str:
    """``maintainx-sdk/<v> Python/<v> httpx/<v>``."""
    return (
        f"maintainx-sdk/{__version__} Python/{platform.python_version()} httpx/{httpx.__version__}"
    )


def view_options(
    current: CallOptions,
    *,
    client_timeouts: Timeouts,
    client_retry: RetryPolicy,
    timeout: float | Timeouts | None,
    headers: Mapping[str, str] | None,
    retry: RetryPolicy | None,
    max_retries: int | None,
    rate_limit: bool | None,
    breaker: bool | None,
    cache: bool | None,
) -> CallOptions:
    """``current`` with the settings of one ``with_options`` call layered over it."""
    timeouts = current.timeouts
    if isinstance(timeout, Timeouts):
        timeouts = timeout
    elif timeout is not None:
        base = timeouts or client_timeouts
        timeouts = Timeouts(
            total=float(timeout), connect=min(base.connect, float(timeout)), pool=base.pool
        )
    merged = dict(current.headers)
    merged.update(check_headers(headers, "with_options(headers=...)"))
    policy = retry or current.retry
    if max_retries is not None:
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        base_policy = policy or client_retry
        policy = dataclasses.replace(
            base_policy,
            max_attempts=max_retries + 1,
            # 0 means what it says: no second attempt, not even after a 429.
            max_rate_limit_waits=base_policy.max_rate_limit_waits if max_retries else 0,
        )
    return CallOptions(
        timeouts=timeouts,
        headers=merged,
        retry=policy,
        use_rate_limit=current.use_rate_limit if rate_limit is None else bool(rate_limit),
        use_breaker=current.use_breaker if breaker is None else bool(breaker),
        use_cache=current.use_cache if cache is None else bool(cache),
    )


def client_hardening(
    pipeline: Pipeline, config: ClientConfig, store: IdempotencyStore
) -> HardeningSettings:
    """The read-only view of what a client's calls run with (``client.hardening``)."""
    breaker_part, cache_part = pipeline.breaker, pipeline.cache
    return HardeningSettings.of(
        retry=pipeline.retry,
        limiter=pipeline.limiter,
        breaker=None if breaker_part is None else breaker_part.policy,
        cache=None if cache_part is None else cache_part.policy,
        timeouts=config.timeouts,
        pool=config.pool,
        idempotency_store=store,
    )


def view_hardening(settings: HardeningSettings, view: CallOptions) -> HardeningSettings:
    """A ``with_options`` view's hardening settings: its retry, timeouts and switches."""
    return dataclasses.replace(
        settings,
        retry=view.retry or settings.retry,
        timeouts=view.timeouts or settings.timeouts,
        switches=ViewSwitches(view.use_rate_limit, view.use_breaker, view.use_cache),
    )


def raw_request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None,
    json: Any,
    content: bytes | None,
    headers: Mapping[str, str] | None,
    retry_safe: bool | None,
) -> APIRequest:
    """The request of ``client.request(method, path, ...)`` (any endpoint, by path)."""
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


class HttpxSettings(TypedDict):
    """The httpx client settings both SDK clients build their pooled httpx client with."""

    limits: httpx.Limits
    timeout: httpx.Timeout
    follow_redirects: bool


def httpx_settings(config: ClientConfig) -> HttpxSettings:
    """Pool limits and timeouts from ``config``; redirects are never followed."""
    return HttpxSettings(
        limits=config.pool.to_httpx(),
        timeout=httpx.Timeout(config.timeouts.total, connect=config.timeouts.connect),
        follow_redirects=False,
    )


def bind_loop(bound: asyncio.AbstractEventLoop | None) -> asyncio.AbstractEventLoop:
    """The running loop, which an async client is bound to from its first use on; raises
    :class:`EventLoopMismatchError` when the client is ``bound`` to another loop."""
    import asyncio  # here, not at the top: sync-only programs never import asyncio

    loop = asyncio.get_running_loop()
    if bound is None or bound is loop:
        return loop
    if bound.is_closed():
        raise EventLoopMismatchError(
            "this AsyncMaintainX was used on an event loop that is now closed; create the "
            "client inside the loop that uses it (e.g. inside your asyncio.run main)"
        )
    raise EventLoopMismatchError(
        "this AsyncMaintainX belongs to another event loop; create one client per loop"
    )
