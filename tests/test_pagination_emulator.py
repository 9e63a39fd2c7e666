"""Paging against the emulator: page sizes, edits while paging, faults, abandoned iterators."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintainx_sdk import APIConnectionError, AsyncMaintainX, MaintainX, PoolLimits
from maintainx_sdk.pagination import AsyncPager, SyncPager
from maintainx_sdk.sync import source_operation
from tests.helpers.fast_policies import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")


def _emulator(work_orders: int = 0) -> Any:
    return emulator_module.Emulator(
        seed=7, work_orders=work_orders, rate_limit=None, org_rate_limit=None
    )


def _client(emu: Any) -> MaintainX:
    return MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST)


def _pager(mx: MaintainX, source: str, **query: Any) -> SyncPager[dict[str, Any]]:
    return SyncPager(mx, source_operation(source), query=query)


_wo_edits = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from(["create", "update", "close"])), max_size=10
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_size=st.integers(1, 40),
    sort=st.sampled_from([None, "updatedAt", "-updatedAt", "createdAt", "-createdAt"]),
    edits=_wo_edits,
)
def test_work_orders_edited_while_paging_lose_and_repeat_nothing(
    page_size: int, sort: str | None, edits: list[tuple[int, str]]
) -> None:
    emu = _emulator(work_orders=60)
    with _client(emu) as mx:
        before = {wo["id"] for wo in _pager(mx, "work_orders")}
        seen: list[int] = []
        touched: set[int] = set()
        query: dict[str, Any] = {"limit": page_size}
        if sort:
            query["sort"] = sort
        for number, page in enumerate(_pager(mx, "work_orders", **query).iter_pages()):
            seen.extend(wo["id"] for wo in page.items)
            for _, kind in (e for e in edits if e[0] == number):
                target = sorted(before)[(number * 7) % len(before)]
                if kind == "create":
                    mx.request("POST", "/workorders", json={"title": f"new {number}"})
                elif kind == "update":
                    mx.request("PATCH", f"/workorders/{target}", json={"title": f"t{number}"})
                    touched.add(target)
                else:
                    mx.request("PATCH", f"/workorders/{target}/status", json={"status": "DONE"})
                    touched.add(target)
    assert len(seen) == len(set(seen)), "an item was repeated"
    # Sorted newest-first, a record edited mid-walk jumps ahead of the walk (documented).
    may_miss = touched if sort == "-updatedAt" else set()
    assert before - may_miss <= set(seen), "an item was lost"


_asset_edits = st.lists(
    st.tuples(st.integers(0, 10), st.sampled_from(["create", "update", "delete"])), max_size=10
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_size=st.integers(1, 12),
    sort=st.sampled_from([None, "updatedAt", "id", "-id", "-updatedAt"]),
    edits=_asset_edits,
    same_stamp=st.booleans(),
)
def test_offset_assets_edited_while_paging_lose_nothing_and_drop_repeats(
    page_size: int, sort: str | None, edits: list[tuple[int, str]], same_stamp: bool
) -> None:
    emu = _emulator()
    with _client(emu) as mx:
        if not same_stamp:  # give every asset its own updatedAt
            for ident in [a["id"] for a in _pager(mx, "assets")]:
                mx.request("PATCH", f"/assets/{ident}", json={"description": "x"})
        for n in range(25):
            mx.request("POST", "/assets", json={"name": f"asset {n}"})
        before = [a["id"] for a in _pager(mx, "assets", sort="id")]
        anchored = sort in (None, "updatedAt")
        # Offsets shift under deletes; only the anchored walk is immune to them.
        kinds = ("create", "update", "delete") if anchored else ("create", "update")
        deleted: set[int] = set()
        touched: set[int] = set()
        seen: list[int] = []
        query: dict[str, Any] = {"limit": page_size}
        if sort:
            query["sort"] = sort
        pager = _pager(mx, "assets", **query)
        for number, page in enumerate(pager.iter_pages()):
            seen.extend(a["id"] for a in page.items)
            for _, kind in (e for e in edits if e[0] == number and e[1] in kinds):
                target = before[(number * 5) % len(before)]
                if kind == "create":
                    mx.request("POST", "/assets", json={"name": f"late {number}"})
                elif kind == "update" and target not in deleted:
                    mx.request("PATCH", f"/assets/{target}", json={"name": f"renamed {number}"})
                    touched.add(target)
                elif kind == "delete" and target not in deleted:
                    mx.request("DELETE", f"/assets/{target}")
                    deleted.add(target)
    assert len(seen) == len(set(seen)), "a repeated asset was not dropped"
    may_miss = deleted | (touched if sort == "-updatedAt" else set())
    assert set(before) - may_miss <= set(seen), "an asset was lost"


def test_abandoned_iterators_release_their_connection() -> None:
    emu = _emulator(work_orders=50)
    with emu.serve() as server:
        mx = MaintainX(
            api_key=server.api_key,
            base_url=server.base_url,
            pool=PoolLimits(max_connections=1, max_keepalive_connections=1),
            timeout=5,
            **FAST,
        )
        with mx:
            for _ in range(3):
                for _wo in _pager(mx, "work_orders", limit=5):
                    break  # abandoned after one item, twice over one pooled connection
                pages = _pager(mx, "work_orders", limit=5).iter_pages()
                next(pages)
                del pages
            assert mx.request("GET", "/workorders", params={"limit": 1}).status_code == 200


@pytest.mark.async_backends
async def test_abandoned_async_iterators_release_their_connection() -> None:
    emu = _emulator(work_orders=50)
    with emu.serve() as server:
        mx = AsyncMaintainX(
            api_key=server.api_key,
            base_url=server.base_url,
            pool=PoolLimits(max_connections=1, max_keepalive_connections=1),
            timeout=5,
            **FAST,
        )
        async with mx:
            op = source_operation("work_orders")
            for _ in range(3):
                async for _wo in AsyncPager(mx, op, query={"limit": 5}):
                    break  # no aclose() needed: nothing is held between items
                await anext(aiter(AsyncPager(mx, op, query={"limit": 5}).iter_pages()))
            response = await mx.request("GET", "/workorders", params={"limit": 1})
            assert response.status_code == 200


def test_a_fault_mid_walk_is_typed_and_the_walk_resumes_without_loss() -> None:
    emu = _emulator(work_orders=45)
    with _client(emu) as mx:
        pager = _pager(mx, "work_orders", limit=10)
        seen: list[int] = []
        emu.faults.script("GET", "/workorders", ["ok", "ok", "reset"] + ["reset"] * 10)
        with pytest.raises(APIConnectionError):
            for page in pager.iter_pages():
                seen.extend(wo["id"] for wo in page.items)
        emu.faults.clear()
        seen.extend(
            wo["id"] for wo in _pager(mx, "work_orders", limit=10, cursor=pager.next_cursor)
        )
        assert len(seen) == len(set(seen)) == 45


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_size=st.integers(5, 40),
    faults=st.lists(
        st.sampled_from(["ok", "ok", 500, 502, 503, 504, "reset", "429:0"]), max_size=8
    ),
    source=st.sampled_from(["work_orders", "assets"]),
)
def test_retried_faults_mid_walk_never_skip_or_repeat(
    page_size: int, faults: list[Any], source: str
) -> None:
    pytest.importorskip("maintainx_sdk.retry")  # the pipeline retries safe GETs
    emu = _emulator(work_orders=80)
    with _client(emu) as mx:
        for n in range(30):
            mx.request("POST", "/assets", json={"name": f"asset {n}"})
        expected = [item["id"] for item in _pager(mx, source)]
        path = source_operation(source).path
        pattern = [f for f in faults for f in (f, "ok")]  # never two faults in a row
        emu.faults.script("GET", path, pattern)
        got = [item["id"] for item in _pager(mx, source, limit=page_size)]
    assert sorted(got) == sorted(expected) and len(got) == len(set(got))
