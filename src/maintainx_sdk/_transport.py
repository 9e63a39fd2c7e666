"""Sharded transports: several small httpcore pools behind one httpx transport.

httpcore's connection pools (``AsyncConnectionPool`` and its blocking twin) re-check every
pooled connection (``is_idle``, ``has_expired`` with a socket poll, and a quadratic idle
count) each time a request joins or leaves the pool (encode/httpx#3215). With 50
connections that bookkeeping costs several milliseconds of CPU per request and dominates a
high-concurrency run. Splitting the same connection budget over shards of
:data:`SHARD_SIZE` connections each keeps every scan short; the total number of
connections, keep-alive connections and the pool timeout stay what
:class:`~maintainx_sdk.PoolLimits` says.

A transport built by ``from_limits`` creates its pools on first use, all sharing one SSL
context: loading the CA bundle costs about 20 ms per context, so ten shards each building
their own made a client ten times slower to construct than ``httpx.Client()``.
The sync/async pairs here (pool transports, releasing streams) stay: each wraps another class.
"""

from __future__ import annotations

import math
import threading
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ._config import PoolLimits
from .errors import ConfigurationError

if TYPE_CHECKING:
    import ssl

T = TypeVar("T")

#: Connections per shard when sharding is automatic (``PoolLimits(shards=None)``); measured
#: with benchmarks/pool_shards.py: 2 to 4 per shard beat 10, and 1 gains nothing over 2.
SHARD_SIZE = 2
#: Automatic sharding starts above this many connections: at 10 one pool was as fast or a
#: little faster (get_many 1.19-1.20x vs 1.24-1.31x ideal), at 20 shards were 2-3x faster.
AUTO_SHARD_ABOVE = 16


def shard_count(max_connections: int, shards: int | None) -> int:
    """How many shards a pool of ``max_connections`` gets (``None``: automatic)."""
    if shards is not None:
        return max(1, min(shards, max_connections))
    if max_connections <= AUTO_SHARD_ABOVE:
        return 1
    return math.ceil(max_connections / SHARD_SIZE)


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as possible (sums to ``total``)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def environment_has_proxies() -> bool:
    """True when ``HTTP(S)_PROXY``/``ALL_PROXY`` are set (httpx then mounts proxy pools)."""
    return any(scheme in ("http", "https", "all") for scheme in urllib.request.getproxies())


def split_limits(limits: httpx.Limits, shards: int) -> list[httpx.Limits]:
    """``limits`` divided between ``shards`` pools (the totals stay the same)."""
    total = limits.max_connections
    if total is None or shards < 1 or shards > total:
        raise ValueError(f"cannot split {total!r} connections into {shards} shards")
    keepalive = limits.max_keepalive_connections
    keep = split(total if keepalive is None else keepalive, shards)
    return [
        httpx.Limits(
            max_connections=size,
            max_keepalive_connections=keep[i],
            keepalive_expiry=limits.keepalive_expiry,
        )
        for i, size in enumerate(split(total, shards))
    ]


class ShardRouter:
    """Picks the shard with the fewest requests in flight (ties: the lowest); thread-safe.

    A request is in flight from :meth:`take` until the ``release`` it returns is called
    (when its response body is closed, or sending failed); calling it again does nothing.
    """

    def __init__(self, shards: int) -> None:
        self.in_flight: list[int] = [0] * shards
        self._lock = threading.Lock()

    def take(self) -> tuple[int, Callable[[], None]]:
        with self._lock:
            counts = self.in_flight
            best = 0
            for i in range(1, len(counts)):
                if counts[i] < counts[best]:
                    best = i
            counts[best] += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released = True
                    self.in_flight[best] -= 1

        return best, release


def _hold_until_closed(
    response: httpx.Response,
    release: Callable[[], None],
    kind: type[Any],
    wrap: Callable[[Any, Callable[[], None]], httpx.SyncByteStream | httpx.AsyncByteStream],
) -> httpx.Response:
    """Keep the shard's slot until the body is closed; at once if it is already in memory."""
    if response.is_closed or isinstance(response.stream, httpx.ByteStream):
        release()  # e.g. httpx.MockTransport: the body is read, no connection is held
    elif isinstance(response.stream, kind):
        response.stream = wrap(response.stream, release)
    else:
        release()
        raise TypeError(f"a shard returned a {type(response.stream).__name__} body stream")
    return response


class _ReleasingAsyncStream(httpx.AsyncByteStream):
    """Passes a shard's response body through and calls ``release`` once when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()  # no generator of our own per body

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


class _ReleasingSyncStream(httpx.SyncByteStream):
    """The blocking twin of :class:`_ReleasingAsyncStream`."""

    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._stream)  # no generator of our own per body

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._release()


class _Shards(Generic[T]):
    """The shards of a sharded transport and the router choosing between them.

    Pass the shards themselves, or ``count`` and ``build``: ``build()`` returns ``count``
    shards and is called once, on first use (see :attr:`shards`).
    """

    def __init__(
        self,
        shards: Sequence[T] = (),
        *,
        count: int = 0,
        build: Callable[[], Sequence[T]] | None = None,
    ) -> None:
        self._built: tuple[T, ...] | None = None if build is not None else tuple(shards)
        self._build = build
        self._count = count if build is not None else len(shards)
        if self._count < 1:
            raise ValueError(f"{type(self).__name__} needs at least one shard")
        self._build_lock = threading.Lock()
        self.router = ShardRouter(self._count)

    @property
    def shards(self) -> tuple[T, ...]:
        """The shards, built on first access when the transport was made lazily."""
        built = self._built
        if built is None:
            with self._build_lock:
                built = self._built
                if built is None:
                    assert self._build is not None
                    built = tuple(self._build())
                    if len(built) != self._count:
                        raise ValueError(f"built {len(built)} shards, expected {self._count}")
                    self._built = built
        return built

    @property
    def built(self) -> bool:
        """Whether the shards exist yet (closing an unbuilt transport builds nothing)."""
        return self._built is not None

    @property
    def in_flight(self) -> list[int]:
        """Requests in flight per shard (a copy)."""
        return list(self.router.in_flight)


def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for all shards, configured the way httpx configures its own."""
    return httpx.create_ssl_context()


class ShardedAsyncTransport(_Shards[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport):
    """Routes each request to the async shard with the fewest requests in flight.

    Ties go to the lowest shard, so light traffic keeps reusing the same warm connections.
    A full shard queues the request in its own pool, whose pool timeout still raises
    ``httpx.PoolTimeout`` (the SDK's ``PoolExhaustedError``).
    """

    @classmethod
    def from_limits(cls, limits: httpx.Limits, shards: int) -> ShardedAsyncTransport:
        """``shards`` ``httpx.AsyncHTTPTransport`` pools sharing ``limits`` between them.

        The pools, and the one SSL context they share, are built on the first request.
        """
        parts = split_limits(limits, shards)

        def build() -> list[httpx.AsyncBaseTransport]:
            from ._asyncio_transport import AsyncioTransport  # httpcore, on first use

            context = shared_ssl_context()
            return [AsyncioTransport(part, ssl_context=context) for part in parts]

        return cls(count=shards, build=build)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index, release = self.router.take()
        try:
            response = await self.shards[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        return _hold_until_closed(response, release, httpx.AsyncByteStream, _ReleasingAsyncStream)

    async def aclose(self) -> None:
        """Close every shard, even when closing one of them fails."""
        error: BaseException | None = None
        for shard in self.shards if self.built else ():
            try:
                await shard.aclose()
            except BaseException as exc:  # close the rest, then re-raise the first
                error = error or exc
        if error is not None:
            raise error


class ShardedTransport(_Shards[httpx.BaseTransport], httpx.BaseTransport):
    """The blocking twin of :class:`ShardedAsyncTransport` (same router, same rules)."""

    @classmethod
    def from_limits(cls, limits: httpx.Limits, shards: int) -> ShardedTransport:
        """``shards`` deadline-bound pools (see :mod:`._deadline_transport`) sharing ``limits``.

        The pools, and the one SSL context they share, are built on the first request.
        """
        parts = split_limits(limits, shards)

        def build() -> list[httpx.BaseTransport]:
            from ._deadline_transport import DeadlineTransport  # httpcore, on first use

            context = shared_ssl_context()
            return [DeadlineTransport(part, ssl_context=context) for part in parts]

        return cls(count=shards, build=build)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        index, release = self.router.take()
        try:
            response = self.shards[index].handle_request(request)
        except BaseException:
            release()
            raise
        return _hold_until_closed(response, release, httpx.SyncByteStream, _ReleasingSyncStream)

    def close(self) -> None:
        """Close every shard, even when closing one of them fails."""
        error: BaseException | None = None
        for shard in self.shards if self.built else ():
            try:
                shard.close()
            except BaseException as exc:  # close the rest, then re-raise the first
                error = error or exc
        if error is not None:
            raise error


def async_pool_transport(pool: PoolLimits) -> ShardedAsyncTransport | None:
    """The sharded transport ``pool`` asks for, or None for httpx's own single pool.

    Never shards when proxy variables are set: httpx only mounts its proxy pools when it
    builds the transport itself.
    """
    count = _wanted_shards(pool)
    return ShardedAsyncTransport.from_limits(pool.to_httpx(), count) if count > 1 else None


def async_default_transport(pool: PoolLimits) -> ShardedAsyncTransport | None:
    """The async client's own transport: pools over the asyncio-native network backend
    (:mod:`._asyncio_network`), sharded like :func:`async_pool_transport` (one shard when
    small).

    None (httpx's own pool, which mounts the proxies) when proxy variables are set.
    """
    if environment_has_proxies():
        return None
    return ShardedAsyncTransport.from_limits(pool.to_httpx(), _wanted_shards(pool))


def sync_pool_transport(pool: PoolLimits) -> ShardedTransport | None:
    """The blocking client's transport: sharded like :func:`async_pool_transport` (one shard
    when small), and bound by the call's deadline at the socket (a blocking read cannot be
    cut off from outside; see :mod:`._deadline_transport`).

    None (httpx's own pool, per-read timeouts only) when proxy variables are set.
    """
    if environment_has_proxies():
        return None
    return ShardedTransport.from_limits(pool.to_httpx(), _wanted_shards(pool))


def _wanted_shards(pool: PoolLimits) -> int:
    return 1 if environment_has_proxies() else shard_count(pool.max_connections, pool.shards)


def aiohttp_transport(pool: PoolLimits) -> httpx.AsyncBaseTransport:
    """An httpx transport over aiohttp (the ``aiohttp`` extra), sized by ``pool``.

    aiohttp's connection pool has no per-request scan of every connection, so it is not
    sharded; ``max_connections`` and ``keepalive_expiry`` apply.
    """
    try:
        import httpx_aiohttp  # noqa: F401  (the extra itself, checked on every call)

        from ._aiohttp_transport import AiohttpBackend
    except ImportError:
        raise ConfigurationError(
            "http_backend='aiohttp' needs the aiohttp extra: pip install 'maintainx-sdk[aiohttp]'"
        ) from None
    return AiohttpBackend(limits=pool.to_httpx())
