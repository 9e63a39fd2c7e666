"""Procedures: templates with their fields (rows), rows edited one by one, and a work
order's procedure."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._resources import Resource, project, require, simple_maker
from ._router import Route
from ._validate import validate_body

FIELD_TYPES = (
    "NUMBER|AMOUNT|TEXT|UNSUPPORTED|HEADING|FILE|SIGNATURE|MULTIPLE_CHOICE|INSPECTION_CHECK|"
    "YES_NO_NA|CHECKBOX|CHECKLIST|METER|DATE|CYCLE_COUNT"
)


def _template_fields(ctx: Ctx, fields: list[Any]) -> list[dict[str, Any]]:
    out = []
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            continue
        out.append({"id": ctx.state.next_id(), "label": field.get("label", ""), "type": field.get("type", "TEXT"),
                    "description": field.get("description"), "choices": field.get("choices"),
                    "isDateAndTime": bool(field.get("isDateAndTime", False)), "index": index})  # fmt: skip
    return out


class _ProcedureTemplates(Resource):
    def create(self, ctx: Ctx) -> Reply:
        body = ctx.body_object()
        fields = body.get("fields")
        for i, field in enumerate(fields if isinstance(fields, list) else []):
            if (
                not isinstance(field, dict)
                or "label" not in field
                or field.get("type") not in FIELD_TYPES.split("|")
            ):
                raise ctx.bad("each field needs a label and a valid type", f"fields[{i}]", None)
        reply = super().create(ctx)
        row = ctx.org.table(self.table).rows[reply.body["id"]]
        row["rows"] = _template_fields(ctx, body["fields"])
        for field in row["rows"]:
            ctx.org.table("proceduretemplaterows").insert({**field, "templateId": row["id"]})
        return Reply(201, {"id": row["id"], "fields": [_row_view(f) for f in row["rows"]]})


def _row_view(field: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in field.items()
        if v is not None and k in ("id", "label", "type", "description", "choices", "isDateAndTime")
    }


PROCEDURE_TEMPLATES = _ProcedureTemplates(
    table="proceduretemplates", path="/proceduretemplates", items_key="procedureTemplates",
    one_key="procedureTemplate", label="Procedure Template",
    fields={"title": "str", "description": "str?", "fields": "[obj]"}, required=("title", "fields"),
    make=simple_maker({"deletedAt": None, "rows": [], "description": None}), patch_status=204,
    list_keys=("id", "title"), detail_keys=("id", "title", "description", "createdAt", "updatedAt", "deletedAt"),
    keep_null_detail=frozenset({"deletedAt"}),
)  # fmt: skip


def update_procedure_row(ctx: Ctx) -> Reply:
    row = require(
        ctx, ctx.org.table("proceduretemplaterows"), ctx.id_param(), "Procedure Template Row"
    )
    body = ctx.body_object()
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


def delete_work_order_procedure(ctx: Ctx) -> Reply:
    require(ctx, ctx.org.table("workorders"), ctx.id_param(), "Work Order")
    return Reply(204)


def routes() -> list[Route]:
    return [
        *PROCEDURE_TEMPLATES.routes(),
        Route("PATCH", "/proceduretemplaterows/{id}", update_procedure_row),
        Route("DELETE", "/proceduretemplaterows/{id}", delete_procedure_row),
        Route("DELETE", "/workorders/{id}/procedure", delete_work_order_procedure),
    ]
