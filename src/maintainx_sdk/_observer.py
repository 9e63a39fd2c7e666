"""The seam between the request pipeline and whatever watches it (telemetry, stats, logs).

The pipeline calls these hooks; it never imports OpenTelemetry itself. The clients wrap their
observers in a :class:`FanOutObserver`, so an observer that raises is logged, not fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

import httpx

from ._request import APIRequest
from ._response import APIResponse
from .errors import RetryRecord

_log = logging.getLogger("maintainx_sdk")


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

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None: ...


class Observer(Protocol):
    """Receives every call and the pipeline's events."""

    def start_call(self, request: APIRequest) -> CallObservation: ...

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

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        pass


#: The observation that watches nothing, shared by every call nobody observes.
NULL_CALL: CallObservation = _NullCall()


class NullObserver:
    """Observes nothing."""

    def start_call(self, request: APIRequest) -> CallObservation:
        return NULL_CALL

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        pass

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        pass

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        pass


def _hook_failed(hook: Callable[..., object]) -> None:
    """Log a failing observer hook (called from its ``except``, so the traceback is kept).

    A bug in telemetry must not turn a successful create into an exception: the caller
    would retry it and duplicate the record. The fan-out loops below write the ``try``
    inline: one Python call per hook less, on every request.
    """
    _log.warning("maintainx observer hook %s failed", _name(hook), exc_info=True)


def _name(hook: Callable[..., object]) -> str:
    owner = getattr(hook, "__self__", None)
    method = getattr(hook, "__name__", "hook")
    return f"{type(owner).__name__}.{method}" if owner is not None else method


def _inherits_null(observer: Observer, hook: str) -> bool:
    """Whether ``observer``'s ``hook`` is :class:`NullObserver`'s, which does nothing."""
    method = getattr(observer, hook, None)
    return getattr(method, "__func__", None) is getattr(NullObserver, hook)


class _FanOutCall:
    __slots__ = ("_calls",)

    def __init__(self, calls: Sequence[CallObservation]) -> None:
        self._calls = calls

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        for c in self._calls:
            try:
                c.attempt_started(attempt, request)
            except Exception:
                _hook_failed(c.attempt_started)

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        for c in self._calls:
            try:
                c.attempt_finished(attempt, status_code=status_code, error=error, duration=duration)
            except Exception:
                _hook_failed(c.attempt_finished)

    def retry_scheduled(self, record: RetryRecord) -> None:
        for c in self._calls:
            try:
                c.retry_scheduled(record)
            except Exception:
                _hook_failed(c.retry_scheduled)

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        for c in self._calls:
            try:
                c.finished(response=response, error=error)
            except Exception:
                _hook_failed(c.finished)


class FanOutObserver:
    """Sends every hook to several observers, in order; one that raises is logged and skipped."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self.observers: tuple[Observer, ...] = tuple(observers)
        # Called on every response: observers that inherit NullObserver's no-op are skipped.
        self._rate_limit_observers = tuple(
            o for o in self.observers if not _inherits_null(o, "rate_limit_observed")
        )

    def start_call(self, request: APIRequest) -> CallObservation:
        calls: list[CallObservation] = []
        for o in self.observers:
            try:
                call = o.start_call(request)
            except Exception:
                _log.warning("maintainx observer %s failed", type(o).__name__, exc_info=True)
                continue
            if not isinstance(call, _NullCall):  # watches nothing: no need to call it
                calls.append(call)
        return _FanOutCall(calls) if calls else NULL_CALL

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        for o in self._rate_limit_observers:
            try:
                o.rate_limit_observed(limit=limit, remaining=remaining, reset=reset)
            except Exception:
                _hook_failed(o.rate_limit_observed)

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        for o in self.observers:
            try:
                o.breaker_state_changed(name, old, new)
            except Exception:
                _hook_failed(o.breaker_state_changed)

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        for o in self.observers:
            try:
                o.cache_lookup(route, hit=hit, stale=stale)
            except Exception:
                _hook_failed(o.cache_lookup)
