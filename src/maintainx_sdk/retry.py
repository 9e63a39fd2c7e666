"""When to retry and how long to wait: a pure decision, no I/O and no global state.

:func:`decide` maps (policy, attempt history, outcome, clock reading, random source) to a
:class:`RetryDecision`. The sans-IO pipeline calls it after every attempt and yields a
``Sleep`` for the wait; tests call it directly with a fixed clock and a seeded RNG.
Tenacity provides the building blocks through its public API: the policy becomes a
``tenacity.Retrying`` with ``wait_exponential`` (the backoff ceiling) and
``stop_after_attempt``, asked about a ``RetryCallState`` at the attempt in question. The
jitter draws from the injected random source so every delay is reproducible; the deadline
is the pipeline's own clock reading, not tenacity's.
"""

from __future__ import annotations

import functools
import math
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol

import httpx
from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential

from . import _constants as C
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "Outcome",
    "RandomSource",
    "RetryDecision",
    "RetryPolicy",
    "RetryState",
    "classify_error",
    "decide",
    "is_success",
    "parse_retry_after",
    "server_wait",
]

DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: "may have reached the server" (read timeout, reset mid-response) vs "never left" (connect).
Delivery = Literal["not_sent", "maybe_sent"]


class RandomSource(Protocol):
    """What the decision needs from a random source (``random.Random`` fits)."""

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the pipeline retries. The defaults suit the MaintainX API.

    ``max_attempts`` counts every attempt that failed for a server-side reason (5xx,
    timeout, connection error), the first included. 429 answers are bounded separately by
    ``max_rate_limit_waits`` and by the call's deadline (``Timeouts.total``), because waiting
    what the server asks for is cheap and usually ends in success. Backoff is exponential
    with full jitter: the n-th failure waits ``uniform(0, min(backoff_cap, backoff_base *
    2**(n-1)))`` seconds.
    """

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    rate_limit_buffer: float = 0.25
    """Added to the server's wait after a 429, so the retry lands after the window reset."""
    honor_retry_after: bool = True
    max_rate_limit_waits: int = 10

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(
                f"RetryPolicy.max_attempts must be >= 1, got {self.max_attempts}"
            )
        base, cap, buffer = self.backoff_base, self.backoff_cap, self.rate_limit_buffer
        # ``not x >= 0`` also rejects NaN, which would reach time.sleep as a raw ValueError
        if not base >= 0 or not cap >= 0 or not buffer >= 0 or math.isinf(base + buffer):
            raise ConfigurationError(
                "RetryPolicy.backoff_base and rate_limit_buffer must be finite and >= 0, and "
                f"backoff_cap >= 0; got backoff_base={base}, backoff_cap={cap}, "
                f"rate_limit_buffer={buffer}"
            )
        if self.max_rate_limit_waits < 0:
            raise ConfigurationError("RetryPolicy.max_rate_limit_waits must be >= 0")

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """No retries at all (every failure reaches the caller at once)."""
        return cls(max_attempts=1, max_rate_limit_waits=0)

    def backoff_ceiling(self, failures: int) -> float:
        """The upper bound of the jittered wait after the ``failures``-th failure (1-based)."""
        retrying = _retrying(self.backoff_base, self.backoff_cap, self.max_attempts)
        return float(retrying.wait(_at_attempt(retrying, max(failures, 1))))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced, reduced to what the decision needs."""

    status_code: int | None = None
    """The HTTP status, or None when no response arrived."""
    error: str | None = None
    """The transport error's type name (``"ReadTimeout"``), when no response arrived."""
    delivery: Delivery = "maybe_sent"
    server_wait: float | None = None
    """Seconds the server asked us to wait (Retry-After / X-Rate-Limit-Reset / body text)."""

    @classmethod
    def from_status(cls, status_code: int, server_wait: float | None = None) -> Outcome:
        return cls(status_code=status_code, server_wait=server_wait)

    @classmethod
    def from_error(cls, exc: BaseException) -> Outcome:
        return cls(error=type(exc).__name__, delivery=classify_error(exc))


@dataclass(frozen=True, slots=True)
class RetryState:
    """The attempt history of one call."""

    started: float
    deadline: float
    attempt: int = 1
    """The attempt that just finished (1-based)."""
    failures: int = 0
    """Server-side failures so far, the one just seen included."""
    rate_limit_waits: int = 0
    """429 answers so far, the one just seen included."""


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Retry after ``wait`` seconds, or stop. ``reason`` says why, in words for logs."""

    retry: bool
    wait: float = 0.0
    reason: str = ""
    outcome_unknown: bool = False
    """Stop because repeating the request could apply it twice (raise OutcomeUnknownError)."""
    deadline_exceeded: bool = False
    """Stop because the wait the server asked for passes the call's deadline."""


def is_success(status_code: int) -> bool:
    """Only 2xx is success: redirects are not followed, so a 3xx never carries the answer."""
    return 200 <= status_code < 300


def classify_error(exc: BaseException) -> Delivery:
    """Whether a failed attempt may have reached the server.

    Connect errors and pool timeouts happen before a byte is sent; everything else (read
    timeout, reset while reading, a broken write) may leave the request applied.
    """
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "not_sent"
    if is_local_error(exc):
        return "not_sent"
    return "maybe_sent"


def is_local_error(exc: BaseException) -> bool:
    """The request could not be put on the wire as it is (a header or URL HTTP refuses).

    Such an attempt never reaches the server, and repeating it cannot succeed.
    """
    return isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol)


#: ``Outcome.error`` names of local errors (see :func:`is_local_error`).
LOCAL_ERRORS = frozenset({"LocalProtocolError", "UnsupportedProtocol"})


def decide(
    policy: RetryPolicy,
    state: RetryState,
    outcome: Outcome,
    *,
    retry_safe: bool,
    now: float,
    rng: RandomSource,
) -> RetryDecision:
    """Decide whether to retry after ``outcome``; pure, so tests can be exact."""
    status = outcome.status_code
    if status is not None and is_success(status):
        return RetryDecision(False, reason="success")
    if status == 429 and 429 in policy.retry_statuses:
        return _decide_rate_limited(policy, state, outcome, now=now, rng=rng)
    if status is not None and status not in policy.retry_statuses:
        return RetryDecision(False, reason=f"{status} is not retryable")
    if outcome.error == "PoolTimeout":
        return RetryDecision(False, reason="pool exhausted (local; retrying would not help)")
    if outcome.error in LOCAL_ERRORS:
        return RetryDecision(
            False, reason=f"{outcome.error}: the request cannot be sent as it is (not retried)"
        )
    label = str(status) if status is not None else (outcome.error or "error")
    if outcome.delivery == "maybe_sent" and not retry_safe:
        return RetryDecision(
            False,
            reason=f"{label}: the request may have been applied and is not safe to repeat",
            outcome_unknown=True,
        )
    wait = _jittered(policy, state.failures, rng)
    if policy.honor_retry_after and outcome.server_wait is not None:
        wait = max(wait, outcome.server_wait)
    retrying = _retrying(policy.backoff_base, policy.backoff_cap, policy.max_attempts)
    attempts_spent = bool(retrying.stop(_at_attempt(retrying, state.failures)))
    if attempts_spent or now + wait >= state.deadline:
        if attempts_spent:
            why = f"{label}: gave up after {state.failures} failed attempts"
        else:
            why = f"{label}: no time left before the deadline for a {wait:.2f}s backoff"
        return RetryDecision(False, wait=wait, reason=why)
    return RetryDecision(True, wait=wait, reason=label)


def _decide_rate_limited(
    policy: RetryPolicy, state: RetryState, outcome: Outcome, *, now: float, rng: RandomSource
) -> RetryDecision:
    if outcome.server_wait is not None and policy.honor_retry_after:
        wait = outcome.server_wait + policy.rate_limit_buffer
    else:
        wait = _jittered(policy, max(state.rate_limit_waits, 1), rng) + policy.rate_limit_buffer
    if state.rate_limit_waits > policy.max_rate_limit_waits:
        return RetryDecision(
            False, wait=wait, reason=f"429: gave up after {state.rate_limit_waits} rate-limit waits"
        )
    if now + wait >= state.deadline:
        return RetryDecision(
            False,
            wait=wait,
            reason=f"429: the server asks for {wait:.2f}s, past the call's deadline",
            deadline_exceeded=True,
        )
    return RetryDecision(True, wait=wait, reason="429")


def _jittered(policy: RetryPolicy, failures: int, rng: RandomSource) -> float:
    """Full jitter: uniform in [0, ceiling)."""
    return rng.random() * policy.backoff_ceiling(failures)


@functools.lru_cache(maxsize=64)
def _retrying(backoff_base: float, backoff_cap: float, max_attempts: int) -> Retrying:
    """The policy's backoff and attempt cap as tenacity strategies (policies are few)."""
    return Retrying(
        wait=wait_exponential(multiplier=backoff_base, max=backoff_cap),
        stop=stop_after_attempt(max_attempts),
    )


def _at_attempt(retrying: Retrying, attempt: int) -> RetryCallState:
    """A call state of ``retrying`` whose last attempt is number ``attempt`` (1-based).

    Built with tenacity's public constructor; ``attempt_number`` is its documented
    attribute, the only one ``wait_exponential`` and ``stop_after_attempt`` read.
    """
    state = RetryCallState(retry_object=retrying, fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    return state


_RETRY_IN_BODY = re.compile(rb"retry in (\d+(?:\.\d+)?) ?s(?:ec(?:ond)?s?)?\b", re.IGNORECASE)


def parse_retry_after(value: str | None, *, wall_now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(seconds, 0.0) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if wall_now is None else wall_now
    return max(when.timestamp() - current, 0.0)


def parse_reset(value: str | None, *, wall_now: float | None = None) -> float | None:
    """Seconds until the rate-limit window resets, from X-Rate-Limit-Reset.

    MaintainX sends seconds-until-reset; a value that looks like a Unix timestamp (as some
    gateways send) is turned into a delay instead of a 50-year wait.
    """
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        return None
    if number > 1e9:
        current = time.time() if wall_now is None else wall_now
        number = number / 1000.0 if number > 1e12 else number
        return max(number - current, 0.0)
    return number


def server_wait(
    headers: Mapping[str, str],
    content: bytes = b"",
    *,
    status_code: int = 429,
    wall_now: float | None = None,
) -> float | None:
    """The wait the server asked for: Retry-After; on a 429 also X-Rate-Limit-Reset, then the
    body's "retry in N seconds" (the API's documented 429 text); else None.

    X-Rate-Limit-Reset rides on every response, so it only means "wait" on a 429.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    wait = parse_retry_after(lower.get("retry-after"), wall_now=wall_now)
    if wait is not None or status_code != 429:
        return wait
    wait = parse_reset(lower.get(C.RATE_LIMIT_RESET_HEADER), wall_now=wall_now)
    if wait is None and content:
        match = _RETRY_IN_BODY.search(content[:2048])
        if match:
            wait = float(match.group(1))
    return wait


def default_rng() -> random.Random:
    """A private random source (never the global one, so user seeding does not leak in)."""
    return random.Random()
