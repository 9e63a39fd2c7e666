"""Work-order activity: comments, costs, sub-work-orders, e-mails and work permit signatures."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._paging import offset_page, page_body, parse_limit
from ._resources import project, require
from ._router import Route
from ._store import Row
from ._validate import check_field, validate_body
from ._wo_model import SUB_KEYS, expanded, find

#: The fields of a cost row as the API answers them.
COST_ROW_KEYS = ("type", "costPerUnit", "description", "quantity", "rowTotal", "durationTotal", "userId")  # fmt: skip


def add_comment(ctx: Ctx) -> Reply:
    row = find(ctx)
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
    now = ctx.state.now()
    comment = {
        "id": ctx.state.next_id(),
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


def cost_summary(ctx: Ctx, row: Row) -> dict[str, Any]:
    rows = [
        project(
            c,
            COST_ROW_KEYS,
        )
        for c in ctx.org.table("costs")
        if c["workOrderId"] == row["id"]
    ]
    return {"total": sum(r["rowTotal"] for r in rows), "rows": rows}


def add_cost(ctx: Ctx) -> Reply:
    row = find(ctx)
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
        id=ctx.state.next_id(),
        workOrderId=row["id"],
        userId=ctx.user_id,
        description=body.get("description"),
    )
    ctx.org.table("costs").insert(cost)
    row["updatedAt"] = ctx.state.now()
    ctx.org.table("workorders").touch()
    total = cost_summary(ctx, row)["total"]
    reply = project(
        cost,
        COST_ROW_KEYS,
    )
    return Reply(201, {**reply, "id": cost["id"], "total": total})


def get_costs(ctx: Ctx) -> Reply:
    return Reply(200, {"costs": cost_summary(ctx, find(ctx))})


def list_subworkorders(ctx: Ctx) -> Reply:
    parent = require(ctx, ctx.org.table("workorders"), ctx.id_param(), "parent resource")
    limit = parse_limit(ctx)
    rows = [r for r in ctx.org.table("workorders") if r["parentId"] == parent["id"]]
    page, cursor = offset_page(ctx, rows, limit)
    items = [expanded(ctx, r, project(r, SUB_KEYS)) for r in page]
    return Reply(200, page_body(ctx, "subworkorders", items, cursor))


def work_order_emails(ctx: Ctx) -> Reply:
    require(ctx, ctx.org.table("workorders"), ctx.id_param(), "Work Order")
    body = ctx.body_object()
    errors = validate_body(
        body, {"emails": "[str]", "customMessage": "str?", "exportOptions": "obj?"}
    )
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"id": ctx.state.next_id()})


def sign_work_permit(ctx: Ctx) -> Reply:
    permit_id = ctx.id_param()
    body = ctx.body_object()
    errors = validate_body(
        body, {"externalLinkUuid": "str", "signerName": "str"}, ("externalLinkUuid", "signerName")
    )
    if errors:
        raise ctx.bad_many(errors)
    return Reply(
        201,
        {
            "success": True,
            "workPermit": {"id": permit_id, "status": "SIGNED"},
            "workOrder": {"id": permit_id, "blockedByWorkPermitReason": None},
        },
    )


def routes() -> list[Route]:
    one = "/workorders/{id}"
    return [
        Route("POST", one + "/comments", add_comment),
        Route("GET", one + "/comments", list_comments),
        Route("POST", one + "/costs", add_cost),
        Route("GET", one + "/costs", get_costs),
        Route("GET", one + "/subworkorders", list_subworkorders),
        Route("POST", one + "/emails", work_order_emails),
        Route("POST", "/workPermits/{id}/sign", sign_work_permit, auth=False),
    ]
