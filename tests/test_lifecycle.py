"""Lifecycle without surprises: explicit close, cheap per-call views, one loop per async client."""

from __future__ import annotations

import asyncio
import gc
import weakref

import httpx
import pytest

from maintainx_sdk import (
    AsyncMaintainX,
    EventLoopMismatchError,
    MaintainX,
    MaintainXError,
    Timeouts,
)
from maintainx_sdk.pagination import AsyncPager, SyncPager
from maintainx_sdk.resources.work_orders import AsyncWorkOrders, WorkOrders

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER
from .helpers.recording_handler import RecordingHandler

WO = WORK_ORDER


def _client(rec: RecordingHandler) -> MaintainX:
    return MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec))


def test_no_cleanup_in_del() -> None:
    for cls in (MaintainX, AsyncMaintainX, WorkOrders, AsyncWorkOrders, SyncPager, AsyncPager):
        assert all("__del__" not in vars(klass) for klass in cls.__mro__ if klass is not object), (
            cls
        )


def test_close_closes_the_pool_and_later_calls_fail_clearly() -> None:
    mx = _client(RecordingHandler(default=(200, {"workOrder": WO})))
    mx.work_orders.get(1)
    mx.close()
    assert mx._http.is_closed
    with pytest.raises(MaintainXError, match="closed"):
        mx.work_orders.get(1)
    mx.close()  # idempotent


@pytest.mark.async_backends
def test_context_managers_close() -> None:
    with _client(RecordingHandler()) as mx:
        pass
    assert mx._http.is_closed

    async def main() -> AsyncMaintainX:
        async with AsyncMaintainX(
            api_key=TEST_KEY, transport=httpx.MockTransport(RecordingHandler())
        ) as amx:
            pass
        return amx

    amx = asyncio.run(main())
    assert amx._http.is_closed


def test_caller_owned_http_client_is_left_open() -> None:
    http = httpx.Client(
        transport=httpx.MockTransport(RecordingHandler(default=(200, {"workOrder": WO})))
    )
    with MaintainX(api_key=TEST_KEY, http_client=http) as mx:
        mx.work_orders.get(1)
    assert not http.is_closed
    http.close()


def test_with_options_shares_the_pool_and_applies_per_call_settings() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    mx = _client(rec)
    view = mx.with_options(timeout=2.5, headers={"X-Request-Source": "nightly"})
    assert view._http is mx._http
    view.work_orders.get(1)
    assert rec.last.headers["X-Request-Source"] == "nightly"
    assert rec.last.extensions["timeout"]["read"] <= 2.5
    mx.work_orders.get(1)
    assert "X-Request-Source" not in rec.last.headers
    view.close()
    assert not mx._http.is_closed  # the view does not own the pool
    mx.work_orders.get(1)
    mx.close()


def test_with_options_views_leak_nothing() -> None:
    mx = _client(RecordingHandler(default=(200, {"workOrder": WO})))
    assert mx.work_orders is not None  # caches the namespace on the parent
    before = dict(mx.__dict__)
    refs = []
    for i in range(200):
        view = mx.with_options(headers={"X-N": str(i)}, timeout=Timeouts(total=5))
        if i % 20 == 0:  # a few real calls; stay far below the client-side rate limit
            view.work_orders.get(1)
        assert view.work_orders._client is view
        refs.append(weakref.ref(view))
        del view
    gc.collect()
    assert all(r() is None for r in refs), "views must be garbage once dropped"
    assert mx.__dict__.keys() == before.keys()
    assert mx.work_orders is before["work_orders"]
    mx.close()


def test_namespaces_are_cached_per_client() -> None:
    mx = _client(RecordingHandler())
    assert mx.work_orders is mx.work_orders
    assert mx.work_orders.comments is mx.work_orders.comments
    mx.close()


def test_async_client_on_another_loop_says_so() -> None:
    amx = AsyncMaintainX(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(RecordingHandler(default=(200, {"workOrder": WO}))),
    )

    async def use() -> None:
        await amx.work_orders.get(1)

    asyncio.run(use())
    with pytest.raises(EventLoopMismatchError, match="loop"):
        asyncio.run(use())


def test_async_client_across_live_loops() -> None:
    amx = AsyncMaintainX(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(RecordingHandler(default=(200, {"workOrder": WO}))),
    )
    loop_a, loop_b = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        loop_a.run_until_complete(amx.work_orders.get(1))
        with pytest.raises(EventLoopMismatchError, match="another event loop"):
            loop_b.run_until_complete(amx.work_orders.get(1))
        loop_a.run_until_complete(amx.aclose())
    finally:
        loop_a.close()
        loop_b.close()


def test_omitted_arguments_are_not_sent_and_none_is_null() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with _client(rec) as mx:
        mx.work_orders.update(1, title="t", description=None, due_date=None)
        assert rec.last_json() == {"title": "t", "description": None, "dueDate": None}
        assert "skipWebhook" not in rec.last.url.params
        mx.work_orders.get(1)
        assert rec.last.url.query == b""
        mx.request("GET", "/workorders/1", params={"a": None, "b": 1})
        assert rec.last.url.params.multi_items() == [("b", "1")]


def test_raw_response_gives_status_headers_and_attempts() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-Rate-Limit-Remaining": "97"}, json={"workOrder": WO})

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        wo = mx.work_orders.get(1)
        meta = wo.raw_response
        assert meta is not None
        assert (meta.status_code, meta.method, meta.path, meta.attempts) == (
            200,
            "GET",
            "/workorders/1",
            1,
        )
        assert meta.headers["x-rate-limit-remaining"] == "97"
        raw = mx.request("GET", "/workorders/1")
        assert raw.status_code == 200 and raw.attempts == 1 and raw.json()["workOrder"]["id"] == 1


def test_pager_items_carry_raw_response() -> None:
    rec = RecordingHandler(
        routes={
            ("GET", "/workorders"): (
                200,
                {
                    "workOrders": [
                        {k: WO[k] for k in ("id", "sequentialId", "title", "updatedAt", "status")}
                    ],
                    "nextCursor": None,
                },
            )
        }
    )
    with _client(rec) as mx:
        page = mx.work_orders.list().first_page()
        assert page.meta.status_code == 200
        assert page.items[0].raw_response.meta is page.meta


def test_request_keeps_a_query_written_into_the_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"workOrders": []})

    with MaintainX(api_key="k-123456789", transport=httpx.MockTransport(handler)) as mx:
        mx.request("GET", "/workorders?limit=5&statuses=OPEN", params={"statuses": ["DONE"]})
    assert seen[0].url.path.endswith("/workorders")
    assert seen[0].url.params.get_list("statuses") == ["OPEN", "DONE"]
    assert seen[0].url.params["limit"] == "5"


# --- a view of a closed client --------------------------------------------------------


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
