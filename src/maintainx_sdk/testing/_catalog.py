"""The plain CRUD resources, declared: assets, locations, users, teams, vendors, categories
and work requests (their nested endpoints live in ``_extras``)."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._resources import (
    Predicate,
    Resource,
    enum_list,
    eq_filter,
    parse_int_list,
    simple_maker,
    stamp,
)
from ._store import Row

PRIORITIES = "enum:NONE|LOW|MEDIUM|HIGH"


# -- assets -----------------------------------------------------------------------------
ASSET_FIELDS = {
    "name": "str", "description": "str?", "barcode": "str?", "criticalityId": "int?", "parentId": "int?",
    "locationId": "int?", "teamIds": "[int]", "assetTypes": "[str]", "extraFields": "obj",
    "vendorIds": "[num]", "serialNumber": "str?", "depreciation": "obj?", "manufacturer": "obj?", "model": "obj?",
}  # fmt: skip


def _asset_shape(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in ("manufacturer", "model"):  # objects in, strings out
        if key in out:
            out[key] = (out[key] or {}).get("name") if out[key] is not None else None
    out.pop("depreciation", None)
    return out


def _make_asset(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "name": "", "description": None, "parentId": None, "criticalityId": None,
        "locationId": None, "serialNumber": None, "creatorId": ctx.user_id, "barcode": None, "teamIds": [],
        "assetTypes": [], "extraFields": {}, "vendorIds": [], "manufacturer": None, "model": None,
        "attachments": [], "currentOwnerId": ctx.user_id, "childrenIds": [], "deletedAt": None,
    }  # fmt: skip
    row.update(_asset_shape(body))
    return row


ASSETS = Resource(
    table="assets", path="/assets", items_key="assets", one_key="asset", label="Asset",
    fields=ASSET_FIELDS, required=("name",), make=_make_asset, shape=_asset_shape,
    list_keys=("id", "name", "description", "parentId", "criticalityId", "locationId", "serialNumber",
               "createdAt", "updatedAt", "creatorId", "organizationId", "barcode", "teamIds",
               "assetTypes", "extraFields", "vendorIds", "manufacturer", "model"),
    detail_keys=("id", "name", "currentOwnerId", "barcode", "description", "criticalityId", "teamIds",
                 "assetTypes", "parentId", "childrenIds", "locationId", "serialNumber", "attachments",
                 "extraFields", "vendorIds", "createdAt", "updatedAt", "deletedAt", "creatorId",
                 "manufacturer", "model"),
    keep_null_list=frozenset({"description", "parentId", "criticalityId", "locationId", "serialNumber", "creatorId"}),
    refs={"locationId": "locations", "parentId": "assets"},
    filters=(eq_filter("locationId", "locationId"), eq_filter("manufacturer", "manufacturer"), eq_filter("model", "model")),
    sorts=("createdAt", "updatedAt"), date_filters=True, multi_org=True,
    query_params=frozenset({"locationId", "manufacturer", "model"}), custom_field_entity="assets",
    on_event={"create": "NEW_ASSET"}, id_key="assetId", snapshot_key="newAsset",
)  # fmt: skip


# -- locations ---------------------------------------------------------------------------
def _make_location(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "name": "", "description": None, "address": None, "parentId": None,
        "extraFields": {}, "teamIds": [], "vendorIds": [], "barcode": None, "childrenIds": [], "creatorId": ctx.user_id,
    }  # fmt: skip
    row.update(body)
    return row


def _name_prefix(ctx: Ctx) -> Predicate | None:
    prefix = ctx.q("name")
    if not prefix:
        return None
    low = prefix.lower()
    return lambda r: str(r["name"]).lower().startswith(low)


LOCATIONS = Resource(
    table="locations", path="/locations", items_key="locations", one_key="location", label="Location",
    fields={"name": "str", "description": "str?", "address": "str?", "barcode": "str?", "parentId": "int?",
            "extraFields": "obj", "vendorIds": "[num]", "teamIds": "[num]"},
    required=("name",), make=_make_location, create_status=200,
    list_keys=("id", "name", "description", "address", "parentId", "createdAt", "updatedAt",
               "organizationId", "extraFields", "teamIds", "vendorIds", "barcode"),
    detail_keys=("id", "name", "description", "address", "barcode", "parentId", "childrenIds",
                 "extraFields", "teamIds", "vendorIds", "attachments", "thumbnail", "createdAt",
                 "updatedAt", "deletedAt"),
    refs={"parentId": "locations"}, filters=(_name_prefix,), multi_org=True,
    query_params=frozenset({"name"}), custom_field_entity="locations",
    on_event={"create": "NEW_LOCATION"}, id_key="locationId",
)  # fmt: skip


# -- users ---------------------------------------------------------------------------------
ROLES = "enum:ADMIN|MEMBER|OPERATOR|REQUESTER|SERVICE_ACCOUNT"


def _make_user(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "firstName": "", "lastName": "", "email": None, "phoneNumber": None,
        "role": "MEMBER", "authType": "NORMAL", "hourlyRate": None, "lastVisitedAt": None, "extraFields": {},
        "customRole": None, "externalData": None, "removedFromOrganization": False,
    }  # fmt: skip
    row.update({k: v for k, v in body.items() if k != "inviteType"})
    return row


def _email_filter(ctx: Ctx) -> Predicate | None:
    emails = {e.lower() for e in ctx.qlist("email")}
    if not emails:
        return None
    return lambda r: str(r.get("email") or "").lower() in emails


USERS = Resource(
    table="users", path="/users", items_key="users", one_key="user", label="User",
    fields={"firstName": "str", "lastName": "str", "role": ROLES, "customRole": "str?", "email": "str?",
            "phoneNumber": "str?", "externalData": "any?", "extraFields": "obj",
            "authType": "enum:NORMAL|SAML|OIDC", "inviteType": "enum:ALL|EMAIL|SMS|NONE",
            "hourlyRate": "int?"},
    required=("firstName", "lastName"), make=_make_user,
    list_keys=("id", "firstName", "lastName", "email", "phoneNumber", "authType", "hourlyRate",
               "lastVisitedAt", "role", "extraFields"),
    detail_keys=("id", "firstName", "lastName", "role", "customRole", "email", "phoneNumber",
                 "removedFromOrganization", "authType", "hourlyRate", "externalData", "extraFields",
                 "lastVisitedAt"),
    filters=(_email_filter,),
)  # fmt: skip


# -- teams ------------------------------------------------------------------------------------
def _make_team(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    members = {int(u): "MEMBER" for u in body.get("memberIds") or []}
    row: Row = {**stamp(ctx, row_id), "name": body.get("name", ""), "description": body.get("description"),
                "assetIds": list(body.get("assetIds") or []), "locationIds": list(body.get("locationIds") or []),
                "_members": members, "membersCount": len(members)}  # fmt: skip
    return row


def _team_shape(values: dict[str, Any]) -> dict[str, Any]:
    values.pop("membersCount", None)
    values.pop("memberIds", None)
    return values


TEAMS = Resource(
    table="teams", path="/teams", items_key="teams", one_key="team", label="Team",
    fields={"name": "str", "description": "str?", "assetIds": "[int]", "locationIds": "[int]",
            "memberIds": "[int]", "membersCount": "int"},
    required=("name",), make=_make_team, shape=_team_shape, refs={"memberIds": "users"},
    list_keys=("id", "name"),
    detail_keys=("id", "name", "description", "membersCount", "assetIds", "locationIds"),
)  # fmt: skip


# -- vendors, categories ----------------------------------------------------------------------
VENDORS = Resource(
    table="vendors", path="/vendors", items_key="vendors", one_key="vendor", label="Vendor",
    fields={"name": "str", "description": "str?", "extraFields": "obj", "emails": "[str]", "phoneNumbers": "[str]"},
    required=("name",), make=simple_maker({"name": "", "description": None, "extraFields": {}}),
    list_keys=("id", "name", "extraFields"),
    detail_keys=("id", "name", "description", "extraFields", "emails", "phoneNumbers", "contactIds",
                 "attachments", "thumbnail", "deletedAt"),
    custom_field_entity="vendors",
    on_event={"create": "NEW_VENDOR"}, id_key="vendorId",
)  # fmt: skip

CATEGORIES = Resource(
    table="categories", path="/categories", items_key="categories", one_key="category", label="Category",
    fields={"label": "str", "description": "str"},
    required=("label",), make=simple_maker({"label": "", "description": ""}),
    list_keys=("id", "label", "description"),
    detail_keys=("id", "label", "description", "workOrderCount", "updatedAt"),
)  # fmt: skip


# -- work requests ------------------------------------------------------------------------------
def _wr_shape(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "creatorContactInfo" in out and isinstance(out["creatorContactInfo"], str):
        text = out["creatorContactInfo"]
        out["creatorContactInfo"] = {"type": "EMAIL" if "@" in text else "OTHER", "value": text}
    return out


def _make_work_request(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "title": "", "description": None, "priority": "NONE", "requestStatus": "PENDING",
        "assetId": None, "locationId": None, "workOrderId": None, "approverTeamId": None,
        "creatorContactInfo": None, "sendEmailNotification": False, "extraFields": {}, "attachments": [],
    }  # fmt: skip
    row.update(_wr_shape(body))
    return row


def _wr_filters(ctx: Ctx) -> Predicate | None:
    preds: list[Predicate] = []
    assets = set(parse_int_list(ctx, "assets"))
    if assets:
        preds.append(lambda r: r["assetId"] in assets)
    locations = set(parse_int_list(ctx, "locations"))
    if locations:
        preds.append(lambda r: r["locationId"] in locations)
    priorities = set(enum_list(ctx, "priorities", ("NONE", "LOW", "MEDIUM", "HIGH")))
    if priorities:
        preds.append(lambda r: r["priority"] in priorities)
    statuses = set(enum_list(ctx, "statuses", ("PENDING", "REJECTED", "APPROVED", "DONE")))
    if statuses:
        preds.append(lambda r: r["requestStatus"] in statuses)
    title = ctx.q("title")
    if title:
        preds.append(lambda r: title.lower() in r["title"].lower() or title == str(r["id"]))
    if not preds:
        return None
    return lambda r: all(p(r) for p in preds)


WR_KEYS = (
    "id", "title", "attachments", "priority", "description", "requestStatus", "assetId", "locationId",
    "workOrderId", "sendEmailNotification", "extraFields", "approverTeamId", "creatorContactInfo",
    "createdAt", "updatedAt",
)  # fmt: skip
WORK_REQUESTS = Resource(
    table="workrequests", path="/workrequests", items_key="workRequests", one_key="workRequest",
    label="Work Request",
    fields={"title": "str", "description": "str?", "priority": PRIORITIES, "assetId": "int?",
            "locationId": "int?", "extraFields": "obj", "approverTeamId": "int?", "creatorContactInfo": "str?"},
    required=("title",), make=_make_work_request, shape=_wr_shape, create_status=200,
    list_keys=WR_KEYS, detail_keys=WR_KEYS,
    refs={"assetId": "assets", "locationId": "locations", "approverTeamId": "teams"},
    filters=(_wr_filters,), on_event={"create": "NEW_WORK_REQUEST"}, id_key="workRequestId",
)  # fmt: skip

RESOURCES: tuple[Resource, ...] = (
    ASSETS, LOCATIONS, USERS, TEAMS, VENDORS, CATEGORIES, WORK_REQUESTS,
)  # fmt: skip
