"""Custom fields: per-entity field definitions (list, create, update, delete)."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._resources import project
from ._router import Route
from ._validate import validate_body

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
            "id": ctx.state.next_id(),
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


def routes() -> list[Route]:
    return [
        Route("GET", "/customfields/{entity}", list_custom_fields),
        Route("POST", "/customfields/{entity}", create_custom_fields),
        Route("PATCH", "/customfields/{entity}/{id}", update_custom_field),
        Route("DELETE", "/customfields/{entity}/{id}", delete_custom_field),
    ]
