"""One request path for both clients, written once without I/O (sans-IO).

``Pipeline.flow`` is a generator: it yields :class:`Send` and :class:`Sleep` actions and
receives their results; :func:`run_sync` and :func:`run_async` are the only places that do
I/O. Sync and async clients therefore share every decision: deadline, attempts, error
mapping and observation.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import _constants as C
from ._config import ClientConfig, Timeouts
from ._observer import NullObserver, Observer
from ._request import ApiRequest
from ._response import ApiResponse, ResponseMeta
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    PoolExhaustedError,
    RateLimitError,
    RetryRecord,
    status_error_class,
)


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request and hand back the fully read response (or throw the error)."""

    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds before going on."""

    seconds: float


Action = Send | Sleep
Flow = Generator[Action, Any, ApiResponse]


@dataclass(slots=True)
class CallOptions:
    """Per-call settings layered over the client's (see ``client.with_options``)."""

    timeouts: Timeouts | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The X-Rate-Limit-* headers of a response, parsed."""

    limit: int | None
    remaining: int | None
    reset: float | None
    retry_after: float | None


def parse_rate_limit(headers: Mapping[str, str], *, now: float | None = None) -> RateLimitInfo:
    """Parse X-Rate-Limit-Limit/-Remaining/-Reset and Retry-After (seconds or HTTP-date)."""
    lower = {k.lower(): v for k, v in headers.items()}
    return RateLimitInfo(
        limit=_int_or_none(lower.get(C.RATE_LIMIT_LIMIT_HEADER)),
        remaining=_int_or_none(lower.get(C.RATE_LIMIT_REMAINING_HEADER)),
        reset=_float_or_none(lower.get(C.RATE_LIMIT_RESET_HEADER)),
        retry_after=parse_retry_after(lower.get("retry-after"), now=now),
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    seconds = _float_or_none(value)
    if seconds is not None:
        return max(seconds, 0.0)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _float_or_none(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def api_error_text(content: bytes) -> tuple[str, list[dict[str, Any]], Any]:
    """The API's own error text from a body of either documented shape, plus the items."""
    if not content:
        return "", [], None
    try:
        body = json.loads(content)
    except ValueError:
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
    request: ApiRequest,
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
    if attempts > 1:
        message += f" (after {attempts} attempts)"
    cls = status_error_class(status)
    common: dict[str, Any] = dict(
        status_code=status,
        body=body,
        headers=dict(response.headers),
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
    request: ApiRequest, exc: BaseException, *, attempts: int, retries: tuple[RetryRecord, ...]
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
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return APITimeoutError(f"{where}: timed out ({type(exc).__name__}){suffix}", **kw)
    return APIConnectionError(f"{where}: connection failed ({type(exc).__name__}){suffix}", **kw)


class Pipeline:
    """Turns an :class:`ApiRequest` into a response, deciding everything but the I/O."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = "",
    ) -> None:
        self.config = config
        self.observer: Observer = observer or NullObserver()
        self.clock = clock
        self.user_agent = user_agent

    def build_http_request(
        self, request: ApiRequest, options: CallOptions | None, timeout: httpx.Timeout
    ) -> httpx.Request:
        headers: dict[str, str] = {
            "Authorization": f"Bearer {self.config.api_key.reveal()}",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        if self.config.organization_id is not None and not _has_header(
            request.headers, C.ORGANIZATIONS_HEADER
        ):
            headers[C.ORGANIZATION_HEADER] = str(self.config.organization_id)
        headers.update(self.config.default_headers)
        if options is not None:
            headers.update(options.headers)
        headers.update(request.headers)
        url = self.config.base_url + request.path
        kwargs: dict[str, Any] = {"params": list(request.params), "headers": headers}
        if request.content is not None:
            kwargs["content"] = request.content
        elif request.json is not None:
            kwargs["content"] = json.dumps(request.json, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        http_request = httpx.Request(request.method, url, **kwargs)
        http_request.extensions["timeout"] = timeout.as_dict()
        return http_request

    def flow(self, request: ApiRequest, options: CallOptions | None = None) -> Flow:
        """The whole call as a generator of I/O actions; returns the successful response."""
        timeouts = (options.timeouts if options else None) or self.config.timeouts
        started = self.clock()
        deadline = started + timeouts.total
        observation = self.observer.start_call(request)
        attempt = 0
        retries: tuple[RetryRecord, ...] = ()
        try:
            attempt += 1
            http_request = self.build_http_request(
                request, options, timeouts.for_attempt(deadline - self.clock())
            )
            observation.attempt_started(attempt, http_request)
            t0 = self.clock()
            try:
                response: httpx.Response = yield Send(http_request)
            except (httpx.TransportError, TimeoutError, OSError) as exc:
                observation.attempt_finished(
                    attempt, status_code=None, error=exc, duration=self.clock() - t0
                )
                raise transport_error(request, exc, attempts=attempt, retries=retries) from None
            observation.attempt_finished(
                attempt, status_code=response.status_code, error=None, duration=self.clock() - t0
            )
            info = parse_rate_limit(response.headers)
            if info.limit is not None or info.remaining is not None:
                self.observer.rate_limit_observed(
                    limit=info.limit, remaining=info.remaining, reset=info.reset
                )
            if response.status_code >= 400:
                raise status_error(request, response, attempts=attempt, retries=retries)
            result = ApiResponse(
                meta=ResponseMeta(
                    method=request.method,
                    path=request.path,
                    status_code=response.status_code,
                    headers=dict(response.headers),
                    attempts=attempt,
                    retries=retries,
                    elapsed=self.clock() - started,
                ),
                content=response.content,
            )
        except BaseException as exc:
            observation.finished(response=None, error=exc)
            raise
        observation.finished(response=result, error=None)
        return result


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(k.lower() == name for k in headers)


def run_sync(
    flow: Flow, http: httpx.Client, sleep: Callable[[float], None] = time.sleep
) -> ApiResponse:
    """Drive a flow with a blocking httpx client."""
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                sleep(action.seconds)
                action = flow.send(None)
                continue
            try:
                response = http.send(action.request)
                response.read()
            except Exception as exc:
                action = flow.throw(exc)
            else:
                action = flow.send(response)
    except StopIteration as stop:
        result: ApiResponse = stop.value
        return result
    finally:
        flow.close()


async def run_async(
    flow: Flow,
    http: httpx.AsyncClient,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> ApiResponse:
    """Drive a flow with an asyncio httpx client. Cancellation closes the flow cleanly."""
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                await sleep(action.seconds)
                action = flow.send(None)
                continue
            try:
                response = await http.send(action.request)
                await response.aread()
            except Exception as exc:
                action = flow.throw(exc)
            else:
                action = flow.send(response)
    except StopIteration as stop:
        result: ApiResponse = stop.value
        return result
    finally:
        flow.close()
