"""A Redis idempotency store (``pip install maintainx-sdk[redis]``), shared by hosts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from .._redis_bounds import BoundedRedis, is_unavailable, typed
from ..errors import ConfigurationError
from ._records import IdempotencyRecord
from ._store import AtomicStore, R, Transition


class RedisIdempotencyStore(AtomicStore):
    """Records as Redis strings with a TTL; changes use WATCH/MULTI (optimistic, retried).

    Pass a ``redis.Redis`` client, or a URL (default: the ``REDIS_URL`` environment variable).
    Calls block for one round trip; the async client calls them inline. Redis down or not
    answering raises :class:`~maintainx_sdk.errors.BackendUnavailableError` within the
    calling create's deadline (``timeout`` bounds calls made outside one).
    """

    def __init__(
        self,
        client: Any = None,
        *,
        url: str | None = None,
        prefix: str = "maintainx-sdk:idempotency:",
        clock: Callable[[], float] = time.time,
        timeout: float | None = None,
    ) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigurationError(
                "RedisIdempotencyStore needs the redis package: pip install 'maintainx-sdk[redis]'"
            ) from exc
        self._watch_error: type[Exception] = redis.WatchError
        if client is None:
            url = url or os.environ.get("REDIS_URL")
            if not url:
                raise ConfigurationError(
                    "RedisIdempotencyStore needs a client, url=..., or the REDIS_URL variable"
                )
            client = redis.Redis.from_url(url)
            self._owns_client = True
        else:
            self._owns_client = False
        self._redis = client
        self._bounded = BoundedRedis(client, "the Redis idempotency store", timeout=timeout)
        self.prefix = prefix
        self.clock = clock

    def _transact(self, key: str, transition: Transition[R]) -> R:
        name = self.prefix + key
        with typed(self._bounded.what), self._bounded.now().pipeline() as pipe:
            while True:
                try:
                    pipe.watch(name)
                    raw = pipe.get(name)
                    now = self.clock()
                    existing = IdempotencyRecord.from_json(raw) if raw else None
                    new, result = transition(existing, now)
                    pipe.multi()
                    if new is None:
                        pipe.delete(name)
                    elif new is not existing:
                        ttl_ms = max(int((new.expires_at - now) * 1000), 1)
                        pipe.set(name, new.to_json(), px=ttl_ms)
                    pipe.execute()
                    return result
                except self._watch_error as exc:
                    if is_unavailable(exc):  # the connection died while watching
                        raise
                    continue  # another writer touched the key: read it again

    def get(self, key: str) -> IdempotencyRecord | None:
        with typed(self._bounded.what):
            raw = self._bounded.now().get(self.prefix + key)
        record = IdempotencyRecord.from_json(raw) if raw else None
        return record if record is not None and record.live(self.clock()) else None

    def forget(self, key: str) -> None:
        with typed(self._bounded.what):
            self._bounded.now().delete(self.prefix + key)

    def close(self) -> None:
        self._bounded.close()
        if self._owns_client:
            self._redis.close()

    def __repr__(self) -> str:
        return f"RedisIdempotencyStore(prefix={self.prefix!r})"
