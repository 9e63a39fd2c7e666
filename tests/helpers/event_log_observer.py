"""An observer that writes down every event the pipeline reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from maintainx_sdk._request import APIRequest
from maintainx_sdk._response import APIResponse
from maintainx_sdk.errors import RetryRecord


@dataclass
class EventLogObserver:
    """Records each observer callback as a tuple in ``events``; ``of(kind)`` filters them."""

    events: list[tuple[Any, ...]] = field(default_factory=list)

    def start_call(self, request: APIRequest) -> EventLogObserver:
        self.events.append(("start", request.method, request.path))
        return self

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        self.events.append(("attempt", attempt))

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        self.events.append(("attempt_done", attempt, status_code, type(error).__name__))

    def retry_scheduled(self, record: RetryRecord) -> None:
        self.events.append(("retry", record))

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        self.events.append(("finished", type(error).__name__ if error else None))

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        self.events.append(("rate_limit", limit, remaining, reset))

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        self.events.append(("breaker", old, new))

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        self.events.append(("cache", route, hit, stale))

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        return [e for e in self.events if e[0] == kind]
