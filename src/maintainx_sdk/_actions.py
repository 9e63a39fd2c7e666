"""What the sans-IO flow and its drivers exchange, and the small codecs both sides share.

The flow (:mod:`._flow`) yields :class:`Send` and :class:`Sleep` actions; the drivers
(:mod:`._drivers`) perform them. :class:`CallOptions` are the per-call settings a client
view passes in; :func:`parse_rate_limit` and :func:`encode_json` read and write the wire.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from . import _constants as C
from ._config import Timeouts
from ._request import APIRequest
from ._response import APIResponse
from .errors import ValidationError
from .retry import RetryPolicy, parse_reset, parse_retry_after


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


#: The parse of headers without any X-Rate-Limit-* or Retry-After header.
NO_RATE_LIMIT_INFO: Final = RateLimitInfo(None, None, None, None)


def parse_rate_limit(headers: Mapping[str, str], *, now: float | None = None) -> RateLimitInfo:
    """Parse X-Rate-Limit-Limit/-Remaining/-Reset and Retry-After (seconds or HTTP-date).

    ``now`` is the wall-clock time (seconds since the epoch) for HTTP-date values.
    """
    lookup: Mapping[str, str] = (
        headers  # already case-insensitive
        if isinstance(headers, httpx.Headers)
        else {k.lower(): v for k, v in headers.items()}
    )
    return rate_limit_info(lookup, now=now)


def rate_limit_info(lookup: Mapping[str, str], *, now: float | None = None) -> RateLimitInfo:
    """:func:`parse_rate_limit` for headers whose names are already lower-case."""
    limit = lookup.get(C.RATE_LIMIT_LIMIT_HEADER)
    remaining = lookup.get(C.RATE_LIMIT_REMAINING_HEADER)
    reset = lookup.get(C.RATE_LIMIT_RESET_HEADER)
    retry_after = lookup.get("retry-after")
    if limit is None and remaining is None and reset is None and retry_after is None:
        return NO_RATE_LIMIT_INFO  # an answer without any: nothing to parse
    return RateLimitInfo(
        limit=_int_or_none(limit),
        remaining=_int_or_none(remaining),
        reset=parse_reset(reset, wall_now=now),
        retry_after=parse_retry_after(retry_after, wall_now=now),
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
