"""Work orders: create, list (filters, sorts, a stable keyset cursor), get, update, delete,
status and part status, with the webhook events these changes cause."""

from __future__ import annotations

from typing import Any

from . import _wo_activity
from ._context import Ctx
from ._http import Reply
from ._paging import field_sort_key, keyset_page, page_body, parse_limit, sort_param
from ._resources import all_of, date_filters, enum_list, parse_int_list
from ._router import Route
from ._store import Row
from ._validate import validate_body
from ._wo_activity import cost_summary
from ._wo_model import (
    CREATE_FIELDS,
    PART_STATUSES,
    PRIORITIES,
    SETTABLE_STATUSES,
    SORTS,
    STATUSES,
    UPDATE_FIELDS,
    apply,
    detail_view,
    event,
    find,
    list_view,
    new_row,
    snapshot,
    validate,
)

_SORT_FIELD = {"startedAt": "startDate"}


def create(ctx: Ctx) -> Reply:
    body = ctx.body_object()
    validate(ctx, body, CREATE_FIELDS, ("title",))
    state = ctx.state
    row = new_row(ctx.org, state.next_id(), now=state.now(), creator=ctx.user_id)
    apply(row, body, state.next_id)
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
    ctx.emit("NEW_WORK_ORDER", event(ctx, row, newWorkOrder=snapshot(row)))
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
    work_request.update(
        requestStatus=status, workOrderId=work_order["id"], updatedAt=ctx.state.now()
    )
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
            now = ctx.state.now()
            category = table.insert({"id": ctx.state.next_id(), "label": label, "description": "",
                                     "createdAt": now, "updatedAt": now, "organizationId": ctx.org.id})  # fmt: skip
        new.append(
            {"id": category["id"], "name": label, "description": category.get("description") or ""}
        )
    ctx.emit("NEW_CATEGORY_ON_WORK_ORDER", event(ctx, row, newCategories=new))


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
        now = ctx.state.now()
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


def get(ctx: Ctx) -> Reply:
    return Reply(200, {"workOrder": detail_view(ctx, find(ctx))})


def update(ctx: Ctx) -> Reply:
    row = find(ctx)
    body = ctx.body_object()
    validate(ctx, body, UPDATE_FIELDS, ())
    before_users, before_teams = set(row["assigneeIds"]), set(row["teamIds"])
    before_categories = list(row["categories"])
    apply(row, body, ctx.state.next_id)
    row["updatedAt"] = ctx.state.now()
    ctx.org.table("workorders").touch()
    ctx.emit(
        "WORK_ORDER_CHANGE",
        event(
            ctx,
            row,
            newWorkOrder={**snapshot(row), "costs": cost_summary(ctx, row)},
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
    row = find(ctx)
    body = ctx.body_object()
    status = body.get("status")
    if status not in SETTABLE_STATUSES:
        raise ctx.bad("Invalid status", "status", status)
    old = row["status"]
    if status != old:
        now = ctx.state.now()
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
        ctx.emit("WORK_ORDER_STATUS_CHANGE", event(ctx, row, **extra, newWorkOrder=snapshot(row)))
        if status == "DONE":
            for work_request in ctx.org.table("workrequests"):
                if work_request["workOrderId"] == row["id"]:
                    _set_request_status(ctx, work_request, "DONE", row)
    return Reply(200, {"workOrder": detail_view(ctx, row, expand=False)})


def set_part_status(ctx: Ctx) -> Reply:
    row = find(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"partStatus": "enum:" + "|".join(PART_STATUSES)}, ("partStatus",))
    if errors:
        raise ctx.bad("Invalid part status", "partStatus", body.get("partStatus"))
    old = row["partStatus"]
    if body["partStatus"] != old:
        row.update(partStatus=body["partStatus"], updatedAt=ctx.state.now())
        ctx.org.table("workorders").touch()
        ctx.emit(
            "WORK_ORDER_PART_STATUS_CHANGE",
            event(
                ctx,
                row,
                oldPartStatus=old,
                newPartStatus=row["partStatus"],
                newWorkOrder=snapshot(row),
            ),
        )
    return Reply(200, {"workOrder": detail_view(ctx, row, expand=False)})


def delete(ctx: Ctx) -> Reply:
    row = find(ctx)
    ctx.org.table("workorders").delete(row["id"])
    ctx.emit(
        "WORK_ORDER_DELETE", event(ctx, row, occurredAt=ctx.state.now(), WorkOrder=snapshot(row))
    )
    return Reply(204)


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
        *_wo_activity.routes(),
    ]
