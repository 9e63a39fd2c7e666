"""Every error class: what raises it, what it carries, and that its message helps."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncMaintainX,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MaintainX,
    MaintainXError,
    NotFoundError,
    PermissionDeniedError,
    PoolExhaustedError,
    PoolLimits,
    RateLimitError,
    RetryPolicy,
    Timeouts,
    UnprocessableEntityError,
    ValidationError,
)
from maintainx_sdk._request import APIRequest

from .conftest import TEST_KEY
from .helpers.client_flavours import FLAVOURS, invoke, single_attempt
from .helpers.clocks import SleepRecordingClock
from .helpers.loopback_server import loopback_server
from .helpers.pipeline_harness import BASE, drive_sync, make_pipeline
from .helpers.recording_handler import RecordingHandler
from .helpers.scripted_answers import Script


def _raise(flavour: str, handler: Any, fn: Any) -> MaintainXError:
    with pytest.raises(MaintainXError) as info:
        invoke(flavour, handler, lambda mx: fn(single_attempt(mx)))
    return info.value


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_its_class(flavour: str, status: int, cls: type[APIStatusError]) -> None:
    body = None if status == 401 else {"error": f"problem {status}"}
    rec = RecordingHandler(default=(status, body))
    err = _raise(flavour, rec, lambda mx: mx.work_orders.get(7))
    assert type(err) is cls
    assert isinstance(err, APIStatusError) and err.status_code == status
    assert f"GET /workorders/7 -> {status}" in str(err)
    if body:
        assert f"problem {status}" in str(err)
    assert len(rec.requests) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_400_read_shape(flavour: str) -> None:
    rec = RecordingHandler(default=(400, {"error": "Missing x-organization-id header."}))
    err = _raise(flavour, rec, lambda mx: mx.users.get(1))
    assert isinstance(err, BadRequestError)
    assert "GET /users/1 -> 400: Missing x-organization-id header." in str(err)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_400_write_shape_lists_every_field(flavour: str) -> None:
    body = {
        "errors": [
            {"error": "Invalid priority", "fieldPath": "priority", "fieldValue": "X"},
            {"error": "Too long", "fieldPath": "title"},
        ]
    }
    rec = RecordingHandler(default=(400, body))
    err = _raise(flavour, rec, lambda mx: mx.work_orders.update(7, title="t"))
    assert isinstance(err, BadRequestError)
    assert "PATCH /workorders/7 -> 400" in str(err)
    assert "Invalid priority" in str(err) and "Too long" in str(err)
    assert [e["fieldPath"] for e in err.api_errors] == ["priority", "title"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_429_carries_parsed_rate_limit_headers(flavour: str) -> None:
    headers = {
        "X-Rate-Limit-Limit": "100",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": "0",
        "Retry-After": "0",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers=headers, json={"error": "Please retry in 10 seconds"})

    err = _raise(flavour, handler, lambda mx: mx.work_orders.get(7))
    assert isinstance(err, RateLimitError)
    assert (err.limit, err.remaining, err.reset, err.retry_after) == (100, 0, 0.0, 0.0)
    assert "Please retry in 10 seconds" in str(err)


def test_429_values_from_headers() -> None:
    from maintainx_sdk._error_mapping import status_error
    from maintainx_sdk._request import APIRequest

    response = httpx.Response(
        429,
        headers={
            "X-Rate-Limit-Limit": "500",
            "X-Rate-Limit-Remaining": "3",
            "X-Rate-Limit-Reset": "42",
            "Retry-After": "7",
        },
    )
    err = status_error(
        APIRequest(method="POST", path="/purchaseorders"), response, attempts=1, retries=()
    )
    assert isinstance(err, RateLimitError)
    assert (err.limit, err.remaining, err.reset, err.retry_after) == (500, 3, 42.0, 7.0)
    without_retry_after = httpx.Response(429, headers={"X-Rate-Limit-Reset": "12"})
    err2 = status_error(
        APIRequest(method="GET", path="/x"), without_retry_after, attempts=1, retries=()
    )
    assert isinstance(err2, RateLimitError) and err2.retry_after == 12.0


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_internal_server_error(flavour: str, status: int) -> None:
    rec = RecordingHandler(default=(status, {"error": "boom"}))
    err = _raise(flavour, rec, lambda mx: mx.work_orders.get(7))
    assert isinstance(err, InternalServerError) and err.status_code == status
    assert f"-> {status}: boom" in str(err)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_connection_error(flavour: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    err = _raise(flavour, handler, lambda mx: mx.work_orders.get(7))
    assert type(err) is APIConnectionError
    assert "GET /workorders/7" in str(err)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_timeout(flavour: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    err = _raise(flavour, handler, lambda mx: mx.work_orders.get(7))
    assert isinstance(err, APITimeoutError)
    assert isinstance(err, APIConnectionError)


def test_pool_exhausted_is_its_own_error_not_a_timeout() -> None:
    with loopback_server() as base_url:
        mx = MaintainX(
            api_key=TEST_KEY,
            base_url=base_url,
            pool=PoolLimits(max_connections=1, max_keepalive_connections=1),
            timeout=Timeouts(total=5, connect=1, pool=0.05),
        )
        with mx:
            holder = threading.Thread(target=lambda: mx.request("GET", "/slow"))
            holder.start()
            try:
                import time

                time.sleep(0.15)  # the slow call now holds the only connection
                with pytest.raises(PoolExhaustedError, match=r"PoolLimits\.max_connections"):
                    single_attempt(mx).request("GET", "/fast")
            finally:
                holder.join()


@pytest.mark.async_backends
def test_pool_exhausted_async() -> None:
    async def main() -> None:
        with loopback_server() as base_url:
            async with AsyncMaintainX(
                api_key=TEST_KEY,
                base_url=base_url,
                pool=PoolLimits(max_connections=1, max_keepalive_connections=1),
                timeout=Timeouts(total=5, connect=1, pool=0.05),
            ) as amx:
                slow = asyncio.ensure_future(amx.request("GET", "/slow"))
                await asyncio.sleep(0.15)
                with pytest.raises(PoolExhaustedError):
                    await single_attempt(amx).request("GET", "/fast")
                await slow

    asyncio.run(main())


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("call", "field", "fragment"),
    [
        (lambda mx: mx.work_orders.create(), None, "title"),
        (lambda mx: mx.work_orders.create(title=None), "title", "valid string"),
        (
            lambda mx: mx.work_orders.create(title="t", priority="URGENT"),
            "priority",
            "'NONE', 'LOW', 'MEDIUM' or 'HIGH'",
        ),
        (
            lambda mx: mx.work_orders.list(limit=500).first_page(),
            "limit",
            "less than or equal to 200",
        ),
        (
            lambda mx: mx.work_orders.list(limit=0).first_page(),
            "limit",
            "greater than or equal to 1",
        ),
        (lambda mx: mx.work_orders.create(title=123), "title", "valid string"),
        (
            lambda mx: mx.work_orders.update(7, estimated_time="soon"),
            "estimatedTime",
            "valid integer",
        ),
        (
            lambda mx: mx.work_orders.costs.create(
                7, type="EXPENSE", cost_type="WORK", cost_per_unit=1
            ),
            None,
            "costType",
        ),
        (lambda mx: mx.work_orders.get(""), "id", "required"),
    ],
    ids=[
        "missing-title-arg",
        "missing-title",
        "priority-URGENT",
        "limit-500",
        "limit-0",
        "title-int",
        "estimated-time-str",
        "cost-wrong-enum",
        "empty-id",
    ],
)
def test_bad_input_raises_before_any_request(
    flavour: str, call: Any, field: str | None, fragment: str
) -> None:
    rec = RecordingHandler()
    with pytest.raises((ValidationError, TypeError)) as info:
        invoke(flavour, rec, call)
    assert rec.requests == []
    err = info.value
    assert fragment in str(err)
    if isinstance(err, ValidationError) and field is not None:
        assert field in {e["field"].split(".")[0] for e in err.errors} or field in str(err)


def test_validation_error_names_allowed_values() -> None:
    with pytest.raises(ValidationError) as info:
        invoke(
            "sync",
            RecordingHandler(),
            lambda mx: mx.work_orders.create(title="t", priority="URGENT"),
        )
    [item] = info.value.errors
    assert item["field"] == "priority"
    assert item["input"] == "URGENT"
    assert "HIGH" in item["allowed"]


def test_every_error_is_a_maintainx_error() -> None:
    import maintainx_sdk.errors as errors

    classes = [
        getattr(errors, n)
        for n in errors.__all__
        if isinstance(getattr(errors, n), type) and issubclass(getattr(errors, n), Exception)
    ]
    assert len(classes) >= 20
    assert all(issubclass(c, MaintainXError) for c in classes)


# --- a redirect is not success; a pathological error body still maps ------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_not_an_empty_success(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Location": "https://elsewhere.test/v1/x"})

    mx = MaintainX(
        api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(handler), telemetry=False
    )
    with mx:
        with pytest.raises(APIStatusError, match=r"elsewhere\.test.*check base_url") as info:
            mx.work_orders.create(title="t")
        assert info.value.status_code == status and info.value.attempts == 1
        with pytest.raises(APIStatusError):
            mx.work_orders.get(1)


def test_an_absurdly_nested_error_body_still_gives_the_typed_error() -> None:
    clock = SleepRecordingClock()
    pipe = make_pipeline(clock, retry=RetryPolicy.disabled())
    script = Script([(400, {}, b"[" * 100_000)])
    with pytest.raises(APIStatusError) as info:
        drive_sync(pipe, APIRequest("POST", "/workorders", json={"title": "t"}), script, clock)
    assert info.value.status_code == 400
