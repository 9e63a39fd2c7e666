"""The remaining stateful resources, declared with the CRUD engine: custom asset statuses,
manufacturers, models, request portals, part transfers, maintenance plans, meter triggers
and procedure templates."""

from __future__ import annotations

from typing import Any

from ._http import Ctx, Reply
from ._resources import Resource
from ._store import Row

FIELD_TYPES = (
    "NUMBER|AMOUNT|TEXT|UNSUPPORTED|HEADING|FILE|SIGNATURE|MULTIPLE_CHOICE|INSPECTION_CHECK|"
    "YES_NO_NA|CHECKBOX|CHECKLIST|METER|DATE|CYCLE_COUNT"
)


def _base(ctx: Ctx, row_id: int) -> Row:
    now = ctx.emu.now()
    return {"id": row_id, "createdAt": now, "updatedAt": now, "organizationId": ctx.org.id}


def _simple(defaults: dict[str, Any]) -> Any:
    def make(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
        row = {**_base(ctx, row_id), **defaults}
        row.update(body)
        return row

    return make


ASSET_CUSTOM_STATUSES = Resource(
    table="assetcustomstatuses", path="/assetcustomstatuses", items_key="assetCustomStatuses",
    one_key="assetCustomStatus", patch_key="assetcustomstatus", label="Asset Custom Status",
    fields={"label": "str", "baseAssetStatus": "enum:IGNORE|OFFLINE|ONLINE"},
    patch_fields={"label": "str"}, required=("label", "baseAssetStatus"),
    make=_simple({"deletedAt": None, "downtimeType": None}),
    list_keys=("id", "label", "baseAssetStatus", "createdAt", "updatedAt"),
    detail_keys=("id", "baseAssetStatus", "label", "createdAt", "updatedAt", "deletedAt", "downtimeType"),
)  # fmt: skip

MANUFACTURERS = Resource(
    table="manufacturers", path="/manufacturers", items_key="manufacturers", one_key="manufacturer",
    label="Manufacturer", fields={"name": "str"}, required=("name",), make=_simple({}),
    list_keys=("id", "name", "organizationId"), detail_keys=("id", "name"), multi_org=True,
    ops=frozenset({"create", "list", "get"}),
)  # fmt: skip


class _Models(Resource):
    def create(self, ctx: Ctx) -> Reply:
        body = ctx.body_object()
        maker = body.get("manufacturerId")
        if isinstance(maker, int) and ctx.org.table("manufacturers").get(maker) is None:
            raise ctx.not_found("Manufacturer")
        return super().create(ctx)


MODELS = _Models(
    table="models", path="/models", items_key="models", one_key="model", label="Model",
    fields={"name": "str", "manufacturerId": "int"}, required=("name", "manufacturerId"), make=_simple({}),
    list_keys=("id", "name", "manufacturerId", "organizationId"), detail_keys=("id", "name", "manufacturerId"),
    multi_org=True, ops=frozenset({"create", "list", "get"}),
)  # fmt: skip

_PORTAL_FIELDS = {
    "title": "str", "welcomeText": "str?", "descriptionPlaceholder": "str?", "contactInformation": "str?",
    "locationId": "int?", "assetId": "int?", "emailOnly": "bool?", "sendEmailNotification": "bool?",
}  # fmt: skip


def _make_portal(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {
        **_base(ctx, row_id),
        **dict.fromkeys(_PORTAL_FIELDS),
        "portalUrl": f"https://app.getmaintainx.com/portal/{row_id}",
    }
    row.update(body)
    return row


_PORTAL_KEYS = ("id", "title", "portalUrl", *[k for k in _PORTAL_FIELDS if k != "title"])
WORK_REQUEST_PORTALS = Resource(
    table="workrequestportals", path="/workrequestportals", items_key="workRequestPortals",
    one_key="workRequestPortal", label="Work Request Portal", fields=_PORTAL_FIELDS, required=("title",),
    make=_make_portal, list_keys=_PORTAL_KEYS, detail_keys=_PORTAL_KEYS,
    keep_null_list=frozenset(k for k in _PORTAL_FIELDS if k != "title"),
    refs={"locationId": "locations", "assetId": "assets"},
)  # fmt: skip


def _make_transfer(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**_base(ctx, row_id), "sourceOrganizationId": ctx.org.id, "destinationOrganizationId": ctx.org.id,
           "status": "PENDING", "requestMessage": None, "responseMessage": None, "quantityReceived": None,
           "quantityTransferred": None}  # fmt: skip
    row.update(body)
    return row


_TRANSFER_KEYS = (
    "id", "destinationOrganizationId", "sourceOrganizationId", "sourcePartId", "destinationPartId",
    "quantityRequested", "quantityReceived", "quantityTransferred", "requestMessage", "responseMessage", "status",
)  # fmt: skip
PART_TRANSFER_REQUESTS = Resource(
    table="parttransferrequests", path="/parttransferrequests", items_key="partTransferRequests",
    one_key="partTransferRequest", label="Part Transfer Request",
    fields={"quantityRequested": "int", "sourcePartId": "int", "destinationPartId": "int", "requestMessage": "str?"},
    patch_fields={"status": "enum:APPROVED|CANCELED|COMPLETED|DECLINED|PENDING", "responseMessage": "str?",
                  "sourceLocationId": "int", "destinationLocations": "[obj]", "quantity": "int"},
    required=("quantityRequested", "sourcePartId", "destinationPartId"), patch_required=("status",),
    make=_make_transfer,
    list_keys=_TRANSFER_KEYS, detail_keys=_TRANSFER_KEYS, refs={"sourcePartId": "parts", "destinationPartId": "parts"},
    ops=frozenset({"create", "list", "get", "patch"}),
)  # fmt: skip

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


def _make_plan(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**_base(ctx, row_id), **dict.fromkeys(_PLAN_KEYS), "id": row_id, "organizationId": ctx.org.id,
           "triggerType": "CALENDAR", "intervalStrategy": "FIXED", "assets": [], "intervals": [],
           "creatorId": ctx.user_id, "createdAt": emu.now(), "updatedAt": emu.now()}  # fmt: skip
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
    ctx._json = inner
    ctx._parsed = True
    return ctx


def _make_trigger(emu: Any, ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**_base(ctx, row_id), **dict.fromkeys(_TRIGGER_KEYS), "id": row_id, "organizationId": ctx.org.id,
           "creatorId": ctx.user_id, "state": "INSUFFICIENT_DATA", "createdAt": emu.now(), "updatedAt": emu.now()}  # fmt: skip
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


def _template_fields(ctx: Ctx, fields: list[Any]) -> list[dict[str, Any]]:
    out = []
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            continue
        out.append({"id": ctx.emu.next_id(), "label": field.get("label", ""), "type": field.get("type", "TEXT"),
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
    make=_simple({"deletedAt": None, "rows": [], "description": None}), patch_status=204,
    list_keys=("id", "title"), detail_keys=("id", "title", "description", "createdAt", "updatedAt", "deletedAt"),
    keep_null_detail=frozenset({"deletedAt"}),
)  # fmt: skip

RESOURCES: tuple[Resource, ...] = (
    ASSET_CUSTOM_STATUSES, MANUFACTURERS, MODELS, WORK_REQUEST_PORTALS, PART_TRANSFER_REQUESTS,
    MAINTENANCE_PLANS, METER_TRIGGERS, PROCEDURE_TEMPLATES,
)  # fmt: skip
