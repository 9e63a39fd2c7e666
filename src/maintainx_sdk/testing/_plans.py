"""Preventive maintenance: maintenance plans and their work-order blueprints, meter triggers
and the work-order template a trigger creates."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._resources import Resource, require, stamp
from ._router import Route
from ._store import Row
from ._validate import validate_body

_PLAN_FIELDS = {
    "name": "str", "recurrence": "obj", "startDate": "str?", "workOrderBlueprintId": "num",
    "workOrderStartDatePadding": "num?", "workOrderStartDateOffset": "obj?", "planningHorizon": "obj",
    "planAssets": "[obj]", "intervals": "[obj]", "nextCycleOccurrence": "num?",
}  # fmt: skip
_PLAN_KEYS = (
    "id", "name", "organizationId", "startDate", "workOrderStartDatePadding", "workOrderStartDateOffset",
    "workOrderStartDateFixedDay", "blueprintEstimatedTime", "triggerType", "intervalStrategy", "recurrence",
    "planningHorizon", "workOrderBlueprintId", "assets", "intervals", "nextCycleOccurrence",
    "nextScheduledWorkOrderDueDate", "lastPlannedDueDate", "nextWorkOrderGenerationAt",
    "lastWorkOrderGeneratedAt", "creatorId", "createdAt", "updatedAt", "archivedAt",
)  # fmt: skip


def _plan_shape(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "planAssets" in out:
        out["assets"] = [
            {"id": i + 1, "assetId": a.get("assetId", 0)}
            for i, a in enumerate(out.pop("planAssets"))
        ]
    if "intervals" in out:
        out["intervals"] = [
            {
                "id": i + 1,
                "interval": v.get("interval", 1),
                "workOrderBlueprintId": v.get("workOrderBlueprintId", 0),
            }
            for i, v in enumerate(out["intervals"])
        ]
    for key in (
        "addedPlanAssets",
        "removedPlanAssetIds",
        "addedUpdatedIntervals",
        "removedIntervalIds",
        "nextWorkOrderToGenerateDueDate",
    ):
        out.pop(key, None)
    return out


def _make_plan(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**stamp(ctx, row_id), **dict.fromkeys(_PLAN_KEYS), "id": row_id, "organizationId": ctx.org.id,
           "triggerType": "CALENDAR", "intervalStrategy": "FIXED", "assets": [], "intervals": [],
           "creatorId": ctx.user_id, "createdAt": ctx.state.now(), "updatedAt": ctx.state.now()}  # fmt: skip
    row.update(_plan_shape(body))
    return row


MAINTENANCE_PLANS = Resource(
    table="maintenanceplans", path="/maintenanceplans", items_key="maintenancePlans", one_key="maintenancePlan",
    label="maintenance plan", fields=_PLAN_FIELDS,
    required=("name", "recurrence", "workOrderBlueprintId", "planningHorizon"),
    patch_fields={**{k: v for k, v in _PLAN_FIELDS.items() if k not in ("planAssets",)},
                  "nextWorkOrderToGenerateDueDate": "str?", "addedPlanAssets": "[obj]",
                  "removedPlanAssetIds": "[num]", "addedUpdatedIntervals": "[obj]", "removedIntervalIds": "[num]"},
    make=_make_plan, shape=_plan_shape, list_keys=_PLAN_KEYS, detail_keys=_PLAN_KEYS,
    keep_null_list=frozenset(_PLAN_KEYS), keep_null_detail=frozenset(_PLAN_KEYS),
)  # fmt: skip

_TRIGGER_KEYS = (
    "id", "meterId", "organizationId", "amount", "condition", "createdAt", "creatorId", "dataPoints", "deletedAt",
    "description", "minDateForProcessing", "name", "nextTriggerValue", "period", "state", "updatedAt",
    "workOrderTemplateId",
)  # fmt: skip
_TRIGGER_FIELDS = {
    "meterId": "int", "workOrderTemplateId": "int?", "amount": "num",
    "condition": "enum:DECREMENTED_BY|INCREMENTED_BY|IS_EQUAL|IS_GREATER|IS_LESS|"
    "INCREMENTED_BY_BASED_ON_LAST_READING|DECREMENTED_BY_BASED_ON_LAST_READING",
    "dataPoints": "obj?", "description": "str?", "minDateForProcessing": "str?", "name": "str",
    "nextTriggerValue": "num?", "period": "int?",
}  # fmt: skip


class _MeterTriggers(Resource):
    """Bodies nest the trigger under ``meterTrigger``; PATCH answers 204."""

    def create(self, ctx: Ctx) -> Reply:
        return super().create(_unwrap(ctx, required=True))

    def patch(self, ctx: Ctx) -> Reply:
        return super().patch(_unwrap(ctx, required=False))


def _unwrap(ctx: Ctx, *, required: bool) -> Ctx:
    body = ctx.body_object()
    inner = body.get("meterTrigger")
    if inner is None and not required:
        inner = {}
    if not isinstance(inner, dict):
        raise ctx.bad("should have required property 'meterTrigger'", "meterTrigger", inner)
    ctx.use_body(inner)
    return ctx


def _make_trigger(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**stamp(ctx, row_id), **dict.fromkeys(_TRIGGER_KEYS), "id": row_id, "organizationId": ctx.org.id,
           "creatorId": ctx.user_id, "state": "INSUFFICIENT_DATA", "createdAt": ctx.state.now(), "updatedAt": ctx.state.now()}  # fmt: skip
    row.update(body)
    return row


METER_TRIGGERS = _MeterTriggers(
    table="metertriggers", path="/metertriggers", items_key="meterTriggers", one_key="meterTrigger",
    label="Meter Trigger", fields=_TRIGGER_FIELDS, required=("meterId", "amount", "condition", "name"),
    make=_make_trigger, patch_status=204, list_keys=("id", "name", "meterId"), detail_keys=_TRIGGER_KEYS,
    keep_null_detail=frozenset({"dataPoints", "deletedAt", "description", "minDateForProcessing",
                                "nextTriggerValue", "period", "workOrderTemplateId"}),
    refs={"meterId": "meters"},
)  # fmt: skip


def patch_work_order_template(ctx: Ctx) -> Reply:
    trigger = require(ctx, ctx.org.table("metertriggers"), ctx.id_param(), "Meter Trigger")
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
    row = {"id": ctx.state.next_id(), **body}
    ctx.org.table("blueprints").insert(row)
    return Reply(201, {"id": row["id"]})


def routes() -> list[Route]:
    return [
        *MAINTENANCE_PLANS.routes(),
        *METER_TRIGGERS.routes(),
        Route("POST", "/maintenanceplans/workorderblueprints", create_blueprint),
        Route("PATCH", "/metertriggers/{id}/workordertemplates", patch_work_order_template),
    ]
