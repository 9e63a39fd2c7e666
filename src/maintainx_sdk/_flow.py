"""One request path for both clients, written once without I/O (sans-IO).

``Pipeline.flow`` is a generator: it yields :class:`~._actions.Send` and
:class:`~._actions.Sleep` actions and receives their results; :func:`._drivers.run_sync` and
:func:`._drivers.run_async` are the only places that do I/O. Sync and async clients therefore
share every decision: deadline, attempts, error mapping and observation. The decisions of
one call live in :class:`._call.Call`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from . import _constants as C
from ._actions import CallOptions, Flow, encode_json
from ._call import Call
from ._config import ClientConfig
from ._observer import NullObserver, Observer
from ._request import APIRequest
from .breaker import Breaker, BreakerPolicy
from .cache import CachePolicy, DegradationCache
from .ratelimit import RateLimit, RateLimiter
from .retry import RandomSource, RetryPolicy, default_rng

#: Parsed request URLs kept per client (the set is emptied when full).
MAX_PARSED_URLS = 256

#: The body of a request without one: the same empty stream httpx itself would attach.
_NO_BODY = httpx.ByteStream(b"")

#: Methods that get ``Content-Length: 0`` from httpx when they carry no body.
_SIZED_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Pipeline:
    """Turns an :class:`APIRequest` into a response, deciding everything but the I/O.

    Order per attempt: breaker check → rate-limit reservation (yielded as ``Sleep``) →
    breaker admission → ``Send`` → feed headers back → retry decision (``Sleep``) → ...
    The clock, the wall clock (for HTTP-dates) and the random source are injectable.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: RandomSource | None = None,
        user_agent: str = "",
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | RateLimiter | None = None,
        breaker: BreakerPolicy | None = None,
        cache: CachePolicy | None = None,
    ) -> None:
        self.config = config
        self._headers_for: tuple[ClientConfig, str] | None = None
        self._headers: dict[tuple[bool, bytes | None], httpx.Headers] = {}
        self._urls: dict[str, httpx.URL] = {}
        self.observer: Observer = observer or NullObserver()
        self.clock = clock
        self.wall_clock = wall_clock
        self.rng: RandomSource = rng or default_rng()
        self.user_agent = user_agent
        self.retry = retry or RetryPolicy()
        if isinstance(rate_limit, RateLimiter):
            self.limiter: RateLimiter | None = rate_limit
        else:
            policy = rate_limit or RateLimit()
            self.limiter = RateLimiter(policy) if policy.enabled else None
        breaker_policy = breaker or BreakerPolicy()
        self.breaker: Breaker | None = (
            Breaker(breaker_policy, clock=clock, observer=lambda: self.observer)
            if breaker_policy.enabled
            else None
        )
        cache_policy = cache or CachePolicy()
        self.cache: DegradationCache | None = (
            DegradationCache(cache_policy, clock=clock) if cache_policy.enabled else None
        )

    def build_http_request(
        self,
        request: APIRequest,
        options: CallOptions | None,
        timeout: dict[str, float],
        body: bytes | None = None,
    ) -> httpx.Request:
        """The httpx request for one attempt: ``timeout`` is its httpx ``timeout`` extension
        (see :meth:`Timeouts.extension <._config.Timeouts.extension>`), ``body`` the JSON
        already encoded, if any."""
        path = request.path
        # Without its leading slash a path would extend the base URL's host (or, from "@",
        # replace it, with the key in the Authorization header): taken from the root instead.
        url = self.config.base_url + (path if path[:1] == "/" else "/" + path)
        if (
            not request.headers
            and (options is None or not options.headers)
            and request.content is None
            and request.json is None
            and not request.params
            and "?" not in url
        ):
            return self._plain_request(request, url, timeout)
        headers = self._header_dict(request, options)
        kwargs: dict[str, Any] = {"headers": headers}
        if request.params or "?" in url:  # merging params re-parses the URL: skip it if empty
            kwargs["params"] = list(request.params)
        if request.content is not None:
            kwargs["content"] = request.content
        elif request.json is not None:
            kwargs["content"] = body if body is not None else encode_json(request)
            headers["Content-Type"] = "application/json"
        http_request = httpx.Request(request.method, url, **kwargs)
        http_request.extensions["timeout"] = timeout
        return http_request

    def _plain_request(
        self, request: APIRequest, url: str, timeout: dict[str, float]
    ) -> httpx.Request:
        """Most calls: no body, no parameters, the client's own headers only.

        httpx would parse the URL and normalise the headers again for every request; here
        the URL is parsed once (per distinct URL, a few hundred kept) and the headers, with
        the ``Host`` httpx adds, once per client. The request is the one httpx would build.
        """
        method = request.method.upper()
        if method in _SIZED_METHODS:  # httpx adds Content-Length: 0 to these
            http_request = httpx.Request(method, url, headers=self._fixed_headers(request.auth))
            http_request.extensions["timeout"] = timeout
            return http_request
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= MAX_PARSED_URLS:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        http_request = httpx.Request(
            method,
            parsed,
            headers=self._fixed_headers(request.auth, parsed.netloc),
            stream=_NO_BODY,
            extensions={"timeout": timeout},
        )
        http_request.read()  # as httpx does for a request body in memory
        return http_request

    def _fixed_headers(self, auth: bool, host: bytes | None = None) -> httpx.Headers:
        """The headers of a request that adds none (``Host`` first when given), built once
        per client, settings and host."""
        key = (auth, host)
        built_for = self._headers_for
        if built_for is None or built_for[0] is not self.config or built_for[1] != self.user_agent:
            self._headers.clear()
            self._headers_for = (self.config, self.user_agent)
        headers = self._headers.get(key)
        if headers is None:
            own = self._header_dict(APIRequest("GET", "/", auth=auth), None)
            if host is None:
                headers = httpx.Headers(own)
            else:
                headers = httpx.Headers([(b"Host", host), *httpx.Headers(own).raw])
            self._headers[key] = headers
        return headers

    def _header_dict(self, request: APIRequest, options: CallOptions | None) -> dict[str, str]:
        headers: dict[str, str] = {"Accept": "application/json", "User-Agent": self.user_agent}
        if request.auth:
            headers["Authorization"] = f"Bearer {self.config.api_key.reveal()}"
        if self.config.organization_id is not None and not _has_header(
            request.headers, C.ORGANIZATIONS_HEADER
        ):
            headers[C.ORGANIZATION_HEADER] = str(self.config.organization_id)
        headers.update(self.config.default_headers)
        if options is not None:
            headers.update(options.headers)
        headers.update(request.headers)
        return headers

    def organization(self, request: APIRequest, options: CallOptions | None = None) -> str | None:
        """The organization a request acts in (for quotas and cache keys)."""
        if request.headers or (options is not None and options.headers):
            for source in (request.headers, options.headers if options else {}):
                for name, value in source.items():
                    if name.lower() in (C.ORGANIZATION_HEADER, C.ORGANIZATIONS_HEADER):
                        return str(value)
        org = self.config.organization_id
        return None if org is None else str(org)

    def flow(self, request: APIRequest, options: CallOptions | None = None) -> Flow:
        """The whole call as a generator of I/O actions; returns the successful response.

        The call's own generator (:meth:`Call.run <._call.Call.run>`), observed: no wrapping
        generator, as every action would pass through it."""
        return Call(self, request, options).run()


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name for k in headers)
