"""Small stateful resources, declared with the CRUD engine: custom asset statuses,
manufacturers, models, work request portals and part transfer requests."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._resources import Resource, simple_maker, stamp
from ._store import Row

ASSET_CUSTOM_STATUSES = Resource(
    table="assetcustomstatuses", path="/assetcustomstatuses", items_key="assetCustomStatuses",
    one_key="assetCustomStatus", patch_key="assetcustomstatus", label="Asset Custom Status",
    fields={"label": "str", "baseAssetStatus": "enum:IGNORE|OFFLINE|ONLINE"},
    patch_fields={"label": "str"}, required=("label", "baseAssetStatus"),
    make=simple_maker({"deletedAt": None, "downtimeType": None}),
    list_keys=("id", "label", "baseAssetStatus", "createdAt", "updatedAt"),
    detail_keys=("id", "baseAssetStatus", "label", "createdAt", "updatedAt", "deletedAt", "downtimeType"),
)  # fmt: skip

MANUFACTURERS = Resource(
    table="manufacturers", path="/manufacturers", items_key="manufacturers", one_key="manufacturer",
    label="Manufacturer", fields={"name": "str"}, required=("name",), make=simple_maker({}),
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
    fields={"name": "str", "manufacturerId": "int"}, required=("name", "manufacturerId"), make=simple_maker({}),
    list_keys=("id", "name", "manufacturerId", "organizationId"), detail_keys=("id", "name", "manufacturerId"),
    multi_org=True, ops=frozenset({"create", "list", "get"}),
)  # fmt: skip

_PORTAL_FIELDS = {
    "title": "str", "welcomeText": "str?", "descriptionPlaceholder": "str?", "contactInformation": "str?",
    "locationId": "int?", "assetId": "int?", "emailOnly": "bool?", "sendEmailNotification": "bool?",
}  # fmt: skip


def _make_portal(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {
        **stamp(ctx, row_id),
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


def _make_transfer(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row = {**stamp(ctx, row_id), "sourceOrganizationId": ctx.org.id, "destinationOrganizationId": ctx.org.id,
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

RESOURCES: tuple[Resource, ...] = (
    ASSET_CUSTOM_STATUSES, MANUFACTURERS, MODELS, WORK_REQUEST_PORTALS, PART_TRANSFER_REQUESTS,
)  # fmt: skip
