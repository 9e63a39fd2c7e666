"""Public API used the way integrations write it; ``.ci/run`` type-checks this module with
``mypy --strict`` and ``pyright`` (strict), and ``tests/test_typed_usage.py`` runs it against
the emulator.

Three integrations: an ERP mirror (incremental sync into SQLite), an alarm-to-work-order
bridge (create, get, update, status, webhook events) and a report (pagination, bulk reads,
reconciliation). ``assert_type`` pins what the checkers infer: an ``Any`` where the SDK
knows the type fails them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, assert_type

import maintainx_sdk
from maintainx_sdk import AsyncMaintainX, MaintainX, bulk, webhooks
from maintainx_sdk.bulk import BulkResult
from maintainx_sdk.checkpoints import CheckpointStore
from maintainx_sdk.models.purchase_orders import PurchaseOrder, PurchaseOrderStatus
from maintainx_sdk.models.work_orders import WorkOrder, WorkOrderListItem
from maintainx_sdk.reconcile import DriftReport, reconcile, snapshot
from maintainx_sdk.sync import AsyncIncrementalSync, IncrementalSync, SyncBatch, SyncReport
from maintainx_sdk.webhook_events import WorkOrderStatusChangeEvent, WorkOrderStatusChangeStatus

# --- start-up --------------------------------------------------------------------------------


def readiness_at_start_up() -> bool:
    """The start-up gate users write: the submodule reached as a package attribute."""
    report: maintainx_sdk.readiness.ReadinessReport = maintainx_sdk.readiness.check()
    return report.ok


def submodules_are_typed() -> list[str]:
    policy: maintainx_sdk.retry.RetryPolicy = maintainx_sdk.retry.RetryPolicy()
    error: type[maintainx_sdk.errors.APIError] = maintainx_sdk.errors.APIError
    return [type(policy).__name__, error.__name__, maintainx_sdk.testing.Emulator.__name__]


# --- 1. ERP mirror: incremental sync into a local table --------------------------------------

MIRROR_TABLE = "CREATE TABLE IF NOT EXISTS work_orders (id INTEGER PRIMARY KEY, title TEXT, status TEXT, updated_at TEXT)"


def mirror_work_orders(mx: MaintainX, db: sqlite3.Connection, store: CheckpointStore) -> SyncReport:
    """Copy every open work order changed since the last run into ``db``."""
    db.execute(MIRROR_TABLE)
    with IncrementalSync(mx, mx.work_orders.list(statuses=["OPEN"]), store=store) as sync:
        assert_type(sync, IncrementalSync[WorkOrderListItem])

        def upsert(batch: SyncBatch[WorkOrderListItem]) -> None:
            rows = [
                (wo.id, wo.title, str(wo.status), wo.updated_at.isoformat()) for wo in batch.items
            ]
            db.executemany("INSERT OR REPLACE INTO work_orders VALUES (?, ?, ?, ?)", rows)
            db.commit()

        return sync.run(upsert)


def mirror_raw_assets(mx: MaintainX, store: CheckpointStore) -> list[int]:
    """A source name without a model hands over the JSON objects as sent."""
    seen: list[int] = []
    with IncrementalSync(mx, "assets", store=store) as sync:
        assert_type(sync, IncrementalSync[dict[str, Any]])
        sync.run(lambda batch: seen.extend(int(item["id"]) for item in batch.items))
    return seen


def count_from_operation(mx: MaintainX, store: CheckpointStore) -> int:
    """A pager's list operation (without the pager's filters) syncs the same item type."""
    with IncrementalSync(mx, mx.work_orders.list().operation, store=store) as sync:
        assert_type(sync, IncrementalSync[WorkOrderListItem])
        return sync.run(lambda batch: None).items


async def mirror_work_orders_async(mx: AsyncMaintainX, store: CheckpointStore) -> list[int]:
    ids: list[int] = []
    with AsyncIncrementalSync(mx, mx.work_orders.list(), store=store) as sync:
        assert_type(sync, AsyncIncrementalSync[WorkOrderListItem])

        async def collect(batch: SyncBatch[WorkOrderListItem]) -> None:
            ids.extend(wo.id for wo in batch.items)

        await sync.run(collect)
    return ids


# --- 2. Alarm-to-work-order bridge -----------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    asset_id: int
    message: str
    critical: bool


def open_work_order(mx: MaintainX, alarm: Alarm) -> int:
    """One work order per alarm, assigned a priority from the alarm, started at once."""
    created = mx.work_orders.create(
        title=f"Alarm: {alarm.message}",
        asset_id=alarm.asset_id,
        priority="HIGH" if alarm.critical else "MEDIUM",
        type="REACTIVE",
    )
    work_order_id: int = created.id
    mx.work_orders.update(work_order_id, description=f"Raised by the alarm bridge: {alarm.message}")
    mx.work_orders.set_status(work_order_id, "IN_PROGRESS")
    return work_order_id


def order_spare_part(mx: MaintainX, vendor_id: int, part: str, quantity: float) -> int:
    """A purchase order for the part the repair needs, submitted for approval."""
    order = mx.purchase_orders.create(
        vendor_id=vendor_id, items=[{"name": part, "quantityOrdered": quantity}]
    )
    assert_type(order, PurchaseOrder)
    submitted = mx.purchase_orders.set_status(order.id, "PENDING")
    assert_type(submitted.status, PurchaseOrderStatus | None)
    return submitted.id


def work_order_title(mx: MaintainX, work_order_id: int) -> str:
    fetched = mx.work_orders.get(work_order_id)
    assert_type(fetched, WorkOrder)
    return fetched.title


def alarm_cleared(body: bytes | Mapping[str, Any]) -> int | None:
    """A work order the technicians closed: the id to clear the alarm of (else None)."""
    event = webhooks.parse_event(body, "WORK_ORDER_STATUS_CHANGE", strict=True)
    assert_type(event, WorkOrderStatusChangeEvent)
    if event.new_status == WorkOrderStatusChangeStatus.DONE:
        return event.work_order_id
    return None


def any_delivery(body: bytes) -> str:
    """Without a literal type the base event comes back (``UnknownEvent`` is one)."""
    event = webhooks.parse_event(body)
    assert_type(event, webhooks.WebhookEvent)
    lenient = webhooks.parse_event(body, "NEW_WORK_ORDER")
    if isinstance(lenient, webhooks.UnknownEvent):
        return f"unknown: {lenient.candidates}"
    return f"{event.event_type} / new work order {lenient.work_order_id}"


# --- 3. Report: pages, bulk reads, drift -----------------------------------------------------


@dataclass(frozen=True)
class Report:
    titles: list[str]
    failed: list[int]
    pages: int
    drift: DriftReport[str, int]


def weekly_report(mx: MaintainX, mirror: Mapping[str, str]) -> Report:
    """Titles of the open work orders (read in full by id), and the mirror's drift."""
    pager = mx.work_orders.list(statuses=["OPEN"], limit=50)
    ids: list[int] = []
    pages = 0
    for page in pager.iter_pages():
        assert_type(page.items, list[WorkOrderListItem])
        ids.extend(wo.id for wo in page.items)
        pages += 1
    result = bulk.get_many(mx.work_orders, ids, concurrency=4)
    assert_type(result, BulkResult[WorkOrder, int])
    titles = [got.title for got in result.values]
    drift = reconcile(mx.work_orders.list(), mirror)
    assert_type(drift, DriftReport[str, int])
    assert_type(drift.missing_locally, list[int])
    assert_type(drift.missing_remotely, list[str])
    return Report(titles=titles, failed=[f.key for f in result.failures], pages=pages, drift=drift)


def mirror_snapshot(mx: MaintainX) -> dict[str, str]:
    return snapshot(mx.work_orders.list())


async def titles_async(mx: AsyncMaintainX, ids: list[int]) -> list[str]:
    result = await bulk.aget_many(mx.work_orders, ids)
    assert_type(result, BulkResult[WorkOrder, int])
    return [got.title for got in result.values]
