"""Every one of the 19 work-order operations, on the sync and the async client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from maintainx_sdk import ValidationError
from maintainx_sdk.models.work_orders import WorkOrderStatus

from .helpers.client_flavours import FLAVOURS, invoke
from .helpers.recording_handler import RecordingHandler

WO = {
    "id": 7,
    "sequentialId": 3,
    "title": "Replace filter",
    "status": "OPEN",
    "priority": "LOW",
    "createdAt": "2022-01-01T00:00:00.000Z",
    "updatedAt": "2022-01-02T00:00:00Z",
    "creatorId": None,
    "organizationId": 12.0,
}
UPLOADED = {"publicUrl": "https://files/x.png", "filename": "x.png", "fileKey": "k"}


@dataclass
class Case:
    name: str
    call: Callable[[Any], Any]
    method: str
    path: str
    status: int
    body: Any
    check: Callable[[Any, RecordingHandler], None]


def _json(rec: RecordingHandler) -> Any:
    return rec.last_json()


CASES = [
    Case(
        "list",
        lambda mx: mx.work_orders.list(
            statuses=["OPEN", "DONE"],
            show_upcoming=True,
            updated_at_gte=datetime(2024, 1, 1, tzinfo=UTC),
        ),
        "GET",
        "/workorders",
        200,
        {
            "workOrders": [
                {k: WO[k] for k in ("id", "sequentialId", "title", "updatedAt", "status")}
            ],
            "nextCursor": None,
        },
        lambda r, rec: (
            (
                r[0].id == 7
                and rec.last.url.params.get_list("statuses") == ["OPEN", "DONE"]
                and rec.last.url.params["show_upcoming"] == "true"
                and rec.last.url.params["updatedAt[gte]"] == "2024-01-01T00:00:00Z"
                and rec.last.url.params["limit"] == "200"
            )
            or pytest.fail(str(rec.last.url))
        ),
    ),
    Case(
        "create",
        lambda mx: mx.work_orders.create(
            title="Replace filter",
            priority="LOW",
            assignees=[{"type": "USER", "id": 5}],
            due_date=datetime(2024, 5, 1, tzinfo=UTC),
        ),
        "POST",
        "/workorders",
        200,
        {"id": 7},
        lambda r, rec: (
            (
                r.id == 7
                and _json(rec)
                == {
                    "title": "Replace filter",
                    "priority": "LOW",
                    "assignees": [{"type": "USER", "id": 5}],
                    "dueDate": "2024-05-01T00:00:00Z",
                }
            )
            or pytest.fail(str(_json(rec)))
        ),
    ),
    Case(
        "get",
        lambda mx: mx.work_orders.get(7, expand=["asset", "parts"], use_sequential_id=False),
        "GET",
        "/workorders/7",
        200,
        {"workOrder": WO},
        lambda r, rec: (
            (
                r.status is WorkOrderStatus.OPEN
                and r.organization_id == 12
                and rec.last.url.params.get_list("expand") == ["asset", "parts"]
                and rec.last.url.params["useSequentialId"] == "false"
            )
            or pytest.fail(str(rec.last.url))
        ),
    ),
    Case(
        "update",
        lambda mx: mx.work_orders.update(7, title="New", description=None, skip_webhook=True),
        "PATCH",
        "/workorders/7",
        200,
        {"workOrder": WO},
        lambda r, rec: (
            (
                _json(rec) == {"title": "New", "description": None}
                and rec.last.url.params["skipWebhook"] == "true"
                and r.id == 7
            )
            or pytest.fail(str(rec.last.url))
        ),
    ),
    Case(
        "delete",
        lambda mx: mx.work_orders.delete(7),
        "DELETE",
        "/workorders/7",
        204,
        None,
        lambda r, rec: r.raw_response.status_code == 204 or pytest.fail("status"),
    ),
    Case(
        "set_status",
        lambda mx: mx.work_orders.set_status(7, "IN_PROGRESS", current_status="OPEN"),
        "PATCH",
        "/workorders/7/status",
        200,
        {"workOrder": {**WO, "status": "IN_PROGRESS"}},
        lambda r, rec: (
            (_json(rec) == {"status": "IN_PROGRESS"} and r.status == "IN_PROGRESS")
            or pytest.fail("status")
        ),
    ),
    Case(
        "set_part_status",
        lambda mx: mx.work_orders.set_part_status(7, part_status="KITTED"),
        "PATCH",
        "/workorders/7/partStatus",
        200,
        {"workOrder": WO},
        lambda r, rec: _json(rec) == {"partStatus": "KITTED"} or pytest.fail("body"),
    ),
    Case(
        "sub_work_orders.list",
        lambda mx: mx.work_orders.sub_work_orders.list(7, limit=10),
        "GET",
        "/workorders/7/subworkorders",
        200,
        {
            "subworkorders": [
                {k: WO[k] for k in ("id", "sequentialId", "title", "updatedAt", "status")}
            ],
            "nextCursor": None,
        },
        lambda r, rec: (len(r) == 1 and rec.last.url.params["limit"] == "10") or pytest.fail("sub"),
    ),
    Case(
        "comments.create",
        lambda mx: mx.work_orders.comments.create(7, content="hello"),
        "POST",
        "/workorders/7/comments",
        201,
        {"id": 99},
        lambda r, rec: (
            (r.id == 99 and _json(rec) == {"content": "hello"}) or pytest.fail("comment")
        ),
    ),
    Case(
        "comments.list",
        lambda mx: mx.work_orders.comments.list(7),
        "GET",
        "/workorders/7/comments",
        200,
        {
            "comments": [
                {"id": 1, "authorId": 2, "content": "c", "createdAt": "2022-01-01T00:00:00Z"}
            ],
            "nextCursor": None,
        },
        lambda r, rec: (r[0].author_id == 2 and r[0].content == "c") or pytest.fail("comments"),
    ),
    Case(
        "costs.create",
        lambda mx: mx.work_orders.costs.create(
            7, type="TIME", cost_type="WORK", duration_total=3600, hourly_rate=5000
        ),
        "POST",
        "/workorders/7/costs",
        201,
        {"id": 4, "total": 5000, "type": "TIME"},
        lambda r, rec: (
            (
                _json(rec)
                == {"type": "TIME", "costType": "WORK", "durationTotal": 3600, "hourlyRate": 5000}
                and r.total == 5000
            )
            or pytest.fail(str(_json(rec)))
        ),
    ),
    Case(
        "costs.list",
        lambda mx: mx.work_orders.costs.list(7),
        "GET",
        "/workorders/7/costs",
        200,
        {
            "costs": {
                "total": 100,
                "rows": [{"type": "EXPENSE", "rowTotal": 100, "quantity": 1, "durationTotal": 0}],
            }
        },
        lambda r, rec: (r.total == 100 and r.rows[0].row_total == 100) or pytest.fail("costs"),
    ),
    Case(
        "emails.create",
        lambda mx: mx.work_orders.emails.create(
            7, emails=["a@example.com"], export_options={"costs": "SUMMARY"}
        ),
        "POST",
        "/workorders/7/emails",
        201,
        {"id": 1},
        lambda r, rec: (
            _json(rec) == {"emails": ["a@example.com"], "exportOptions": {"costs": "SUMMARY"}}
            or pytest.fail(str(_json(rec)))
        ),
    ),
    Case(
        "attachments.upload",
        lambda mx: mx.work_orders.attachments.upload(
            7, "report.pdf", b"%PDF-1", content_type="application/pdf"
        ),
        "PUT",
        "/workorders/7/attachments/report.pdf",
        201,
        UPLOADED,
        lambda r, rec: (
            (
                rec.last.content == b"%PDF-1"
                and rec.last.headers["content-type"] == "application/pdf"
                and r.file_key == "k"
            )
            or pytest.fail("upload")
        ),
    ),
    Case(
        "attachments.delete",
        lambda mx: mx.work_orders.attachments.delete(7, "report.pdf"),
        "DELETE",
        "/workorders/7/attachments/report.pdf",
        204,
        None,
        lambda r, rec: r.raw_response.status_code == 204 or pytest.fail("status"),
    ),
    Case(
        "thumbnail.upload",
        lambda mx: mx.work_orders.thumbnail.upload(
            7, "x.png", b"\x89PNG", content_type="image/png"
        ),
        "PUT",
        "/workorders/7/thumbnail/x.png",
        201,
        UPLOADED,
        lambda r, rec: (
            (rec.last.headers["content-type"] == "image/png" and r.public_url.endswith("x.png"))
            or pytest.fail("thumb")
        ),
    ),
    Case(
        "procedure.delete",
        lambda mx: mx.work_orders.procedure.delete(7),
        "DELETE",
        "/workorders/7/procedure",
        204,
        None,
        lambda r, rec: r.raw_response.status_code == 204 or pytest.fail("status"),
    ),
    Case(
        "procedure.field_attachment.upload",
        lambda mx: mx.work_orders.procedure.field_attachment.upload(
            7, 2, "a b.jpg", b"jpg", content_type="image/jpeg"
        ),
        "PUT",
        "/workorders/7/procedure/fields/2/attachment/a%20b.jpg",
        201,
        UPLOADED,
        lambda r, rec: (
            rec.last.url.raw_path.endswith(b"/attachment/a%20b.jpg")
            or pytest.fail(str(rec.last.url))
        ),
    ),
    Case(
        "procedure.field_attachment.delete",
        lambda mx: mx.work_orders.procedure.field_attachment.delete(7, 2),
        "DELETE",
        "/workorders/7/procedure/fields/2/attachment",
        204,
        None,
        lambda r, rec: r.raw_response.status_code == 204 or pytest.fail("status"),
    ),
]


def test_cases_cover_all_19_work_order_operations() -> None:
    from maintainx_sdk import operations

    wo_ops = {
        o.python_name.removeprefix("work_orders.")
        for o in operations()
        if o.path.startswith("/workorders")
    }
    assert len(wo_ops) == 19
    assert wo_ops == {c.name for c in CASES}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_work_order_operation(case: Case, flavour: str) -> None:
    path = case.path.replace("%20", " ")
    rec = RecordingHandler(routes={(case.method, path): (case.status, case.body)})
    result = invoke(flavour, rec, case.call)
    assert rec.last.method == case.method
    assert rec.last.url.path == "/v1" + path
    case.check(result, rec)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_set_status_reads_current_status_then_patches(flavour: str) -> None:
    rec = RecordingHandler(
        routes={
            ("GET", "/workorders/7"): (200, {"workOrder": WO}),
            ("PATCH", "/workorders/7/status"): (200, {"workOrder": {**WO, "status": "DONE"}}),
        }
    )
    result = invoke(
        flavour, rec, lambda mx: mx.work_orders.set_status(7, "DONE", skip_webhook=True)
    )
    assert [r.method for r in rec.requests] == ["GET", "PATCH"]
    assert rec.last.url.params["skipWebhook"] == "true"
    assert result.status == "DONE"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_set_status_rejects_unknown_status_before_any_request(flavour: str) -> None:
    rec = RecordingHandler()
    with pytest.raises(ValidationError, match="status"):
        invoke(flavour, rec, lambda mx: mx.work_orders.set_status(7, "SKIPPED"))
    assert rec.requests == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_returns_only_the_id_without_a_hidden_get(flavour: str) -> None:
    rec = RecordingHandler(routes={("POST", "/workorders"): (200, {"id": 7})})
    created = invoke(flavour, rec, lambda mx: mx.work_orders.create(title="t"))
    assert created.id == 7
    assert len(rec.requests) == 1
    assert created.raw_response.status_code == 200
    assert created.raw_response.attempts == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_response_models_keep_unknown_fields_and_enum_values(flavour: str) -> None:
    body = {"workOrder": {**WO, "status": "PAUSED_BY_ROBOT", "brandNewField": {"x": 1}}}
    rec = RecordingHandler(routes={("GET", "/workorders/7"): (200, body)})
    wo = invoke(flavour, rec, lambda mx: mx.work_orders.get(7))
    assert wo.status == "PAUSED_BY_ROBOT"
    assert not wo.status.is_known
    assert wo.model_extra == {"brandNewField": {"x": 1}}
    assert wo.to_wire()["brandNewField"] == {"x": 1}
    assert wo.created_at == datetime(2022, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_recurrence_union_reads_known_and_unknown_variants(flavour: str) -> None:
    from maintainx_sdk.models.work_orders import RecurrenceWeekly

    weekly = {"type": "WEEKLY", "interval": 2, "days": ["MONDAY", "FRIDAY"]}
    rec = RecordingHandler(
        routes={("GET", "/workorders/7"): (200, {"workOrder": {**WO, "recurrenceInfo": weekly}})}
    )
    wo = invoke(flavour, rec, lambda mx: mx.work_orders.get(7))
    assert isinstance(wo.recurrence_info, RecurrenceWeekly)
    assert wo.recurrence_info.interval == 2
    future = {"type": "FORTNIGHTLY_ON_FULL_MOON", "phase": 1}
    rec = RecordingHandler(
        routes={("GET", "/workorders/7"): (200, {"workOrder": {**WO, "recurrenceInfo": future}})}
    )
    wo = invoke(flavour, rec, lambda mx: mx.work_orders.get(7))
    assert wo.recurrence_info == future


def test_recurrence_input_is_checked_per_variant() -> None:
    rec = RecordingHandler(routes={("POST", "/workorders"): (200, {"id": 1})})
    with pytest.raises(ValidationError, match="days"):
        invoke(
            "sync",
            rec,
            lambda mx: mx.work_orders.create(
                title="t", repeatability={"type": "WEEKLY", "interval": 1}
            ),
        )
    with pytest.raises(ValidationError, match="HOURLY"):
        invoke(
            "sync",
            rec,
            lambda mx: mx.work_orders.create(title="t", repeatability={"type": "HOURLY"}),
        )
    assert rec.requests == []
    invoke(
        "sync",
        rec,
        lambda mx: mx.work_orders.create(
            title="t", repeatability={"type": "WEEKLY", "days": ["MONDAY"]}
        ),
    )
    assert rec.last_json()["repeatability"] == {"type": "WEEKLY", "days": ["MONDAY"]}


def test_unknown_body_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="colour"):
        invoke(
            "sync",
            RecordingHandler(),
            lambda mx: mx.work_orders.create(
                title="t", assignees=[{"type": "USER", "id": 1, "colour": "red"}]
            ),
        )


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_upload_media_type_is_checked_before_any_request(flavour: str) -> None:
    rec = RecordingHandler(default=(201, UPLOADED))
    with pytest.raises(ValidationError, match=r"content_type 'application/pdf'.*image/"):
        invoke(
            flavour,
            rec,
            lambda mx: mx.work_orders.thumbnail.upload(
                7, "a.pdf", b"%PDF", content_type="application/pdf"
            ),
        )
    with pytest.raises(ValidationError, match="content_type"):
        invoke(
            flavour,
            rec,
            lambda mx: mx.work_orders.attachments.upload(
                7, "a.xyz", b"?", content_type="chemical/x-unknown"
            ),
        )
    assert rec.requests == []
    invoke(
        flavour,
        rec,
        lambda mx: mx.work_orders.attachments.upload(
            7, "a.pdf", b"%PDF", content_type="Application/PDF; name=a.pdf"
        ),
    )
    assert rec.last.headers["content-type"] == "Application/PDF; name=a.pdf"
    invoke(flavour, rec, lambda mx: mx.work_orders.thumbnail.upload(7, "raw.bin", b"?"))
    assert rec.last.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_set_status_takes_a_transition_policy(flavour: str) -> None:
    from maintainx_sdk.errors import InvalidTransitionError
    from maintainx_sdk.workflow import STRICT_POLICY

    rec = RecordingHandler(
        routes={("GET", "/workorders/7"): (200, {"workOrder": {**WO, "status": "DONE"}})}
    )
    with pytest.raises(InvalidTransitionError):
        invoke(
            flavour,
            rec,
            lambda mx: mx.work_orders.set_status(
                7, "OPEN", allow_reopen=True, policy=STRICT_POLICY
            ),
        )
    assert [r.method for r in rec.requests] == ["GET"]
