"""The state machine of one logical call across its attempts (sans-IO).

:class:`Call` is driven by :meth:`Pipeline.flow <._flow.Pipeline.flow>`: per attempt it asks
the :class:`~._deadline.Deadline`, lets an :class:`~._attempt_guard.AttemptGuard` pace and
admit it, yields a :class:`~._actions.Send`, feeds the answer back and asks the retry
decision (:func:`.retry.decide`) whether to go again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from typing import Any, Protocol

import httpx

from ._actions import Action, CallOptions, Flow, Send, Sleep, encode_json, rate_limit_info
from ._attempt_guard import AttemptGuard
from ._config import ClientConfig
from ._deadline import Deadline
from ._error_mapping import deadline_error, final_error, quota_error
from ._observer import NULL_CALL, CallObservation, Observer
from ._request import APIRequest
from ._response import APIResponse, ResponseMeta
from .breaker import Breaker
from .cache import DegradationCache, cache_key, write_prefixes
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    CircuitOpenError,
    InternalServerError,
    OutcomeUnknownError,
    PoolExhaustedError,
    RateLimitError,
    RetryRecord,
    scrub_chain,
)
from .ratelimit import RateLimiter
from .retry import (
    Outcome,
    RandomSource,
    RetryPolicy,
    RetryState,
    classify_error,
    decide,
    is_success,
    server_wait,
)

AttemptResult = tuple[Outcome, httpx.Response | None, BaseException | None]


class CallHost(Protocol):
    """What a call needs from its pipeline (:class:`._flow.Pipeline` is one)."""

    config: ClientConfig
    observer: Observer
    clock: Callable[[], float]
    wall_clock: Callable[[], float]
    rng: RandomSource
    retry: RetryPolicy
    limiter: RateLimiter | None
    breaker: Breaker | None
    cache: DegradationCache | None

    def build_http_request(
        self,
        request: APIRequest,
        options: CallOptions | None,
        timeout: dict[str, float],
        body: bytes | None = None,
    ) -> httpx.Request: ...

    def organization(
        self, request: APIRequest, options: CallOptions | None = None
    ) -> str | None: ...


_DEFAULT_OPTIONS = CallOptions()


class Call:
    """The state of one logical call across its attempts."""

    def __init__(
        self,
        pipe: CallHost,
        request: APIRequest,
        options: CallOptions | None,
        observation: CallObservation = NULL_CALL,
    ) -> None:
        self.pipe = pipe
        self.request = request
        self.options = options
        self.observation = observation
        self.timeouts = (options.timeouts if options else None) or pipe.config.timeouts
        self.policy = (options.retry if options else None) or pipe.retry
        self.deadline = Deadline.after(self.timeouts.total, pipe.clock)
        self.where = f"{request.method} {request.path}"
        self.organization = pipe.organization(request, options)
        self.attempt = 0
        self.failures = 0
        """Attempts that failed for a server-side reason (or got no answer)."""
        self.throttles = 0
        """Attempts answered 429."""
        self.retries: list[RetryRecord] = []
        self.headers: dict[str, str] = {}
        """The last response's headers."""
        self.unanswered = False
        """An earlier attempt may have reached the server but got no answer."""
        use = options or _DEFAULT_OPTIONS
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
        """The whole call, observed: a fresh cached copy, or the attempts (a stale copy if
        they fail). One generator for the call and one per attempt: every ``Send`` passes
        through each generator layer, so the retry loop is written inline here."""
        observation = self.observation = self.pipe.observer.start_call(self.request)
        try:
            if self.request.json is not None and self.request.content is None:
                self.body = encode_json(self.request)  # a bad body fails before any I/O
            result = self._fresh()
            if result is None:
                try:
                    while True:
                        self.attempt += 1
                        outcome, response, error = yield from self._attempt()
                        done = self._settle(outcome, response, error)
                        if isinstance(done, APIResponse):
                            result = done
                            break
                        if done.wait > 0:
                            yield Sleep(done.wait)
                except (
                    CircuitOpenError,
                    APIConnectionError,
                    InternalServerError,
                    OutcomeUnknownError,
                ) as exc:
                    result = self._stale(exc)
                    if result is None:
                        raise
        except BaseException as exc:
            scrub_chain(exc)  # no httpx request (with the key in its headers) rides along
            observation.finished(response=None, error=exc)
            raise
        observation.finished(response=result, error=None)
        return result

    def _fresh(self) -> APIResponse | None:
        """A fresh cached copy of the answer, when the cache serves this call."""
        cache, key = self.cache, self.cache_key
        if cache is None or key is None or cache.policy.fresh_for is None:
            return None
        hit = cache.fresh(key)
        self.pipe.observer.cache_lookup(self.request.route, hit=hit is not None, stale=False)
        if hit is None:
            return None
        return APIResponse(meta=hit.meta, content=hit.content)  # decoded per caller

    def _settle(
        self,
        outcome: Outcome,
        response: httpx.Response | None,
        error: BaseException | None,
    ) -> APIResponse | RetryRecord:
        """What an attempt leads to: the call's result, or the retry to make (recorded and
        observed); raises the call's error when it goes no further."""
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
            self.throttles += 1
        else:
            self.failures += 1
        deadline = self.deadline
        state = RetryState(
            deadline.started, deadline.end, self.attempt, self.failures, self.throttles
        )
        decision = decide(
            self.policy,
            state,
            outcome,
            retry_safe=self.request.is_retry_safe,
            now=deadline.clock(),
            rng=self.pipe.rng,
        )
        if not decision.retry:
            if invalid is not None:
                invalid.attempts, invalid.retries = self.attempt, tuple(self.retries)
                invalid.args = (f"{invalid.args[0]} (after {self.attempt} attempts)",)
                raise invalid
            raise final_error(
                self.request,
                decision,
                response,
                error,
                attempts=self.attempt,
                retries=self.retries,
                wall_now=self.pipe.wall_clock(),
            )
        record = RetryRecord(self.attempt, decision.reason, decision.wait)
        self.retries.append(record)
        self.observation.retry_scheduled(record)
        return record

    def _attempt(self) -> Generator[Action, Any, AttemptResult]:
        """One attempt: pace, admit, send, feed back. Returns what happened."""
        with AttemptGuard(self.limiter, self.breaker, self.deadline) as guard:
            try:
                if self.breaker is not None:
                    self.breaker.check(self.where)
                if guard.reserve(self.request, self.organization) > 0:
                    yield from guard.wait_out(self._quota_error)
                guard.admit(self.where)
            except CircuitOpenError as exc:
                raise self._annotated(exc) from None
            remaining = self.deadline.check(self._deadline_error)
            started = self.pipe.clock()
            http_request = self.pipe.build_http_request(
                self.request, self.options, self.timeouts.extension(remaining), self.body
            )
            self.observation.attempt_started(self.attempt, http_request)
            if self.cache is not None:
                self.cache_since = self.cache.generation()
            guard.sending()
            response: httpx.Response | None = None
            error: BaseException | None = None
            try:
                response = yield Send(http_request, remaining)
            except (httpx.RequestError, TimeoutError, OSError) as exc:
                # RequestError: transport failures, and bodies that fail to decode
                error = exc
            except BaseException:
                self._invalidate()  # a write cut off (cancelled) may have been applied
                raise
            # outside the except block: nothing raised from here on chains the httpx error
            return self._feedback(guard, response, error, started)

    def _feedback(
        self,
        guard: AttemptGuard,
        response: httpx.Response | None,
        error: BaseException | None,
        started: float,
    ) -> AttemptResult:
        """Report the attempt to the observer, breaker, cache and limiter; classify it."""
        pipe = self.pipe
        status = response.status_code if response is not None else None
        self.observation.attempt_finished(
            self.attempt, status_code=status, error=error, duration=pipe.clock() - started
        )
        guard.record(status, error)
        if self.request.method != "GET" and (
            error is None or classify_error(error) == "maybe_sent"
        ):
            self._invalidate()
        if response is None:
            assert error is not None
            outcome = Outcome.from_error(error)
            guard.unanswered(sent=outcome.delivery != "not_sent")
            return outcome, None, error
        wall = pipe.wall_clock()
        # lower-case keys; httpx lookups are slow and dict(Headers) is quadratic
        headers = dict(response.headers.items())
        self.headers = headers
        info = rate_limit_info(headers, now=wall)
        if info.limit is not None or info.remaining is not None:
            pipe.observer.rate_limit_observed(
                limit=info.limit, remaining=info.remaining, reset=info.reset
            )
        guard.observe(info)
        wait = None
        if response.status_code >= 400:
            wait = server_wait(
                headers,
                response.content,
                status_code=response.status_code,
                wall_now=wall,
            )
        if wait is None:
            return _answered(response.status_code), response, None
        return Outcome.from_status(response.status_code, wait), response, None

    def _invalidate(self) -> None:
        """A write that may have been applied: cached reads it touches are stale."""
        if self.pipe.cache is not None and self.request.method != "GET":
            self.pipe.cache.invalidate(write_prefixes(self.request))

    def _annotated(self, exc: CircuitOpenError) -> CircuitOpenError:
        """The breaker's fail-fast error, with this call's history attached."""
        exc.method, exc.path = self.request.method, self.request.path
        exc.attempts = max(self.attempt - 1, 1)
        exc.retries = tuple(self.retries)
        return exc

    def _deadline_error(self) -> APITimeoutError:
        return deadline_error(
            self.request, self.timeouts.total, attempts=self.attempt - 1, retries=self.retries
        )

    def _quota_error(self, wait: float) -> RateLimitError:
        return quota_error(
            self.request, wait, self.timeouts.total, attempts=self.attempt, retries=self.retries
        )

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
                elapsed=self.pipe.clock() - self.deadline.started,
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
            elapsed=self.pipe.clock() - self.deadline.started,
        )
        return APIResponse(meta=meta, content=cached.content)


_ANSWERED: dict[int, Outcome] = {}


def _answered(status_code: int) -> Outcome:
    """The outcome of an answer with no wait asked for: one shared (frozen) value per status."""
    outcome = _ANSWERED.get(status_code)
    if outcome is None:
        outcome = _ANSWERED[status_code] = Outcome.from_status(status_code)
    return outcome
