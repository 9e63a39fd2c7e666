"""Work orders: create/list/get/update/delete, status and part status, comments, costs,
sub-work-orders, filters, sorts and a stable keyset cursor; webhook events on changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._http import Ctx, Reply
from ._paging import field_sort_key, keyset_page, offset_page, page_body, parse_limit, sort_param
from ._resources import all_of, date_filters, enum_list, parse_int_list, project, require
from ._router import Route
from ._store import OrgState, Row, normalize_datetime
from ._validate import check_field, validate_body

STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED", "SKIPPED")
SETTABLE_STATUSES = STATUSES[:5]
PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
PART_STATUSES = ("NO_PARTS", "ASSIGNED", "RESERVED", "KITTED", "STAGED", "ISSUED")
TYPES_IN = ("OTHER", "REACTIVE", "PREVENTIVE")
SORTS = ("updatedAt", "createdAt", "dueDate", "startedAt", "completedAt")
_SORT_FIELD = {"startedAt": "startDate"}

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
def _expanded(ctx: Ctx, row: Row, view: dict[str, Any]) -> dict[str, Any]:
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
        view["parts"] = [_part_view(ctx, p) for p in row["parts"]]
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


def _part_view(ctx: Ctx, used: Mapping[str, Any]) -> dict[str, Any]:
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
    return _expanded(ctx, row, project(row, LIST_KEYS))


def detail_view(ctx: Ctx, row: Row, *, expand: bool = True) -> dict[str, Any]:
    view = project(row, DETAIL_KEYS, DETAIL_NULLABLE)
    return _expanded(ctx, row, view) if expand else view


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
def _validate(
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


def _apply(row: Row, body: Mapping[str, Any]) -> None:
    for key in ("title", "description", "priority", "type", "assetId", "locationId", "categories",
                "extraFields", "externalData", "requesterId", "estimatedTime", "procedure"):  # fmt: skip
        if key in body:
            row[key] = body[key]
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


# -- handlers ----------------------------------------------------------------------------
def create(ctx: Ctx) -> Reply:
    body = ctx.body_object()
    _validate(ctx, body, CREATE_FIELDS, ("title",))
    emu = ctx.emu
    row = new_row(ctx.org, emu.next_id(), now=emu.now(), creator=ctx.user_id)
    _apply(row, body)
    if body.get("repeatability") is not None:
        row["recurrenceInfo"] = body["repeatability"]
    if body.get("isParent"):
        row["isParent"] = True
    if body.get("parentId") is not None:
        parent = ctx.org.table("workorders").rows[int(body["parentId"])]
        row["parentId"] = parent["id"]
        parent["isParent"] = True
    ctx.org.table("workorders").insert(row)
    if body.get("skipRestHook"):
        ctx.skip_events()
    ctx.emit("NEW_WORK_ORDER", _event(ctx, row, newWorkOrder=snapshot(row)))
    _emit_new_categories(ctx, row, [])
    request_id = body.get("workRequestId")
    if request_id is not None:
        _set_request_status(
            ctx, ctx.org.table("workrequests").rows[int(request_id)], "APPROVED", row
        )
    return Reply(200, {"id": row["id"]})


def _set_request_status(ctx: Ctx, work_request: Row, status: str, work_order: Row) -> None:
    """Creating a work order from a request approves it; finishing that work order ends it."""
    old = work_request["requestStatus"]
    if old == status:
        return
    work_request.update(requestStatus=status, workOrderId=work_order["id"], updatedAt=ctx.emu.now())
    ctx.emit(
        "WORK_REQUEST_STATUS_CHANGE",
        {"requestId": work_request["id"], "orgId": ctx.org.id, "occurredAt": work_request["updatedAt"],
         "oldStatus": old, "newStatus": status},
    )  # fmt: skip


def _emit_new_categories(ctx: Ctx, row: Row, before: list[str]) -> None:
    """NEW_CATEGORY_ON_WORK_ORDER for labels added to the work order (unknown labels are
    created as categories, so every label has an id)."""
    added = [label for label in row["categories"] if label not in before]
    if not added:
        return
    table = ctx.org.table("categories")
    by_label = {c["label"]: c for c in table}
    new = []
    for label in added:
        category = by_label.get(label)
        if category is None:
            now = ctx.emu.now()
            category = table.insert({"id": ctx.emu.next_id(), "label": label, "description": "",
                                     "createdAt": now, "updatedAt": now, "organizationId": ctx.org.id})  # fmt: skip
        new.append(
            {"id": category["id"], "name": label, "description": category.get("description") or ""}
        )
    ctx.emit("NEW_CATEGORY_ON_WORK_ORDER", _event(ctx, row, newCategories=new))


def _event(ctx: Ctx, row: Row, **extra: Any) -> dict[str, Any]:
    return {"workOrderId": row["id"], "orgId": ctx.org.id, "occurredAt": row["updatedAt"], **extra}


def _filters(ctx: Ctx) -> list[Any]:
    preds: list[Any] = []
    statuses = set(enum_list(ctx, "statuses", STATUSES))
    if statuses:
        preds.append(lambda r: r["status"] in statuses)
    priorities = set(enum_list(ctx, "priorities", PRIORITIES))
    if priorities:
        preds.append(lambda r: r["priority"] in priorities)
    part_statuses = set(enum_list(ctx, "partStatuses", PART_STATUSES))
    if part_statuses:
        preds.append(lambda r: r["partStatus"] in part_statuses)
    kinds = set(
        enum_list(ctx, "parentSubWorkOrderTypes", ("PARENT", "SUB_WORK_ORDER", "STANDALONE"))
    )
    if kinds:
        preds.append(
            lambda r: (
                ("PARENT" if r["isParent"] else "SUB_WORK_ORDER" if r["parentId"] else "STANDALONE")
                in kinds
            )
        )
    for name, key in (("assets", "assetId"), ("locations", "locationId")):
        wanted = set(parse_int_list(ctx, name))
        if wanted:
            preds.append(lambda r, k=key, w=wanted: r[k] in w)
        unwanted = set(parse_int_list(ctx, "not" + name.capitalize()))
        if unwanted:
            preds.append(lambda r, k=key, w=unwanted: r[k] not in w)
    for name, key in (("vendors", "vendorIds"), ("assignees", "assigneeIds"), ("teams", "teamIds")):
        wanted = set(parse_int_list(ctx, name))
        if wanted:
            preds.append(lambda r, k=key, w=wanted: not w.isdisjoint(r[k]))
    unwanted_vendors = set(parse_int_list(ctx, "notVendors"))
    if unwanted_vendors:
        preds.append(lambda r: unwanted_vendors.isdisjoint(r["vendorIds"]))
    for name, negate in (("parts", False), ("notParts", True)):
        ids = set(parse_int_list(ctx, name))
        if ids:
            preds.append(
                lambda r, w=ids, n=negate: n != any(int(p["partId"]) in w for p in r["parts"])
            )
    for name, negate in (("categories", False), ("notCategories", True)):
        labels = _category_labels(ctx, ctx.qlist(name))
        if labels:
            preds.append(lambda r, w=labels, n=negate: n != (not w.isdisjoint(r["categories"])))
    title = ctx.q("title")
    if title:
        needle = title.lower()
        preds.append(lambda r: needle in r["title"].lower())
    if not ctx.qbool("show_upcoming"):
        now = ctx.emu.now()
        preds.append(lambda r: r["startDate"] is None or r["startDate"] <= now)
    return preds + date_filters(ctx)


def _category_labels(ctx: Ctx, values: list[str]) -> set[str]:
    labels = set()
    table = ctx.org.table("categories")
    for value in values:
        row = table.get(int(value)) if value.isdigit() else None
        labels.add(row["label"] if row else value)
    return labels


def list_(ctx: Ctx) -> Reply:
    limit = parse_limit(ctx)
    sort = sort_param(ctx, ("id", *SORTS), "id")
    field = sort.lstrip("-")
    key = None if field == "id" else field_sort_key(_SORT_FIELD.get(field, field))
    match = all_of(_filters(ctx))
    page, next_cursor = keyset_page(ctx, ctx.org.table("workorders"), match, sort, key, limit)
    return Reply(200, page_body(ctx, "workOrders", [list_view(ctx, r) for r in page], next_cursor))


def _row(ctx: Ctx) -> Row:
    table = ctx.org.table("workorders")
    if ctx.template == "/workorders/{id}" and ctx.qbool("useSequentialId"):
        seq = ctx.id_param()
        for row in table:
            if row["sequentialId"] == seq:
                return row
        raise ctx.not_found("Work Order")
    return require(ctx, table, ctx.id_param(), "Work Order")


def get(ctx: Ctx) -> Reply:
    return Reply(200, {"workOrder": detail_view(ctx, _row(ctx))})


def update(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    _validate(ctx, body, UPDATE_FIELDS, ())
    before_users, before_teams = set(row["assigneeIds"]), set(row["teamIds"])
    before_categories = list(row["categories"])
    _apply(row, body)
    row["updatedAt"] = ctx.emu.now()
    ctx.org.table("workorders").touch()
    ctx.emit(
        "WORK_ORDER_CHANGE",
        _event(
            ctx,
            row,
            newWorkOrder={**snapshot(row), "costs": _costs(ctx, row)},
            addedAssigneeIds=sorted(set(row["assigneeIds"]) - before_users),
            removedAssigneeIds=sorted(before_users - set(row["assigneeIds"])),
            addedTeamIds=sorted(set(row["teamIds"]) - before_teams),
            removedTeamIds=sorted(before_teams - set(row["teamIds"])),
        ),
    )
    _emit_new_categories(ctx, row, before_categories)
    return Reply(200, {"workOrder": detail_view(ctx, row, expand=False)})


_WEBHOOK_STATUS = {"CANCELED": ("DONE", "CANCELED"), "SKIPPED": ("DONE", "SKIPPED")}
_PROGRESS = {
    "IN_PROGRESS": "inProgressCount",
    "ON_HOLD": "onHoldCount",
    "DONE": "doneCount",
    "OPEN": "openCount",
}


def set_status(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    status = body.get("status")
    if status not in SETTABLE_STATUSES:
        raise ctx.bad("Invalid status", "status", status)
    old = row["status"]
    if status != old:
        now = ctx.emu.now()
        row.update(status=status, updatedAt=now)
        if status == "DONE":
            row.update(completedAt=now, completerId=ctx.user_id)
        counter = _PROGRESS.get(status)
        if counter and row["progress"] is not None:
            row["progress"][counter] += 1
        ctx.org.table("workorders").touch()
        old_main, old_sub = _WEBHOOK_STATUS.get(old, (old, None))
        new_main, new_sub = _WEBHOOK_STATUS.get(status, (status, None))
        extra: dict[str, Any] = {
            "oldStatus": old_main,
            "newStatus": new_main,
            "userId": ctx.user_id,
        }
        if old_sub:
            extra["oldSubStatus"] = old_sub
        if new_sub:
            extra["newSubStatus"] = new_sub
        progress = row["progress"] or {}
        extra["progress"] = {
            k: int(progress.get(k, 0)) for k in ("inProgressCount", "onHoldCount", "doneCount")
        }
        ctx.emit("WORK_ORDER_STATUS_CHANGE", _event(ctx, row, **extra, newWorkOrder=snapshot(row)))
        if status == "DONE":
            for work_request in ctx.org.table("workrequests"):
                if work_request["workOrderId"] == row["id"]:
                    _set_request_status(ctx, work_request, "DONE", row)
    return Reply(200, {"workOrder": detail_view(ctx, row, expand=False)})


def set_part_status(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"partStatus": "enum:" + "|".join(PART_STATUSES)}, ("partStatus",))
    if errors:
        raise ctx.bad("Invalid part status", "partStatus", body.get("partStatus"))
    old = row["partStatus"]
    if body["partStatus"] != old:
        row.update(partStatus=body["partStatus"], updatedAt=ctx.emu.now())
        ctx.org.table("workorders").touch()
        ctx.emit(
            "WORK_ORDER_PART_STATUS_CHANGE",
            _event(
                ctx,
                row,
                oldPartStatus=old,
                newPartStatus=row["partStatus"],
                newWorkOrder=snapshot(row),
            ),
        )
    return Reply(200, {"workOrder": detail_view(ctx, row, expand=False)})


def delete(ctx: Ctx) -> Reply:
    row = _row(ctx)
    ctx.org.table("workorders").delete(row["id"])
    ctx.emit(
        "WORK_ORDER_DELETE", _event(ctx, row, occurredAt=ctx.emu.now(), WorkOrder=snapshot(row))
    )
    return Reply(204)


# -- comments, costs, sub-work-orders --------------------------------------------------------
def add_comment(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"content": "str"}, ("content",))
    if not errors and not body["content"].strip():
        errors = [
            {
                "error": "content should NOT be shorter than 1 characters",
                "fieldPath": "content",
                "fieldValue": body["content"],
            }
        ]
    if errors:
        raise ctx.bad_many(errors)
    now = ctx.emu.now()
    comment = {
        "id": ctx.emu.next_id(),
        "workOrderId": row["id"],
        "authorId": ctx.user_id,
        "content": body["content"],
        "createdAt": now,
    }
    ctx.org.table("comments").insert(comment)
    row["lastMessageSentAt"] = now  # updatedAt ignores comment activity, as the API's does
    ctx.emit(
        "NEW_COMMENT_ON_WORK_ORDER",
        {
            "orgId": ctx.org.id,
            "workOrderId": row["id"],
            "type": "TEXT",
            "comment": body["content"],
            "occurredAt": now,
        },
    )
    return Reply(201, {"id": comment["id"]})


def list_comments(ctx: Ctx) -> Reply:
    row = require(ctx, ctx.org.table("workorders"), ctx.id_param(), "parent resource")
    limit = parse_limit(ctx)
    rows = [c for c in ctx.org.table("comments") if c["workOrderId"] == row["id"]]
    page, cursor = offset_page(ctx, rows, limit)
    return Reply(
        200,
        page_body(
            ctx,
            "comments",
            [project(c, ("id", "authorId", "content", "createdAt")) for c in page],
            cursor,
        ),
    )


_COST_FIELDS = {
    "type": "enum:EXPENSE|TIME",
    "costType": "str",
    "costPerUnit": "num?",
    "durationTotal": "num?",
    "hourlyRate": "num",
    "description": "str?",
}


def _costs(ctx: Ctx, row: Row) -> dict[str, Any]:
    rows = [
        project(
            c,
            (
                "type",
                "costPerUnit",
                "description",
                "quantity",
                "rowTotal",
                "durationTotal",
                "userId",
            ),
        )
        for c in ctx.org.table("costs")
        if c["workOrderId"] == row["id"]
    ]
    return {"total": sum(r["rowTotal"] for r in rows), "rows": rows}


def add_cost(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    errors = validate_body(body, _COST_FIELDS, ("type", "costType"))
    if not errors:
        kind = body["type"]
        allowed = (
            ("LABOR", "OTHER", "TRAVEL") if kind == "EXPENSE" else ("INSPECTION", "OTHER", "WORK")
        )
        errors += check_field("costType", "enum:" + "|".join(allowed), body["costType"])
        needed = "costPerUnit" if kind == "EXPENSE" else "durationTotal"
        if needed not in body:
            errors.append(
                {"error": f"should have required property '{needed}'", "fieldPath": needed}
            )
    if errors:
        raise ctx.bad_many(errors)
    if body["type"] == "EXPENSE":
        unit = body.get("costPerUnit") or 0
        cost = {
            "type": "EXPENSE",
            "costPerUnit": unit,
            "quantity": 1,
            "rowTotal": unit,
            "durationTotal": 0,
        }
    else:
        seconds = body.get("durationTotal") or 0
        rate = body.get("hourlyRate", 0)
        cost = {
            "type": "TIME",
            "costPerUnit": rate,
            "quantity": seconds / 3600,
            "rowTotal": round(rate * seconds / 3600),
            "durationTotal": seconds,
        }
    cost.update(
        id=ctx.emu.next_id(),
        workOrderId=row["id"],
        userId=ctx.user_id,
        description=body.get("description"),
    )
    ctx.org.table("costs").insert(cost)
    row["updatedAt"] = ctx.emu.now()
    ctx.org.table("workorders").touch()
    total = _costs(ctx, row)["total"]
    reply = project(
        cost,
        ("type", "costPerUnit", "description", "quantity", "rowTotal", "durationTotal", "userId"),
    )
    return Reply(201, {**reply, "id": cost["id"], "total": total})


def get_costs(ctx: Ctx) -> Reply:
    return Reply(200, {"costs": _costs(ctx, _row(ctx))})


def list_subworkorders(ctx: Ctx) -> Reply:
    parent = require(ctx, ctx.org.table("workorders"), ctx.id_param(), "parent resource")
    limit = parse_limit(ctx)
    rows = [r for r in ctx.org.table("workorders") if r["parentId"] == parent["id"]]
    page, cursor = offset_page(ctx, rows, limit)
    items = [_expanded(ctx, r, project(r, SUB_KEYS)) for r in page]
    return Reply(200, page_body(ctx, "subworkorders", items, cursor))


def routes() -> list[Route]:
    one = "/workorders/{id}"
    return [
        Route("POST", "/workorders", create),
        Route("GET", "/workorders", list_),
        Route("GET", one, get),
        Route("PATCH", one, update),
        Route("DELETE", one, delete),
        Route("PATCH", one + "/status", set_status),
        Route("PATCH", one + "/partStatus", set_part_status),
        Route("POST", one + "/comments", add_comment),
        Route("GET", one + "/comments", list_comments),
        Route("POST", one + "/costs", add_cost),
        Route("GET", one + "/costs", get_costs),
        Route("GET", one + "/subworkorders", list_subworkorders),
    ]
