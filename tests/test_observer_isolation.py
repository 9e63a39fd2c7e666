"""A failing observer never breaks a call (nor makes a created record look failed)."""

from __future__ import annotations

import logging

import httpx
import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk._observer import NullObserver


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
