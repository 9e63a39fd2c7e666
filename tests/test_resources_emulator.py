"""Contract check through the emulator: every GET operation's answer parses into its model,
after creating one record of each kind through the SDK's own create methods."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, NotFoundError, operations

from .helpers.emulator_clients import make_emulator

# area -> create call returning the new id (minimal valid arguments per the spec)
CREATES: dict[str, Callable[[MaintainX, dict[str, int]], Any]] = {
    "asset_custom_statuses": lambda mx, ids: (
        mx.asset_custom_statuses.create(label="Waiting", base_asset_status="OFFLINE").id
    ),
    "manufacturers": lambda mx, ids: mx.manufacturers.create(name="Acme").id,
    "models": lambda mx, ids: mx.models.create(name="X1", manufacturer_id=ids["manufacturers"]).id,
    "meters": lambda mx, ids: mx.meters.create(name="Hours", unit="h").id,
    "work_requests": lambda mx, ids: mx.work_requests.create(title="Leak").id,
    "work_request_portals": lambda mx, ids: mx.work_request_portals.create(title="Portal").id,
    "procedure_templates": lambda mx, ids: (
        mx.procedure_templates.create(
            title="Checklist", fields=[{"label": "Oil ok?", "type": "CHECKBOX"}]
        ).id
    ),
    "purchase_orders": lambda mx, ids: (
        mx.purchase_orders.create(
            vendor_id=ids["vendors"], items=[{"quantityOrdered": 2, "name": "Filter"}]
        ).id
    ),
    "part_transfer_requests": lambda mx, ids: (
        mx.part_transfer_requests.create(
            quantity_requested=1, source_part_id=ids["parts"], destination_part_id=ids["parts2"]
        ).id
    ),
    "maintenance_plans": lambda mx, ids: (
        mx.maintenance_plans.create(
            name="Weekly lube",
            recurrence={"type": "DAILY"},
            work_order_blueprint_id=mx.maintenance_plans.work_order_blueprints.create(
                title="Lube"
            ).id,
            planning_horizon={"value": 1, "unit": "MONTH"},
        ).id
    ),
    "meter_triggers": lambda mx, ids: (
        mx.meter_triggers.create(
            meter_trigger={
                "meterId": ids["meters"],
                "amount": 100,
                "condition": "IS_GREATER",
                "name": "Over 100",
            }
        ).id
    ),
    "subscriptions": lambda mx, ids: (
        mx.subscriptions.create(type="NEW_WORK_ORDER", url="https://example.com/hook").id
    ),
}


@pytest.fixture
def emulated() -> MaintainX:
    emulator = make_emulator(seed=3, work_orders=5)
    return MaintainX(api_key=emulator.api_key, transport=emulator.transport())


def _call(mx: Any, python_name: str, *args: Any) -> Any:
    target = mx
    for part in python_name.split("."):
        target = getattr(target, part)
    return target(*args)


def test_every_get_operation_parses_the_emulator_answer(emulated: MaintainX) -> None:
    mx = emulated
    ids: dict[str, int] = {}
    with mx:
        for area in ("vendors", "parts"):
            page = _call(mx, f"{area}.list").first_page()
            ids[area] = page.items[0].id
            if area == "parts":
                ids["parts2"] = page.items[1].id
        for area, create in CREATES.items():
            ids[area] = create(mx, ids)
        checked = 0
        for op in operations():
            if op.method != "GET":
                continue
            area = op.python_name.split(".")[0]
            params = op.path.count("{")
            if params == 0:
                result = _call(mx, op.python_name)
                if op.paginated:
                    page = result.first_page()
                    assert page.meta.status_code == 200
                    if page.items and hasattr(page.items[0], "id"):
                        ids.setdefault(area, page.items[0].id)
            elif op.python_name == "custom_fields.list":
                assert _call(mx, op.python_name, "assets").raw_response.status_code == 200
            elif op.python_name == "vendors.contacts.get":
                contact = mx.vendors.contacts.create(ids["vendors"], name="Ann")
                assert mx.vendors.contacts.get(ids["vendors"], contact.id).name == "Ann"
            elif area not in ids:
                # Read-only collections the emulator seeds empty: the call must still be
                # well-formed and map the API's 404.
                with pytest.raises(NotFoundError):
                    _call(mx, op.python_name, 999_999)
            else:
                assert params == 1, op.python_name
                result = _call(mx, op.python_name, ids[area])
                if op.paginated:
                    result = result.first_page()
                assert (
                    result.raw_response is not None
                    if not op.paginated
                    else result.meta.status_code == 200
                )
            checked += 1
        assert checked == 56


@pytest.mark.async_backends
def test_round_trip_on_the_async_client() -> None:
    emulator = make_emulator(seed=4, work_orders=0)

    async def main() -> None:
        async with AsyncMaintainX(
            api_key=emulator.api_key, transport=emulator.async_transport()
        ) as amx:
            created = await amx.work_orders.create(title="Replace filter", priority="LOW")
            wo = await amx.work_orders.get(created.id)
            assert (wo.title, wo.priority) == ("Replace filter", "LOW")
            moved = await amx.work_orders.set_status(created.id, "IN_PROGRESS")
            assert moved.status == "IN_PROGRESS"
            await amx.work_orders.comments.create(created.id, content="started")
            comments = [c async for c in amx.work_orders.comments.list(created.id)]
            assert [c.content for c in comments] == ["started"]
            await amx.work_orders.delete(created.id)

    asyncio.run(main())
