"""How a failed call becomes the SDK's typed exception (the message never holds the key).

:func:`status_error` maps an error response, :func:`transport_error` a failure below HTTP;
:func:`final_error` picks between them (or :class:`OutcomeUnknownError`) once the retry
decision has given up; :func:`deadline_error` and :func:`quota_error` are the flow's own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from ._actions import parse_rate_limit
from ._request import APIRequest
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    MaintainXError,
    OutcomeUnknownError,
    PoolExhaustedError,
    RateLimitError,
    RetryRecord,
    status_error_class,
)
from .retry import RetryDecision


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


def final_error(
    request: APIRequest,
    decision: RetryDecision,
    response: httpx.Response | None,
    error: BaseException | None,
    *,
    attempts: int,
    retries: Sequence[RetryRecord],
    wall_now: float,
) -> MaintainXError:
    """The call's error once ``decision`` says not to retry after the last attempt."""
    history = tuple(retries)
    cause: APIError
    if response is not None:
        cause = status_error(request, response, attempts=attempts, retries=history, now=wall_now)
        if isinstance(cause, RateLimitError) and decision.deadline_exceeded:
            cause.retry_after = decision.wait
            cause.args = (f"{cause.args[0]}; {decision.reason}",)
    else:
        assert error is not None
        cause = transport_error(request, error, attempts=attempts, retries=history)
    if not decision.outcome_unknown:
        return cause
    unknown = OutcomeUnknownError(
        f"{request.method} {request.path}: the outcome is unknown ({decision.reason}); it was "
        "not retried to avoid a duplicate. Retry with an idempotency key, or look the record "
        "up first.",
        cause_description=decision.reason,
        method=request.method,
        path=request.path,
        attempts=attempts,
        retries=history,
    )
    unknown.__cause__ = cause
    return unknown


def deadline_error(
    request: APIRequest, total: float, *, attempts: int, retries: Sequence[RetryRecord]
) -> APITimeoutError:
    """The call's deadline passed before attempt ``attempts + 1`` could be sent."""
    return APITimeoutError(
        f"{request.method} {request.path}: the call's deadline of {total:g}s passed "
        f"(after {attempts} attempts)",
        method=request.method,
        path=request.path,
        attempts=max(attempts, 1),
        retries=tuple(retries),
    )


def quota_error(
    request: APIRequest,
    wait: float,
    total: float,
    *,
    attempts: int,
    retries: Sequence[RetryRecord],
) -> RateLimitError:
    """The client-side limiter's next slot lies past the call's deadline: nothing was sent."""
    return RateLimitError(
        f"{request.method} {request.path}: the client-side rate limiter's next slot is "
        f"{wait:.2f}s away, past the call's deadline ({total:g}s); no request was sent. Raise "
        "Timeouts.total or slow down.",
        retry_after=wait,
        status_code=429,
        method=request.method,
        path=request.path,
        attempts=max(attempts, 1),
        retries=tuple(retries),
    )
