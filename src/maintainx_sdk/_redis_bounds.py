"""Redis calls of the SDK's backends: typed failures, bounded by the call's deadline.

A Redis that is down raises ``redis.ConnectionError``; one that is frozen (SIGSTOP, a full
failover) accepts the connection and never answers, so a read blocks for the client's
socket timeout (forever by default). :class:`BoundedRedis` hands out a client whose socket
timeouts fit what is left of the call's deadline (:mod:`._deadline`), and :func:`typed`
turns connection failures and timeouts into :class:`BackendUnavailableError`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._deadline import current
from .errors import BackendUnavailableError

#: Socket timeouts handed out (seconds): the largest that fits the time left is used, so a
#: handful of connection pools serve every deadline.
STEPS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def is_unavailable(exc: BaseException) -> bool:
    """Is ``exc`` Redis being unreachable or not answering (not a bug, not a conflict)?"""
    try:
        from redis import exceptions
    except ImportError:  # pragma: no cover - redis is there whenever these backends run
        return False
    if isinstance(exc, exceptions.ConnectionError | exceptions.TimeoutError):
        return True
    # redis-py reports a connection lost during WATCH as a WatchError ("A ConnectionError
    # occurred while watching one or more keys"): the connection failed, nothing conflicted.
    return isinstance(exc, exceptions.WatchError) and "occurred while watching" in str(exc)


@contextmanager
def typed(what: str) -> Iterator[None]:
    """Raise :class:`BackendUnavailableError` (naming ``what``) for a Redis outage inside."""
    try:
        yield
    except BackendUnavailableError:
        raise
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        raise BackendUnavailableError(
            f"{what}: Redis is unavailable ({type(exc).__name__}: {exc})", backend=what
        ) from exc


class BoundedRedis:
    """The Redis client a backend was given, plus twins with shorter socket timeouts.

    ``timeout`` bounds every call made outside a call's deadline (None: the client's own
    socket timeout). Clients without a ``connection_pool`` to copy (Redis Cluster) are used
    as they are.
    """

    def __init__(self, client: Any, what: str, *, timeout: float | None = None) -> None:
        self.client = client
        self.what = what
        self.timeout = timeout
        self._twins: dict[float, Any] = {}
        self._lock = threading.Lock()

    def now(self) -> Any:
        """The client to use for the next command: it gives up before the deadline."""
        deadline = current()
        left = None if deadline is None else deadline.check(self._out_of_time)
        bounds = [b for b in (left, self.timeout) if b is not None]
        if not bounds:
            return self.client
        bound = min(bounds)
        fitting = [s for s in STEPS if s <= bound]
        return self._twin(fitting[-1] if fitting else STEPS[0])

    def _out_of_time(self) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"{self.what}: no time left before the call's deadline to reach Redis",
            backend=self.what,
        )

    def _twin(self, seconds: float) -> Any:
        twin = self._twins.get(seconds)
        if twin is not None:
            return twin
        pool = getattr(self.client, "connection_pool", None)
        kwargs = getattr(pool, "connection_kwargs", None)
        if pool is None or not isinstance(kwargs, dict):
            return self.client
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        own = kwargs.get("socket_timeout")
        timeout = seconds if own is None else min(own, seconds)
        bounded = {
            **kwargs,
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # One try: redis-py's own retries (10 by default in redis-py 8, each reconnecting)
            # would multiply the bound; the caller's deadline decides about trying again.
            "retry": Retry(NoBackoff(), 0),
        }
        with self._lock:
            twin = self._twins.get(seconds)
            if twin is None:
                twin = redis.Redis(
                    connection_pool=redis.ConnectionPool(
                        connection_class=pool.connection_class,
                        max_connections=pool.max_connections,
                        **bounded,
                    )
                )
                self._twins[seconds] = twin
        return twin

    def close(self) -> None:
        """Close the twins (the client itself stays its owner's)."""
        with self._lock:
            twins, self._twins = list(self._twins.values()), {}
        for twin in twins:
            twin.close()
