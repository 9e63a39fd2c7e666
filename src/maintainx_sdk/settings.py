"""A read-only view of a client's hardening settings: ``client.hardening``.

>>> mx.hardening.retry.max_attempts, mx.hardening.deadline, mx.hardening.stores.idempotency.kind
(3, 30.0, 'memory')

The client builds it once, from the parts it runs with (a ``with_options`` view builds its
own, with its retry policy, timeouts and switches). It holds the policies, which are frozen
dataclasses, and descriptions of the stores, never the stores themselves (a store may hold
credentials) and never the API key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

from ._config import PoolLimits, Timeouts
from .breaker import BreakerPolicy
from .cache import CachePolicy
from .ratelimit import RateLimit, RateLimiter
from .retry import RetryPolicy

__all__ = ["HardeningSettings", "StoreInfo", "StoreKind", "StoreSettings", "ViewSwitches"]

StoreKind = Literal["memory", "sqlite", "redis", "file", "postgres", "sql", "unknown"]

#: Matched in this order against a store's class and module name ("sqlite" before "sql").
_KINDS: tuple[StoreKind, ...] = ("memory", "sqlite", "redis", "file", "postgres", "sql")


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What kind of store keeps some state: its class name and kind, not the store itself."""

    type_name: str
    kind: StoreKind
    """Read from the class and module name: ``InMemory...`` is ``memory``, ``SQLite...``
    ``sqlite``, ``Redis...`` ``redis``; ``unknown`` when neither tells."""

    @property
    def persistent(self) -> bool:
        """False for an in-process store: lost on restart and not shared between replicas."""
        return self.kind != "memory"

    @classmethod
    def of(cls, store: object) -> StoreInfo:
        """Describe any store: the client's, or a sync's checkpoints (``sync.store``)."""
        name = type(store).__name__
        where = f"{name} {type(store).__module__}".lower()
        for kind in _KINDS:
            if kind in where:
                return cls(type_name=name, kind=kind)
        return cls(type_name=name, kind="unknown")


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where the client keeps state that outlives one call."""

    idempotency: StoreInfo
    """Keys of guarded creates (``create(..., idempotency_key=...)``)."""
    rate_limit: StoreInfo | None
    """The rate limiter's backend (shared between processes when it is Redis); None when
    client-side pacing is off."""


@dataclass(frozen=True, slots=True)
class ViewSwitches:
    """Which shared parts this client's calls use (False only on a ``with_options`` view)."""

    rate_limit: bool = True
    breaker: bool = True
    cache: bool = True


@dataclass(frozen=True, slots=True)
class HardeningSettings:
    """The hardening a client's calls run with. A part that is off is ``None``."""

    retry: RetryPolicy
    rate_limit: RateLimit | None
    breaker: BreakerPolicy | None
    cache: CachePolicy | None
    """The degradation cache (stale copies served while the API fails)."""
    timeouts: Timeouts
    pool: PoolLimits
    stores: StoreSettings
    switches: ViewSwitches = field(default_factory=ViewSwitches)

    @property
    def deadline(self) -> float:
        """Seconds one call may take in all, retries and waits included (``timeouts.total``)."""
        return self.timeouts.total

    @classmethod
    def of(
        cls,
        *,
        retry: RetryPolicy,
        limiter: RateLimiter | None,
        breaker: BreakerPolicy | None,
        cache: CachePolicy | None,
        timeouts: Timeouts,
        pool: PoolLimits,
        idempotency_store: object,
    ) -> HardeningSettings:
        """The view of the parts a client built (``None``: that part is off)."""
        return cls(
            retry=retry,
            rate_limit=limiter.policy if limiter is not None else None,
            breaker=breaker,
            cache=cache,
            timeouts=timeouts,
            pool=pool,
            stores=StoreSettings(
                idempotency=StoreInfo.of(idempotency_store),
                rate_limit=StoreInfo.of(limiter.backend) if limiter is not None else None,
            ),
        )

    def __repr__(self) -> str:
        # The policies are the caller's values: a key pasted into one (a rate-limit namespace,
        # say) is masked here as in every log line.
        from .observability import redact

        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return redact(f"{type(self).__name__}({shown})")
