"""Nested endpoints of the catalog resources: team members, vendor contacts, meter
readings and asset statuses."""

from __future__ import annotations

from typing import Any

from ._http import ApiReject, Ctx, Reply
from ._paging import offset_page, page_body, parse_limit, sorted_rows
from ._ratelimit import Quota
from ._resources import project, require
from ._router import Route
from ._store import Row, normalize_datetime
from ._validate import validate_body

# -- team members -------------------------------------------------------------------------


def _team(ctx: Ctx, name: str = "id") -> Row:
    return require(ctx, ctx.org.table("teams"), ctx.id_param(name), "Team")


def _member_view(ctx: Ctx, user_id: int, role: str) -> dict[str, Any]:
    user = ctx.org.table("users").get(user_id) or {}
    return {
        "id": user_id,
        "teamRole": role,
        "firstName": user.get("firstName", ""),
        "lastName": user.get("lastName", ""),
    }


def list_members(ctx: Ctx) -> Reply:
    team = require(ctx, ctx.org.table("teams"), ctx.id_param(), "parent resource")
    members = [_member_view(ctx, uid, role) for uid, role in sorted(team["_members"].items())]
    page, cursor = offset_page(ctx, members, parse_limit(ctx))
    return Reply(200, page_body(ctx, "members", page, cursor))


def add_member(ctx: Ctx) -> Reply:
    team = _team(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"id": "int", "teamRole": "enum:ADMIN|MEMBER"}, ("id",))
    if errors:
        raise ctx.bad_many(errors)
    if ctx.org.table("users").get(int(body["id"])) is None:
        raise ctx.bad("id is not a user of this organization", "id", body["id"])
    team["_members"][int(body["id"])] = body.get("teamRole", "MEMBER")
    team["membersCount"] = len(team["_members"])
    return Reply(201, {"id": int(body["id"])})


def _membership(ctx: Ctx) -> tuple[Row, int]:
    team = _team(ctx, "teamId")
    user_id = ctx.id_param("userId")
    if user_id not in team["_members"]:
        raise ctx.not_found("Team member")
    return team, user_id


def update_member(ctx: Ctx) -> Reply:
    team, user_id = _membership(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"teamRole": "enum:ADMIN|MEMBER"})
    if errors:
        raise ctx.bad("team role is not valid", "teamRole", body.get("teamRole"))
    team["_members"][user_id] = body.get("teamRole", team["_members"][user_id])
    return Reply(200, {"member": _member_view(ctx, user_id, team["_members"][user_id])})


def remove_member(ctx: Ctx) -> Reply:
    team, user_id = _membership(ctx)
    del team["_members"][user_id]
    team["membersCount"] = len(team["_members"])
    return Reply(204)


# -- vendor contacts --------------------------------------------------------------------------
_CONTACT_FIELDS = {
    "name": "str",
    "role": "str?",
    "email": "str?",
    "phoneNumber": "str?",
    "extension": "str?",
}
_CONTACT_KEYS = ("id", "name", "role", "email", "phoneNumber", "extension", "vendorId")
_CONTACT_NULL = frozenset({"role", "email", "phoneNumber", "extension"})


def _vendor(ctx: Ctx, label: str = "Vendor") -> Row:
    return require(ctx, ctx.org.table("vendors"), ctx.id_param(), label)


def _contact(ctx: Ctx) -> Row:
    vendor = _vendor(ctx)
    contact = ctx.org.table("vendor_contacts").get(ctx.id_param("contactId"))
    if contact is None or contact["vendorId"] != vendor["id"]:
        raise ctx.not_found("Vendor Contact")
    return contact


def add_contact(ctx: Ctx) -> Reply:
    vendor = _vendor(ctx)
    body = ctx.body_object()
    errors = validate_body(body, _CONTACT_FIELDS, ("name",))
    if errors:
        raise ctx.bad_many(errors)
    contact = {k: body.get(k) for k in _CONTACT_FIELDS}
    contact.update(id=ctx.emu.next_id(), vendorId=vendor["id"])
    ctx.org.table("vendor_contacts").insert(contact)
    return Reply(201, project(contact, _CONTACT_KEYS, _CONTACT_NULL))


def list_contacts(ctx: Ctx) -> Reply:
    vendor = _vendor(ctx, "parent resource")
    rows = sorted_rows(
        ctx.org.table("vendor_contacts"), lambda r: r["vendorId"] == vendor["id"], "id"
    )
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(
        200,
        page_body(
            ctx, "contacts", [project(r, _CONTACT_KEYS, _CONTACT_NULL) for r in page], cursor
        ),
    )


def get_contact(ctx: Ctx) -> Reply:
    return Reply(200, {"vendorContact": project(_contact(ctx), _CONTACT_KEYS, _CONTACT_NULL)})


def update_contact(ctx: Ctx) -> Reply:
    contact = _contact(ctx)
    body = ctx.body_object()
    errors = validate_body(body, _CONTACT_FIELDS)
    if errors:
        raise ctx.bad_many(errors)
    contact.update({k: v for k, v in body.items() if k in _CONTACT_FIELDS})
    return Reply(200, {"contact": project(contact, _CONTACT_KEYS, _CONTACT_NULL)})


def delete_contact(ctx: Ctx) -> Reply:
    ctx.org.table("vendor_contacts").delete(_contact(ctx)["id"])
    return Reply(204)


# -- meter readings -------------------------------------------------------------------------------
#: The spec's reading quotas: manual meters 10 reading requests per 24 h (a batch counts once),
#: the deprecated single-reading endpoint 1 per 10 s, automated batches 100 per 60 s.
MANUAL_QUOTA = Quota(10, 86400.0)
SINGLE_QUOTA = Quota(1, 10.0)
BATCH_QUOTA = Quota(100, 60.0)


def _spend(ctx: Ctx, key: tuple[str, int], quota: Quota, message: str) -> None:
    if ctx.emu.meter_quotas and not ctx.emu.limiter.take(key, quota):
        raise ApiReject(429, {"error": message})


def _spend_manual(ctx: Ctx, meters: list[Row]) -> None:
    for meter in meters:
        if meter["measurementType"] == "MANUAL":
            _spend(
                ctx,
                ("meter-manual", meter["id"]),
                MANUAL_QUOTA,
                "Manual meter reading limit reached (10 per 24 hours). Use an IoT meter for "
                "automated readings, or contact support@getmaintainx.com.",
            )


def _reading_date(ctx: Ctx, value: Any, path: str) -> str | None:
    if value is None:
        return None
    normalized = normalize_datetime(str(value))
    if normalized is None:
        raise ctx.bad("readingDate should be a date-time", path, value)
    return normalized


def batch_readings(ctx: Ctx) -> Reply:
    body = ctx.json()
    if not isinstance(body, list) or not body:
        raise ctx.bad("body must be a non-empty array of readings")
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(body):
        if not isinstance(item, dict):
            errors.append({"error": "should be object", "fieldPath": f"[{i}]"})
            continue
        errors += validate_body(
            item,
            {"meterId": "num", "value": "num", "readingDate": "str"},
            ("meterId", "value"),
            prefix=f"[{i}].",
        )
    if errors:
        raise ctx.bad_many(errors)
    meters = ctx.org.table("meters")
    for item in body:
        if meters.get(int(item["meterId"])) is None:
            raise ctx.not_found("meter")
    dates = [
        _reading_date(ctx, item.get("readingDate"), f"[{i}].readingDate")
        for i, item in enumerate(body)
    ]
    _spend(
        ctx,
        ("meter-batch", ctx.user_id),
        BATCH_QUOTA,
        "Too many meter reading requests. Please retry in 60 seconds.",
    )
    _spend_manual(
        ctx, [meters.rows[m] for m in dict.fromkeys(int(item["meterId"]) for item in body)]
    )
    now = ctx.emu.now()
    out = []
    for item, date in zip(body, dates, strict=True):
        reading = {"meterId": item["meterId"], "value": item["value"], "createdAt": now}
        if date:
            reading["readingDate"] = date
        meters.rows[int(item["meterId"])]["_readings"].append(
            {
                "id": f"{item['meterId']}-{ctx.emu.next_id()}",
                "value": item["value"],
                "createdAt": now,
                "readingDate": date or None,
            }
        )
        out.append(reading)
    return Reply(201, out)


def single_reading(ctx: Ctx) -> Reply:
    meter = ctx.org.table("meters").get(ctx.id_param("meterId"))
    if meter is None:  # the spec lists no 404 here
        raise ctx.bad(
            "meterId is not a meter of this organization", "meterId", ctx.params["meterId"]
        )
    body = ctx.body_object()
    errors = validate_body(body, {"readingValue": "num", "readingDate": "str"}, ("readingValue",))
    if errors:
        raise ctx.bad_many(errors)
    date = _reading_date(ctx, body.get("readingDate"), "readingDate")
    message = "Too many requests for this meter. Please retry in 10 seconds."
    _spend(ctx, ("meter-single", meter["id"]), SINGLE_QUOTA, message)
    _spend_manual(ctx, [meter])
    now = ctx.emu.now()
    reading: dict[str, Any] = {
        "id": str(ctx.emu.next_id()),
        "readingValue": body["readingValue"],
        "createdAt": now,
    }
    if date:
        reading["readingDate"] = date
    meter["_readings"].append(
        {"id": reading["id"], "value": body["readingValue"], "createdAt": now,
         "readingDate": date or None}
    )  # fmt: skip
    return Reply(201, reading)


# -- asset statuses ---------------------------------------------------------------------------------
_STATUS_FIELDS = {
    "status": "enum:IGNORE|OFFLINE|ONLINE", "customStatusId": "num?", "downtimeType": "enum:PLANNED|UNPLANNED",
    "startedAt": "str", "endedAt": "str?", "description": "str?",
}  # fmt: skip
_STATUS_KEYS = (
    "id",
    "assetId",
    "status",
    "customStatusId",
    "downtimeType",
    "startedAt",
    "endedAt",
    "description",
    "createdAt",
    "updatedAt",
    "deletedAt",
)


#: What a new status answers, and what an edited one answers (the spec's shapes).
_CREATED_STATUS_KEYS = ("id", "status", "customStatusId", "downtimeType", "startedAt", "updatedAt")
_UPDATED_STATUS_KEYS = tuple(k for k in _STATUS_KEYS if k != "assetId")


def add_asset_status(ctx: Ctx) -> Reply:
    asset = require(ctx, ctx.org.table("assets"), ctx.id_param("assetId"), "Asset")
    body = ctx.body_object()
    errors = validate_body(body, _STATUS_FIELDS)
    if errors:
        raise ctx.bad_many(errors)
    now = ctx.emu.now()
    row: Row = {"id": ctx.emu.next_id(), "assetId": asset["id"], "status": "ONLINE", "customStatusId": None,
                "downtimeType": None, "startedAt": now, "endedAt": None, "description": None,
                "createdAt": now, "updatedAt": now, "deletedAt": None}  # fmt: skip
    row.update({k: v for k, v in body.items() if k in _STATUS_FIELDS})
    ctx.org.table("assetstatuses").insert(row)
    previous = asset.get("_status") or {"status": "ONLINE", "startedAt": asset["createdAt"],
                                         "createdAt": asset["createdAt"], "updatedAt": asset["createdAt"]}  # fmt: skip
    asset["_status"] = row
    ctx.emit(
        "ASSET_STATUS_CHANGE",
        {"assetId": asset["id"], "orgId": ctx.org.id, "oldStatus": project(previous, _STATUS_KEYS),
         "newStatus": project(row, _STATUS_KEYS), "occurredAt": now},
    )  # fmt: skip
    return Reply(201, {"assetStatus": project(row, _CREATED_STATUS_KEYS)})


def list_asset_statuses(ctx: Ctx) -> Reply:
    assets = {int(a) for a in ctx.qlist("assetId") if a.isdigit()}
    sort = ctx.q("sort") or "-createdAt"
    if sort.lstrip("-") not in ("createdAt", "updatedAt", "startedAt", "endedAt"):
        raise ctx.bad(
            "sort must be createdAt, updatedAt, startedAt or endedAt (- for descending)",
            "sort",
            sort,
        )
    rows = sorted_rows(
        ctx.org.table("assetstatuses"), lambda r: not assets or r["assetId"] in assets, sort
    )
    page, cursor = offset_page(ctx, rows, parse_limit(ctx), sort)
    return Reply(
        200, page_body(ctx, "assetStatuses", [project(r, _STATUS_KEYS) for r in page], cursor)
    )


def update_asset_status(ctx: Ctx) -> Reply:
    row = require(ctx, ctx.org.table("assetstatuses"), ctx.id_param(), "Asset Status")
    body = ctx.body_object()
    errors = validate_body(body, _STATUS_FIELDS)
    if errors:
        raise ctx.bad_many(errors)
    row.update({k: v for k, v in body.items() if k in _STATUS_FIELDS})
    row["updatedAt"] = ctx.emu.now()
    return Reply(200, {"assetStatus": project(row, _UPDATED_STATUS_KEYS)})


def routes() -> list[Route]:
    return [
        Route("GET", "/teams/{id}/members", list_members),
        Route("POST", "/teams/{id}/members", add_member),
        Route("PATCH", "/teams/{teamId}/members/{userId}", update_member),
        Route("DELETE", "/teams/{teamId}/members/{userId}", remove_member),
        Route("POST", "/vendors/{id}/contacts", add_contact),
        Route("GET", "/vendors/{id}/contacts", list_contacts),
        Route("GET", "/vendors/{id}/contacts/{contactId}", get_contact),
        Route("PATCH", "/vendors/{id}/contacts/{contactId}", update_contact),
        Route("DELETE", "/vendors/{id}/contacts/{contactId}", delete_contact),
        Route("POST", "/meterreadings", batch_readings),
        Route("POST", "/meters/{meterId}/readings", single_reading),
        Route("POST", "/assets/{assetId}/status", add_asset_status),
        Route("GET", "/assetstatuses", list_asset_statuses),
        Route("PATCH", "/assetstatuses/{id}", update_asset_status),
    ]
