"""Regression tests for gaps an independent audit of the client, webhooks and readiness found."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    APIError,
    APIResponseValidationError,
    AsyncMaintainX,
    ConfigurationError,
    MaintainX,
    MaintainXError,
    PoolLimits,
    RateLimitError,
    ValidationError,
    readiness,
)
from maintainx_sdk.models.subscriptions import (
    SubscriptionCreateResponse,
    SubscriptionGetSecretResponse,
)

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER
from .helpers.client_flavours import FLAVOURS, invoke
from .helpers.recording_handler import RecordingHandler

WO = {**WORK_ORDER, "id": 42}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("bad", ["abc", "4 2", "", True, 4.5, None, "²"])
def test_integer_path_ids_are_checked_before_any_request(flavour: str, bad: Any) -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with pytest.raises(ValidationError) as info:
        invoke(flavour, rec, lambda mx: mx.work_orders.get(bad))
    assert info.value.errors[0]["field"] == "id"
    assert rec.requests == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_digit_strings_are_accepted_as_ids(flavour: str) -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    wo = invoke(flavour, rec, lambda mx: mx.work_orders.get(" 42"))
    assert wo.id == 42
    assert rec.last.url.path == "/v1/workorders/42"


def test_every_integer_path_parameter_is_checked() -> None:
    rec = RecordingHandler(default=(200, {}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        with pytest.raises(ValidationError, match="'userId' must be an integer"):
            mx.teams.members.delete(1, "bob")
        # String path parameters (file names) are left alone.
        mx.work_orders.attachments.upload(
            7, "report 1.pdf", b"%PDF", content_type="application/pdf"
        )
    assert [r.url.raw_path for r in rec.requests] == [
        b"/v1/workorders/7/attachments/report%201.pdf"
    ]


def test_a_view_of_a_closed_client_fails_with_the_sdk_error() -> None:
    mx = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
    view = mx.with_options(timeout=3)
    mx.close()
    with pytest.raises(MaintainXError, match="closed"):
        view.work_orders.get(1)


def test_an_async_view_of_a_closed_client_fails_with_the_sdk_error() -> None:
    async def main() -> None:
        amx = AsyncMaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
        view = amx.with_options(headers={"X-A": "1"})
        await amx.aclose()
        with pytest.raises(MaintainXError, match="closed"):
            await view.work_orders.get(1)

    asyncio.run(main())


def test_webhook_secrets_stay_out_of_reprs() -> None:
    secret = "whsec-0123456789abcdef"
    created = SubscriptionCreateResponse.model_validate(
        {"id": 1, "status": "VALID", "secret": secret}
    )
    fetched = SubscriptionGetSecretResponse.model_validate({"secret": secret})
    for model in (created, fetched):
        assert secret not in repr(model)
        assert secret not in str(model)
    assert created.secret == fetched.secret == secret


def _redaction(api_key: str) -> readiness.CheckResult:
    with MaintainX(api_key=api_key, transport=httpx.MockTransport(RecordingHandler())) as mx:
        report = readiness.check(mx, live=False)
    return next(c for c in report.checks if c.id == "logging.redaction")


def test_redaction_check_warns_on_a_key_too_short_to_mask_instead_of_blaming_the_sdk() -> None:
    short = _redaction("abc")
    assert short.status == "warn"
    assert "3 characters" in short.evidence
    assert "SDK bug" not in (short.fix or "")
    assert _redaction("a-long-enough-test-key-0123456789").status == "pass"


def test_raw_response_is_typed_as_present_and_absent_only_on_hand_built_models() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        detail = mx.work_orders.get(42)
    assert detail.raw_response.status_code == 200  # no Optional to unwrap
    built = SubscriptionGetSecretResponse.model_validate({"secret": "s"})
    with pytest.raises(AttributeError, match="no raw_response"):
        built.raw_response  # noqa: B018
    assert getattr(built, "raw_response", None) is None
    assert detail.raw_response.json() == {"workOrder": WO}  # the envelope stays reachable


def test_max_retries_zero_means_one_attempt_even_after_a_429() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}, json={"error": "slow"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"workOrder": WO}))

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        with pytest.raises(RateLimitError) as info:
            mx.with_options(max_retries=0).work_orders.get(42)
        assert info.value.retry_after == 1
        assert mx.with_options(max_retries=1).work_orders.get(42).id == 42
        with pytest.raises(ConfigurationError, match="max_retries must be >= 0"):
            mx.with_options(max_retries=-1)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("body", [b"not json", b'{"workOrder": {"id": "x"}}'])
def test_a_malformed_answer_is_an_api_error_that_says_where_it_came_from(
    flavour: str, body: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    with pytest.raises(APIResponseValidationError) as info:
        invoke(flavour, handler, lambda mx: mx.work_orders.get(7))
    err = info.value
    assert isinstance(err, APIError) and isinstance(err, ValidationError)
    # a safe read is asked again (max_attempts=3) before the error is raised
    assert (err.method, err.path, err.status_code, err.attempts) == ("GET", "/workorders/7", 200, 3)
    assert str(err).startswith("GET /workorders/7 -> 200: work_orders.get: invalid response body")
    assert err.errors


@pytest.mark.parametrize(
    "key",
    ["abc\ndef-0123456789", "abc def-0123456789", '"abcdef-0123456789"', "ab\x00c-0123456789"],
)
def test_a_key_no_http_header_can_carry_is_a_configuration_error_without_the_key(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="the api_key argument") as info:
        MaintainX(api_key=key)
    assert "0123456789" not in str(info.value)
    if "\x00" in key:
        return  # an environment variable cannot hold a NUL byte
    monkeypatch.setenv("MAINTAINX_API_KEY", key)
    with pytest.raises(ConfigurationError, match="MAINTAINX_API_KEY has"):
        MaintainX()


def test_surrounding_whitespace_is_trimmed_and_a_blank_key_is_refused() -> None:
    assert MaintainX(api_key=" k-0123456789\n").config.api_key.reveal() == "k-0123456789"
    with pytest.raises(ConfigurationError, match="is empty"):
        MaintainX(api_key="   ")


@pytest.mark.parametrize(
    "limits",
    [
        {"max_connections": 0},
        {"max_keepalive_connections": -1},
        {"keepalive_expiry": -1.0},
    ],
)
def test_pool_limits_that_cannot_work_are_refused(limits: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="PoolLimits"):
        PoolLimits(**limits)


def test_a_mistyped_webhook_event_type_is_refused_with_a_suggestion() -> None:
    from maintainx_sdk.webhooks import WebhookDispatcher

    dispatcher = WebhookDispatcher()
    for typo in ("WORK_ORDER_STATUS_CHANGED", "work_order_status_change"):
        with pytest.raises(ConfigurationError, match="did you mean 'WORK_ORDER_STATUS_CHANGE'"):
            dispatcher.on(typo)
    dispatcher.on("WORK_ORDER_STATUS_CHANGE", "*", "ROBOT_ARRIVED")(print)  # known, any, new
    dispatcher.on("WORK_ORDER_STATUS_CHANGED", allow_unknown=True)(print)


def test_readiness_entry_points_name_their_twin_when_given_the_other_client() -> None:
    sync = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
    amx = AsyncMaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler()))
    with pytest.raises(ConfigurationError, match=r"use readiness.acheck\(\)"):
        readiness.check(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.ahealth\(\)"):
        readiness.health(amx)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.check\(\)"):
        asyncio.run(readiness.acheck(sync))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"use readiness.health\(\)"):
        asyncio.run(readiness.ahealth(sync))  # type: ignore[arg-type]
    sync.close()


def test_derive_key_takes_what_a_create_takes() -> None:
    import hashlib
    from datetime import UTC, date, datetime, timedelta, timezone
    from decimal import Decimal

    from maintainx_sdk.idempotency import derive_key

    op = "work_orders.create"
    due = datetime(2030, 1, 1, 12, tzinfo=UTC)
    same_instant = due.astimezone(timezone(timedelta(hours=2)))
    assert derive_key(op, {"dueDate": due}) == derive_key(op, {"dueDate": same_instant})
    assert derive_key(op, {"dueDate": due}) != derive_key(op, {"dueDate": due + timedelta(1)})
    assert derive_key(op, {"tags": {"b", "a", "c"}}) == derive_key(op, {"tags": ["a", "b", "c"]})
    assert derive_key(op, {"d": date(2030, 1, 1)}) == derive_key(op, {"d": "2030-01-01"})
    assert derive_key(op, {"n": Decimal("1.5")}) == derive_key(op, {"n": "1.5"})
    # Plain payloads keep the keys they always had.
    plain = {"title": "Weekly check", "priority": "LOW"}
    body = b'{"priority":"LOW","title":"Weekly check"}'
    assert (
        derive_key(op, plain) == "derived-" + hashlib.sha256(op.encode() + b"\n" + body).hexdigest()
    )
    with pytest.raises(ValidationError, match="not plain JSON"):
        derive_key(op, {"x": object()})


def test_header_values_httpx_would_refuse_on_the_wire_fail_before_sending() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        for bad in ({"X-Trace": "abc\nsecret-value"}, {"X-Trace": "café"}, {"Bad Name": "v"}):
            with pytest.raises(ConfigurationError) as info:
                mx.with_options(headers=bad)
            assert "secret-value" not in str(info.value)
            with pytest.raises(ValidationError):
                mx.request("GET", "/workorders/42", headers=bad)
        with pytest.raises(ConfigurationError, match="default_headers"):
            MaintainX(api_key=TEST_KEY, default_headers={"X-A": "1\r\n2"})
        mx.with_options(headers={"X-Request-Source": "nightly\tjob"}).work_orders.get(42)
    assert len(rec.requests) == 1 and rec.last.headers["X-Request-Source"] == "nightly\tjob"
