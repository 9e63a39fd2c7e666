"""Nested endpoints of the catalog resources: team members, vendor contacts and asset
statuses."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._paging import offset_page, page_body, parse_limit, sorted_rows
from ._resources import project, require
from ._router import Route
from ._store import Row
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
    contact.update(id=ctx.state.next_id(), vendorId=vendor["id"])
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
    now = ctx.state.now()
    row: Row = {"id": ctx.state.next_id(), "assetId": asset["id"], "status": "ONLINE", "customStatusId": None,
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
    row["updatedAt"] = ctx.state.now()
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
        Route("POST", "/assets/{assetId}/status", add_asset_status),
        Route("GET", "/assetstatuses", list_asset_statuses),
        Route("PATCH", "/assetstatuses/{id}", update_asset_status),
    ]
