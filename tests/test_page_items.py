"""Pager items share their page's answer without a private attribute per item (issue 15)."""

from __future__ import annotations

import copy
import datetime
import pickle

import httpx
import pytest

from maintainx_sdk import MaintainX, ValidationError
from maintainx_sdk.models.work_orders import WorkOrder, WorkOrderListItem

from .conftest import TEST_KEY
from .helpers.emulator_clients import make_emulator


def test_page_item_models_declare_no_private_attribute_to_initialise_per_item() -> None:
    # pydantic calls a post-init hook on every validated instance of a model that declares
    # private attributes; a 200-item page paid it 200 times for one shared answer.
    assert WorkOrderListItem.__private_attributes__ == {}
    assert WorkOrderListItem.__pydantic_post_init__ is None
    assert WorkOrder.__private_attributes__.keys() == {"_response"}


def test_items_of_one_page_share_its_answer_and_each_page_has_its_own() -> None:
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        for i in range(5):
            mx.work_orders.create(title=f"Pump {i}")
        items = list(mx.work_orders.list(limit=2))
    assert len(items) == 5
    answers = [item.raw_response for item in items]
    assert answers[0] is answers[1] and answers[2] is answers[3]
    assert answers[0] is not answers[2] and answers[2] is not answers[4]
    assert all(a.status_code == 200 and a.method == "GET" for a in answers)


def test_copies_and_pickles_of_a_page_item_keep_its_answer_as_before() -> None:
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        mx.work_orders.create(title="Pump")
        (item,) = list(mx.work_orders.list())
    assert item.model_copy().raw_response is item.raw_response
    assert copy.deepcopy(item).raw_response.status_code == 200
    assert pickle.loads(pickle.dumps(item)).raw_response.status_code == 200
    assert item.model_copy(update={"title": "Other"}).title == "Other"
    assert "_response" not in item.to_wire() and item.model_dump() == item.model_copy().model_dump()


def test_a_page_item_built_by_hand_has_no_answer() -> None:
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        mx.work_orders.create(title="Pump")
        (item,) = list(mx.work_orders.list())
    rebuilt = WorkOrderListItem.model_validate(item.to_wire())
    assert rebuilt == WorkOrderListItem.model_validate(item.to_wire())
    assert not hasattr(rebuilt, "raw_response")
    with pytest.raises(AttributeError, match="no raw_response"):
        _ = rebuilt.raw_response


@pytest.mark.parametrize("area", ["work_orders", "purchase_orders"])
@pytest.mark.parametrize("floor", [None, datetime.date(2026, 1, 2)])
def test_a_list_refuses_a_bad_updated_at_gte_before_sending(area: str, floor: object) -> None:
    # Found by tests/test_input_fuzz.py: the walk popped the floor before the query model
    # could refuse the null, and sent the request as if none had been given.
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    with (
        MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx,
        pytest.raises(ValidationError, match="updated_at_gte"),
    ):
        getattr(mx, area).list(updated_at_gte=floor).first_page()
    assert sent == []
