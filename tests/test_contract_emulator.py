"""Contract tests: every emulated operation answers what the spec documents.

For each of the spec's operations a fresh emulator is set up with one of everything, the
operation is called with a valid request, and the answer (status + body) is validated
against the spec's response schema for that status. Error answers (400 on bad writes,
404 on unknown ids, 401 without a key) are validated the same way. Skips without the spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from maintainx_sdk.testing import Emulator

from .conftest import SPEC_PATH
from .helpers.emulator_clients import make_emulator, raw_client
from .helpers.spec_schema import (
    closed,
    concrete,
    load_spec,
    operations,
    response_schema,
    to_json_schema,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
UPLOAD = "photo.png"

#: A valid body for every JSON write (key: (METHOD, template)).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/assets"): {
        "name": "Lathe",
        "manufacturer": {"name": "Acme"},
        "model": {"name": "L1"},
    },
    ("PATCH", "/assets/{id}"): {"description": "moved"},
    ("POST", "/assets/{assetId}/status"): {"status": "OFFLINE", "downtimeType": "PLANNED"},
    ("PATCH", "/assetstatuses/{id}"): {"description": "done", "endedAt": "2026-01-02T00:00:00Z"},
    ("POST", "/assetcustomstatuses"): {"label": "Decommissioned", "baseAssetStatus": "OFFLINE"},
    ("PATCH", "/assetcustomstatuses/{id}"): {"label": "Retired"},
    ("POST", "/categories"): {"label": "HVAC"},
    ("PATCH", "/categories/{id}"): {"description": "air"},
    ("POST", "/conversations/{id}/messages"): {"content": "hello"},
    ("POST", "/locations"): {"name": "Annex"},
    ("PATCH", "/locations/{id}"): {"address": "1 Main St"},
    ("POST", "/maintenanceplans"): {
        "name": "Monthly",
        "recurrence": {"type": "MONTHLY", "interval": 1, "day": 1},
        "workOrderBlueprintId": 1,
        "planningHorizon": {"value": 1, "unit": "MONTH"},
        "planAssets": [{"assetId": 1}],
    },
    ("POST", "/maintenanceplans/workorderblueprints"): {"title": "Blueprint"},
    ("PATCH", "/maintenanceplans/{id}"): {"name": "Quarterly"},
    ("POST", "/meterreadings"): "METER_BATCH",
    ("POST", "/meters"): {"name": "Hours", "unit": "h"},
    ("PATCH", "/meters/{id}"): {"description": "engine hours"},
    ("POST", "/meters/{meterId}/readings"): {"readingValue": 12.5},
    ("POST", "/metertriggers"): "TRIGGER",
    ("PATCH", "/metertriggers/{id}"): {"meterTrigger": {"name": "renamed"}},
    ("PATCH", "/metertriggers/{id}/workordertemplates"): {"title": "Template", "data": {}},
    ("POST", "/manufacturers"): {"name": "Globex"},
    ("POST", "/models"): "MODEL",
    ("POST", "/parts"): {"name": "Bolt", "locations": [{"locationId": 1, "availableQuantity": 3}]},
    ("PATCH", "/parts/{id}"): {"description": "M8"},
    ("POST", "/parttransferrequests"): "TRANSFER",
    ("PATCH", "/parttransferrequests/{id}"): {"status": "APPROVED"},
    ("POST", "/purchaseorders"): "PO",
    ("PATCH", "/purchaseorders/{id}"): {"note": "urgent"},
    ("POST", "/purchaseorders/{id}/comments"): {"content": "ok"},
    ("POST", "/purchaseorders/{id}/emails"): {"emails": ["a@example.com"]},
    ("PATCH", "/purchaseorders/{id}/fulfillment"): "FULFILL",
    ("PATCH", "/purchaseorders/{id}/status"): {"status": "PENDING"},
    ("POST", "/proceduretemplates"): {
        "title": "Checklist",
        "fields": [{"label": "Oil ok?", "type": "YES_NO_NA"}],
    },
    ("PATCH", "/proceduretemplates/{id}"): {"title": "Checklist 2"},
    ("PATCH", "/proceduretemplaterows/{id}"): {"label": "Oil level ok?"},
    ("POST", "/subscriptions"): {"type": "NEW_WORK_ORDER", "url": "http://127.0.0.1:9/hook"},
    ("PATCH", "/subscriptions/{id}"): {"url": "http://127.0.0.1:9/hook2"},
    ("POST", "/teams"): {"name": "Night shift"},
    ("PATCH", "/teams/{id}"): {"description": "nights"},
    ("POST", "/teams/{id}/members"): "NEW_MEMBER",
    ("PATCH", "/teams/{teamId}/members/{userId}"): {"teamRole": "ADMIN"},
    ("POST", "/users"): {"firstName": "Kim", "lastName": "Lee", "role": "MEMBER"},
    ("PATCH", "/users/{id}"): {"phoneNumber": "+15550100"},
    ("POST", "/users/{id}/messages"): {"content": "hi"},
    ("POST", "/vendors"): {"name": "Initech"},
    ("PATCH", "/vendors/{id}"): {"description": "bolts"},
    ("POST", "/vendors/{id}/contacts"): {"name": "Sam", "email": "sam@example.com"},
    ("PATCH", "/vendors/{id}/contacts/{contactId}"): {"role": "Sales"},
    ("POST", "/workorders"): {
        "title": "Fix",
        "priority": "HIGH",
        "assignees": [{"type": "USER", "id": "ME"}],
    },
    ("PATCH", "/workorders/{id}"): {"description": "details"},
    ("POST", "/workorders/{id}/comments"): {"content": "on it"},
    ("POST", "/workorders/{id}/costs"): {
        "type": "EXPENSE",
        "costType": "TRAVEL",
        "costPerUnit": 1200,
    },
    ("POST", "/workorders/{id}/emails"): {"emails": ["a@example.com"]},
    ("PATCH", "/workorders/{id}/partStatus"): {"partStatus": "RESERVED"},
    ("PATCH", "/workorders/{id}/status"): {"status": "IN_PROGRESS"},
    ("POST", "/workPermits/{id}/sign"): {"externalLinkUuid": "0f8e", "signerName": "Pat"},
    ("POST", "/workrequests"): {"title": "Light out", "creatorContactInfo": "x@example.com"},
    ("PATCH", "/workrequests/{id}"): {"priority": "LOW"},
    ("POST", "/customfields/{entity}"): {"fields": [{"label": "Color", "type": "oneline"}]},
    ("PATCH", "/customfields/{entity}/{id}"): {"field": {"label": "Colour"}},
    ("POST", "/workrequestportals"): {"title": "Front desk"},
    ("PATCH", "/workrequestportals/{id}"): {"welcomeText": "Hi"},
}


class World:
    """One emulator with one of everything, and the ids to address it."""

    def __init__(self) -> None:
        self.emu: Emulator = make_emulator(work_orders=5)
        self.client = raw_client(self.emu)
        c = self.client
        org = self.emu.org()
        me = self.emu.token().user_id
        self.ids: dict[str, int] = {"me": me}
        self.ids["assets"] = self.make("/assets", {"name": "Press"})
        self.ids["locations"] = self.make("/locations", {"name": "Bay 1"})
        self.ids["parts"] = self.make("/parts", {"name": "Filter"})
        self.ids["part2"] = self.make("/parts", {"name": "Filter B"})
        self.ids["vendors"] = self.make("/vendors", {"name": "Acme"})
        self.ids["contact"] = c.post(
            f"/vendors/{self.ids['vendors']}/contacts", json={"name": "Jo"}
        ).json()["id"]
        self.ids["users"] = self.make("/users", {"firstName": "Ann", "lastName": "Bo"})
        self.ids["teams"] = self.make("/teams", {"name": "Crew", "memberIds": [self.ids["users"]]})
        self.ids["categories"] = self.make("/categories", {"label": "Electrical+"})
        self.ids["workorders"] = self.make("/workorders", {"title": "Parent"})
        self.make("/workorders", {"title": "Child", "parentId": self.ids["workorders"]})
        c.post(f"/workorders/{self.ids['workorders']}/comments", json={"content": "first"})
        c.post(
            f"/workorders/{self.ids['workorders']}/costs",
            json={"type": "TIME", "costType": "WORK", "durationTotal": 3600, "hourlyRate": 5000},
        )
        self.ids["workrequests"] = self.make("/workrequests", {"title": "Leak"})
        po = c.post(
            "/purchaseorders",
            json={
                "vendorId": self.ids["vendors"],
                "items": [{"quantityOrdered": 2, "price": 1500}],
            },
        )
        self.ids["purchaseorders"] = po.json()["id"]
        self.ids["po_line"] = po.json()["items"][0]["id"]
        self.ids["meters"] = self.make("/meters", {"name": "Temp", "unit": "C"})
        reading = {
            "meterId": self.ids["meters"],
            "value": 21.5,
            "readingDate": "2026-01-02T00:00:00Z",
        }
        assert c.post("/meterreadings", json=[reading]).status_code == 201
        trigger = {
            "meterTrigger": {
                "meterId": self.ids["meters"],
                "amount": 5,
                "condition": "IS_GREATER",
                "name": "Hot",
            }
        }
        self.ids["metertriggers"] = self.make("/metertriggers", trigger)
        template = c.post(
            "/proceduretemplates", json={"title": "T", "fields": [{"label": "a", "type": "TEXT"}]}
        ).json()
        self.ids["proceduretemplates"] = template["id"]
        self.ids["proceduretemplaterows"] = template["fields"][0]["id"]
        self.ids["customfields"] = c.post(
            "/customfields/assets", json={"fields": [{"label": "Size", "type": "number"}]}
        ).json()[0]["id"]
        self.ids["subscriptions"] = self.make(
            "/subscriptions", {"type": "NEW_WORK_ORDER", "url": "http://127.0.0.1:9/x"}
        )
        self.ids["maintenanceplans"] = self.make(
            "/maintenanceplans", BODIES[("POST", "/maintenanceplans")]
        )
        self.ids["manufacturers"] = self.make("/manufacturers", {"name": "Acme"})
        self.ids["models"] = self.make(
            "/models", {"name": "M", "manufacturerId": self.ids["manufacturers"]}
        )
        transfer = {
            "quantityRequested": 1,
            "sourcePartId": self.ids["parts"],
            "destinationPartId": self.ids["part2"],
        }
        self.ids["parttransferrequests"] = self.make("/parttransferrequests", transfer)
        self.ids["assetcustomstatuses"] = self.make(
            "/assetcustomstatuses", {"label": "Idle", "baseAssetStatus": "IGNORE"}
        )
        status = c.post(f"/assets/{self.ids['assets']}/status", json={"status": "OFFLINE"})
        self.ids["assetstatuses"] = status.json()["assetStatus"]["id"]
        self.ids["workrequestportals"] = self.make("/workrequestportals", {"title": "Portal"})
        self.ids["rootcauseanalysisreports"] = next(iter(org.table("rootcauseanalysisreports")))[
            "id"
        ]
        self.ids["conversations"] = org.id * 10
        self.ids["assetcriticalities"] = 1
        self.ids["workPermits"] = 77
        for prefix in (
            "assets",
            "locations",
            "parts",
            "purchaseorders",
            "vendors",
            "workorders",
            "workrequests",
        ):
            c.put(
                f"/{prefix}/{self.ids[prefix]}/attachments/{UPLOAD}",
                content=PNG,
                headers={"content-type": "image/png"},
            )
        c.put(
            f"/metertriggers/{self.ids['metertriggers']}/workordertemplates/attachments/{UPLOAD}",
            content=PNG,
        )

    def make(self, path: str, body: dict[str, Any]) -> int:
        response = self.client.post(path, json=body)
        assert response.status_code in (200, 201), (path, response.text)
        return int(response.json()["id"])

    def path_values(self, template: str) -> dict[str, str]:
        first = template.strip("/").split("/")[0]
        values = {
            "filename": UPLOAD, "index": "0", "entity": "assets", "assetId": str(self.ids["assets"]),
            "meterId": str(self.ids["meters"]), "teamId": str(self.ids["teams"]),
            "userId": str(self.ids["users"]), "contactId": str(self.ids["contact"]),
        }  # fmt: skip
        if first in self.ids:
            values["id"] = str(self.ids[first])
        if template.startswith("/customfields/"):
            values["id"] = str(self.ids["customfields"])
        return values

    def body(self, method: str, template: str) -> Any:
        body = BODIES.get((method, template))
        ids = self.ids
        special: dict[str, Any] = {
            "METER_BATCH": [{"meterId": ids["meters"], "value": 3.5}],
            "TRIGGER": {
                "meterTrigger": {
                    "meterId": ids["meters"],
                    "amount": 1,
                    "condition": "IS_LESS",
                    "name": "Cold",
                }
            },
            "MODEL": {"name": "M2", "manufacturerId": ids["manufacturers"]},
            "TRANSFER": {
                "quantityRequested": 2,
                "sourcePartId": ids["parts"],
                "destinationPartId": ids["part2"],
            },
            "PO": {
                "vendorId": ids["vendors"],
                "items": [{"quantityOrdered": 1}],
                "costs": [{"name": "Tax", "type": "AMOUNT_TAXABLE", "amount": 5}],
            },
            "FULFILL": {"items": [{"id": ids["po_line"], "quantityReceived": 1}]},
            "NEW_MEMBER": {"id": ids["me"], "teamRole": "MEMBER"},
        }
        if isinstance(body, str):
            return special[body]
        if template == "/workorders" and method == "POST":
            return {**body, "assignees": [{"type": "USER", "id": ids["me"]}]}
        return body

    def call(
        self,
        method: str,
        template: str,
        values: dict[str, str] | None = None,
        body: Any = "default",
    ) -> httpx.Response:
        path = concrete(template, values or self.path_values(template))
        if method == "PATCH" and template == "/purchaseorders/{id}/fulfillment":
            self.emu.org().table("purchaseorders").rows[self.ids["purchaseorders"]]["status"] = (
                "APPROVED"
            )
        if method == "PUT":
            return self.client.put(path, content=PNG, headers={"content-type": "image/png"})
        payload = self.body(method, template) if body == "default" else body
        if payload is None:
            return self.client.request(method, path)
        return self.client.request(method, path, json=payload)


def _state(emu: Emulator) -> str:
    """Everything the organization holds, as text (to prove a rejected write stored nothing)."""
    import json

    tables = emu.org().tables
    return json.dumps(
        {name: list(t.rows.values()) for name, t in sorted(tables.items())},
        sort_keys=True,
        default=str,
    )


def _validate(op: dict[str, Any], method: str, template: str, response: httpx.Response) -> None:
    documented, schema = response_schema(op, response.status_code)
    assert documented, (
        f"{method} {template} answered undocumented {response.status_code}: {response.text[:300]}"
    )
    if schema is None:
        return
    body = response.json()
    try:
        jsonschema.validate(body, closed(schema))
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        pytest.fail(
            f"{method} {template} {response.status_code} at {where}: {exc.message}\n{str(body)[:500]}"
        )


SPEC_OPS = operations(load_spec(str(SPEC_PATH)))


@pytest.fixture
def spec(spec_path: Path) -> dict[str, Any]:
    return load_spec(str(spec_path))


@pytest.mark.parametrize(("method", "template"), [(m, p) for m, p, _ in SPEC_OPS])
def test_success_answer_matches_the_spec(method: str, template: str, spec: dict[str, Any]) -> None:
    op = spec["paths"][template][method.lower()]
    world = World()
    response = world.call(method, template)
    assert 200 <= response.status_code < 300, (
        f"{method} {template}: {response.status_code} {response.text[:300]}"
    )
    success = [int(code) for code in op["responses"] if code.startswith("2")]
    assert response.status_code in success
    _validate(op, method, template, response)


def test_error_answers_match_the_spec(spec: dict[str, Any]) -> None:
    world = World()
    checked = {400: 0, 404: 0, 401: 0}
    unauthenticated = httpx.Client(
        transport=world.emu.transport(), base_url="https://api.getmaintainx.com/v1"
    )
    for method, template, op in SPEC_OPS:
        values = world.path_values(template)
        has_id = any(
            k not in ("filename", "entity", "index") for k in values if "{" + k + "}" in template
        )
        if "404" in op["responses"] and has_id:
            missing = {
                k: ("999999999" if k not in ("filename", "entity", "index") else v)
                for k, v in values.items()
            }
            response = world.call(method, template, missing)
            assert response.status_code == 404, (
                f"{method} {template}: {response.status_code} {response.text}"
            )
            _validate(op, method, template, response)
            checked[404] += 1
        body_spec = (
            (op.get("requestBody") or {})
            .get("content", {})
            .get("application/json", {})
            .get("schema", {})
        )
        if "400" in op["responses"] and body_spec.get("required") and method in ("POST", "PATCH"):
            before = _state(world.emu)
            response = world.call(method, template, values, body={})
            assert response.status_code == 400, (
                f"{method} {template}: {response.status_code} {response.text}"
            )
            assert _state(world.emu) == before, f"{method} {template} changed state on a 400"
            _validate(op, method, template, response)
            checked[400] += 1
        if op.get("security") != []:
            response = unauthenticated.request(method, concrete(template, values))
            assert response.status_code == 401, f"{method} {template}"
            checked[401] += 1
    assert checked[404] > 100 and checked[400] > 30 and checked[401] == 167


def test_every_spec_operation_has_a_route(spec: dict[str, Any]) -> None:
    emu = make_emulator()
    routed = {(r.method, r.template) for r in emu.router.routes()}
    assert routed == {(m, p) for m, p, _ in SPEC_OPS}
    assert len(routed) == 169
    with raw_client(emu) as c:
        for method, template, _ in SPEC_OPS:
            path = concrete(
                template,
                {
                    k: "1"
                    for k in ("id", "assetId", "meterId", "teamId", "userId", "contactId", "index")
                }
                | {"filename": "f.png", "entity": "assets"},
            )
            response = c.request(method, path)
            assert response.status_code not in (405, 501), (method, template)
            assert "not found" not in response.text.lower() or response.status_code == 404
            if response.status_code == 404:
                assert "Route" not in response.json()["error"], (method, template)


def test_webhook_payloads_match_the_spec(spec: dict[str, Any]) -> None:
    """Every event the emulator sends validates against its ``x-webhooks`` schema."""
    from maintainx_sdk.testing import Delivery

    deliveries: list[Delivery] = []
    emu = make_emulator(work_orders=3, webhook_sink=deliveries.append)
    events = sorted(spec["x-webhooks"])
    with raw_client(emu) as c:
        for event in events:
            body = {
                "type": event,
                "url": "https://hooks.example.com/mx",
                "options": {"serializeEntity": True},
            }
            assert c.post("/subscriptions", json=body).status_code == 201
        wid = c.post("/workorders", json={"title": "hooked", "categories": ["Safety"]}).json()["id"]
        c.patch(
            f"/workorders/{wid}",
            json={"title": "hooked 2", "assignees": [{"type": "USER", "id": emu.token().user_id}]},
        )
        c.patch(f"/workorders/{wid}/status", json={"status": "ON_HOLD"})
        c.patch(f"/workorders/{wid}/status", json={"status": "CANCELED"})
        c.patch(f"/workorders/{wid}/partStatus", json={"partStatus": "KITTED"})
        c.post(f"/workorders/{wid}/comments", json={"content": "c"})
        c.delete(f"/workorders/{wid}")
        part = c.post("/parts", json={"name": "p"}).json()["id"]
        c.patch(f"/parts/{part}", json={"name": "p2"})
        c.delete(f"/parts/{part}")
        c.post("/assets", json={"name": "a"})
        c.post("/locations", json={"name": "l"})
        vendor = c.post("/vendors", json={"name": "v"}).json()["id"]
        c.post("/workrequests", json={"title": "r"})
        po = c.post(
            "/purchaseorders", json={"vendorId": vendor, "items": [{"quantityOrdered": 1}]}
        ).json()["id"]
        c.patch(f"/purchaseorders/{po}", json={"note": "n"})
        c.patch(f"/purchaseorders/{po}/status", json={"status": "PENDING"})
        asset = c.post("/assets", json={"name": "pump"}).json()["id"]
        c.post(f"/assets/{asset}/status", json={"status": "OFFLINE", "downtimeType": "UNPLANNED"})
        request = c.post("/workrequests", json={"title": "noise"}).json()["id"]
        from_request = c.post(
            "/workorders", json={"title": "from request", "workRequestId": request}
        ).json()["id"]
        c.patch(f"/workorders/{from_request}/status", json={"status": "DONE"})
        c.post("/workorders", json={"title": "late", "dueDate": "2020-01-01T00:00:00Z"})
        assert emu.fire_overdue() >= 1
        sub = c.post(
            "/subscriptions", json={"type": "NEW_ASSET", "url": "https://h.example/x"}
        ).json()["id"]
        c.delete(f"/subscriptions/{sub}")
    sent = {d.event_type for d in deliveries}
    assert sent >= {
        "NEW_WORK_ORDER", "WORK_ORDER_CHANGE", "WORK_ORDER_STATUS_CHANGE", "WORK_ORDER_DELETE",
        "WORK_ORDER_PART_STATUS_CHANGE", "NEW_COMMENT_ON_WORK_ORDER", "NEW_PART", "PART_CHANGE", "PART_DELETE",
        "NEW_ASSET", "NEW_LOCATION", "NEW_VENDOR", "NEW_WORK_REQUEST", "NEW_PURCHASE_ORDER",
        "PURCHASE_ORDER_CHANGE", "PURCHASE_ORDER_STATUS_CHANGE", "WEBHOOK_CREATED", "WEBHOOK_ARCHIVED",
        "NEW_CATEGORY_ON_WORK_ORDER", "ASSET_STATUS_CHANGE", "WORK_REQUEST_STATUS_CHANGE",
        "WORK_ORDER_OVERDUE",
    }  # fmt: skip
    for delivery in deliveries:
        schema = to_json_schema(
            spec["x-webhooks"][delivery.event_type]["post"]["requestBody"]["content"][
                "application/json"
            ]["schema"]
        )
        try:
            jsonschema.validate(delivery.json(), schema)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            pytest.fail(f"{delivery.event_type} at {where}: {exc.message}")


def test_quota_answers_match_the_spec(spec: dict[str, Any]) -> None:
    """The 429s the spec documents (meter readings) have its body shape."""
    world = World()
    meter = world.ids["meters"]
    single = ("POST", "/meters/{meterId}/readings")
    batch = ("POST", "/meterreadings")
    for method, template, body, times in (
        (*single, {"readingValue": 1}, 2),
        (*batch, [{"meterId": meter, "value": 1}], 11),
    ):
        responses = [world.call(method, template, body=body) for _ in range(times)]
        assert responses[-1].status_code == 429, (template, [r.status_code for r in responses])
        _validate(spec["paths"][template][method.lower()], method, template, responses[-1])


_ID_TABLES = {
    "asset": "assets", "location": "locations", "part": "parts", "vendor": "vendors",
    "user": "users", "team": "teams", "category": "categories", "meter": "meters",
    "parent": "workorders", "workOrder": "workorders", "workRequest": "workrequests",
    "purchaseOrder": "purchaseorders", "procedureTemplate": "proceduretemplates",
    "manufacturer": "manufacturers", "model": "models", "contact": "contact",
    "assignee": "users", "requester": "users", "approver": "users", "member": "users",
    "sourcePart": "parts", "destinationPart": "part2", "customStatus": "assetcustomstatuses",
    "criticality": "assetcriticalities", "meterTrigger": "metertriggers",
    "approverTeam": "teams",
}  # fmt: skip
#: Every-property values whose first choice would contradict another property of the call.
_CHOSEN: dict[str, Any] = {"isParent": False, "useSequentialId": False}


def _sample(world: World, schema: dict[str, Any], name: str = "", own: str = "") -> Any:
    """A value for the spec's ``schema`` with every property set (ids point at the world's
    records; ``own`` is the table of the operation's path, for ``parentId``)."""
    if "oneOf" in schema:
        return _sample(world, schema["oneOf"][0], name, own)
    if "anyOf" in schema:
        return _sample(world, schema["anyOf"][0], name, own)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _sample(world, v, k, own) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        items = schema.get("items", {})
        if "enum" in items:
            return [v for v in items["enum"] if v is not None]
        return [_sample(world, items, name[:-1] if name.endswith("s") else name, own)]
    if name in _CHOSEN:
        return _CHOSEN[name]
    if name == "id":
        return world.ids["me"]
    dated = "date" in name.lower() or name.endswith("At") or schema.get("format") == "date-time"
    if dated and kind == "string":
        return "2026-01-02T03:04:05.000Z"
    if kind in ("integer", "number") and name.endswith(("Id", "Ids")):
        base = name[:-2] if name.endswith("Id") else name[:-3] if name.endswith("Ids") else ""
        table = own if base == "parent" else _ID_TABLES.get(base)
        return world.ids.get(table, 1) if table else 1
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(2, schema.get("minimum", 2))
    if kind == "boolean":
        return True
    if "mail" in name.lower():
        return "a@example.com"
    if "url" in name.lower():
        return "http://127.0.0.1:9/hook"
    return "x"


def _full_query(world: World, op: dict[str, Any], own: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for param in op.get("parameters", []):
        if param.get("in") != "query" or param["name"] in ("cursor", "customFieldName"):
            continue
        value = _sample(world, param.get("schema", {}), param["name"], own)
        out[param["name"]] = value
    return out


@pytest.mark.parametrize(("method", "template"), [(m, p) for m, p, _ in SPEC_OPS])
def test_every_property_answer_matches_the_spec(
    method: str, template: str, spec: dict[str, Any]
) -> None:
    op = spec["paths"][template][method.lower()]
    world = World()
    path = concrete(template, world.path_values(template))
    own = template.strip("/").split("/")[0]
    query = _full_query(world, op, own)
    body_schema = (
        (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
    )
    if method == "PUT":
        response = world.client.put(
            path, params=query, content=PNG, headers={"content-type": "image/png"}
        )
    elif body_schema is not None:
        body = _sample(world, body_schema, own=own)
        minimal = world.body(method, template)
        if isinstance(body, dict) and isinstance(minimal, dict):
            body = {**body, **minimal}  # the minimal call's choices keep the write valid
        if template == "/purchaseorders/{id}/fulfillment":
            rows = world.emu.org().table("purchaseorders").rows
            rows[world.ids["purchaseorders"]]["status"] = "APPROVED"
        response = world.client.request(method, path, params=query, json=body)
    else:
        response = world.client.request(method, path, params=query)
    assert 200 <= response.status_code < 300, (
        f"{method} {template}: {response.status_code} {response.text[:400]}"
    )
    _validate(op, method, template, response)
