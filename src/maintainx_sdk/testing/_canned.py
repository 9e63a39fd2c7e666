"""Operations without much state: uploads, e-mails, conversations, custom fields, versions,
organizations, work permits, root-cause reports, procedure rows. Each answers the shape
the spec documents, after checking what it can (auth, parents, bodies)."""

from __future__ import annotations

from typing import Any

from ._http import Ctx, Reply
from ._paging import offset_page, page_body, parse_limit
from ._resources import project, require
from ._router import Route
from ._validate import validate_body

MAX_UPLOAD = 1024 * 1024
#: Upload parents: URL prefix -> (table, 404 label).
_PARENTS = {
    "assets": ("assets", "Asset"),
    "locations": ("locations", "Location"),
    "parts": ("parts", "Part"),
    "purchaseorders": ("purchaseorders", "Purchase Order"),
    "vendors": ("vendors", "Vendor"),
    "workorders": ("workorders", "Work Order"),
    "workrequests": ("workrequests", "Work Request"),
    "metertriggers": ("metertriggers", "Meter Trigger"),
    "proceduretemplaterows": ("proceduretemplaterows", "Procedure Template Row"),
}


def _parent(ctx: Ctx) -> dict[str, Any]:
    table, label = _PARENTS[ctx.template.split("/")[1]]
    return require(ctx, ctx.org.table(table), ctx.id_param(), label)


def upload(ctx: Ctx) -> Reply:
    """``PUT .../attachments/{filename}`` and ``.../thumbnail/{filename}``: raw bytes in."""
    parent = _parent(ctx)
    if len(ctx.raw_body) > MAX_UPLOAD:
        from ._http import ApiReject

        raise ApiReject(413, {"error": "Attachment size must not exceed 1mB"})
    if not ctx.raw_body:
        attachments = "/attachments/" in ctx.template and "/procedure/" not in ctx.template
        if attachments:  # the 9 attachment PUTs document a bare string 400
            from ._http import ApiReject

            raise ApiReject(400, "Bad arguments: the body must hold the file's bytes.")
        raise ctx.bad("the body must hold the file's bytes")
    filename = ctx.params.get("filename", "file")
    key = f"{ctx.org.id}/{parent['id']}/{ctx.emu.next_id()}-{filename}"
    attachment = {
        "id": ctx.emu.next_id(),
        "mimeType": ctx.headers.get("content-type", "application/octet-stream"),
        "fileName": filename,
        "url": f"https://files.emulator.invalid/{key}",
        "createdAt": ctx.emu.now(),
    }
    if "/thumbnail/" in ctx.template:
        parent["thumbnail"] = attachment
    elif isinstance(parent.get("attachments"), list):
        parent["attachments"].append(attachment)
    return Reply(201, {"publicUrl": attachment["url"], "filename": filename, "fileKey": key})


def delete_attachment(ctx: Ctx) -> Reply:
    parent = _parent(ctx)
    filename = ctx.params.get("filename")
    attachments = parent.get("attachments")
    if filename is not None and isinstance(attachments, list):
        kept = [a for a in attachments if a.get("fileName") != filename]
        if len(kept) == len(attachments):
            raise ctx.not_found("Attachment")
        parent["attachments"] = kept
    return Reply(204)


def _no_content(check_parent: bool = True) -> Any:
    def handler(ctx: Ctx) -> Reply:
        if check_parent:
            _parent(ctx)
        return Reply(204)

    return handler


def work_order_emails(ctx: Ctx) -> Reply:
    _parent(ctx)
    body = ctx.body_object()
    errors = validate_body(
        body, {"emails": "[str]", "customMessage": "str?", "exportOptions": "obj?"}
    )
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"id": ctx.emu.next_id()})


def direct_message(ctx: Ctx) -> Reply:
    require(ctx, ctx.org.table("users"), ctx.id_param(), "User")
    body = ctx.body_object()
    errors = validate_body(body, {"content": "str"}, ("content",))
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"conversationId": ctx.emu.next_id()})


def update_procedure_row(ctx: Ctx) -> Reply:
    row = require(
        ctx, ctx.org.table("proceduretemplaterows"), ctx.id_param(), "Procedure Template Row"
    )
    body = ctx.body_object()
    from ._more import FIELD_TYPES

    errors = validate_body(
        body,
        {"label": "str", "type": "enum:" + FIELD_TYPES, "description": "str?", "choices": "[str]"},
    )
    if errors:
        raise ctx.bad_many(errors)
    row.update(
        {
            k: v
            for k, v in body.items()
            if k in ("label", "type", "description", "choices", "isDateAndTime")
        }
    )
    return Reply(
        200,
        {"row": project(row, ("id", "label", "type", "description", "choices", "isDateAndTime"))},
    )


def delete_procedure_row(ctx: Ctx) -> Reply:
    row = require(
        ctx, ctx.org.table("proceduretemplaterows"), ctx.id_param(), "Procedure Template Row"
    )
    ctx.org.table("proceduretemplaterows").delete(row["id"])
    return Reply(204)


def patch_work_order_template(ctx: Ctx) -> Reply:
    trigger = _parent(ctx)
    body = ctx.body_object(required=False)
    errors = validate_body(
        body,
        {
            "procedureTemplateId": "int?",
            "saveProcedureAsTemplate": "bool",
            "title": "str",
            "data": "obj",
        },
    )
    if errors:
        raise ctx.bad_many(errors)
    trigger["_workOrderTemplate"] = body
    return Reply(204)


# -- reads of reference data -------------------------------------------------------------------
CRITICALITIES: tuple[dict[str, Any], ...] = (
    {"id": 1, "label": "Low", "level": 1},
    {"id": 2, "label": "Medium", "level": 2},
    {"id": 3, "label": "High", "level": 3},
)


def list_criticalities(ctx: Ctx) -> Reply:
    rows = list(CRITICALITIES)
    label, level = ctx.q("label"), ctx.q("level")
    if label:
        rows = [r for r in rows if str(r["label"]).lower() == label.lower()]
    if level:
        rows = [r for r in rows if str(r["level"]) == level]
    page, cursor = offset_page(ctx, [dict(r) for r in rows], parse_limit(ctx))
    return Reply(200, page_body(ctx, "assetCriticalities", page, cursor))


def get_criticality(ctx: Ctx) -> Reply:
    wanted = ctx.id_param()
    for row in CRITICALITIES:
        if row["id"] == wanted:
            return Reply(200, {"assetCriticality": dict(row)})
    raise ctx.not_found("Asset Criticality")


def _conversations(ctx: Ctx) -> list[dict[str, Any]]:
    teams = [{"id": t["id"], "type": "TEAM", "name": t["name"]} for t in ctx.org.table("teams")]
    return [{"id": ctx.org.id * 10, "type": "GROUP", "name": "General"}, *teams]


def list_conversations(ctx: Ctx) -> Reply:
    kinds = set(ctx.qlist("type"))
    rows = [c for c in _conversations(ctx) if not kinds or c["type"] in kinds]
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(200, page_body(ctx, "conversations", page, cursor))


def _conversation(ctx: Ctx) -> dict[str, Any]:
    wanted = ctx.id_param()
    for row in _conversations(ctx):
        if row["id"] == wanted:
            return row
    raise ctx.not_found("parent resource")


def list_conversation_members(ctx: Ctx) -> Reply:
    conversation = _conversation(ctx)
    if conversation["type"] == "TEAM":
        ids = sorted(ctx.org.table("teams").rows[conversation["id"]]["_members"])
    else:
        ids = list(ctx.org.table("users").order)
    users = ctx.org.table("users")
    members = [
        project(users.rows[i], ("id", "firstName", "lastName")) for i in ids if i in users.rows
    ]
    page, cursor = offset_page(ctx, members, parse_limit(ctx))
    return Reply(200, page_body(ctx, "members", page, cursor))


def post_message(ctx: Ctx) -> Reply:
    _conversation(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"content": "str"}, ("content",))
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"id": ctx.emu.next_id()})


def versions(ctx: Ctx) -> Reply:
    return Reply(200, [{"version": "1"}])


def organizations(ctx: Ctx) -> Reply:
    ids = ctx.token_org_ids or (ctx.org.id,)
    rows = [
        {"id": i, "name": ctx.emu.orgs[i].name, "timeZone": "Etc/UTC", "currency": "USD"}
        for i in ids
    ]
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(200, page_body(ctx, "organizations", page, cursor))


def create_blueprint(ctx: Ctx) -> Reply:
    body = ctx.body_object()
    fields = {
        "title": "str",
        "description": "str?",
        "estimatedTime": "int?",
        "priority": "enum:NONE|LOW|MEDIUM|HIGH",
    }
    errors = validate_body(body, fields, ("title",))
    if errors:
        raise ctx.bad_many(errors)
    row = {"id": ctx.emu.next_id(), **body}
    ctx.org.table("blueprints").insert(row)
    return Reply(201, {"id": row["id"]})


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


# -- custom fields -------------------------------------------------------------------------------
ENTITIES = (
    "assets",
    "locations",
    "parts",
    "workOrders",
    "vendors",
    "purchaseOrders",
    "lineItemPurchaseOrders",
)
_CF_TYPES = "enum:oneline|multiline|number|singleSelect|date|datetime|link"
_CF_KEYS = ("id", "label", "type", "sortOrder", "required", "unlisted", "options")
#: What a create answers: the spec declares no ``required``/``unlisted`` there.
_CF_CREATED_KEYS = ("id", "label", "type", "sortOrder", "options")


def _entity(ctx: Ctx) -> str:
    entity = ctx.params["entity"]
    if entity not in ENTITIES:
        raise ctx.bad(f"entity must be one of {', '.join(ENTITIES)}", "entity", entity)
    return entity


def list_custom_fields(ctx: Ctx) -> Reply:
    entity = _entity(ctx)
    rows = sorted(
        (r for r in ctx.org.table("customfields") if r["entity"] == entity),
        key=lambda r: r["sortOrder"],
    )
    return Reply(200, [project(r, _CF_KEYS) for r in rows])


def create_custom_fields(ctx: Ctx) -> Reply:
    entity = _entity(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"fields": "[obj]"}, ("fields",))
    fields = body.get("fields")
    for i, item in enumerate(fields if isinstance(fields, list) else []):
        if isinstance(item, dict):
            spec = {
                "label": "str",
                "type": _CF_TYPES,
                "options": "[str]",
                "required": "bool?",
                "unlisted": "bool?",
                "includeInRecurrence": "bool?",
            }
            errors += validate_body(item, spec, ("label", "type"), prefix=f"fields[{i}].")
    if errors:
        raise ctx.bad_many(errors)
    table = ctx.org.table("customfields")
    created = []
    for item in body["fields"]:
        row = {
            "id": ctx.emu.next_id(),
            "entity": entity,
            "sortOrder": (len(table) + 1) * 10,
            **item,
        }
        table.insert(row)
        created.append(project(row, _CF_CREATED_KEYS))
    return Reply(200, created)


def _custom_field(ctx: Ctx) -> dict[str, Any]:
    entity = _entity(ctx)
    row = ctx.org.table("customfields").get(ctx.id_param())
    if row is None or row["entity"] != entity:
        raise ctx.not_found("Custom Field")
    return row


def update_custom_field(ctx: Ctx) -> Reply:
    row = _custom_field(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"field": "obj"}, ("field",))
    if not errors:
        spec = {
            "label": "str",
            "type": _CF_TYPES,
            "options": "[str]",
            "sortIndex": "int",
            "required": "bool?",
            "unlisted": "bool?",
        }
        errors = validate_body(body["field"], spec, prefix="field.")
    if errors:
        raise ctx.bad_many(errors)
    row.update({k: v for k, v in body["field"].items() if k != "sortIndex"})
    return Reply(204)


def delete_custom_field(ctx: Ctx) -> Reply:
    ctx.org.table("customfields").delete(_custom_field(ctx)["id"])
    return Reply(204)


# -- root cause analysis reports (read-only; seeded) ------------------------------------------------
_RCA_KEYS = (
    "id", "organizationId", "status", "mainAssetId", "mainAssetStatusId", "createdAt", "updatedAt", "completedAt",
    "incidentStartedAt", "incidentEndedAt", "incidentDuration", "repairTime", "notes", "creatorId", "updaterId",
    "archivedAt", "relatedAssetIds", "workOrderIds",
)  # fmt: skip


def list_rca(ctx: Ctx) -> Reply:
    archived = ctx.qbool("archived")
    statuses = set(ctx.qlist("statuses"))
    rows = [
        r for r in ctx.org.table("rootcauseanalysisreports")
        if (r["archivedAt"] is not None) == archived and (not statuses or r["status"] in statuses)
    ]  # fmt: skip
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(
        200,
        page_body(
            ctx,
            "rootCauseAnalysisReports",
            [project(r, _RCA_KEYS, frozenset(_RCA_KEYS)) for r in page],
            cursor,
        ),
    )


def get_rca(ctx: Ctx) -> Reply:
    row = require(
        ctx, ctx.org.table("rootcauseanalysisreports"), ctx.id_param(), "Root Cause Analysis Report"
    )
    return Reply(200, {"rootCauseAnalysisReport": project(row, _RCA_KEYS, frozenset(_RCA_KEYS))})


def routes() -> list[Route]:
    out: list[Route] = []
    for prefix in (
        "assets",
        "locations",
        "parts",
        "purchaseorders",
        "vendors",
        "workorders",
        "workrequests",
    ):
        out += [
            Route("PUT", f"/{prefix}/{{id}}/attachments/{{filename}}", upload),
            Route("DELETE", f"/{prefix}/{{id}}/attachments/{{filename}}", delete_attachment),
            Route("PUT", f"/{prefix}/{{id}}/thumbnail/{{filename}}", upload),
        ]
    out += [
        Route("PUT", "/metertriggers/{id}/thumbnail/{filename}", upload),
        Route("PATCH", "/metertriggers/{id}/workordertemplates", patch_work_order_template),
        Route("PUT", "/metertriggers/{id}/workordertemplates/attachments/{filename}", upload),
        Route(
            "DELETE", "/metertriggers/{id}/workordertemplates/attachments/{filename}", _no_content()
        ),
        Route("PATCH", "/proceduretemplaterows/{id}", update_procedure_row),
        Route("DELETE", "/proceduretemplaterows/{id}", delete_procedure_row),
        Route("DELETE", "/proceduretemplaterows/{id}/attachments", _no_content()),
        Route("PUT", "/proceduretemplaterows/{id}/attachments/{filename}", upload),
        Route("POST", "/workorders/{id}/emails", work_order_emails),
        Route("DELETE", "/workorders/{id}/procedure", _no_content()),
        Route("DELETE", "/workorders/{id}/procedure/fields/{index}/attachment", _no_content()),
        Route("PUT", "/workorders/{id}/procedure/fields/{index}/attachment/{filename}", upload),
        Route("POST", "/users/{id}/messages", direct_message),
        Route("GET", "/assetcriticalities", list_criticalities),
        Route("GET", "/assetcriticalities/{id}", get_criticality),
        Route("GET", "/conversations", list_conversations),
        Route("GET", "/conversations/{id}/members", list_conversation_members),
        Route("POST", "/conversations/{id}/messages", post_message),
        Route("GET", "/versions", versions, auth=False),
        Route("GET", "/organizations", organizations),
        Route("POST", "/maintenanceplans/workorderblueprints", create_blueprint),
        Route("POST", "/workPermits/{id}/sign", sign_work_permit, auth=False),
        Route("GET", "/customfields/{entity}", list_custom_fields),
        Route("POST", "/customfields/{entity}", create_custom_fields),
        Route("PATCH", "/customfields/{entity}/{id}", update_custom_field),
        Route("DELETE", "/customfields/{entity}/{id}", delete_custom_field),
        Route("GET", "/rootcauseanalysisreports", list_rca),
        Route("GET", "/rootcauseanalysisreports/{id}", get_rca),
    ]
    return out
