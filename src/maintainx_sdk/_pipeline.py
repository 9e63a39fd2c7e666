"""One request path for both clients, written once without I/O (sans-IO).

``Pipeline.flow`` is a generator: it yields :class:`Send` and :class:`Sleep` actions and
receives their results; :func:`run_sync` and :func:`run_async` are the only places that do
I/O. Sync and async clients therefore share every decision: deadline, attempts, error
mapping and observation.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import _constants as C
from ._config import ClientConfig, Timeouts
from ._deadline import deadline
from ._observer import CallObservation, NullObserver, Observer
from ._request import APIRequest
from ._response import APIResponse, ResponseMeta
from .breaker import Breaker, BreakerPolicy, is_breaker_failure
from .cache import CachePolicy, DegradationCache, cache_key, write_prefixes
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CircuitOpenError,
    InternalServerError,
    MaintainXError,
    OutcomeUnknownError,
    PoolExhaustedError,
    RateLimitError,
    RetryRecord,
    ValidationError,
    scrub_chain,
    status_error_class,
)
from .ratelimit import RateLimit, RateLimiter, Reservation
from .retry import (
    Outcome,
    RandomSource,
    RetryDecision,
    RetryPolicy,
    RetryState,
    classify_error,
    decide,
    default_rng,
    is_success,
    parse_reset,
    parse_retry_after,
    server_wait,
)


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request and hand back the fully read response (or throw the error).

    ``budget`` is how many seconds the attempt may take in all (the rest of the call's
    deadline). httpx's timeouts bound each socket operation, not the whole response, so the
    drivers enforce it: a server trickling its body must not stretch the call past its deadline.
    """

    request: httpx.Request
    budget: float | None = None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds before going on."""

    seconds: float


Action = Send | Sleep
Flow = Generator[Action, Any, APIResponse]


@dataclass(slots=True)
class CallOptions:
    """Per-call settings layered over the client's (see ``client.with_options``)."""

    timeouts: Timeouts | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry: RetryPolicy | None = None
    use_rate_limit: bool = True
    """False: this view's calls are not paced by the client's limiter (the server still is)."""
    use_breaker: bool = True
    """False: this view's calls go out even while the breaker is open, and are not counted."""
    use_cache: bool = True
    """False: this view never serves (or stores) cached reads; its writes still invalidate."""


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The X-Rate-Limit-* headers of a response, parsed."""

    limit: int | None
    remaining: int | None
    reset: float | None
    retry_after: float | None


def parse_rate_limit(headers: Mapping[str, str], *, now: float | None = None) -> RateLimitInfo:
    """Parse X-Rate-Limit-Limit/-Remaining/-Reset and Retry-After (seconds or HTTP-date).

    ``now`` is the wall-clock time (seconds since the epoch) for HTTP-date values.
    """
    lookup: Mapping[str, str] = (
        headers  # already case-insensitive
        if isinstance(headers, httpx.Headers)
        else {k.lower(): v for k, v in headers.items()}
    )
    return RateLimitInfo(
        limit=_int_or_none(lookup.get(C.RATE_LIMIT_LIMIT_HEADER)),
        remaining=_int_or_none(lookup.get(C.RATE_LIMIT_REMAINING_HEADER)),
        reset=parse_reset(lookup.get(C.RATE_LIMIT_RESET_HEADER), wall_now=now),
        retry_after=parse_retry_after(lookup.get("retry-after"), wall_now=now),
    )


def encode_json(request: APIRequest) -> bytes:
    """The request's JSON body as bytes, or a :class:`ValidationError` saying what to fix."""
    try:
        # allow_nan=False: NaN and Infinity are not JSON; the API would reject the body
        return json.dumps(request.json, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{request.method} {request.path}: the JSON body cannot be sent: {exc}; pass only "
            "dicts, lists, strings, finite numbers, booleans and None",
            errors=[{"field": "json", "message": str(exc)}],
        ) from None


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # "inf" would otherwise lose an applied write's answer
        return None


def api_error_text(content: bytes) -> tuple[str, list[dict[str, Any]], Any]:
    """The API's own error text from a body of either documented shape, plus the items."""
    if not content:
        return "", [], None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        text = content[:300].decode("utf-8", "replace").strip()
        return text, [], text
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            items = [e for e in body["errors"] if isinstance(e, dict)]
            parts = []
            for item in items:
                msg = str(item.get("error", ""))
                if item.get("fieldPath"):
                    msg = f"{item['fieldPath']}: {msg}"
                parts.append(msg)
            return "; ".join(p for p in parts if p), items, body
        if "error" in body:
            return str(body["error"]), [], body
        if "message" in body:
            return str(body["message"]), [], body
    if isinstance(body, str):
        return body, [], body
    return "", [], body


def status_error(
    request: APIRequest,
    response: httpx.Response,
    *,
    attempts: int,
    retries: tuple[RetryRecord, ...],
    now: float | None = None,
) -> APIStatusError:
    """The typed exception for an error response; the message never holds the key."""
    text, items, body = api_error_text(response.content)
    status = response.status_code
    message = f"{request.method} {request.path} -> {status}"
    if text:
        message += f": {text}"
    if 300 <= status < 400:
        # Redirects are not followed (they would resend the key elsewhere): say what to fix.
        where = response.headers.get("location", "elsewhere")
        message += f" (redirected to {where}; check base_url)"
    if attempts > 1:
        message += f" (after {attempts} attempts)"
    cls = status_error_class(status)
    common: dict[str, Any] = dict(
        status_code=status,
        body=body,
        headers=dict(response.headers.items()),
        api_errors=items,
        method=request.method,
        path=request.path,
        attempts=attempts,
        retries=retries,
    )
    if cls is RateLimitError:
        info = parse_rate_limit(response.headers, now=now)
        wait = info.retry_after if info.retry_after is not None else info.reset
        return RateLimitError(
            message,
            retry_after=wait,
            limit=info.limit,
            remaining=info.remaining,
            reset=info.reset,
            **common,
        )
    return cls(message, **common)


def transport_error(
    request: APIRequest, exc: BaseException, *, attempts: int, retries: tuple[RetryRecord, ...]
) -> APIConnectionError:
    """The typed exception for a failure below HTTP (connect, read, pool, timeout)."""
    where = f"{request.method} {request.path}"
    suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
    kw: dict[str, Any] = dict(
        method=request.method, path=request.path, attempts=attempts, retries=retries
    )
    if isinstance(exc, httpx.PoolTimeout):
        return PoolExhaustedError(
            f"{where}: no pooled connection became free in time; raise PoolLimits.max_connections "
            f"or lower concurrency{suffix}",
            **kw,
        )
    if isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return APIConnectionError(
            f"{where}: the request could not be sent ({type(exc).__name__}): a header, the URL "
            f"or the base URL holds something HTTP does not allow; fix it and call again{suffix}",
            **kw,
        )
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return APITimeoutError(f"{where}: timed out ({type(exc).__name__}){suffix}", **kw)
    return APIConnectionError(f"{where}: connection failed ({type(exc).__name__}){suffix}", **kw)


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
        timeout: httpx.Timeout,
        body: bytes | None = None,
    ) -> httpx.Request:
        """The httpx request for one attempt; ``body`` is the JSON already encoded, if any."""
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
        url = self.config.base_url + request.path
        kwargs: dict[str, Any] = {"headers": headers}
        if request.params or "?" in url:  # merging params re-parses the URL: skip it if empty
            kwargs["params"] = list(request.params)
        if request.content is not None:
            kwargs["content"] = request.content
        elif request.json is not None:
            kwargs["content"] = body if body is not None else encode_json(request)
            headers["Content-Type"] = "application/json"
        http_request = httpx.Request(request.method, url, **kwargs)
        http_request.extensions["timeout"] = timeout.as_dict()
        return http_request

    def organization(self, request: APIRequest, options: CallOptions | None = None) -> str | None:
        """The organization a request acts in (for quotas and cache keys)."""
        for source in (request.headers, options.headers if options else {}):
            for name, value in source.items():
                if name.lower() in (C.ORGANIZATION_HEADER, C.ORGANIZATIONS_HEADER):
                    return str(value)
        org = self.config.organization_id
        return None if org is None else str(org)

    def flow(self, request: APIRequest, options: CallOptions | None = None) -> Flow:
        """The whole call as a generator of I/O actions; returns the successful response."""
        call = _Call(self, request, options)
        observation = self.observer.start_call(request)
        call.observation = observation
        try:
            result = yield from call.run()
        except BaseException as exc:
            scrub_chain(exc)  # no httpx request (with the key in its headers) rides along
            observation.finished(response=None, error=exc)
            raise
        observation.finished(response=result, error=None)
        return result


class _Call:
    """The state of one logical call across its attempts (internal to :class:`Pipeline`)."""

    def __init__(self, pipe: Pipeline, request: APIRequest, options: CallOptions | None) -> None:
        self.pipe = pipe
        self.request = request
        self.options = options
        self.timeouts = (options.timeouts if options else None) or pipe.config.timeouts
        self.policy = (options.retry if options else None) or pipe.retry
        self.started = pipe.clock()
        self.deadline = self.started + self.timeouts.total
        self.where = f"{request.method} {request.path}"
        self.organization = pipe.organization(request, options)
        self.observation: CallObservation = _NULL_CALL
        self.attempt = 0
        self.retries: list[RetryRecord] = []
        self.headers: dict[str, str] = {}
        """The last response's headers."""
        self.unanswered = False
        """An earlier attempt may have reached the server but got no answer."""
        use = options or CallOptions()
        self.breaker = pipe.breaker if use.use_breaker else None
        self.limiter = pipe.limiter if use.use_rate_limit else None
        # Writes still invalidate the shared cache (through pipe.cache) when a view skips it.
        cache = pipe.cache if use.use_cache else None
        self.cache = cache if cache is not None and cache.policy.covers(request) else None
        self.cache_key = cache_key(request, self.organization) if self.cache is not None else None
        self.cache_since: int | None = None
        """The cache's generation when the last attempt was sent."""
        self.body: bytes | None = None
        """The JSON body, encoded once for every attempt (see :meth:`run`)."""

    def run(self) -> Flow:
        if self.request.json is not None and self.request.content is None:
            self.body = encode_json(self.request)  # a bad body fails before any I/O
        cache, key = self.cache, self.cache_key
        if cache is not None and key is not None and cache.policy.fresh_for is not None:
            hit = cache.fresh(key)
            self.pipe.observer.cache_lookup(self.request.route, hit=hit is not None, stale=False)
            if hit is not None:
                return APIResponse(meta=hit.meta, content=hit.content)  # decoded per caller
        try:
            return (yield from self._attempts())
        except (
            CircuitOpenError,
            APIConnectionError,
            InternalServerError,
            OutcomeUnknownError,
        ) as exc:
            stale = self._stale(exc)
            if stale is None:
                raise
            return stale

    def _attempts(self) -> Flow:
        pipe = self.pipe
        failures = throttles = 0
        while True:
            self.attempt += 1
            outcome, response, error = yield from self._attempt()
            invalid: APIResponseValidationError | None = None
            if response is None and outcome.delivery == "maybe_sent":
                self.unanswered = True
            elif response is not None and self._deleted_before(response):
                return self._success(response, decode=False)[0]
            if response is not None and is_success(response.status_code):
                result, invalid = self._success(response)
                if invalid is None:
                    return result
                if not self.request.is_retry_safe:
                    raise invalid  # applied: repeating it could apply it twice
                outcome = Outcome(error="invalid answer body")
            if outcome.status_code == 429:
                throttles += 1
            else:
                failures += 1
            state = RetryState(self.started, self.deadline, self.attempt, failures, throttles)
            decision = decide(
                self.policy,
                state,
                outcome,
                retry_safe=self.request.is_retry_safe,
                now=pipe.clock(),
                rng=pipe.rng,
            )
            if not decision.retry:
                if invalid is not None:
                    invalid.attempts, invalid.retries = self.attempt, tuple(self.retries)
                    invalid.args = (f"{invalid.args[0]} (after {self.attempt} attempts)",)
                    raise invalid
                raise self._final_error(decision, response, error)
            record = RetryRecord(self.attempt, decision.reason, decision.wait)
            self.retries.append(record)
            self.observation.retry_scheduled(record)
            if decision.wait > 0:
                yield Sleep(decision.wait)

    def _attempt(
        self,
    ) -> Generator[Action, Any, tuple[Outcome, httpx.Response | None, BaseException | None]]:
        """One attempt: pace, admit, send, feed back. Returns what happened."""
        pipe = self.pipe
        try:
            if self.breaker is not None:
                self.breaker.check(self.where)
            reservation = yield from self._pace()
        except CircuitOpenError as exc:
            raise self._annotated(exc) from None
        probe = False
        try:
            if self.breaker is not None:
                probe = self.breaker.before_send(self.where)
        except BaseException as exc:
            if reservation is not None and self.limiter is not None:
                with self._backend_deadline():
                    self.limiter.cancel(reservation)
            if isinstance(exc, CircuitOpenError):
                raise self._annotated(exc) from None
            raise
        now = pipe.clock()
        remaining = self.deadline - now
        if remaining <= 0:
            if self.breaker is not None:
                self.breaker.release(probe)
            if reservation is not None and self.limiter is not None:
                with self._backend_deadline():
                    self.limiter.cancel(reservation)
            raise APITimeoutError(
                f"{self.where}: the call's deadline of {self.timeouts.total:g}s passed "
                f"(after {self.attempt - 1} attempts)",
                method=self.request.method,
                path=self.request.path,
                attempts=max(self.attempt - 1, 1),
                retries=tuple(self.retries),
            )
        try:
            http_request = pipe.build_http_request(
                self.request, self.options, self.timeouts.for_attempt(remaining), self.body
            )
            self.observation.attempt_started(self.attempt, http_request)
        except BaseException:
            # never leave the half-open probe slot taken (the breaker would stay half-open)
            if self.breaker is not None:
                self.breaker.release(probe)
            if reservation is not None and self.limiter is not None:
                with self._backend_deadline():
                    self.limiter.cancel(reservation)
            raise
        if self.cache is not None:
            self.cache_since = self.cache.generation()
        error: BaseException | None = None
        response: httpx.Response | None = None
        try:
            response = yield Send(http_request, remaining)
        except (httpx.RequestError, TimeoutError, OSError) as exc:
            # RequestError: transport failures, and bodies that fail to decode
            error = exc
        except BaseException:
            if self.breaker is not None:
                self.breaker.release(probe)
            if pipe.cache is not None and self.request.method != "GET":
                pipe.cache.invalidate(write_prefixes(self.request))  # it may have been applied
            raise
        duration = pipe.clock() - now
        status = response.status_code if response is not None else None
        self.observation.attempt_finished(
            self.attempt, status_code=status, error=error, duration=duration
        )
        if self.breaker is not None:
            self.breaker.record(failure=is_breaker_failure(status, error), probe=probe)
        reached = error is None or classify_error(error) == "maybe_sent"
        if pipe.cache is not None and self.request.method != "GET" and reached:
            pipe.cache.invalidate(write_prefixes(self.request))
        if response is None:
            assert error is not None
            outcome = Outcome.from_error(error)
            if reservation is not None and self.limiter is not None:
                self.limiter.unanswered(reservation)
                if outcome.delivery == "not_sent":
                    with self._backend_deadline():
                        self.limiter.cancel(reservation)  # it never reached the quota
            return outcome, None, error
        wall = pipe.wall_clock()
        # lower-case keys; httpx lookups are slow and dict(Headers) is quadratic
        headers = dict(response.headers.items())
        self.headers = headers
        info = parse_rate_limit(headers, now=wall)
        if info.limit is not None or info.remaining is not None:
            pipe.observer.rate_limit_observed(
                limit=info.limit, remaining=info.remaining, reset=info.reset
            )
        if reservation is not None and self.limiter is not None:
            with self._backend_deadline():
                self.limiter.observe(
                    reservation,
                    limit=info.limit,
                    remaining=info.remaining,
                    reset=info.reset,
                    now=pipe.clock(),
                )
        wait = None
        if response.status_code >= 400:
            wait = server_wait(
                headers,
                response.content,
                status_code=response.status_code,
                wall_now=wall,
            )
        return Outcome.from_status(response.status_code, wait), response, None

    def _backend_deadline(self) -> AbstractContextManager[None]:
        """Bounds a rate-limiter call (a shared backend such as Redis) by the call's deadline;
        at least a moment, so giving a slot back after the deadline still gets a try."""
        return deadline(max(self.deadline - self.pipe.clock(), _BACKEND_MIN))

    def _annotated(self, exc: CircuitOpenError) -> CircuitOpenError:
        """The breaker's fail-fast error, with this call's history attached."""
        exc.method, exc.path = self.request.method, self.request.path
        exc.attempts = max(self.attempt - 1, 1)
        exc.retries = tuple(self.retries)
        return exc

    def _pace(self) -> Generator[Action, Any, Reservation | None]:
        """Wait for a rate-limit slot; a cancelled wait gives the slot back."""
        limiter = self.limiter
        if limiter is None:
            return None
        clock = self.pipe.clock
        with self._backend_deadline():
            reservation = limiter.acquire(self.request, self.organization, clock())
        try:
            while reservation.wait > 0:
                if clock() + reservation.wait >= self.deadline:
                    raise self._quota_error(reservation.wait)
                yield Sleep(reservation.wait)
                with self._backend_deadline():
                    reservation = limiter.confirm(reservation, clock())
        except BaseException:
            with self._backend_deadline():
                limiter.cancel(reservation)
            raise
        return reservation

    def _deleted_before(self, response: httpx.Response) -> bool:
        """A 404 to a DELETE repeated after an unanswered attempt: that attempt deleted it."""
        return (
            response.status_code == 404
            and self.unanswered
            and self.request.method.upper() == "DELETE"
        )

    def _success(
        self, response: httpx.Response, *, decode: bool = True
    ) -> tuple[APIResponse, APIResponseValidationError | None]:
        """The call's result, decoded by the request's decoder; or the error saying why its
        body is unusable (empty, not JSON, not the documented shape)."""
        result = APIResponse(
            meta=ResponseMeta(
                method=self.request.method,
                path=self.request.path,
                status_code=response.status_code,
                headers=self.headers,
                attempts=self.attempt,
                retries=tuple(self.retries),
                elapsed=self.pipe.clock() - self.started,
            ),
            content=response.content,
        )
        decoder = self.request.decode if decode else None
        if decoder is not None:
            try:
                result.value, result.decoded_by = decoder(result), decoder
            except APIResponseValidationError as exc:
                return result, exc
        if self.cache is not None and self.cache_key is not None:
            stored = APIResponse(meta=result.meta, content=result.content)
            self.cache.store(self.cache_key, stored, since=self.cache_since)
        return result, None

    def _final_error(
        self,
        decision: RetryDecision,
        response: httpx.Response | None,
        error: BaseException | None,
    ) -> MaintainXError:
        retries = tuple(self.retries)
        cause: APIError
        if response is not None:
            cause = status_error(
                self.request,
                response,
                attempts=self.attempt,
                retries=retries,
                now=self.pipe.wall_clock(),
            )
            if isinstance(cause, RateLimitError) and decision.deadline_exceeded:
                cause.retry_after = decision.wait
                cause.args = (f"{cause.args[0]}; {decision.reason}",)
        else:
            assert error is not None
            cause = transport_error(self.request, error, attempts=self.attempt, retries=retries)
        if not decision.outcome_unknown:
            return cause
        unknown = OutcomeUnknownError(
            f"{self.where}: the outcome is unknown ({decision.reason}); it was not retried to "
            "avoid a duplicate. Retry with an idempotency key, or look the record up first.",
            cause_description=decision.reason,
            method=self.request.method,
            path=self.request.path,
            attempts=self.attempt,
            retries=retries,
        )
        unknown.__cause__ = cause
        return unknown

    def _quota_error(self, wait: float) -> RateLimitError:
        return RateLimitError(
            f"{self.where}: the client-side rate limiter's next slot is {wait:.2f}s away, past "
            f"the call's deadline ({self.timeouts.total:g}s); no request was sent. Raise "
            "Timeouts.total or slow down.",
            retry_after=wait,
            status_code=429,
            method=self.request.method,
            path=self.request.path,
            attempts=max(self.attempt, 1),
            retries=tuple(self.retries),
        )

    def _stale(self, exc: BaseException) -> APIResponse | None:
        """A cached copy to serve while the API is failing, or None."""
        if self.cache is None or self.cache_key is None:
            return None
        if isinstance(exc, PoolExhaustedError | OutcomeUnknownError):
            return None
        cached = self.cache.stale(self.cache_key)
        self.pipe.observer.cache_lookup(self.request.route, hit=cached is not None, stale=True)
        if cached is None:
            return None
        meta = dataclasses.replace(
            cached.meta,
            attempts=self.attempt,
            retries=tuple(self.retries),
            elapsed=self.pipe.clock() - self.started,
        )
        return APIResponse(meta=meta, content=cached.content)


_NULL_CALL: CallObservation = NullObserver().start_call(APIRequest("GET", "/"))


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name for k in headers)


#: The least time a rate-limiter backend call gets, even past the deadline (see
#: ``_Call._backend_deadline``).
_BACKEND_MIN = 0.05

#: Slack given to httpx's own timeouts before the attempt's budget cuts a send off.
_DEADLINE_GRACE = 0.1


def _outer_budget(budget: float | None) -> float | None:
    return None if budget is None else budget + _DEADLINE_GRACE


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that stops with ``ReadTimeout`` once the attempt's budget is spent."""

    def __init__(self, inner: httpx.SyncByteStream, request: httpx.Request, until: float) -> None:
        self._inner = inner
        self._request = request
        self._until = until

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._until:
                raise httpx.ReadTimeout(
                    "the response body did not arrive within the call's deadline",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _send_sync(http: httpx.Client, action: Send) -> httpx.Response:
    """Send and read the whole body, within the attempt's budget when it has one."""
    if action.budget is None:
        return http.send(action.request)
    until = time.monotonic() + action.budget
    # The SDK's own transports cut every socket read off at the deadline (trickled headers
    # included); the body check below also bounds a transport passed in by the caller.
    with deadline(_outer_budget(action.budget)):
        response = http.send(action.request, stream=True)
        try:
            if isinstance(response.stream, httpx.SyncByteStream):
                response.stream = _DeadlineStream(response.stream, action.request, until)
            response.read()
        except BaseException:
            response.close()
            raise
    return response


def run_sync(
    flow: Flow, http: httpx.Client, sleep: Callable[[float], None] = time.sleep
) -> APIResponse:
    """Drive a flow with a blocking httpx client."""
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                sleep(action.seconds)
                action = flow.send(None)
                continue
            try:
                response = _send_sync(http, action)
            except Exception as exc:
                failure: Exception | None = exc
            else:
                failure = None
            # thrown outside the except block, so the SDK's error does not chain the httpx
            # error (and the request with the key in its headers) as its __context__
            action = flow.send(response) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        result: APIResponse = stop.value
        return result
    finally:
        flow.close()


async def run_async(
    flow: Flow,
    http: httpx.AsyncClient,
    sleep: Callable[[float], Any] | None = None,
) -> APIResponse:
    """Drive a flow with an asyncio httpx client. Cancellation closes the flow cleanly.

    ``sleep`` defaults to ``asyncio.sleep``.
    """
    import asyncio  # here, not at the top: sync-only programs never import asyncio

    if sleep is None:
        sleep = asyncio.sleep
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                await sleep(action.seconds)
                action = flow.send(None)
                continue
            try:
                # httpx.send reads the whole body; httpx's own timeouts (each <= the budget)
                # fire first when they apply, so a pool wait or connect keeps its precise error
                async with asyncio.timeout(_outer_budget(action.budget)):
                    response = await http.send(action.request)
            except Exception as exc:
                failure: Exception | None = exc
            else:
                failure = None
            action = flow.send(response) if failure is None else flow.throw(failure)
    except StopIteration as stop:
        result: APIResponse = stop.value
        return result
    finally:
        flow.close()
