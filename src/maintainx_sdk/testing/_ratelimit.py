"""Fixed-window request quotas per user and per organization, as the API documents them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    """``limit`` requests per ``window`` seconds."""

    limit: int
    window: float

    @classmethod
    def parse(cls, text: str) -> Quota:
        """``"100/60"`` or ``"20/1"`` (requests / seconds)."""
        try:
            count, _, seconds = text.partition("/")
            quota = cls(int(count), float(seconds or 60))
        except ValueError:
            raise ValueError(
                f"rate limit must look like N/SECONDS (e.g. 100/60), got {text!r}"
            ) from None
        if quota.limit < 1 or quota.window <= 0:
            raise ValueError(f"rate limit needs a positive count and window, got {text!r}")
        return quota


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


class _Window:
    __slots__ = ("count", "start")

    def __init__(self, start: float) -> None:
        self.start = start
        self.count = 0


class RateLimiter:
    """Counts requests in fixed windows that start at a key's first request."""

    def __init__(
        self,
        per_user: Quota | None = Quota(100, 60.0),
        per_org: Quota | None = Quota(500, 60.0),
        *,
        clock: Callable[[], float],
    ) -> None:
        self.per_user = per_user
        self.per_org = per_org
        self.clock = clock
        self._windows: dict[tuple[str, int], _Window] = {}

    def _window(self, key: tuple[str, int], quota: Quota, now: float) -> _Window:
        window = self._windows.get(key)
        if window is None or now >= window.start + quota.window:
            window = self._windows[key] = _Window(now)
        return window

    def take(self, key: tuple[str, int], quota: Quota) -> bool:
        """Count one use of an endpoint-specific quota (meter readings); False when spent."""
        window = self._window(key, quota, self.clock())
        if window.count >= quota.limit:
            return False
        window.count += 1
        return True

    def check(self, user_id: int, org_id: int) -> Decision | None:
        """Count one request; the decision of the tighter window (None = unlimited)."""
        now = self.clock()
        scopes = [
            (("user", user_id), self.per_user),
            (("org", org_id), self.per_org),
        ]
        active = [(self._window(key, quota, now), quota) for key, quota in scopes if quota]
        if not active:
            return None
        blocked = [(w, q) for w, q in active if w.count >= q.limit]
        if not blocked:
            for window, _ in active:
                window.count += 1
        window, quota = min(
            blocked or active, key=lambda wq: (wq[1].limit - wq[0].count, wq[1].limit)
        )
        reset = max(0, math.ceil(window.start + quota.window - now))
        return Decision(
            allowed=not blocked,
            limit=quota.limit,
            remaining=max(0, quota.limit - window.count),
            reset=reset,
        )
