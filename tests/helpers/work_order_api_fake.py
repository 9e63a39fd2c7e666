"""A tiny stateful fake of the work-order and user endpoints, for the integrity tests.

It behaves like the real API where these tests care: no transition rules on the status
endpoint, creates answer only ``{"id": N}``, list items omit ``externalData``, and a scripted
"applied then failed" fault stores the write and then fails the response.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import BaseModel, ConfigDict

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk._models import APIResult
from maintainx_sdk._operation import Operation
from maintainx_sdk.errors import InvalidTransitionError
from maintainx_sdk.retry import RetryPolicy
from maintainx_sdk.workflow import TransitionPolicy, set_status_procedure

from ..conftest import TEST_KEY

BASE = "https://api.test/v1"


class IdResponse(APIResult):
    id: int


class WorkOrderEnvelope(APIResult):
    work_order: dict[str, Any]


class CreateWorkOrderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    priority: str | None = None
    externalData: Any = None


GET_WO = Operation(
    "work_orders.get",
    "GET",
    "/workorders/{id}",
    response_model=WorkOrderEnvelope,
    int_path_params=("id",),
)
SET_STATUS = Operation(
    "work_orders.set_status",
    "PATCH",
    "/workorders/{id}/status",
    response_model=WorkOrderEnvelope,
    retry_safe=True,
    int_path_params=("id",),
)
CREATE_WO = Operation(
    "work_orders.create",
    "POST",
    "/workorders",
    body_model=CreateWorkOrderBody,
    body_kind="json",
    response_model=IdResponse,
)
CREATE_USER = Operation(
    "users.create", "POST", "/users", body_kind="json", response_model=IdResponse
)
CREATE_WR = Operation(
    "work_requests.create", "POST", "/workrequests", body_kind="json", response_model=IdResponse
)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class FakeApi:
    """State plus a request log; ``faults`` maps (method, path) to a queue of fault names."""

    now: Callable[[], float] = time.time
    work_orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[tuple[str, str], deque[str]] = field(default_factory=dict)
    next_id: int = 1

    def fault(self, method: str, path: str, *names: str) -> None:
        self.faults.setdefault((method, path), deque()).extend(names)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r == (method, path))

    def add_work_order(self, status: str = "OPEN", **extra: Any) -> int:
        wid = self._new_id()
        stamp = iso(self.now())
        self.work_orders[wid] = {
            "id": wid,
            "sequentialId": wid,
            "title": extra.pop("title", f"WO {wid}"),
            "status": status,
            "createdAt": stamp,
            "updatedAt": stamp,
            "creatorId": 1,
            "organizationId": 1,
            **extra,
        }
        return wid

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # -- transport ----------------------------------------------------------------------------
    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        self.requests.append((request.method, path))
        assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
        queue = self.faults.get((request.method, path))
        fault = queue.popleft() if queue else None
        if fault == "reset_before":
            raise httpx.ConnectError("refused", request=request)
        if fault == "500_before":
            return httpx.Response(500, json={"error": "Internal server error."})
        response = self._route(request, path)
        if fault == "applied_then_timeout":
            raise httpx.ReadTimeout("timed out after applying", request=request)
        if fault == "applied_then_500":
            return httpx.Response(500, json={"error": "Internal server error."})
        return response

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")
        body = json.loads(request.content) if request.content else None
        if parts[0] == "workorders":
            return self._work_orders(request, parts, body)
        if parts[0] == "users":
            return self._users(request, parts, body)
        if parts[0] == "workrequests" and request.method == "POST":
            return httpx.Response(200, json={"id": self._new_id()})
        return httpx.Response(404, json={"error": "Not Found"})

    def _work_orders(self, request: httpx.Request, parts: list[str], body: Any) -> httpx.Response:
        if len(parts) == 1 and request.method == "POST":
            wid = self.add_work_order(
                title=body["title"], externalData=body.get("externalData"), status="OPEN"
            )
            return httpx.Response(200, json={"id": wid})
        if len(parts) == 1 and request.method == "GET":
            params = dict(parse_qsl(request.url.query.decode()))
            since = params.get("createdAt[gte]")
            items = [
                {k: v for k, v in wo.items() if k != "externalData"}
                for wo in sorted(self.work_orders.values(), key=lambda w: w["id"])
                if since is None or wo["createdAt"] >= since
            ]
            return httpx.Response(200, json={"workOrders": items, "nextCursor": None})
        wo = self.work_orders.get(int(parts[1]))
        if wo is None:
            return httpx.Response(404, json={"error": "Work Order Not Found"})
        if len(parts) == 2 and request.method == "GET":
            return httpx.Response(200, json={"workOrder": wo})
        if parts[2:] == ["status"] and request.method == "PATCH":
            if body.get("status") not in ("OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED"):
                return httpx.Response(
                    400, json={"errors": [{"error": "Invalid status", "fieldPath": "status"}]}
                )
            wo["status"] = body["status"]
            return httpx.Response(200, json={"workOrder": wo})
        return httpx.Response(404, json={"error": "Not Found"})

    def _users(self, request: httpx.Request, parts: list[str], body: Any) -> httpx.Response:
        if len(parts) == 1 and request.method == "POST":
            uid = self._new_id()
            self.users[uid] = {"id": uid, **body}
            return httpx.Response(201, json={"id": uid})
        if len(parts) == 1 and request.method == "GET":
            emails = [v for k, v in parse_qsl(request.url.query.decode()) if k == "email"]
            items = [
                {k: v for k, v in u.items() if k != "externalData"}
                for u in self.users.values()
                if not emails or u.get("email") in emails
            ]
            return httpx.Response(200, json={"users": items, "nextCursor": None})
        user = self.users.get(int(parts[1]))
        if user is None:
            return httpx.Response(404, json={"error": "User Not Found"})
        return httpx.Response(200, json={"user": user})

    # -- clients ------------------------------------------------------------------------------
    # One attempt per call unless a test asks for retries: faults then map 1:1 to requests.
    def client(self, **kw: Any) -> MaintainX:
        kw.setdefault("retry", RetryPolicy(max_attempts=1))
        return MaintainX(
            api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(self.handler), **kw
        )

    def async_client(self, **kw: Any) -> AsyncMaintainX:
        kw.setdefault("retry", RetryPolicy(max_attempts=1))
        return AsyncMaintainX(
            api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(self.handler), **kw
        )


# -- shared test drivers ----------------------------------------------------------------------
Step = tuple[str, bool, bool, TransitionPolicy]
"""(target, allow_reopen, pass current_status, policy) of one random-walk step."""


def random_walk(
    *,
    run: Callable[[Any], Any],
    patches: Callable[[], int],
    stored: Callable[[], str],
    set_op: Operation,
    get_op: Operation,
    wid: int,
    start: str,
    walk: list[Step],
) -> None:
    """Drive a status walk through ``run``; after each step the server holds exactly what the
    policy allowed, with one PATCH per real move and none for no-ops or refused moves."""
    model = start
    for target, reopen, give_current, policy in walk:
        before = patches()
        ok = target == model or target in policy.allowed(model, allow_reopen=reopen)
        flow = set_status_procedure(
            set_op,
            get_op,
            id=wid,
            status=target,
            current_status=model if give_current else None,
            allow_reopen=reopen,
            policy=policy,
        )
        if ok:
            run(flow)
            sent, model = int(target != model), target
        else:
            with pytest.raises(InvalidTransitionError) as info:
                run(flow)
            assert set(info.value.allowed) <= set(policy.allowed(model, allow_reopen=True))
            sent = 0
        assert patches() - before == sent
        assert stored() == model
