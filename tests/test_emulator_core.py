"""The emulator's core: CRUD, validation, auth, organizations, rate limits, routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk.testing import Emulator

from .helpers.clocks import ManualClock
from .helpers.emulator_clients import make_emulator, raw_client


def test_work_order_create_get_update_delete_round_trip() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        created = c.post("/workorders", json={"title": "Fix pump", "priority": "HIGH"})
        assert created.status_code == 200
        wid = created.json()["id"]
        got = c.get(f"/workorders/{wid}").json()["workOrder"]
        assert got["title"] == "Fix pump" and got["priority"] == "HIGH" and got["status"] == "OPEN"
        assert got["organizationId"] == emu.default_org_id
        patched = c.patch(f"/workorders/{wid}", json={"description": "leaks"}).json()["workOrder"]
        assert patched["description"] == "leaks"
        assert patched["updatedAt"] >= got["updatedAt"]
        assert c.delete(f"/workorders/{wid}").status_code == 204
        assert c.get(f"/workorders/{wid}").status_code == 404


def test_invalid_write_is_400_with_field_errors_and_stores_nothing() -> None:
    emu = make_emulator()
    before = len(emu.org().table("workorders"))
    with raw_client(emu) as c:
        response = c.post("/workorders", json={"title": 5, "priority": "URGENT"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["fieldPath"] for e in errors} == {"title", "priority"}
    assert all("error" in e for e in errors)
    assert len(emu.org().table("workorders")) == before


def test_missing_required_and_bad_reference_are_rejected() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        missing = c.post("/workorders", json={"description": "no title"})
        assert missing.json()["errors"][0]["fieldPath"] == "title"
        bad_asset = c.post("/workorders", json={"title": "x", "assetId": 999999})
        assert bad_asset.status_code == 400
        assert bad_asset.json()["errors"][0]["error"] == "assetId is not valid"
        not_json = c.post(
            "/workorders", content=b"{oops", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 400


def test_read_errors_use_the_read_shape() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        response = c.get("/workorders", params={"statuses": "FINISHED"})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten"])
def test_limit_outside_bounds_is_400(limit: str) -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        assert c.get("/workorders", params={"limit": limit}).status_code == 400
        assert c.get("/assets", params={"limit": limit}).status_code == 400


def test_limit_bounds_are_accepted() -> None:
    emu = make_emulator(work_orders=3)
    with raw_client(emu) as c:
        assert len(c.get("/workorders", params={"limit": 1}).json()["workOrders"]) == 1
        assert c.get("/workorders", params={"limit": 200}).status_code == 200


def test_missing_or_unknown_token_is_401() -> None:
    emu = make_emulator()
    with httpx.Client(transport=emu.transport(), base_url="https://x/v1") as c:
        assert c.get("/workorders").status_code == 401
        assert c.get("/workorders", headers={"authorization": "Bearer nope"}).status_code == 401
        assert c.get("/workorders", headers={"authorization": "Basic abc"}).status_code == 401


def test_multi_org_token_needs_the_header_and_orgs_are_isolated() -> None:
    emu = make_emulator()
    emu.add_token("multi", org_ids=(1, 2))
    with raw_client(emu, "multi") as c:
        no_header = c.post("/workorders", json={"title": "x"})
        assert no_header.status_code == 400
        assert no_header.json()["errors"][0]["error"] == "Missing x-organization-id header."
        assert c.get("/workorders").json() == {"error": "Missing x-organization-id header."}
        in_two = c.post(
            "/workorders", json={"title": "org two"}, headers={"x-organization-id": "2"}
        )
        wid = in_two.json()["id"]
        assert c.get(f"/workorders/{wid}", headers={"x-organization-id": "2"}).status_code == 200
        assert c.get(f"/workorders/{wid}", headers={"x-organization-id": "1"}).status_code == 404
        both = {"x-organization-id": "1", "x-organization-ids": "1,2"}
        assert c.get("/assets", headers=both).status_code == 400
    with raw_client(emu) as single:  # the default key reaches org 1 only
        assert single.get(f"/workorders/{wid}").status_code == 404
        assert single.get("/workorders", headers={"x-organization-id": "2"}).status_code == 400


def test_a_multi_org_token_discovers_its_orgs_without_a_header() -> None:
    emu = make_emulator()
    emu.add_token("multi", org_ids=(1, 2))
    with raw_client(emu, "multi") as c:
        listed = c.get("/organizations")
        assert listed.status_code == 200
        assert [o["id"] for o in listed.json()["organizations"]] == [1, 2]


def test_x_organization_ids_reads_several_orgs_on_the_five_lists() -> None:
    emu = make_emulator()
    emu.add_token("multi", org_ids=(1, 2))
    with raw_client(emu, "multi") as c:
        for org in ("1", "2"):
            c.post("/assets", json={"name": f"asset of {org}"}, headers={"x-organization-id": org})
        names = [
            a["name"]
            for a in c.get("/assets", headers={"x-organization-ids": "1,2"}).json()["assets"]
        ]
        assert names == ["asset of 1", "asset of 2"]
        assert c.get("/workorders", headers={"x-organization-ids": "1,2"}).status_code == 400


def test_rate_limit_headers_on_every_response_and_429_past_quota() -> None:
    clock = ManualClock()
    emu = make_emulator(rate_limit="3/1", org_rate_limit="100/60", clock=clock)
    with raw_client(emu) as c:
        seen = [c.get("/workorders") for _ in range(4)]
        assert [r.status_code for r in seen] == [200, 200, 200, 429]
        assert [r.headers["x-rate-limit-remaining"] for r in seen] == ["2", "1", "0", "0"]
        assert all(r.headers["x-rate-limit-limit"] == "3" for r in seen)
        assert seen[0].headers["x-rate-limit-reset"] == "1"
        assert "error" in seen[3].json()
        assert c.post("/workorders", json={"title": "blocked"}).status_code == 429
        clock.advance(1.0)
        assert c.get("/workorders").status_code == 200


def test_org_quota_is_shared_by_users() -> None:
    clock = ManualClock()
    emu = make_emulator(rate_limit="100/60", org_rate_limit="2/60", clock=clock)
    emu.add_token("second-user")
    with raw_client(emu) as first, raw_client(emu, "second-user") as second:
        assert first.get("/users").status_code == 200
        assert second.get("/users").status_code == 200
        blocked = second.get("/users")
        assert blocked.status_code == 429
        assert blocked.headers["x-rate-limit-limit"] == "2"
        assert blocked.headers["x-rate-limit-reset"] == "60"


def test_unknown_route_is_404_and_wrong_method_is_405() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        assert c.get("/nothing-here").status_code == 404
        assert c.put("/workorders").status_code == 405


def test_paths_work_with_and_without_the_v1_prefix() -> None:
    emu = make_emulator(work_orders=1)
    headers = {"authorization": f"Bearer {emu.api_key}"}
    with httpx.Client(transport=emu.transport(), headers=headers) as c:
        assert c.get("https://h/v1/workorders").status_code == 200
        assert c.get("https://h/workorders").status_code == 200


def test_seed_is_deterministic_and_spread() -> None:
    first = Emulator(seed=3, work_orders=200, clock=ManualClock())
    second = Emulator(seed=3, work_orders=200, clock=ManualClock())
    rows1 = list(first.org().table("workorders"))
    rows2 = list(second.org().table("workorders"))
    assert rows1 == rows2
    assert {r["status"] for r in rows1} >= {"OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED"}
    assert {r["priority"] for r in rows1} == {"NONE", "LOW", "MEDIUM", "HIGH"}
    assert len({r["assetId"] for r in rows1}) > 5 and len({r["locationId"] for r in rows1}) > 3
    assert len({r["assigneeIds"][0] for r in rows1}) > 5
    assert [r["sequentialId"] for r in rows1] == list(range(1, 201))
    with raw_client(first) as c:  # seeded and API-created work orders have the same fields
        created = c.post("/workorders", json={"title": "new"}).json()["id"]
    assert set(first.org().table("workorders").rows[created]) == set(rows1[0])
    other = Emulator(seed=4, work_orders=200, clock=ManualClock())
    assert [r["title"] for r in other.org().table("workorders")] != [r["title"] for r in rows1]


def test_request_log_and_organizations_of_the_token() -> None:
    emu = make_emulator(keep_log=True)
    emu.add_token("multi", org_ids=(1, 2))
    emu.faults.script("GET", "/users", [503])
    with raw_client(emu, "multi", **{"x-organization-id": "2"}) as c:
        orgs = c.get("/organizations").json()["organizations"]
        assert [o["id"] for o in orgs] == [1, 2]
        c.get("/users")
        c.get("/nowhere")
    log = [
        (e.method, e.template, e.status, e.fault.status if e.fault else None)
        for e in emu.counters.log
    ]
    assert log == [
        ("GET", "/organizations", 200, None),
        ("GET", "/users", 503, 503),
        ("GET", None, 404, None),
    ]
    assert emu.counters.requests == 3


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_wo_keys = st.sampled_from(
    ["title", "description", "priority", "assetId", "locationId", "assignees", "dueDate", "startDate",
     "partsUsed", "categories", "parentId", "isParent", "externalData", "estimatedTime", "other"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(_wo_keys, _json_values, max_size=6) | _json_values)
def test_any_work_order_body_is_stored_once_or_not_at_all(body: Any) -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        response = c.post("/workorders", json=body)
    stored = len(emu.org().table("workorders"))
    assert not emu.errors, emu.errors
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert stored == 1
    else:
        assert stored == 0 and response.json()["errors"]


_FIELD_NAMES = [
    *(
        "title",
        "name",
        "label",
        "status",
        "priority",
        "items",
        "vendorId",
        "quantityOrdered",
        "meterId",
    ),
    *(
        "value",
        "readingValue",
        "fields",
        "field",
        "type",
        "url",
        "content",
        "id",
        "teamRole",
        "costType",
    ),
    *("costPerUnit", "durationTotal", "hourlyRate", "partStatus", "recurrence", "planningHorizon"),
    *(
        "workOrderBlueprintId",
        "meterTrigger",
        "amount",
        "condition",
        "quantityRequested",
        "sourcePartId",
    ),
    *(
        "destinationPartId",
        "firstName",
        "lastName",
        "locations",
        "manufacturerId",
        "baseAssetStatus",
    ),
    *("emails", "externalLinkUuid", "signerName", "partsUsed", "partId", "assignees", "parentId"),
    *("categories", "costs", "shippingAddress", "dueDate", "startDate", "startedAt", "readingDate"),
    *(
        "filters",
        "options",
        "fulfillments",
        "quantityReceived",
        "memberIds",
        "assetId",
        "locationId",
    ),
]
_keys = st.sampled_from(_FIELD_NAMES) | st.text(max_size=8)
_bodies = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["OPEN", "DONE", "USER", "TEAM", "EXPENSE", "TIME", "NEW_WORK_ORDER", "http://127.0.0.1:9/x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=10,
)  # fmt: skip
_EMU_FOR_FUZZ = make_emulator(work_orders=3)
_WRITES = sorted(
    (r.method, r.template) for r in _EMU_FOR_FUZZ.router.routes() if r.method in ("POST", "PATCH")
)


@settings(max_examples=200, deadline=None)
@given(
    route=st.sampled_from(_WRITES),
    body=st.dictionaries(st.text(max_size=12), _json_values, max_size=5) | _json_values,
)
def test_no_write_body_crashes_the_emulator(route: tuple[str, str], body: Any) -> None:
    """Whatever the body, every write answers a 2xx or a 4xx: never a handler exception."""
    emu = _EMU_FOR_FUZZ
    emu.errors.clear()
    org = emu.org()
    ids = {name: next(iter(t.rows), 1) for name, t in org.tables.items()}
    first = route[1].strip("/").split("/")[0]
    path = route[1]
    for name in ("id", "assetId", "meterId", "teamId", "userId", "contactId", "index"):
        path = path.replace("{" + name + "}", str(ids.get(first, 1)))
    path = path.replace("{entity}", "assets").replace("{filename}", "f.txt")
    with raw_client(emu) as c:
        response = c.request(route[0], path, json=body)
    assert not emu.errors, emu.errors
    assert response.status_code < 500, (route, body, response.text)
