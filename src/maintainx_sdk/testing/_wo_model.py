"""The work-order record: defaults, validation, input application and the answer views
(list item, detail, sub-work-order, webhook snapshot) with ``expand``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._context import Ctx
from ._resources import project, require
from ._store import OrgState, Row, normalize_datetime
from ._validate import validate_body

STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED", "SKIPPED")
SETTABLE_STATUSES = STATUSES[:5]
PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
PART_STATUSES = ("NO_PARTS", "ASSIGNED", "RESERVED", "KITTED", "STAGED", "ISSUED")
TYPES_IN = ("OTHER", "REACTIVE", "PREVENTIVE")
SORTS = ("updatedAt", "createdAt", "dueDate", "startedAt", "completedAt")

_COMMON_FIELDS: dict[str, str] = {
    "title": "str",
    "description": "str?",
    "priority": "enum:" + "|".join(PRIORITIES),
    "type": "enum:" + "|".join(TYPES_IN) + "?",
    "assetId": "int?",
    "locationId": "int?",
    "categories": "[str]",
    "vendorIds": "[num]",
    "extraFields": "obj",
    "externalData": "any?",
    "assignees": "[obj]",
    "requesterId": "idref?",
    "dueDate": "str?",
    "startDate": "str?",
    "estimatedTime": "int?",
    "partsUsed": "[obj]",
    "procedure": "obj?",
    "procedureTemplateId": "num?",
}
CREATE_FIELDS: dict[str, str] = {
    **_COMMON_FIELDS,
    "repeatability": "obj?",
    "workOrderTemplateId": "int?",
    "workRequestId": "int?",
    "isParent": "bool?",
    "parentId": "num?",
    "skipRestHook": "bool",
}
UPDATE_FIELDS: dict[str, str] = {**_COMMON_FIELDS, "recurrenceInfo": "obj?"}

#: Views of a work order (keys, in spec order).
LIST_KEYS = (
    "id", "sequentialId", "title", "updatedAt", "status", "completedAt", "completerId", "createdAt",
    "creatorId", "deletedAt", "description", "dueDate", "dueDateIsFullDay", "lastMessageSentAt",
    "startDate", "locationId", "nextId", "organizationId", "partsAvailability", "partStatus",
    "previousId", "priority", "recurrenceInfo", "requesterId", "type", "extraFields", "vendorIds",
    "workOrderSummary", "categories",
)  # fmt: skip
DETAIL_KEYS = (
    *LIST_KEYS, "assetId", "attachments", "estimatedTime", "externalData", "isParent", "parentId",
    "thumbnail", "assigneeIds", "teamIds", "procedure", "progress",
)  # fmt: skip
SUB_KEYS = tuple(
    k
    for k in LIST_KEYS
    if k not in ("dueDateIsFullDay", "recurrenceInfo", "type", "vendorIds", "workOrderSummary")
)
DETAIL_NULLABLE = frozenset({"creatorId"})
SNAPSHOT_KEYS = (
    "assetId", "assigneeIds", "categories", "description", "dueDate", "estimatedTime", "extraFields",
    "locationId", "parts", "priority", "startDate", "teamIds", "title", "vendorIds",
)  # fmt: skip


# -- views ----------------------------------------------------------------------------
def expanded(ctx: Ctx, row: Row, view: dict[str, Any]) -> dict[str, Any]:
    expand = set(ctx.qlist("expand"))
    if not expand:
        return view
    org = ctx.org
    if "assignees" in expand:
        view["assignees"] = [{"type": "USER", "id": u} for u in row["assigneeIds"]] + [
            {"type": "TEAM", "id": t} for t in row["teamIds"]
        ]
    if expand & {"asset", "asset_extra_fields"} and row.get("assetId"):
        asset = org.table("assets").get(row["assetId"])
        if asset is not None:
            view["asset"] = project(
                asset,
                (
                    "id",
                    "name",
                    "description",
                    "parentId",
                    "criticalityId",
                    "locationId",
                    "serialNumber",
                    "createdAt",
                    "updatedAt",
                    "creatorId",
                ),
                frozenset(
                    {
                        "description",
                        "parentId",
                        "criticalityId",
                        "locationId",
                        "serialNumber",
                        "creatorId",
                    }
                ),
            )
    if expand & {"location", "location_extra_fields"} and row.get("locationId"):
        location = org.table("locations").get(row["locationId"])
        if location is not None:
            view["location"] = project(
                location,
                ("id", "name", "description", "address", "parentId", "createdAt", "updatedAt"),
            )
    if expand & {"parts", "part_extra_fields"}:
        view["parts"] = [part_view(ctx, p) for p in row["parts"]]
    for name, key in (
        ("times", "times"),
        ("time_items", "timeItems"),
        ("expenditures", "expenditures"),
    ):
        if name in expand:
            view[key] = []
    if "estimated_time" in expand and row.get("estimatedTime") is not None:
        view["estimatedTime"] = row["estimatedTime"]
    return view


def part_view(ctx: Ctx, used: Mapping[str, Any]) -> dict[str, Any]:
    part = ctx.org.table("parts").get(int(used["partId"])) or {}
    return {
        "id": int(used["partId"]),
        "name": part.get("name", f"Part {used['partId']}"),
        "description": part.get("description"),
        "area": part.get("area"),
        "unitCost": part.get("unitCost"),
        "availableQuantity": part.get("availableQuantity", 0),
        "minimumQuantity": part.get("minimumQuantity", 0),
        "barcode": part.get("barcode"),
        "quantityUsed": used.get("quantityUsed", 0),
        "copyOnRecurring": used.get("copyOnRecurring", "Default"),
        "extraFields": {},
    }


def list_view(ctx: Ctx, row: Row) -> dict[str, Any]:
    return expanded(ctx, row, project(row, LIST_KEYS))


def detail_view(ctx: Ctx, row: Row, *, expand: bool = True) -> dict[str, Any]:
    view = project(row, DETAIL_KEYS, DETAIL_NULLABLE)
    return expanded(ctx, row, view) if expand else view


def snapshot(row: Row) -> dict[str, Any]:
    """The entity snapshot of work-order webhook payloads (categories as objects)."""
    snap = project(row, SNAPSHOT_KEYS)
    snap["categories"] = [
        {"id": i + 1, "name": c, "description": ""} for i, c in enumerate(row["categories"])
    ]
    snap["parts"] = [
        {
            "id": int(p["partId"]),
            "quantityUsed": p.get("quantityUsed", 0),
            "copyOnRecurring": p.get("copyOnRecurring", "Default"),
        }
        for p in row["parts"]
    ]
    return snap


# -- validation -------------------------------------------------------------------------
def validate(
    ctx: Ctx, body: Mapping[str, Any], fields: Mapping[str, str], required: tuple[str, ...]
) -> None:
    errors = validate_body(body, fields, required)
    if errors:  # types first: the checks below rely on them
        raise ctx.bad_many(errors)
    if isinstance(body.get("title"), str) and not body["title"].strip():
        errors.append(
            {
                "error": "title should NOT be shorter than 1 characters",
                "fieldPath": "title",
                "fieldValue": body["title"],
            }
        )
    for key in ("dueDate", "startDate"):
        value = body.get(key)
        if isinstance(value, str) and normalize_datetime(value) is None:
            errors.append(
                {
                    "error": f'{key} should match format "date-time"',
                    "fieldPath": key,
                    "fieldValue": value,
                }
            )
    for i, item in enumerate(body.get("assignees") or []):
        if isinstance(item, dict):
            errors += validate_body(
                item,
                {"type": "enum:USER|TEAM", "id": "idref"},
                ("type", "id"),
                prefix=f"assignees[{i}].",
            )
    for i, item in enumerate(body.get("partsUsed") or []):
        if isinstance(item, dict):
            needed = ("partId", "quantityUsed") if fields is CREATE_FIELDS else ("partId",)
            errors += validate_body(
                item,
                {
                    "partId": "int",
                    "quantityUsed": "num",
                    "locationId": "int?",
                    "copyOnRecurring": "enum:NoCopy|Copy|Default",
                },
                needed,
                prefix=f"partsUsed[{i}].",
            )
    if errors:
        raise ctx.bad_many(errors)
    org = ctx.org
    refs = (
        ("assetId", "assets"),
        ("locationId", "locations"),
        ("parentId", "workorders"),
        ("workRequestId", "workrequests"),
    )
    for key, table in refs:
        value = body.get(key) if key in fields else None
        if value is not None and org.table(table).get(int(value)) is None:
            raise ctx.bad(f"{key} is not valid", key, value)
    for i, item in enumerate(body.get("assignees") or []):
        if isinstance(item.get("id"), int):
            table = "users" if item["type"] == "USER" else "teams"
            if org.table(table).get(item["id"]) is None:
                raise ctx.bad(
                    f"{item['type'].lower()} {item['id']} does not exist",
                    f"assignees[{i}].id",
                    item["id"],
                )
    for message, path, value in procedure_errors(body.get("procedure")):
        raise ctx.bad(message, path, value)
    if body.get("isParent") and body.get("parentId") is not None:
        raise ctx.bad(
            "isParent and parentId cannot be used together", "parentId", body.get("parentId")
        )
    if (
        body.get("startDate") is not None
        and body.get("dueDate") is None
        and fields is CREATE_FIELDS
    ):
        raise ctx.bad("startDate requires a dueDate", "startDate", body.get("startDate"))


def procedure_view(procedure: Any, new_id: Callable[[], int]) -> dict[str, Any] | None:
    """An inline procedure as the API stores it: every field gets an ``id``, ``required`` and
    an empty ``value``; what only a request says (``choices``, ``urls``, ``index``, the
    deprecated procedure ``id``) is not echoed, and ``meterId`` becomes ``meter``."""
    if not isinstance(procedure, Mapping):
        return None
    fields = []
    for given in procedure.get("fields") or []:
        field: dict[str, Any] = {"id": new_id(), "label": given["label"], "type": given["type"],
                                 "required": False, "value": {}}  # fmt: skip
        if given.get("description") is not None:
            field["description"] = given["description"]
        if given.get("isDateAndTime") is not None:
            field["isDateAndTime"] = bool(given["isDateAndTime"])
        if given.get("meterId") is not None:
            field["meter"] = {"id": given["meterId"]}
        fields.append(field)
    return {"id": new_id(), "title": procedure["title"], "fields": fields}


def procedure_errors(procedure: Any) -> list[tuple[str, str, Any]]:
    """(message, path, value) of what makes an inline procedure invalid."""
    if procedure is None:
        return []
    if not isinstance(procedure.get("title"), str):
        return [("procedure.title should be string", "procedure.title", procedure.get("title"))]
    fields = procedure.get("fields")
    if not isinstance(fields, list):
        return [("procedure.fields should be array", "procedure.fields", fields)]
    errors = []
    for i, given in enumerate(fields):
        where = f"procedure.fields[{i}]"
        if not isinstance(given, Mapping):
            errors.append((f"{where} should be object", where, given))
        elif not isinstance(given.get("label"), str):
            errors.append((f"{where}.label should be string", f"{where}.label", given.get("label")))
        elif given.get("type") not in PROCEDURE_FIELD_TYPES:
            errors.append((f"{where}.type should be one of the field types", f"{where}.type",
                           given.get("type")))  # fmt: skip
    return errors


PROCEDURE_FIELD_TYPES = frozenset(
    {"NUMBER", "AMOUNT", "TEXT", "UNSUPPORTED", "HEADING", "FILE", "SIGNATURE", "MULTIPLE_CHOICE",
     "INSPECTION_CHECK", "YES_NO_NA", "CHECKBOX", "CHECKLIST", "METER", "DATE", "CYCLE_COUNT"}
)  # fmt: skip


def apply(row: Row, body: Mapping[str, Any], new_id: Callable[[], int]) -> None:
    for key in ("title", "description", "priority", "type", "assetId", "locationId", "categories",
                "extraFields", "externalData", "requesterId", "estimatedTime"):  # fmt: skip
        if key in body:
            row[key] = body[key]
    if "procedure" in body:
        row["procedure"] = procedure_view(body["procedure"], new_id)
    for key in ("dueDate", "startDate"):
        if key in body:
            row[key] = normalize_datetime(body[key]) if body[key] is not None else None
    if "vendorIds" in body:
        row["vendorIds"] = [int(v) for v in body["vendorIds"]]
    if "assignees" in body:
        row["assigneeIds"] = [
            int(a["id"])
            for a in body["assignees"]
            if a["type"] == "USER" and isinstance(a["id"], int)
        ]
        row["teamIds"] = [
            int(a["id"])
            for a in body["assignees"]
            if a["type"] == "TEAM" and isinstance(a["id"], int)
        ]
    if "partsUsed" in body:
        row["parts"] = [dict(p) for p in body["partsUsed"]]
    if "recurrenceInfo" in body:
        row["recurrenceInfo"] = body["recurrenceInfo"]
    if isinstance(row.get("requesterId"), str):
        row["requesterId"] = None


#: Every scalar field of a new work order at its API default (lists and objects are per row).
SCALAR_DEFAULTS: dict[str, Any] = {
    "title": "", "description": None, "status": "OPEN", "priority": "NONE", "type": None,
    "partStatus": "NO_PARTS", "partsAvailability": "PARTS_AVAILABLE", "completerId": None,
    "completedAt": None, "deletedAt": None, "dueDate": None, "dueDateIsFullDay": None,
    "startDate": None, "estimatedTime": None, "assetId": None, "locationId": None, "parentId": None,
    "isParent": False, "nextId": None, "previousId": None, "requesterId": None, "externalData": None,
    "recurrenceInfo": None, "thumbnail": None, "procedure": None, "workOrderSummary": None,
    "lastMessageSentAt": None,
}  # fmt: skip


def new_row(org: OrgState, row_id: int, *, now: str, creator: int | None) -> Row:
    """A work order with every field at its API default."""
    row = SCALAR_DEFAULTS.copy()
    row.update(
        id=row_id, sequentialId=next(org.sequence), organizationId=org.id, createdAt=now, updatedAt=now,
        creatorId=creator, categories=[], vendorIds=[], assigneeIds=[], teamIds=[], extraFields={},
        attachments=[], parts=[],
        progress={"openCount": 1, "inProgressCount": 0, "onHoldCount": 0, "doneCount": 0},
    )  # fmt: skip
    return row


# -- lookups -------------------------------------------------------------------------
def find(ctx: Ctx) -> Row:
    table = ctx.org.table("workorders")
    if ctx.template == "/workorders/{id}" and ctx.qbool("useSequentialId"):
        seq = ctx.id_param()
        for row in table:
            if row["sequentialId"] == seq:
                return row
        raise ctx.not_found("Work Order")
    return require(ctx, table, ctx.id_param(), "Work Order")


def event(ctx: Ctx, row: Row, **extra: Any) -> dict[str, Any]:
    return {"workOrderId": row["id"], "orgId": ctx.org.id, "occurredAt": row["updatedAt"], **extra}
