"""Generated names say what they are: no numbering, parameters named after what they identify."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import httpx
import pytest

import maintainx_sdk
from maintainx_sdk import MaintainX

from .conftest import TEST_KEY

PACKAGE = Path(maintainx_sdk.__file__).parent
GENERATED = sorted((PACKAGE / "models").glob("*.py")) + sorted((PACKAGE / "resources").glob("*.py"))
NUMBERED = re.compile(r"[A-Za-z_]\d+$")


def _names(path: Path) -> list[str]:
    """Classes, functions, their parameters and class attributes defined in a module."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            out.append(node.name)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.extend(a.arg for a in [*node.args.args, *node.args.kwonlyargs])
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.append(node.target.id)
    return out


@pytest.mark.parametrize("path", GENERATED, ids=[p.name for p in GENERATED])
def test_no_generated_name_ends_in_a_number(path: Path) -> None:
    assert [n for n in _names(path) if NUMBERED.search(n)] == []


def test_the_check_catches_a_numbered_name(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("class PurchaseOrderItemInput2:\n    def f(self, id_2: int) -> None: ...\n")
    assert [n for n in _names(module) if NUMBERED.search(n)] == ["PurchaseOrderItemInput2", "id_2"]


def test_team_members_are_added_by_team_id_and_user_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": 9})

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        params = list(inspect.signature(mx.teams.members.create).parameters)
        assert params[:2] == ["team_id", "user_id"]
        mx.teams.members.create(5, user_id=9, team_role="MEMBER")
    assert seen[0].url.path == "/v1/teams/5/members"
    assert json.loads(seen[0].content) == {"id": 9, "teamRole": "MEMBER"}


@pytest.mark.parametrize(
    ("python_name", "expected"),
    [
        ("work_orders.get", ["id"]),
        ("work_orders.comments.create", ["work_order_id"]),
        ("work_orders.attachments.upload", ["work_order_id", "filename", "content"]),
        ("vendors.contacts.update", ["vendor_id", "contact_id"]),
        ("teams.members.update", ["team_id", "user_id"]),
        ("meters.readings.create", ["meter_id"]),
    ],
)
def test_path_parameters_are_named_after_what_they_identify(
    python_name: str, expected: list[str]
) -> None:
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(httpx.Response)) as mx:
        target = mx
        for part in python_name.split("."):
            target = getattr(target, part)
        positional = [
            p.name
            for p in inspect.signature(target).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
    assert positional[: len(expected)] == expected


def test_shared_types_carry_the_name_of_what_they_are() -> None:
    from maintainx_sdk.models import common, meter_triggers, work_orders

    priority = str(work_orders.WorkOrder.model_fields["priority"].annotation)
    assert "WorkOrderPriority" in priority and "MeterTrigger" not in priority
    assert common.WorkOrderPriority is work_orders.WorkOrderPriority
    assert not hasattr(meter_triggers, "MeterTriggerPriority")


def test_one_acronym_style() -> None:
    assert maintainx_sdk.APIResponse.__name__ == "APIResponse"
    assert not hasattr(maintainx_sdk, "Api" + "Response")
    assert [n for n in maintainx_sdk.__all__ if n.startswith("Api")] == []
