"""Operations built by hand rather than generated, so the set-status and guarded-create tests
choose their request and response models (a closed create body, the raw work-order envelope)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from maintainx_sdk._models import APIResult
from maintainx_sdk._operation import Operation


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
