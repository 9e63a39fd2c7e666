"""The seam between the request pipeline and whatever watches it (telemetry, stats, logs).

The pipeline calls these hooks; it never imports OpenTelemetry or logging itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import httpx

from ._request import ApiRequest
from ._response import ApiResponse
from .errors import RetryRecord


class CallObservation(Protocol):
    """Hooks for one logical call (all of its attempts)."""

    def attempt_started(self, attempt: int, request: httpx.Request) -> None: ...

    def attempt_finished(
        self,
        attempt: int,
        *,
        status_code: int | None,
        error: BaseException | None,
        duration: float,
    ) -> None: ...

    def retry_scheduled(self, record: RetryRecord) -> None: ...

    def finished(self, *, response: ApiResponse | None, error: BaseException | None) -> None: ...


class Observer(Protocol):
    """Receives every call and the pipeline's events."""

    def start_call(self, request: ApiRequest) -> CallObservation: ...

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None: ...

    def breaker_state_changed(self, name: str, old: str, new: str) -> None: ...

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None: ...


class _NullCall:
    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        pass

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        pass

    def retry_scheduled(self, record: RetryRecord) -> None:
        pass

    def finished(self, *, response: ApiResponse | None, error: BaseException | None) -> None:
        pass


class NullObserver:
    """Observes nothing."""

    _call = _NullCall()

    def start_call(self, request: ApiRequest) -> CallObservation:
        return self._call

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        pass

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        pass

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        pass


class _FanOutCall:
    def __init__(self, calls: Sequence[CallObservation]) -> None:
        self._calls = calls

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        for c in self._calls:
            c.attempt_started(attempt, request)

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        for c in self._calls:
            c.attempt_finished(attempt, status_code=status_code, error=error, duration=duration)

    def retry_scheduled(self, record: RetryRecord) -> None:
        for c in self._calls:
            c.retry_scheduled(record)

    def finished(self, *, response: ApiResponse | None, error: BaseException | None) -> None:
        for c in self._calls:
            c.finished(response=response, error=error)


class FanOutObserver:
    """Sends every hook to several observers, in order."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers: tuple[Observer, ...] = tuple(observers)

    def start_call(self, request: ApiRequest) -> CallObservation:
        return _FanOutCall([o.start_call(request) for o in self.observers])

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        for o in self.observers:
            o.rate_limit_observed(limit=limit, remaining=remaining, reset=reset)

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        for o in self.observers:
            o.breaker_state_changed(name, old, new)

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        for o in self.observers:
            o.cache_lookup(route, hit=hit, stale=stale)
