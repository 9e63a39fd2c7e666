"""The emulator answers what the spec documents: behaviours the contract test alone would
not pin down (a write that must change state, an expand that must be asked for)."""

from __future__ import annotations

from typing import Any

import pytest

from maintainx_sdk import MaintainX

from .helpers.emulator_clients import make_emulator, raw_client
from .helpers.fast_policies import FAST


def _client(emu: Any) -> MaintainX:
    return MaintainX(api_key=emu.api_key, transport=emu.transport(), **FAST)


def test_part_quantities_set_by_update_are_kept() -> None:
    emu = make_emulator()
    with _client(emu) as mx:
        part = mx.parts.create(name="Filter").id
        mx.parts.update(part, available_quantity=7, minimum_quantity=2)
        stored = mx.parts.get(part)
        assert (stored.available_quantity, stored.minimum_quantity) == (7, 2)


def test_part_quantities_follow_the_one_location_and_are_refused_for_several() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        a = c.post("/locations", json={"name": "A"}).json()["id"]
        b = c.post("/locations", json={"name": "B"}).json()["id"]
        one = c.post(
            "/parts",
            json={"name": "Bolt", "locations": [{"locationId": a, "availableQuantity": 1}]},
        ).json()["id"]
        answer = c.patch(f"/parts/{one}", json={"availableQuantity": 9}).json()["part"]
        assert answer["availableQuantity"] == 9 and answer["locations"][0]["availableQuantity"] == 9
        moved = c.patch(
            f"/parts/{one}",
            json={"locations": {"addedUpdated": [{"locationId": b, "availableQuantity": 4}]}},
        ).json()["part"]
        assert sorted(e["locationId"] for e in moved["locations"]) == [a, b]
        assert moved["availableQuantity"] == 13
        refused = c.patch(f"/parts/{one}", json={"minimumQuantity": 1})
        assert refused.status_code == 400 and "per location" in refused.text
        removed = c.patch(f"/parts/{one}", json={"locations": {"removedLocationIds": [a]}}).json()[
            "part"
        ]
        assert [e["locationId"] for e in removed["locations"]] == [b]
        assert removed["availableQuantity"] == 4


def test_last_reading_is_answered_only_when_expanded_and_whole() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        meter = c.post("/meters", json={"name": "Hours", "unit": "h"}).json()["id"]
        sent = c.post(
            f"/meters/{meter}/readings",
            json={"readingValue": 5, "readingDate": "2026-01-02T00:00:00Z"},
        )
        assert sent.status_code == 201
        plain = c.get("/meters").json()["meters"]
        assert all("lastReading" not in m for m in plain)
        expanded = c.get("/meters", params={"expand": "last_reading"}).json()["meters"]
        last = next(m for m in expanded if m["id"] == meter)["lastReading"]
        assert last["meterId"] == meter and last["value"] == 5
        assert last["readingDate"].startswith("2026-01-02T00:00:00")
        one = c.get(f"/meters/{meter}", params={"expand": "last_reading"}).json()["meter"]
        assert one["lastReading"]["meterId"] == meter


def test_a_reading_for_an_unknown_meter_is_a_documented_400() -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        answer = c.post("/meters/987654/readings", json={"readingValue": 1})
        assert answer.status_code == 400  # the spec lists 201, 400, 401 and 429 only


def test_an_inline_procedure_is_stored_as_the_api_answers_it() -> None:
    emu = make_emulator()
    procedure = {
        "id": 5,
        "title": "Checks",
        "fields": [
            {"label": "Oil", "type": "YES_NO_NA", "index": 0, "urls": [{"link": "https://x"}]},
            {"label": "Pick", "type": "MULTIPLE_CHOICE", "choices": ["a", "b"], "meterId": 3},
        ],
    }
    with raw_client(emu) as c:
        wo = c.post("/workorders", json={"title": "With checks", "procedure": procedure}).json()[
            "id"
        ]
        answers = [
            c.get(f"/workorders/{wo}").json()["workOrder"]["procedure"],
            c.patch(f"/workorders/{wo}", json={"procedure": procedure}).json()["workOrder"][
                "procedure"
            ],
        ]
        for stored in answers:
            assert stored["title"] == "Checks" and stored["id"] != 5
            for field in stored["fields"]:
                assert {"id", "label", "type", "required", "value"} <= set(field)
                assert not {"index", "urls", "choices", "meterId"} & set(field)
            assert stored["fields"][1]["meter"] == {"id": 3}


@pytest.mark.parametrize(
    "procedure", [{"fields": []}, {"title": "t", "fields": [{"type": "TEXT"}]}, {"title": "t"}]
)
def test_a_malformed_inline_procedure_is_a_400(procedure: dict[str, Any]) -> None:
    emu = make_emulator()
    with raw_client(emu) as c:
        answer = c.post("/workorders", json={"title": "x", "procedure": procedure})
        assert answer.status_code == 400, answer.text


def test_parts_update_through_the_client_is_not_a_silent_no_op() -> None:
    emu = make_emulator()
    with _client(emu) as mx:
        part = mx.parts.create(name="Belt").id
        before = mx.parts.get(part).available_quantity
        mx.parts.update(part, available_quantity=(before or 0) + 3)
        assert mx.parts.get(part).available_quantity == (before or 0) + 3
