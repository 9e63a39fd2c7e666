"""A failing observer never breaks a call (nor makes a created record look failed)."""

from __future__ import annotations

import logging

import httpx
import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk._observer import NULL_CALL, NullObserver


class Exploding(NullObserver):
    def rate_limit_observed(self, **kw: object) -> None:  # type: ignore[override]
        raise RuntimeError("telemetry bug")


def test_a_raising_observer_is_logged_and_the_create_still_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"id": 7},
            headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "9"},
        )

    mx = MaintainX(
        api_key="k-123456789", transport=httpx.MockTransport(handler), observers=[Exploding()]
    )
    with mx, caplog.at_level(logging.WARNING, logger="maintainx_sdk"):
        created = mx.work_orders.create(title="Still created")
    assert created.id == 7
    assert any(
        "observer hook Exploding.rate_limit_observed failed" in r.message for r in caplog.records
    )


class _ExplodingCall:
    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        raise RuntimeError("span bug")

    def attempt_finished(self, attempt: int, **kw: object) -> None:
        raise RuntimeError("metric bug")

    def retry_scheduled(self, record: object) -> None:
        raise RuntimeError("retry bug")

    def finished(self, **kw: object) -> None:
        raise RuntimeError("finish bug")


class _ExplodingCalls(NullObserver):
    def start_call(self, request: object) -> _ExplodingCall:  # type: ignore[override]
        return _ExplodingCall()


def test_every_call_hook_is_isolated_and_idle_observers_are_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from maintainx_sdk._observer import FanOutObserver
    from maintainx_sdk._request import APIRequest

    request = APIRequest(method="GET", path="/x")
    idle = FanOutObserver([NullObserver(), NullObserver()])
    assert idle.start_call(request) is NULL_CALL  # nothing to fan out per hook
    call = FanOutObserver([NullObserver(), _ExplodingCalls()]).start_call(request)
    with caplog.at_level(logging.WARNING, logger="maintainx_sdk"):
        call.attempt_started(1, httpx.Request("GET", "http://x/"))
        call.attempt_finished(1, status_code=200, error=None, duration=0.1)
        call.finished(response=None, error=None)
    failed = [r.message for r in caplog.records if "hook" in r.message]
    assert failed == [
        "maintainx observer hook _ExplodingCall.attempt_started failed",
        "maintainx observer hook _ExplodingCall.attempt_finished failed",
        "maintainx observer hook _ExplodingCall.finished failed",
    ]
