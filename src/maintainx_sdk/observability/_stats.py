"""In-process numbers behind ``client.stats()``: what readiness checks and dashboards read."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from .._observer import CallObservation
from .._request import APIRequest
from .._response import APIResponse
from ..errors import RetryRecord

DEFAULT_WINDOW = 1000


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of one client's traffic. Rates and percentiles cover the last ``window`` calls."""

    calls: int = 0
    errors: int = 0
    window: int = 0
    window_errors: int = 0
    error_rate: float = 0.0
    p50: float | None = None
    p95: float | None = None
    retries: int = 0
    rate_limited: int = 0
    """429 responses received (each attempt that got one)."""
    breaker_states: dict[str, str] = field(default_factory=dict)
    rate_limit_limit: int | None = None
    rate_limit_remaining: int | None = None
    rate_limit_reset: float | None = None
    cache_hits: int = 0
    cache_misses: int = 0
    stale_served: int = 0
    sync_lag: float | None = None
    """Seconds the incremental sync is behind (None until a sync reports it)."""
    last_error_type: str | None = None

    @property
    def breaker_state(self) -> str | None:
        """The worst breaker state (open > half-open > closed), or None without a breaker."""
        if not self.breaker_states:
            return None
        order = {"closed": 0, "half-open": 1, "half_open": 1}
        return max(self.breaker_states.values(), key=lambda s: order.get(s.lower(), 2))

    @property
    def rate_limit_headroom(self) -> float | None:
        """Remaining / limit of the latest response (1.0 = untouched quota), if known."""
        if self.rate_limit_limit and self.rate_limit_remaining is not None:
            return self.rate_limit_remaining / self.rate_limit_limit
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (latencies in seconds)."""
        data = asdict(self)
        data["breaker_state"] = self.breaker_state
        data["rate_limit_headroom"] = self.rate_limit_headroom
        return data


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil without floats drifting
    return sorted_values[min(int(rank), len(sorted_values)) - 1]


class StatsObserver:
    """Counts calls, errors, retries, 429s and latencies over a bounded window; thread-safe."""

    def __init__(
        self, *, window: int = DEFAULT_WINDOW, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, bool]] = deque(maxlen=window)
        self._calls = 0
        self._errors = 0
        self._retries = 0
        self._rate_limited = 0
        self._breakers: dict[str, str] = {}
        self._rl: tuple[int | None, int | None, float | None] = (None, None, None)
        self._cache_hits = 0
        self._cache_misses = 0
        self._stale = 0
        self._sync_lag: float | None = None
        self._last_error: str | None = None

    def start_call(self, request: APIRequest) -> CallObservation:
        return _StatsCall(self, self._clock)

    def rate_limit_observed(
        self, *, limit: int | None, remaining: int | None, reset: float | None
    ) -> None:
        with self._lock:
            self._rl = (limit, remaining, reset)

    def breaker_state_changed(self, name: str, old: str, new: str) -> None:
        with self._lock:
            self._breakers[name] = new

    def cache_lookup(self, route: str, *, hit: bool, stale: bool) -> None:
        with self._lock:
            if hit:
                self._cache_hits += 1
            else:
                self._cache_misses += 1

    def sync_lag_observed(self, seconds: float) -> None:
        """Incremental sync reports how far behind it is (seconds since the watermark)."""
        with self._lock:
            self._sync_lag = max(float(seconds), 0.0)

    def call_finished(
        self, duration: float, error: BaseException | None, response: APIResponse | None
    ) -> None:
        """Count one finished call (``duration`` seconds; failed when ``error`` is set)."""
        with self._lock:
            self._calls += 1
            self._recent.append((duration, error is None))
            if error is not None:
                self._errors += 1
                self._last_error = type(error).__name__
            if response is not None and response.meta.stale:
                self._stale += 1

    def retry_observed(self) -> None:
        """Count one retry."""
        with self._lock:
            self._retries += 1

    def throttled_response_observed(self) -> None:
        """Count one 429 answer."""
        with self._lock:
            self._rate_limited += 1

    def snapshot(self) -> ClientStats:
        """The numbers right now."""
        with self._lock:
            recent = list(self._recent)
            limit, remaining, reset = self._rl
            stats_args: dict[str, Any] = dict(
                calls=self._calls,
                errors=self._errors,
                retries=self._retries,
                rate_limited=self._rate_limited,
                breaker_states=dict(self._breakers),
                rate_limit_limit=limit,
                rate_limit_remaining=remaining,
                rate_limit_reset=reset,
                cache_hits=self._cache_hits,
                cache_misses=self._cache_misses,
                stale_served=self._stale,
                sync_lag=self._sync_lag,
                last_error_type=self._last_error,
            )
        durations = sorted(d for d, _ in recent)
        failed = sum(1 for _, ok in recent if not ok)
        return ClientStats(
            window=len(recent),
            window_errors=failed,
            error_rate=failed / len(recent) if recent else 0.0,
            p50=percentile(durations, 50),
            p95=percentile(durations, 95),
            **stats_args,
        )


class _StatsCall:
    __slots__ = ("_clock", "_observer", "_started")

    def __init__(self, observer: StatsObserver, clock: Callable[[], float]) -> None:
        self._observer = observer
        self._clock = clock
        self._started = clock()

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        pass

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        if status_code == 429:
            self._observer.throttled_response_observed()

    def retry_scheduled(self, record: RetryRecord) -> None:
        self._observer.retry_observed()

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        self._observer.call_finished(self._clock() - self._started, error, response)
