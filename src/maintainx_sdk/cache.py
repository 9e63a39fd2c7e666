"""A degradation cache: successful reads of static resources, served stale when the API is down.

It is not a read-through cache: fresh reads still go to the API (unless
``CachePolicy.fresh_for`` says a recent copy is good enough). When the breaker is open or
the API stays unreachable after retries, a cached copy is served with
``ResponseMeta.stale = True``. Writes made through the SDK drop the entries they may change.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cachetools import TTLCache

from ._request import APIRequest
from ._response import APIResponse
from .errors import ConfigurationError

__all__ = ["CachePolicy", "DegradationCache", "cache_key", "write_prefixes"]

CacheKey = tuple[str, str, tuple[tuple[str, str], ...]]

#: Invalidations remembered for reads still in flight; a read older than these is not kept.
_RECENT_INVALIDATIONS = 256


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """What the degradation cache keeps and for how long.

    ``ttl`` is how long a copy may be served while the API is failing. ``routes`` adds path
    prefixes to cache on top of the operations marked cacheable (users, locations, teams,
    categories, vendors, ...). ``fresh_for`` (seconds) turns it into a read-through cache for
    copies younger than that; ``None`` (the default) always asks the API first.
    """

    ttl: float = 900.0
    maxsize: int = 1024
    routes: tuple[str, ...] = ()
    fresh_for: float | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.ttl > 0 or self.maxsize < 1:
            raise ConfigurationError(
                f"CachePolicy needs ttl > 0 and maxsize >= 1, got ttl={self.ttl}, "
                f"maxsize={self.maxsize}"
            )
        if self.fresh_for is not None and not 0 <= self.fresh_for <= self.ttl:
            raise ConfigurationError("CachePolicy.fresh_for must be between 0 and ttl")

    @classmethod
    def disabled(cls) -> CachePolicy:
        return cls(enabled=False)

    def covers(self, request: APIRequest) -> bool:
        """Whether reads of ``request`` are kept."""
        if not self.enabled or request.method != "GET":
            return False
        return request.cacheable or any(_under(request.path, p) for p in self.routes)


def cache_key(request: APIRequest, organization: str | None) -> CacheKey:
    """Reads differ by organization, path and query (never by the API key)."""
    return (organization or "-", request.path, tuple(sorted(request.params)))


def write_prefixes(request: APIRequest) -> tuple[str, ...]:
    """The cached paths a write may change: its declared prefixes, else its top collection."""
    if request.invalidates:
        return request.invalidates
    segment = request.path.strip("/").split("/", 1)[0]
    return (f"/{segment}",) if segment else ()


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?")


class DegradationCache:
    """A lock-protected ``cachetools.TTLCache`` of successful reads."""

    def __init__(self, policy: CachePolicy, *, clock: Callable[[], float]) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._data: TTLCache[CacheKey, tuple[float, APIResponse]] = TTLCache(
            maxsize=policy.maxsize, ttl=policy.ttl, timer=clock
        )
        self._generation = 0
        self._recent: deque[tuple[int, tuple[str, ...]]] = deque(maxlen=_RECENT_INVALIDATIONS)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def generation(self) -> int:
        """A marker to pass to :meth:`store` for a read about to be sent."""
        with self._lock:
            return self._generation

    def store(self, key: CacheKey, response: APIResponse, since: int | None = None) -> None:
        """Keep ``response``, unless a write invalidated its path after generation ``since``.

        A read sent before a write and answered after it may hold the old record; keeping
        it would serve pre-write data (as fresh with ``fresh_for``) after the write.
        """
        with self._lock:
            if since is not None and since != self._generation:
                oldest = self._generation - len(self._recent)
                if since < oldest or any(
                    gen > since and any(_under(key[1], p) for p in prefixes)
                    for gen, prefixes in self._recent
                ):
                    return
            self._data[key] = (self._clock(), response)

    def fresh(self, key: CacheKey) -> APIResponse | None:
        """A copy young enough to skip the API (only with ``fresh_for``)."""
        if self.policy.fresh_for is None:
            return None
        with self._lock:
            entry = self._data.get(key)
        if entry is None or self._clock() - entry[0] > self.policy.fresh_for:
            return None
        return entry[1]

    def stale(self, key: CacheKey) -> APIResponse | None:
        """The cached copy, marked stale, to serve while the API is failing."""
        with self._lock:
            entry = self._data.get(key)
        if entry is None:
            return None
        cached = entry[1]
        meta = dataclasses.replace(cached.meta, stale=True)
        return APIResponse(meta=meta, content=cached.content)

    def invalidate(self, prefixes: Sequence[str]) -> int:
        """Drop every entry under one of ``prefixes``; returns how many were dropped."""
        if not prefixes:
            return 0
        with self._lock:
            self._generation += 1
            self._recent.append((self._generation, tuple(prefixes)))
            doomed = [k for k in self._data if any(_under(k[1], p) for p in prefixes)]
            for k in doomed:
                self._data.pop(k, None)
        return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
