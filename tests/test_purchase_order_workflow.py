"""Purchase-order statuses are typed and their moves are checked before anything is sent."""

from __future__ import annotations

import pytest

from maintainx_sdk import InvalidTransitionError, MaintainX, ValidationError
from maintainx_sdk.models.purchase_orders import PurchaseOrder, PurchaseOrderStatus
from maintainx_sdk.testing import _purchase_orders as emulated
from maintainx_sdk.workflow import (
    PURCHASE_ORDER_POLICY,
    PURCHASE_ORDER_STATUSES,
    allowed_transitions,
)

from .helpers.emulator_clients import make_emulator


def test_the_status_type_lists_every_status_new_orders_included() -> None:
    assert PurchaseOrderStatus("REQUESTED") is PurchaseOrderStatus.REQUESTED
    assert {s.value for s in PurchaseOrderStatus} == set(PURCHASE_ORDER_STATUSES)
    assert "PurchaseOrderStatus" in str(PurchaseOrder.model_fields["status"].annotation)


def test_the_policy_is_the_documented_table() -> None:
    assert set(PURCHASE_ORDER_POLICY.statuses) == set(PURCHASE_ORDER_STATUSES)
    for status in PURCHASE_ORDER_STATUSES:
        expected = set(emulated.TRANSITIONS[status])
        assert set(allowed_transitions(status, PURCHASE_ORDER_POLICY)) == expected, status
    assert allowed_transitions("CANCELED", PURCHASE_ORDER_POLICY) == ()


def test_moves_are_checked_before_sending_and_allowed_ones_go_through() -> None:
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        vendor = mx.vendors.create(name="Acme").id
        order = mx.purchase_orders.create(vendor_id=vendor, items=[{"quantityOrdered": 1}])
        assert order.status is PurchaseOrderStatus.REQUESTED
        before = emulator.counters.requests
        with pytest.raises(InvalidTransitionError) as info:
            mx.purchase_orders.set_status(order.id, "APPROVED")
        assert "PENDING" in str(info.value)
        assert emulator.counters.requests == before + 1  # the read, no PATCH
        pending = mx.purchase_orders.set_status(order.id, "PENDING")
        assert isinstance(pending, PurchaseOrder) and pending.status is PurchaseOrderStatus.PENDING
        before = emulator.counters.requests
        approved = mx.purchase_orders.set_status(
            order.id, "APPROVED", current_status="PENDING", review_note="ok"
        )
        assert approved.status is PurchaseOrderStatus.APPROVED
        assert emulator.counters.requests == before + 1  # status known: no read
        with pytest.raises(ValidationError):
            mx.purchase_orders.set_status(order.id, "REQUESTED")  # type: ignore[arg-type]
