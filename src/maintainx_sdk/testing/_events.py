"""Webhook events the emulator's state changes cause: matched to subscriptions and sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._state import EmulatorState
from ._store import OrgState, Row

#: An event type and its payload, as handlers emit them.
Event = tuple[str, dict[str, Any]]

#: Keys of webhook entity snapshots, sent only to subscriptions with ``serializeEntity``.
SNAPSHOT_KEYS = (
    "newWorkOrder",
    "WorkOrder",
    "newPart",
    "deletedPart",
    "newAsset",
    "newPurchaseOrder",
    "purchaseOrder",
)

_OPEN_STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD")


def deliver_events(state: EmulatorState, org: OrgState, events: list[Event]) -> None:
    """Send each event to the organization's matching subscriptions."""
    subs = [s for s in org.table("subscriptions") if s["status"] == "VALID"]
    if not subs:
        return
    for event, payload in events:
        for sub in subs:
            if sub["type"] != event or not _passes_filters(sub, payload):
                continue
            body = dict(payload)
            if not (sub.get("options") or {}).get("serializeEntity"):
                for key in SNAPSHOT_KEYS:
                    body.pop(key, None)
            state.webhooks.dispatch(
                state.webhooks.sign(sub["id"], event, sub["url"], sub["secret"], body)
            )


def _passes_filters(sub: Row, payload: Mapping[str, Any]) -> bool:
    filters = sub.get("filters") or {}
    statuses = filters.get("oneOfStatuses")
    if statuses:
        status = payload.get("newSubStatus") or payload.get("newStatus")
        if status not in statuses:
            return False
    return True


def fire_overdue(state: EmulatorState) -> int:
    """Send WORK_ORDER_OVERDUE for open work orders past their due date (once each);
    returns how many became overdue."""
    now = state.now()
    count = 0
    for org in list(state.orgs.values()):
        events: list[Event] = []
        with state.lock:
            for row in org.table("workorders"):
                due = row.get("dueDate")
                if (
                    due
                    and due < now
                    and row["status"] in _OPEN_STATUSES
                    and not row.get("_overdue")
                ):
                    row["_overdue"] = True
                    payload = {
                        "workOrderId": row["id"],
                        "orgId": org.id,
                        "dueDate": due,
                        "occurredAt": now,
                    }
                    events.append(("WORK_ORDER_OVERDUE", payload))
        count += len(events)
        if events:
            deliver_events(state, org, events)
    return count
