"""Deliberate mistakes an integration could make: both type checkers must report every line
marked ``# expect-error`` and nothing else (``tests/test_type_checkers.py``).

Never imported or run; only type-checked. Keep each mistake on one line (under 100
characters, so ``ruff format`` leaves the mark on it).
"""

from __future__ import annotations

from maintainx_sdk import MaintainX, bulk, webhooks
from maintainx_sdk.reconcile import reconcile, snapshot
from maintainx_sdk.sync import IncrementalSync


def wrong_enum_values(mx: MaintainX) -> None:
    mx.work_orders.create(title="Pump 4", priority="URGENT")  # expect-error
    mx.work_orders.create(title="Pump 4", type="CORRECTIVE")  # expect-error
    mx.work_orders.set_status(1, "FINISHED")  # expect-error
    mx.purchase_orders.set_status(1, status="SHIPPED")  # expect-error


def wrong_argument_types(mx: MaintainX) -> None:
    mx.work_orders.create(title=42)  # expect-error
    mx.work_orders.get("seven", expand=["assignees"], unknown_flag=True)  # expect-error
    mx.work_orders.list(statuses="OPEN", limit="all")  # expect-error


def wrong_use_of_what_comes_back(mx: MaintainX) -> None:
    created = mx.work_orders.create(title="Pump 4")
    label: str = created.id  # expect-error
    print(label)
    for wo in mx.work_orders.list():
        print(wo.titel)  # expect-error


def wrong_sync_source(mx: MaintainX) -> None:
    IncrementalSync(mx, "users")  # expect-error


def wrong_bulk_ids(mx: MaintainX) -> None:
    bulk.get_many(mx.work_orders, ["WO-1", "WO-2"])  # expect-error
    created = bulk.create_many(mx.work_orders, [{"title": "Pump 4"}])
    label: str = created.failures[0].key  # expect-error
    print(label)


def wrong_event_fields(body: bytes) -> None:
    event = webhooks.parse_event(body, "WORK_ORDER_STATUS_CHANGE", strict=True)
    print(event.asset_id)  # expect-error


def wrong_drift_id_types(mx: MaintainX) -> None:
    drift = reconcile(mx.work_orders.list(), snapshot(mx.work_orders.list()))
    local_key: int = drift.missing_remotely[0]  # expect-error
    remote_id: str = drift.missing_locally[0]  # expect-error
    print(local_key, remote_id)


def wrong_nested_shapes(mx: MaintainX) -> None:
    mx.purchase_orders.create(vendor_id=1, items=[{"quantity": 1}])  # expect-error
    mx.subscriptions.create(type="NEW_WORK_ORDER", url="https://x.test", filters=42)  # expect-error
    mx.work_orders.update(1, assignees=[{"type": "ROBOT", "id": 1}])  # expect-error
    mx.parts.update(1, locations={"addedUpdated": [{"locationId": "main"}]})  # expect-error


def wrong_purchase_order_use(mx: MaintainX) -> None:
    mx.purchase_orders.create(items=[{"name": "Filter", "quantityOrdered": "2"}])  # expect-error
    mx.purchase_orders.set_status(1, "REQUESTED")  # expect-error
