"""Emulator pagination: stable keyset cursors on work orders, offset cursors elsewhere,
filters (incl. percent-encoded date brackets), sorts, nextPageUrl."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers.clocks import ManualClock
from .helpers.emulator_clients import collect, make_emulator, raw_client


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [i["id"] for i in items]


def test_keyset_cursor_neither_skips_nor_repeats_while_items_change() -> None:
    emu = make_emulator(work_orders=50)
    with raw_client(emu) as c:
        first = c.get("/workorders", params={"limit": 10}).json()
        seen = _ids(first["workOrders"])
        # While the client pages: delete seen and unseen items, edit some, add new ones.
        c.delete(f"/workorders/{seen[0]}")
        unseen = _ids(collect(c, "/workorders", "workOrders"))[20]
        c.delete(f"/workorders/{unseen}")
        c.patch(f"/workorders/{seen[3]}", json={"title": "edited"})
        new_id = c.post("/workorders", json={"title": "late arrival"}).json()["id"]
        rest = collect(c, "/workorders", "workOrders", limit=10, cursor=first["nextCursor"])
        seen += _ids(rest)
    assert len(seen) == len(set(seen)), "an item was repeated"
    survivors = {r["id"] for r in emu.org().table("workorders")}
    assert survivors - set(seen) == set(), "an item was skipped"
    assert unseen not in seen and new_id in seen


@pytest.mark.parametrize(
    "sort", ["updatedAt", "-updatedAt", "createdAt", "-createdAt", "dueDate", "-completedAt"]
)
def test_sorted_paging_visits_everything_once_in_order(sort: str) -> None:
    emu = make_emulator(work_orders=40)
    with raw_client(emu) as c:
        items = collect(c, "/workorders", "workOrders", limit=7, sort=sort)
    assert sorted(_ids(items)) == sorted(r["id"] for r in emu.org().table("workorders"))
    field = sort.lstrip("-")
    keys = [(i.get(field) is None, i.get(field) or "", i["id"]) for i in items]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


def test_cursor_from_another_sort_or_garbage_is_400() -> None:
    emu = make_emulator(work_orders=5)
    with raw_client(emu) as c:
        cursor = c.get("/workorders", params={"limit": 2}).json()["nextCursor"]
        assert (
            c.get("/workorders", params={"cursor": cursor, "sort": "createdAt"}).status_code == 400
        )
        assert c.get("/workorders", params={"cursor": "not-a-cursor"}).status_code == 400
        asset_cursor = c.get("/assets", params={"limit": 1}).json()["nextCursor"]
        assert (
            asset_cursor
            and c.get("/workorders", params={"cursor": asset_cursor}).status_code == 400
        )


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/workorders", ["k", "id", None]),
        ("/workorders", ["k", "id", []]),
        ("/workorders", ["k", "id", ["x"]]),
        ("/workorders", ["k", "id", [True]]),
        ("/workorders?sort=updatedAt", ["k", "updatedAt", [1, 2]]),
        ("/workorders?sort=updatedAt", ["k", "updatedAt", [[0, "a"], "b", 3]]),
        ("/workorders?sort=updatedAt", ["k", "updatedAt", [0, "2026", "7"]]),
        ("/workorders", ["k"]),
        ("/workorders", {"k": 1}),
        ("/assets", ["o", "id", True]),
        ("/assets", ["o", "id", -1]),
        ("/assets", ["o", "id", "3"]),
    ],
)
def test_forged_cursors_are_400_not_crashes(path: str, payload: Any) -> None:
    import base64
    import json

    emu = make_emulator(work_orders=3)
    cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    with raw_client(emu) as c:
        response = c.get(path, params={"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()["error"].lower()
    assert not emu.errors


def test_next_page_url_fetches_the_next_page_with_the_same_filters() -> None:
    emu = make_emulator(work_orders=30)
    with raw_client(emu) as c:
        page = c.get("/workorders", params={"limit": 5, "statuses": ["OPEN", "DONE"]}).json()
        url = page["nextPageUrl"]
        assert url.startswith("/v1/workorders?") and "statuses=OPEN" in url and "cursor=" in url
        following = c.get("https://api.getmaintainx.com" + url).json()
        via_cursor = c.get(
            "/workorders",
            params={"limit": 5, "statuses": ["OPEN", "DONE"], "cursor": page["nextCursor"]},
        ).json()
    assert following == via_cursor
    assert all(w["status"] in ("OPEN", "DONE") for w in following["workOrders"])


def test_last_page_has_null_cursor_and_url() -> None:
    emu = make_emulator(work_orders=3)
    with raw_client(emu) as c:
        body = c.get("/workorders", params={"limit": 3}).json()
    assert len(body["workOrders"]) == 3
    assert body["nextCursor"] is None and body["nextPageUrl"] is None


def test_offset_cursor_shifts_when_earlier_items_disappear() -> None:
    """Assets, parts and purchase orders page by offset, as the real API does."""
    emu = make_emulator()
    with raw_client(emu) as c:
        ids = [c.post("/assets", json={"name": f"a{i}"}).json()["id"] for i in range(6)]
        first = c.get("/assets", params={"limit": 3}).json()
        assert _ids(first["assets"]) == ids[:3]
        c.delete(f"/assets/{ids[0]}")
        second = c.get("/assets", params={"limit": 3, "cursor": first["nextCursor"]}).json()
    assert _ids(second["assets"]) == ids[4:6]  # ids[3] was skipped: the hazard clients must handle


def test_work_order_filters() -> None:
    emu = make_emulator(work_orders=120)
    rows = list(emu.org().table("workorders"))
    asset = rows[0]["assetId"]
    user = rows[0]["assigneeIds"][0]
    with raw_client(emu) as c:
        by_status = collect(
            c, "/workorders", "workOrders", statuses=["ON_HOLD", "CANCELED"], limit=200
        )
        assert by_status and {w["status"] for w in by_status} <= {"ON_HOLD", "CANCELED"}
        assert len(by_status) == sum(r["status"] in ("ON_HOLD", "CANCELED") for r in rows)
        high = collect(c, "/workorders", "workOrders", priorities="HIGH")
        assert len(high) == sum(r["priority"] == "HIGH" for r in rows)
        on_asset = collect(c, "/workorders", "workOrders", assets=asset)
        assert {w["id"] for w in on_asset} == {r["id"] for r in rows if r["assetId"] == asset}
        not_asset = collect(c, "/workorders", "workOrders", notAssets=asset)
        assert len(on_asset) + len(not_asset) == len(rows)
        mine = collect(c, "/workorders", "workOrders", assignees=user)
        assert {w["id"] for w in mine} == {r["id"] for r in rows if user in r["assigneeIds"]}
        location = rows[5]["locationId"]
        at = collect(c, "/workorders", "workOrders", locations=location)
        assert all(w["locationId"] == location for w in at) and at
        titled = collect(c, "/workorders", "workOrders", title=rows[7]["title"].upper())
        assert rows[7]["id"] in _ids(titled)
        category = next(r["categories"][0] for r in rows if r["categories"])
        tagged = collect(c, "/workorders", "workOrders", categories=category)
        assert len(tagged) == sum(category in r["categories"] for r in rows)


@pytest.mark.parametrize("encode", [False, True])
def test_date_range_filters_raw_and_percent_encoded(encode: bool) -> None:
    emu = make_emulator(work_orders=100, clock=ManualClock())
    rows = list(emu.org().table("workorders"))
    low, high = rows[20]["createdAt"], rows[60]["createdAt"]
    key_gte, key_lte = "createdAt[gte]", "createdAt[lte]"
    if encode:
        query = f"{quote(key_gte, safe='')}={quote(low)}&{quote(key_lte, safe='')}={quote(high)}&limit=200"
    else:
        query = f"{key_gte}={low}&{key_lte}={high}&limit=200"
    with raw_client(emu) as c:
        body = c.get(f"/workorders?{query}").json()
        assert _ids(body["workOrders"]) == [r["id"] for r in rows[20:61]]  # inclusive bounds
        since = rows[50]["updatedAt"]
        updated = collect(c, "/workorders", "workOrders", **{"updatedAt[gte]": since})
        assert {w["id"] for w in updated} == {r["id"] for r in rows if r["updatedAt"] >= since}
        assert c.get("/workorders", params={"updatedAt[gte]": "yesterday"}).status_code == 400


def test_date_filters_on_offset_lists_and_their_sorts() -> None:
    clock = ManualClock()
    emu = make_emulator(clock=clock)
    with raw_client(emu) as c:
        for i in range(4):
            c.post("/parts", json={"name": f"p{i}"})
            clock.advance(60)
        parts = c.get("/parts").json()["parts"]
        cut = parts[2]["createdAt"]
        recent = c.get("/parts", params={"createdAt[gte]": cut}).json()["parts"]
        assert _ids(recent) == _ids(parts[2:])
        newest_first = c.get("/parts", params={"sort": "-createdAt"}).json()["parts"]
        assert _ids(newest_first) == list(reversed(_ids(parts)))
        assert c.get("/parts", params={"sort": "name"}).status_code == 400


def test_list_items_are_reduced_shapes() -> None:
    emu = make_emulator(work_orders=2)
    with raw_client(emu) as c:
        item = c.get("/workorders").json()["workOrders"][0]
        detail = c.get(f"/workorders/{item['id']}").json()["workOrder"]
        assert "assigneeIds" in detail and "assigneeIds" not in item and "progress" not in item
        vendor = c.post("/vendors", json={"name": "V", "description": "d"}).json()["id"]
        assert set(c.get("/vendors").json()["vendors"][0]) == {"id", "name", "extraFields"}
        assert c.get(f"/vendors/{vendor}").json()["vendor"]["description"] == "d"


def test_expand_adds_related_objects() -> None:
    emu = make_emulator(work_orders=3)
    with raw_client(emu) as c:
        item = c.get(
            "/workorders", params={"expand": ["asset", "location", "assignees"], "limit": 1}
        ).json()["workOrders"][0]
    assert item["asset"]["id"] and item["location"]["name"]
    assert item["assignees"][0]["type"] == "USER"


_edits = st.lists(
    st.tuples(st.sampled_from(["create", "update", "delete"]), st.integers(0, 10_000)), max_size=12
)


@settings(max_examples=25, deadline=None)
@given(
    sort=st.sampled_from(["id", "updatedAt", "-updatedAt", "createdAt", "-createdAt", "dueDate"]),
    limit=st.integers(1, 9),
    edits=_edits,
)
def test_keyset_paging_under_random_edits(
    sort: str, limit: int, edits: list[tuple[str, int]]
) -> None:
    """In id order nothing is skipped or repeated. Sorted by a mutable key, only items edited
    mid-scan may move: come back (ascending) or slip behind the cursor (descending), as with
    any keyset cursor; every other item is seen exactly once."""
    clock = ManualClock()
    emu = make_emulator(work_orders=25, clock=clock)
    table = emu.org().table("workorders")
    seen: list[int] = []
    edited: set[int] = set()
    deleted: set[int] = set()
    with raw_client(emu) as c:
        cursor = None
        pending = list(edits)
        while True:
            params: dict[str, Any] = {"limit": limit, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            body = c.get("/workorders", params=params).json()
            seen += _ids(body["workOrders"])
            cursor = body["nextCursor"]
            if not cursor:
                break
            if pending:  # one edit between pages
                kind, pick = pending.pop(0)
                clock.advance(1)
                ids = list(table.order)
                target = ids[pick % len(ids)]
                if kind == "create":
                    c.post("/workorders", json={"title": "mid-scan"})
                elif kind == "update":
                    c.patch(f"/workorders/{target}", json={"description": "moved"})
                    edited.add(target)
                elif len(ids) > 1:
                    c.delete(f"/workorders/{target}")
                    deleted.add(target)
    survivors = set(table.rows)
    repeated = {i for i in seen if seen.count(i) > 1}
    assert repeated <= edited
    if sort == "id":
        assert not repeated
    missing = {i for i in survivors if i not in seen} - edited
    created_mid_scan = {i for i in survivors if table.rows[i]["title"] == "mid-scan"}
    assert missing <= created_mid_scan


def test_custom_field_label_filters() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        c.post(
            "/customfields/assets",
            json={
                "fields": [
                    {"label": "Industry", "type": "oneline"},
                    {"label": "limit", "type": "oneline"},
                ]
            },
        )
        for name, industry, limit in (
            ("a", "Mining", "x"),
            ("b", "Construction", "y"),
            ("c", "Farming", "x"),
        ):
            c.post(
                "/assets",
                json={"name": name, "extraFields": {"Industry": industry, "limit": limit}},
            )
        names = lambda **q: [a["name"] for a in c.get("/assets", params=q).json()["assets"]]  # noqa: E731
        assert names(Industry=["Mining", "Construction"]) == ["a", "b"]  # one label: OR
        assert names(Industry=["Mining", "Farming"], limit__c="x") == ["a", "c"]  # labels: AND
        assert names(Industry="Mining", limit="1") == ["a"]  # `limit` itself is the page size
        unknown = c.get("/assets", params={"Colour": "red"})
        assert unknown.status_code == 400 and "Colour" in unknown.json()["error"]
        assert (
            c.get("/parts", params={"Industry": "Mining"}).status_code == 400
        )  # fields are per entity
