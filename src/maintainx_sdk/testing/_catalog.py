"""The plain CRUD resources, declared: assets, locations, users, teams, parts, vendors,
categories, work requests and meters (their special endpoints live in ``_extras``)."""

from __future__ import annotations

import uuid
from typing import Any

from ._http import Ctx
from ._resources import Predicate, Resource, enum_list, parse_int_list, project
from ._store import Row
from ._validate import validate_body

PRIORITIES = "enum:NONE|LOW|MEDIUM|HIGH"


def _stamp(ctx: Ctx, row_id: int) -> dict[str, Any]:
    now = ctx.emu.now()
    return {"id": row_id, "createdAt": now, "updatedAt": now, "organizationId": ctx.org.id}


def _eq_filter(param: str, key: str) -> Any:
    def build(ctx: Ctx) -> Predicate | None:
        value = ctx.q(param)
        if value is None:
            return None
        return lambda r: str(r.get(key)) == value

    return build


def _ids_filter(param: str, key: str) -> Any:
    def build(ctx: Ctx) -> Predicate | None:
        ids = set(parse_int_list(ctx, param))
        if not ids:
            return None
        return lambda r: r.get(key) in ids

    return build


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


def _make_asset(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "name": "", "description": None, "parentId": None, "criticalityId": None,
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
    filters=(_eq_filter("locationId", "locationId"), _eq_filter("manufacturer", "manufacturer"), _eq_filter("model", "model")),
    sorts=("createdAt", "updatedAt"), date_filters=True, multi_org=True,
    query_params=frozenset({"locationId", "manufacturer", "model"}), custom_field_entity="assets",
    on_event={"create": "NEW_ASSET"}, id_key="assetId", snapshot_key="newAsset",
)  # fmt: skip


# -- locations ---------------------------------------------------------------------------
def _make_location(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "name": "", "description": None, "address": None, "parentId": None,
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


def _make_user(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "firstName": "", "lastName": "", "email": None, "phoneNumber": None,
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
def _make_team(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    members = {int(u): "MEMBER" for u in body.get("memberIds") or []}
    row: Row = {**_stamp(ctx, row_id), "name": body.get("name", ""), "description": body.get("description"),
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


# -- parts --------------------------------------------------------------------------------------
def _part_locations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"locationId": int(e.get("locationId", 0)), "availableQuantity": int(e.get("availableQuantity") or 0),
         "inStockQuantity": int(e.get("availableQuantity") or 0), "minimumQuantity": int(e.get("minimumQuantity") or 0),
         "maximumQuantity": e.get("maximumQuantity"), "area": e.get("area")}
        for e in entries
    ]  # fmt: skip


_PART_LOCATION = {
    "locationId": "int",
    "availableQuantity": "int",
    "minimumQuantity": "int?",
    "maximumQuantity": "int?",
    "area": "str?",
}


def _check_part(body: dict[str, Any]) -> list[dict[str, Any]]:
    """``locations`` is an array on create and ``{addedUpdated, removedLocationIds}`` on PATCH."""
    errors: list[dict[str, Any]] = []
    locations = body.get("locations")
    entries = locations.get("addedUpdated", []) if isinstance(locations, dict) else locations
    if locations is not None and not isinstance(entries, list):
        return [{"error": "should be array", "fieldPath": "locations", "fieldValue": None}]
    for i, entry in enumerate(entries or []):
        if not isinstance(entry, dict):
            errors.append(
                {"error": "should be object", "fieldPath": f"locations[{i}]", "fieldValue": None}
            )
        else:
            errors += validate_body(
                entry, _PART_LOCATION, ("locationId",), prefix=f"locations[{i}]."
            )
    vendors = body.get("vendors")
    for i, vendor in enumerate(vendors if isinstance(vendors, list) else []):
        if isinstance(vendor, dict):
            errors += validate_body(
                vendor,
                {"vendorId": "int", "partNumber": "str?"},
                ("vendorId",),
                prefix=f"vendors[{i}].",
            )
    return errors


def _part_shape(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if isinstance(out.get("locations"), list):
        out["locations"] = _part_locations(out["locations"])
    elif isinstance(out.get("locations"), dict):
        out.pop("locations")
    if "locations" in out:
        stock = sum(entry["inStockQuantity"] for entry in out["locations"])
        out.update(availableQuantity=stock, inStockQuantity=stock,
                   minimumQuantity=sum(entry["minimumQuantity"] for entry in out["locations"]))  # fmt: skip
    for key in ("assignedQuantity", "committedQuantities", "createdAt", "updatedAt", "deletedAt"):
        out.pop(key, None)
    return out


def _make_part(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "name": "", "description": None, "barcode": None, "locationId": None,
        "locations": [], "area": None, "unitCost": None, "availableQuantity": 0, "minimumQuantity": 0,
        "orderedQuantity": 0, "reservedQuantity": 0, "partTypes": [], "inStockQuantity": 0,
        "committedQuantities": {"reserved": 0, "kitted": 0, "staged": 0}, "assignedQuantity": 0,
        "maximumQuantity": None, "extraFields": {}, "vendors": [], "assetIds": [], "teamIds": [],
    }  # fmt: skip
    row.update(_part_shape(body))
    return row


def _part_number(ctx: Ctx) -> Predicate | None:
    number = ctx.q("partNumber")
    if number is None:
        return None
    return lambda r: any(v.get("partNumber") == number for v in r["vendors"])


PART_LIST_KEYS = (
    "id", "name", "description", "barcode", "locationId", "locations", "area", "unitCost",
    "availableQuantity", "minimumQuantity", "orderedQuantity", "reservedQuantity", "partTypes",
    "createdAt", "updatedAt", "inStockQuantity", "committedQuantities", "assignedQuantity",
    "maximumQuantity", "organizationId", "extraFields", "vendors",
)  # fmt: skip
PART_DETAIL_KEYS = (
    *(k for k in PART_LIST_KEYS if k != "organizationId"), "assetIds", "teamIds", "attachments",
    "thumbnail", "deletedAt",
)  # fmt: skip
#: Per-location keys a part answers (stock in hand shows only on the part itself).
_PART_LOCATION_KEYS = (
    "locationId", "availableQuantity", "minimumQuantity", "maximumQuantity", "area",
    "reservedQuantity", "assignedQuantity", "committedQuantities",
)  # fmt: skip


class _Parts(Resource):
    def list_item(self, row: Row) -> dict[str, Any]:
        return _public_locations(super().list_item(row))

    def detail(self, row: Row) -> dict[str, Any]:
        return _public_locations(super().detail(row))


def _public_locations(view: dict[str, Any]) -> dict[str, Any]:
    if isinstance(view.get("locations"), list):
        view["locations"] = [project(e, _PART_LOCATION_KEYS) for e in view["locations"]]
    return view


def _apply_part_patch(ctx: Ctx, row: Row, changes: dict[str, Any]) -> None:
    """A PATCH: ``locations`` is ``{addedUpdated, removedLocationIds}``; the deprecated
    part-level ``availableQuantity``/``minimumQuantity`` set the stock of a part kept at one
    place (or none), and are refused for a part kept at several (say which one changes)."""
    changes = dict(changes)
    locations = changes.pop("locations", None)
    totals = {k: changes.pop(k) for k in ("availableQuantity", "minimumQuantity") if k in changes}
    row.update(_part_shape(changes))
    entries: list[dict[str, Any]] = [dict(e) for e in row.get("locations") or []]
    if isinstance(locations, dict):
        removed = {int(i) for i in locations.get("removedLocationIds") or []}
        entries = [e for e in entries if e["locationId"] not in removed]
        for given in locations.get("addedUpdated") or []:
            current = next(
                (e for e in entries if e["locationId"] == int(given["locationId"])), None
            )
            if current is None:
                entries += _part_locations([given])
                continue
            for key in ("availableQuantity", "minimumQuantity", "maximumQuantity", "area"):
                if key in given:
                    current[key] = given[key]
            current["inStockQuantity"] = current["availableQuantity"]
    if totals and len(entries) > 1:
        raise ctx.bad(
            f"part {row['id']} is kept at {len(entries)} locations; set quantities per location "
            "with locations.addedUpdated",
            next(iter(totals)),
            next(iter(totals.values())),
        )
    for key, value in totals.items():
        if entries:
            entries[0][key] = int(value)
            entries[0]["inStockQuantity"] = entries[0]["availableQuantity"]
        else:
            row[key] = int(value)
            if key == "availableQuantity":
                row["inStockQuantity"] = int(value)
    if entries or isinstance(locations, dict):
        row["locations"] = entries
        stock = sum(int(e["availableQuantity"] or 0) for e in entries)
        row.update(availableQuantity=stock, inStockQuantity=stock,
                   minimumQuantity=sum(int(e["minimumQuantity"] or 0) for e in entries))  # fmt: skip


PARTS = _Parts(
    table="parts", path="/parts", items_key="parts", one_key="part", label="Part",
    fields={"name": "str", "description": "str?", "unitCost": "int?", "barcode": "str?",
            "locations": "any", "partTypes": "[str]", "assetIds": "[int]", "teamIds": "[int]",
            "extraFields": "obj", "vendors": "[obj]", "assignedQuantity": "any", "committedQuantities": "any",
            "availableQuantity": "int", "minimumQuantity": "int"},
    required=("name",), make=_make_part, shape=_part_shape, check=_check_part,
    list_keys=PART_LIST_KEYS, detail_keys=PART_DETAIL_KEYS, apply=_apply_part_patch,
    keep_null_list=frozenset({"description", "barcode", "locationId", "area", "unitCost"}),
    filters=(_part_number,), sorts=("createdAt", "updatedAt"), date_filters=True, multi_org=True,
    query_params=frozenset({"partNumber"}), custom_field_entity="parts",
    on_event={"create": "NEW_PART", "patch": "PART_CHANGE", "delete": "PART_DELETE"},
    id_key="partId", snapshot_key="newPart",
)  # fmt: skip


# -- vendors, categories ----------------------------------------------------------------------
def _make_simple(defaults: dict[str, Any]) -> Any:
    def make(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
        row: Row = {
            **_stamp(ctx, row_id),
            **{k: (v.copy() if isinstance(v, dict | list) else v) for k, v in defaults.items()},
        }
        row.update(body)
        return row

    return make


VENDORS = Resource(
    table="vendors", path="/vendors", items_key="vendors", one_key="vendor", label="Vendor",
    fields={"name": "str", "description": "str?", "extraFields": "obj", "emails": "[str]", "phoneNumbers": "[str]"},
    required=("name",), make=_make_simple({"name": "", "description": None, "extraFields": {}}),
    list_keys=("id", "name", "extraFields"),
    detail_keys=("id", "name", "description", "extraFields", "emails", "phoneNumbers", "contactIds",
                 "attachments", "thumbnail", "deletedAt"),
    custom_field_entity="vendors",
    on_event={"create": "NEW_VENDOR"}, id_key="vendorId",
)  # fmt: skip

CATEGORIES = Resource(
    table="categories", path="/categories", items_key="categories", one_key="category", label="Category",
    fields={"label": "str", "description": "str"},
    required=("label",), make=_make_simple({"label": "", "description": ""}),
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


def _make_work_request(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "title": "", "description": None, "priority": "NONE", "requestStatus": "PENDING",
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


# -- meters ---------------------------------------------------------------------------------------
def _make_meter(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **_stamp(ctx, row_id), "name": "", "unit": "", "description": None, "measurementType": "MANUAL",
        "readingFrequency": None, "assetId": None, "locationId": None, "creatorId": ctx.user_id,
        "updaterId": None, "uuid": str(uuid.UUID(int=row_id)), "deletedAt": None, "_readings": [],
    }  # fmt: skip
    row.update(body)
    return row


def _meter_filters(ctx: Ctx) -> Predicate | None:
    assets = set(parse_int_list(ctx, "assets"))
    kinds = set(enum_list(ctx, "measurementType", ("MANUAL", "IOT_DEVICE", "AUTOMATED_SENSOR")))
    if not assets and not kinds:
        return None
    return lambda r: (
        (not assets or r["assetId"] in assets) and (not kinds or r["measurementType"] in kinds)
    )


class _Meters(Resource):
    """``lastReading`` only when asked for (``expand=last_reading``), with every key the spec
    requires of it."""

    def list_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        return _with_last_reading(ctx, row, self.list_item(row))

    def detail_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        return _with_last_reading(ctx, row, self.detail(row))


def _with_last_reading(ctx: Ctx, row: Row, view: dict[str, Any]) -> dict[str, Any]:
    if "last_reading" in ctx.qlist("expand") and row["_readings"]:
        last = row["_readings"][-1]
        view["lastReading"] = {"id": last["id"], "meterId": row["id"], "createdAt": last["createdAt"],
                               "readingDate": last.get("readingDate"), "value": last["value"]}  # fmt: skip
    return view


METERS = _Meters(
    table="meters", path="/meters", items_key="meters", one_key="meter", label="meter",
    fields={"name": "str", "unit": "str", "description": "str?",
            "measurementType": "enum:MANUAL|IOT_DEVICE|AUTOMATED_SENSOR", "readingFrequency": "obj?",
            "assetId": "int?", "locationId": "int?"},
    required=("name", "unit"), make=_make_meter, refs={"assetId": "assets", "locationId": "locations"},
    list_keys=("id", "name", "unit", "measurementType"),
    detail_keys=("id", "assetId", "locationId", "creatorId", "updaterId", "name", "uuid", "description",
                 "measurementType", "readingFrequency", "unit", "createdAt", "updatedAt", "deletedAt"),
    keep_null_detail=frozenset({"assetId", "locationId", "updaterId", "description", "readingFrequency", "deletedAt"}),
    filters=(_meter_filters,),
)  # fmt: skip

RESOURCES: tuple[Resource, ...] = (
    ASSETS, LOCATIONS, USERS, TEAMS, PARTS, VENDORS, CATEGORIES, WORK_REQUESTS, METERS,
)  # fmt: skip
