"""Parts: stock kept per location, the deprecated part-level quantities, vendors' part
numbers."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._resources import Predicate, Resource, project, stamp
from ._store import Row
from ._validate import validate_body


def _part_locations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"locationId": int(e.get("locationId", 0)), "availableQuantity": int(e.get("availableQuantity") or 0),
         "inStockQuantity": int(e.get("availableQuantity") or 0), "minimumQuantity": int(e.get("minimumQuantity") or 0),
         "maximumQuantity": e.get("maximumQuantity"), "area": e.get("area")}
        for e in entries
    ]  # fmt: skip


_PART_LOCATION = {
    "locationId": "int",
    "availableQuantity": "int",
    "minimumQuantity": "int?",
    "maximumQuantity": "int?",
    "area": "str?",
}


def _check_part(body: dict[str, Any]) -> list[dict[str, Any]]:
    """``locations`` is an array on create and ``{addedUpdated, removedLocationIds}`` on PATCH."""
    errors: list[dict[str, Any]] = []
    locations = body.get("locations")
    entries = locations.get("addedUpdated", []) if isinstance(locations, dict) else locations
    if locations is not None and not isinstance(entries, list):
        return [{"error": "should be array", "fieldPath": "locations", "fieldValue": None}]
    for i, entry in enumerate(entries or []):
        if not isinstance(entry, dict):
            errors.append(
                {"error": "should be object", "fieldPath": f"locations[{i}]", "fieldValue": None}
            )
        else:
            errors += validate_body(
                entry, _PART_LOCATION, ("locationId",), prefix=f"locations[{i}]."
            )
    vendors = body.get("vendors")
    for i, vendor in enumerate(vendors if isinstance(vendors, list) else []):
        if isinstance(vendor, dict):
            errors += validate_body(
                vendor,
                {"vendorId": "int", "partNumber": "str?"},
                ("vendorId",),
                prefix=f"vendors[{i}].",
            )
    return errors


def _part_shape(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if isinstance(out.get("locations"), list):
        out["locations"] = _part_locations(out["locations"])
    elif isinstance(out.get("locations"), dict):
        out.pop("locations")
    if "locations" in out:
        stock = sum(entry["inStockQuantity"] for entry in out["locations"])
        out.update(availableQuantity=stock, inStockQuantity=stock,
                   minimumQuantity=sum(entry["minimumQuantity"] for entry in out["locations"]))  # fmt: skip
    for key in ("assignedQuantity", "committedQuantities", "createdAt", "updatedAt", "deletedAt"):
        out.pop(key, None)
    return out


def _make_part(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "name": "", "description": None, "barcode": None, "locationId": None,
        "locations": [], "area": None, "unitCost": None, "availableQuantity": 0, "minimumQuantity": 0,
        "orderedQuantity": 0, "reservedQuantity": 0, "partTypes": [], "inStockQuantity": 0,
        "committedQuantities": {"reserved": 0, "kitted": 0, "staged": 0}, "assignedQuantity": 0,
        "maximumQuantity": None, "extraFields": {}, "vendors": [], "assetIds": [], "teamIds": [],
    }  # fmt: skip
    row.update(_part_shape(body))
    return row


def _part_number(ctx: Ctx) -> Predicate | None:
    number = ctx.q("partNumber")
    if number is None:
        return None
    return lambda r: any(v.get("partNumber") == number for v in r["vendors"])


PART_LIST_KEYS = (
    "id", "name", "description", "barcode", "locationId", "locations", "area", "unitCost",
    "availableQuantity", "minimumQuantity", "orderedQuantity", "reservedQuantity", "partTypes",
    "createdAt", "updatedAt", "inStockQuantity", "committedQuantities", "assignedQuantity",
    "maximumQuantity", "organizationId", "extraFields", "vendors",
)  # fmt: skip
PART_DETAIL_KEYS = (
    *(k for k in PART_LIST_KEYS if k != "organizationId"), "assetIds", "teamIds", "attachments",
    "thumbnail", "deletedAt",
)  # fmt: skip
#: Per-location keys a part answers (stock in hand shows only on the part itself).
_PART_LOCATION_KEYS = (
    "locationId", "availableQuantity", "minimumQuantity", "maximumQuantity", "area",
    "reservedQuantity", "assignedQuantity", "committedQuantities",
)  # fmt: skip


class _Parts(Resource):
    def list_item(self, row: Row) -> dict[str, Any]:
        return _public_locations(super().list_item(row))

    def detail(self, row: Row) -> dict[str, Any]:
        return _public_locations(super().detail(row))


def _public_locations(view: dict[str, Any]) -> dict[str, Any]:
    if isinstance(view.get("locations"), list):
        view["locations"] = [project(e, _PART_LOCATION_KEYS) for e in view["locations"]]
    return view


def _apply_part_patch(ctx: Ctx, row: Row, changes: dict[str, Any]) -> None:
    """A PATCH: ``locations`` is ``{addedUpdated, removedLocationIds}``; the deprecated
    part-level ``availableQuantity``/``minimumQuantity`` set the stock of a part kept at one
    place (or none), and are refused for a part kept at several (say which one changes)."""
    changes = dict(changes)
    locations = changes.pop("locations", None)
    totals = {k: changes.pop(k) for k in ("availableQuantity", "minimumQuantity") if k in changes}
    row.update(_part_shape(changes))
    entries: list[dict[str, Any]] = [dict(e) for e in row.get("locations") or []]
    if isinstance(locations, dict):
        removed = {int(i) for i in locations.get("removedLocationIds") or []}
        entries = [e for e in entries if e["locationId"] not in removed]
        for given in locations.get("addedUpdated") or []:
            current = next(
                (e for e in entries if e["locationId"] == int(given["locationId"])), None
            )
            if current is None:
                entries += _part_locations([given])
                continue
            for key in ("availableQuantity", "minimumQuantity", "maximumQuantity", "area"):
                if key in given:
                    current[key] = given[key]
            current["inStockQuantity"] = current["availableQuantity"]
    if totals and len(entries) > 1:
        raise ctx.bad(
            f"part {row['id']} is kept at {len(entries)} locations; set quantities per location "
            "with locations.addedUpdated",
            next(iter(totals)),
            next(iter(totals.values())),
        )
    for key, value in totals.items():
        if entries:
            entries[0][key] = int(value)
            entries[0]["inStockQuantity"] = entries[0]["availableQuantity"]
        else:
            row[key] = int(value)
            if key == "availableQuantity":
                row["inStockQuantity"] = int(value)
    if entries or isinstance(locations, dict):
        row["locations"] = entries
        stock = sum(int(e["availableQuantity"] or 0) for e in entries)
        row.update(availableQuantity=stock, inStockQuantity=stock,
                   minimumQuantity=sum(int(e["minimumQuantity"] or 0) for e in entries))  # fmt: skip


PARTS = _Parts(
    table="parts", path="/parts", items_key="parts", one_key="part", label="Part",
    fields={"name": "str", "description": "str?", "unitCost": "int?", "barcode": "str?",
            "locations": "any", "partTypes": "[str]", "assetIds": "[int]", "teamIds": "[int]",
            "extraFields": "obj", "vendors": "[obj]", "assignedQuantity": "any", "committedQuantities": "any",
            "availableQuantity": "int", "minimumQuantity": "int"},
    required=("name",), make=_make_part, shape=_part_shape, check=_check_part,
    list_keys=PART_LIST_KEYS, detail_keys=PART_DETAIL_KEYS, apply=_apply_part_patch,
    keep_null_list=frozenset({"description", "barcode", "locationId", "area", "unitCost"}),
    filters=(_part_number,), sorts=("createdAt", "updatedAt"), date_filters=True, multi_org=True,
    query_params=frozenset({"partNumber"}), custom_field_entity="parts",
    on_event={"create": "NEW_PART", "patch": "PART_CHANGE", "delete": "PART_DELETE"},
    id_key="partId", snapshot_key="newPart",
)  # fmt: skip
