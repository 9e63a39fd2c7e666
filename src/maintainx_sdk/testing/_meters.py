"""Meters and their readings, with the spec's reading quotas."""

from __future__ import annotations

import uuid
from typing import Any

from ._context import Ctx
from ._http import ApiReject, Reply
from ._ratelimit import Quota
from ._resources import Predicate, Resource, enum_list, parse_int_list, stamp
from ._router import Route
from ._store import Row, normalize_datetime
from ._validate import validate_body


def _make_meter(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
    row: Row = {
        **stamp(ctx, row_id), "name": "", "unit": "", "description": None, "measurementType": "MANUAL",
        "readingFrequency": None, "assetId": None, "locationId": None, "creatorId": ctx.user_id,
        "updaterId": None, "uuid": str(uuid.UUID(int=row_id)), "deletedAt": None, "_readings": [],
    }  # fmt: skip
    row.update(body)
    return row


def _meter_filters(ctx: Ctx) -> Predicate | None:
    assets = set(parse_int_list(ctx, "assets"))
    kinds = set(enum_list(ctx, "measurementType", ("MANUAL", "IOT_DEVICE", "AUTOMATED_SENSOR")))
    if not assets and not kinds:
        return None
    return lambda r: (
        (not assets or r["assetId"] in assets) and (not kinds or r["measurementType"] in kinds)
    )


class _Meters(Resource):
    """``lastReading`` only when asked for (``expand=last_reading``), with every key the spec
    requires of it."""

    def list_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        return _with_last_reading(ctx, row, self.list_item(row))

    def detail_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        return _with_last_reading(ctx, row, self.detail(row))


def _with_last_reading(ctx: Ctx, row: Row, view: dict[str, Any]) -> dict[str, Any]:
    if "last_reading" in ctx.qlist("expand") and row["_readings"]:
        last = row["_readings"][-1]
        view["lastReading"] = {"id": last["id"], "meterId": row["id"], "createdAt": last["createdAt"],
                               "readingDate": last.get("readingDate"), "value": last["value"]}  # fmt: skip
    return view


METERS = _Meters(
    table="meters", path="/meters", items_key="meters", one_key="meter", label="meter",
    fields={"name": "str", "unit": "str", "description": "str?",
            "measurementType": "enum:MANUAL|IOT_DEVICE|AUTOMATED_SENSOR", "readingFrequency": "obj?",
            "assetId": "int?", "locationId": "int?"},
    required=("name", "unit"), make=_make_meter, refs={"assetId": "assets", "locationId": "locations"},
    list_keys=("id", "name", "unit", "measurementType"),
    detail_keys=("id", "assetId", "locationId", "creatorId", "updaterId", "name", "uuid", "description",
                 "measurementType", "readingFrequency", "unit", "createdAt", "updatedAt", "deletedAt"),
    keep_null_detail=frozenset({"assetId", "locationId", "updaterId", "description", "readingFrequency", "deletedAt"}),
    filters=(_meter_filters,),
)  # fmt: skip


# -- meter readings -------------------------------------------------------------------------------
#: The spec's reading quotas: manual meters 10 reading requests per 24 h (a batch counts once),
#: the deprecated single-reading endpoint 1 per 10 s, automated batches 100 per 60 s.
MANUAL_QUOTA = Quota(10, 86400.0)
SINGLE_QUOTA = Quota(1, 10.0)
BATCH_QUOTA = Quota(100, 60.0)


def _spend(ctx: Ctx, key: tuple[str, int], quota: Quota, message: str) -> None:
    if ctx.state.meter_quotas and not ctx.state.limiter.take(key, quota):
        raise ApiReject(429, {"error": message})


def _spend_manual(ctx: Ctx, meters: list[Row]) -> None:
    for meter in meters:
        if meter["measurementType"] == "MANUAL":
            _spend(
                ctx,
                ("meter-manual", meter["id"]),
                MANUAL_QUOTA,
                "Manual meter reading limit reached (10 per 24 hours). Use an IoT meter for "
                "automated readings, or contact support@getmaintainx.com.",
            )


def _reading_date(ctx: Ctx, value: Any, path: str) -> str | None:
    if value is None:
        return None
    normalized = normalize_datetime(str(value))
    if normalized is None:
        raise ctx.bad("readingDate should be a date-time", path, value)
    return normalized


def batch_readings(ctx: Ctx) -> Reply:
    body = ctx.json()
    if not isinstance(body, list) or not body:
        raise ctx.bad("body must be a non-empty array of readings")
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(body):
        if not isinstance(item, dict):
            errors.append({"error": "should be object", "fieldPath": f"[{i}]"})
            continue
        errors += validate_body(
            item,
            {"meterId": "num", "value": "num", "readingDate": "str"},
            ("meterId", "value"),
            prefix=f"[{i}].",
        )
    if errors:
        raise ctx.bad_many(errors)
    meters = ctx.org.table("meters")
    for item in body:
        if meters.get(int(item["meterId"])) is None:
            raise ctx.not_found("meter")
    dates = [
        _reading_date(ctx, item.get("readingDate"), f"[{i}].readingDate")
        for i, item in enumerate(body)
    ]
    _spend(
        ctx,
        ("meter-batch", ctx.user_id),
        BATCH_QUOTA,
        "Too many meter reading requests. Please retry in 60 seconds.",
    )
    _spend_manual(
        ctx, [meters.rows[m] for m in dict.fromkeys(int(item["meterId"]) for item in body)]
    )
    now = ctx.state.now()
    out = []
    for item, date in zip(body, dates, strict=True):
        reading = {"meterId": item["meterId"], "value": item["value"], "createdAt": now}
        if date:
            reading["readingDate"] = date
        meters.rows[int(item["meterId"])]["_readings"].append(
            {
                "id": f"{item['meterId']}-{ctx.state.next_id()}",
                "value": item["value"],
                "createdAt": now,
                "readingDate": date or None,
            }
        )
        out.append(reading)
    return Reply(201, out)


def single_reading(ctx: Ctx) -> Reply:
    meter = ctx.org.table("meters").get(ctx.id_param("meterId"))
    if meter is None:  # the spec lists no 404 here
        raise ctx.bad(
            "meterId is not a meter of this organization", "meterId", ctx.params["meterId"]
        )
    body = ctx.body_object()
    errors = validate_body(body, {"readingValue": "num", "readingDate": "str"}, ("readingValue",))
    if errors:
        raise ctx.bad_many(errors)
    date = _reading_date(ctx, body.get("readingDate"), "readingDate")
    message = "Too many requests for this meter. Please retry in 10 seconds."
    _spend(ctx, ("meter-single", meter["id"]), SINGLE_QUOTA, message)
    _spend_manual(ctx, [meter])
    now = ctx.state.now()
    reading: dict[str, Any] = {
        "id": str(ctx.state.next_id()),
        "readingValue": body["readingValue"],
        "createdAt": now,
    }
    if date:
        reading["readingDate"] = date
    meter["_readings"].append(
        {"id": reading["id"], "value": body["readingValue"], "createdAt": now,
         "readingDate": date or None}
    )  # fmt: skip
    return Reply(201, reading)


def routes() -> list[Route]:
    return [
        *METERS.routes(),
        Route("POST", "/meterreadings", batch_readings),
        Route("POST", "/meters/{meterId}/readings", single_reading),
    ]
