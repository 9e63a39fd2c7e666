"""Resource behaviour beyond CRUD: purchase-order status rules and fulfillment, team
members, vendor contacts, meter readings, uploads, custom fields, sequential ids."""

from __future__ import annotations

import pytest

from .helpers.emulator_clients import make_emulator, raw_client


def _po(c, vendor: int, quantity: int = 3) -> dict:  # type: ignore[no-untyped-def]
    response = c.post(
        "/purchaseorders",
        json={"vendorId": vendor, "items": [{"quantityOrdered": quantity, "unitCost": 250}]},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_purchase_order_follows_the_documented_state_machine() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        vendor = c.post("/vendors", json={"name": "Acme"}).json()["id"]
        po = _po(c, vendor)
        assert po["status"] == "REQUESTED" and po["items"][0]["unitCostDecimal"] == "2.500000"
        pid = po["id"]

        def move(status: str) -> int:
            return c.patch(f"/purchaseorders/{pid}/status", json={"status": status}).status_code

        assert move("APPROVED") == 400  # REQUESTED -> APPROVED is not allowed
        assert move("REQUESTED") == 400  # not settable at all
        assert move("PENDING") == 200
        assert move("APPROVED") == 200
        approved = c.get(f"/purchaseorders/{pid}").json()["purchaseOrder"]
        assert approved["approverId"] == emu.token().user_id and approved["approvalDate"]
        line = approved["items"][0]["id"]
        partial = c.patch(
            f"/purchaseorders/{pid}/fulfillment",
            json={"items": [{"id": line, "quantityReceived": 1}]},
        )
        assert partial.json()["purchaseOrder"]["status"] == "PARTIALLY_FULFILLED"
        full = c.patch(
            f"/purchaseorders/{pid}/fulfillment",
            json={"items": [{"id": line, "fulfillments": [{"quantityReceived": 2}]}]},
        )
        assert full.json()["purchaseOrder"]["status"] == "COMPLETED"
        assert move("CANCELED") == 400  # COMPLETED may only go back to PARTIALLY_FULFILLED
        assert [p["status"] for p in c.get("/purchaseorders").json()["purchaseOrders"]] == [
            "COMPLETED"
        ]


def test_purchase_order_cannot_be_received_before_approval_and_canceled_is_terminal() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        vendor = c.post("/vendors", json={"name": "Acme"}).json()["id"]
        po = _po(c, vendor)
        line = po["items"][0]["id"]
        early = c.patch(
            f"/purchaseorders/{po['id']}/fulfillment",
            json={"items": [{"id": line, "quantityReceived": 1}]},
        )
        assert early.status_code == 400
        assert (
            c.patch(f"/purchaseorders/{po['id']}/status", json={"status": "CANCELED"}).status_code
            == 200
        )
        for status in ("PENDING", "APPROVED", "DECLINED"):
            assert (
                c.patch(f"/purchaseorders/{po['id']}/status", json={"status": status}).status_code
                == 400
            )
        bad = c.post(
            "/purchaseorders", json={"vendorId": vendor, "items": [{"name": "no quantity"}]}
        )
        assert bad.json()["errors"][0]["fieldPath"] == "items[0].quantityOrdered"
        unknown_vendor = c.post(
            "/purchaseorders", json={"vendorId": 424242, "items": [{"quantityOrdered": 1}]}
        )
        assert unknown_vendor.status_code == 400


def test_team_members_and_vendor_contacts() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        user = c.post("/users", json={"firstName": "Ann", "lastName": "Lee"}).json()["id"]
        team = c.post("/teams", json={"name": "Crew"}).json()["id"]
        assert (
            c.post(f"/teams/{team}/members", json={"id": user, "teamRole": "MEMBER"}).status_code
            == 201
        )
        assert c.get(f"/teams/{team}").json()["team"]["membersCount"] == 1
        assert (
            c.patch(f"/teams/{team}/members/{user}", json={"teamRole": "BOSS"}).status_code == 400
        )
        assert (
            c.patch(f"/teams/{team}/members/{user}", json={"teamRole": "ADMIN"}).json()["member"][
                "teamRole"
            ]
            == "ADMIN"
        )
        assert c.get(f"/teams/{team}/members").json()["members"][0]["firstName"] == "Ann"
        assert c.delete(f"/teams/{team}/members/{user}").status_code == 204
        assert c.delete(f"/teams/{team}/members/{user}").status_code == 404

        vendor = c.post("/vendors", json={"name": "V"}).json()["id"]
        other = c.post("/vendors", json={"name": "W"}).json()["id"]
        contact = c.post(
            f"/vendors/{vendor}/contacts", json={"name": "Jo", "email": "jo@v.example"}
        ).json()
        assert contact["vendorId"] == vendor and contact["role"] is None
        assert c.get(f"/vendors/{other}/contacts/{contact['id']}").status_code == 404
        assert (
            c.patch(f"/vendors/{vendor}/contacts/{contact['id']}", json={"role": "Sales"}).json()[
                "contact"
            ]["role"]
            == "Sales"
        )
        assert [x["name"] for x in c.get(f"/vendors/{vendor}/contacts").json()["contacts"]] == [
            "Jo"
        ]


def test_meter_readings_and_last_reading() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        meter = c.post("/meters", json={"name": "Hours", "unit": "h"}).json()["id"]
        batch = c.post(
            "/meterreadings",
            json=[{"meterId": meter, "value": 10}, {"meterId": meter, "value": 12.5}],
        )
        assert batch.status_code == 201 and [r["value"] for r in batch.json()] == [10, 12.5]
        single = c.post(
            f"/meters/{meter}/readings",
            json={"readingValue": 13, "readingDate": "2026-01-01T00:00:00Z"},
        )
        assert single.status_code == 201 and isinstance(single.json()["id"], str)
        assert single.json()["readingDate"] == "2026-01-01T00:00:00.000Z"
        listed = c.get("/meters", params={"expand": "last_reading"}).json()["meters"][0]
        assert listed["lastReading"]["value"] == 13
        assert c.post("/meterreadings", json=[{"meterId": 9999999, "value": 1}]).status_code == 404
        assert c.post("/meterreadings", json=[{"value": 1}]).status_code == 400


def test_uploads_limits_and_attachment_delete() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        wid = c.post("/workorders", json={"title": "photo"}).json()["id"]
        put = c.put(
            f"/workorders/{wid}/attachments/my%20photo.png",
            content=b"\x89PNG....",
            headers={"content-type": "image/png"},
        )
        assert put.status_code == 201 and put.json()["filename"] == "my photo.png"
        attachments = c.get(f"/workorders/{wid}").json()["workOrder"]["attachments"]
        assert attachments[0]["mimeType"] == "image/png"
        assert (
            c.put(
                f"/workorders/{wid}/attachments/big.bin", content=b"x" * (1024 * 1024 + 1)
            ).status_code
            == 413
        )
        empty = c.put(f"/workorders/{wid}/attachments/empty.txt", content=b"")
        assert empty.status_code == 400 and isinstance(empty.json(), str)
        assert c.delete(f"/workorders/{wid}/attachments/my%20photo.png").status_code == 204
        assert c.delete(f"/workorders/{wid}/attachments/my%20photo.png").status_code == 404
        assert c.put("/workorders/999999/thumbnail/a.png", content=b"x").status_code == 404


def test_custom_fields_per_entity() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        created = c.post(
            "/customfields/assets", json={"fields": [{"label": "Size", "type": "number"}]}
        )
        assert created.status_code == 200 and created.json()[0]["label"] == "Size"
        assert c.get("/customfields/parts").json() == []
        assert [f["label"] for f in c.get("/customfields/assets").json()] == ["Size"]
        assert c.get("/customfields/planets").status_code == 400
        fid = created.json()[0]["id"]
        assert (
            c.patch(f"/customfields/assets/{fid}", json={"field": {"label": "Width"}}).status_code
            == 204
        )
        assert (
            c.patch(f"/customfields/parts/{fid}", json={"field": {"label": "x"}}).status_code == 404
        )


def test_sequential_ids_comments_and_costs() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        first = c.post("/workorders", json={"title": "one"}).json()["id"]
        second = c.post("/workorders", json={"title": "two"}).json()["id"]
        assert (
            c.get("/workorders/2", params={"useSequentialId": "true"}).json()["workOrder"]["id"]
            == second
        )
        before = c.get(f"/workorders/{first}").json()["workOrder"]
        c.post(f"/workorders/{first}/comments", json={"content": "note"})
        after = c.get(f"/workorders/{first}").json()["workOrder"]
        assert after["updatedAt"] == before["updatedAt"] and after["lastMessageSentAt"]
        assert c.post(f"/workorders/{first}/comments", json={"content": ""}).status_code == 400
        time_cost = c.post(
            f"/workorders/{first}/costs",
            json={"type": "TIME", "costType": "WORK", "durationTotal": 1800, "hourlyRate": 6000},
        )
        expense = c.post(
            f"/workorders/{first}/costs",
            json={"type": "EXPENSE", "costType": "TRAVEL", "costPerUnit": 700},
        )
        assert time_cost.json()["rowTotal"] == 3000 and expense.json()["total"] == 3700
        assert (
            c.post(
                f"/workorders/{first}/costs",
                json={"type": "EXPENSE", "costType": "WORK", "costPerUnit": 1},
            ).status_code
            == 400
        )
        assert c.get(f"/workorders/{first}/costs").json()["costs"]["total"] == 3700


def test_sub_work_orders_and_parent_filters() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        parent = c.post("/workorders", json={"title": "parent"}).json()["id"]
        child = c.post("/workorders", json={"title": "child", "parentId": parent}).json()["id"]
        c.post("/workorders", json={"title": "alone"})
        subs = c.get(f"/workorders/{parent}/subworkorders").json()["subworkorders"]
        assert [s["id"] for s in subs] == [child]
        assert c.get(f"/workorders/{parent}").json()["workOrder"]["isParent"] is True
        kinds = {
            kind: [
                w["title"]
                for w in c.get("/workorders", params={"parentSubWorkOrderTypes": kind}).json()[
                    "workOrders"
                ]
            ]
            for kind in ("PARENT", "SUB_WORK_ORDER", "STANDALONE")
        }
        assert kinds == {"PARENT": ["parent"], "SUB_WORK_ORDER": ["child"], "STANDALONE": ["alone"]}
        both = c.post("/workorders", json={"title": "x", "parentId": parent, "isParent": True})
        assert both.status_code == 400


@pytest.mark.parametrize("status", ["OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED"])
def test_work_order_status_endpoint_accepts_the_five_statuses(status: str) -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        wid = c.post("/workorders", json={"title": "s"}).json()["id"]
        assert (
            c.patch(f"/workorders/{wid}/status", json={"status": status}).json()["workOrder"][
                "status"
            ]
            == status
        )
        assert c.patch(f"/workorders/{wid}/status", json={"status": "SKIPPED"}).status_code == 400


def test_external_data_round_trips_on_work_orders_and_users() -> None:
    """The idempotency guard stamps creates in externalData and looks for it later."""
    emu = make_emulator()
    stamp = {"mxsdkIdempotencyKey": "k-1"}
    with raw_client(emu) as c:
        wid = c.post("/workorders", json={"title": "stamped", "externalData": stamp}).json()["id"]
        assert c.get(f"/workorders/{wid}").json()["workOrder"]["externalData"] == stamp
        uid = c.post(
            "/users",
            json={"firstName": "A", "lastName": "B", "email": "a@b.example", "externalData": stamp},
        ).json()["id"]
        user = c.get(f"/users/{uid}").json()["user"]
        assert user["externalData"] == stamp and user["removedFromOrganization"] is False
        assert [
            u["id"] for u in c.get("/users", params={"email": "A@b.example"}).json()["users"]
        ] == [uid]


def test_meter_reading_quotas() -> None:
    from .helpers.clocks import ManualClock

    clock = ManualClock()
    emu = make_emulator(clock=clock)
    with raw_client(emu) as c:
        manual = c.post("/meters", json={"name": "Gauge", "unit": "bar"}).json()["id"]
        sensor = c.post(
            "/meters", json={"name": "Probe", "unit": "C", "measurementType": "AUTOMATED_SENSOR"}
        ).json()["id"]
        codes = [
            c.post("/meterreadings", json=[{"meterId": manual, "value": i}]).status_code
            for i in range(11)
        ]
        assert codes == [201] * 10 + [429]
        assert (
            "10 per 24 hours"
            in c.post("/meterreadings", json=[{"meterId": manual, "value": 0}]).json()["error"]
        )
        assert (
            len(emu.org().table("meters").rows[manual]["_readings"]) == 10
        )  # the refused ones stored nothing
        assert (
            c.post("/meterreadings", json=[{"meterId": sensor, "value": 1}] * 3).status_code == 201
        )
        assert c.post(f"/meters/{sensor}/readings", json={"readingValue": 1}).status_code == 201
        too_soon = c.post(f"/meters/{sensor}/readings", json={"readingValue": 2})
        assert too_soon.status_code == 429 and "10 seconds" in too_soon.json()["error"]
        clock.advance(10)
        assert c.post(f"/meters/{sensor}/readings", json={"readingValue": 3}).status_code == 201
        clock.advance(86400)
        assert c.post("/meterreadings", json=[{"meterId": manual, "value": 1}]).status_code == 201
    relaxed = make_emulator(meter_quotas=False)
    with raw_client(relaxed) as c:
        meter = c.post("/meters", json={"name": "G", "unit": "u"}).json()["id"]
        assert {
            c.post(f"/meters/{meter}/readings", json={"readingValue": i}).status_code
            for i in range(12)
        } == {201}
