"""A sharded async transport: several small httpcore pools behind one httpx transport.

httpcore's ``AsyncConnectionPool`` re-checks every pooled connection (``is_idle``,
``has_expired`` with a socket poll, and a quadratic idle count) each time a request joins
or leaves the pool (encode/httpx#3215). With 50 connections that bookkeeping costs several
milliseconds of CPU per request and dominates a high-concurrency run. Splitting the same
connection budget over shards of :data:`SHARD_SIZE` connections each keeps every scan
short; the total number of connections, keep-alive connections and the pool timeout stay
what :class:`~maintainx_sdk.PoolLimits` says.
"""

from __future__ import annotations

import math
import urllib.request
from collections.abc import AsyncIterator, Callable, Sequence

import httpx

from ._config import PoolLimits

#: Connections per shard when sharding is automatic (``PoolLimits(shards=None)``); measured
#: with benchmarks/pool_shards.py: 2 to 4 per shard beat 10, and 1 gains nothing over 2.
SHARD_SIZE = 2
#: Automatic sharding starts above this many connections (below it one pool is as fast).
AUTO_SHARD_ABOVE = 8


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


class _ReleasingStream(httpx.AsyncByteStream):
    """Passes a shard's response body through and calls ``release`` once when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        release, self._release = self._release, None
        try:
            await self._stream.aclose()
        finally:
            if release is not None:
                release()


class ShardedAsyncTransport(httpx.AsyncBaseTransport):
    """Routes each request to the shard with the fewest requests in flight.

    A request is in flight from the moment it is routed until its response body is closed
    (or sending fails). Ties go to the lowest shard, so light traffic keeps reusing the
    same warm connections. A full shard queues the request in its own pool, whose pool
    timeout still raises ``httpx.PoolTimeout`` (the SDK's ``PoolExhaustedError``).
    """

    def __init__(self, shards: Sequence[httpx.AsyncBaseTransport]) -> None:
        if not shards:
            raise ValueError("ShardedAsyncTransport needs at least one shard")
        self.shards: tuple[httpx.AsyncBaseTransport, ...] = tuple(shards)
        self.in_flight: list[int] = [0] * len(self.shards)

    @classmethod
    def from_limits(cls, limits: httpx.Limits, shards: int) -> ShardedAsyncTransport:
        """``shards`` ``httpx.AsyncHTTPTransport`` pools sharing ``limits`` between them."""
        total = limits.max_connections
        if total is None or shards < 1 or shards > total:
            raise ValueError(f"cannot split {total!r} connections into {shards} shards")
        keepalive = limits.max_keepalive_connections
        keep = split(total if keepalive is None else keepalive, shards)
        return cls(
            [
                httpx.AsyncHTTPTransport(
                    limits=httpx.Limits(
                        max_connections=size,
                        max_keepalive_connections=keep[i],
                        keepalive_expiry=limits.keepalive_expiry,
                    )
                )
                for i, size in enumerate(split(total, shards))
            ]
        )

    def _pick(self) -> int:
        counts = self.in_flight
        best = 0
        for i in range(1, len(counts)):
            if counts[i] < counts[best]:
                best = i
        return best

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self._pick()
        self.in_flight[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.in_flight[index] -= 1

        try:
            response = await self.shards[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        stream = response.stream
        if response.is_closed or isinstance(stream, httpx.ByteStream):
            release()  # the body is already in memory: nothing left to hold the connection
        elif isinstance(stream, httpx.AsyncByteStream):
            response.stream = _ReleasingStream(stream, release)
        else:
            release()
            raise TypeError(f"shard {index} returned a sync body stream to an async client")
        return response

    async def aclose(self) -> None:
        """Close every shard, even when closing one of them fails."""
        error: BaseException | None = None
        for shard in self.shards:
            try:
                await shard.aclose()
            except BaseException as exc:  # close the rest, then re-raise the first
                error = error or exc
        if error is not None:
            raise error


def async_pool_transport(pool: PoolLimits) -> ShardedAsyncTransport | None:
    """The sharded transport ``pool`` asks for, or None for httpx's own single pool.

    Never shards when proxy variables are set: httpx only mounts its proxy pools when it
    builds the transport itself.
    """
    count = shard_count(pool.max_connections, pool.shards)
    if count <= 1 or environment_has_proxies():
        return None
    return ShardedAsyncTransport.from_limits(pool.to_httpx(), count)
