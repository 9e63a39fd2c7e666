"""Client policies for tests that make many calls: no pacing, millisecond backoff."""

from __future__ import annotations

from typing import Any

from maintainx_sdk import RateLimit, RetryPolicy

#: No client-side pacing (tests make hundreds of calls a second) and millisecond backoff
#: (retries are exercised, not waited for).
FAST: dict[str, Any] = {
    "rate_limit": RateLimit.disabled(),
    "retry": RetryPolicy(backoff_base=0.001, backoff_cap=0.005, rate_limit_buffer=0.0),
}
