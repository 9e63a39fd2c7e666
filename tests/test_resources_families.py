"""At least one operation of every path family (first path segment), sync and async."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from maintainx_sdk import ValidationError, operations

from .helpers.client_flavours import FLAVOURS, invoke
from .helpers.recording_handler import RecordingHandler

Check = Callable[[Any, RecordingHandler], Any]


def _ok(_: Any, __: RecordingHandler) -> bool:
    return True


def _empty_page(key: str) -> dict[str, Any]:
    return {key: [], "nextCursor": None, "nextPageUrl": None}


# family -> (call, method, path, status, response body, extra check)
CASES: dict[str, tuple[Callable[[Any], Any], str, str, int, Any, Check]] = {
    "assets": (
        lambda mx: mx.assets.list(
            organization_ids=[1, 2],
            custom_fields={"Industry": ["Construction", "Mining"], "limit": "x"},
        ),
        "GET",
        "/assets",
        200,
        {
            "assets": [
                {
                    "id": 1,
                    "name": "Pump",
                    "organizationId": 2,
                    "createdAt": "2024-01-01T00:00:00Z",
                    "updatedAt": "2024-01-01T00:00:00Z",
                }
            ],
            "nextCursor": None,
        },
        lambda r, rec: (
            rec.last.headers["x-organization-ids"] == "1,2"
            and rec.last.url.params.get_list("Industry") == ["Construction", "Mining"]
            and rec.last.url.params["limit__c"] == "x"
            and r[0].name == "Pump"
        ),
    ),
    "assetstatuses": (
        lambda mx: mx.asset_statuses.update(3, status="OFFLINE", downtime_type="PLANNED"),
        "PATCH",
        "/assetstatuses/3",
        200,
        {"assetStatus": {"id": 3, "status": "OFFLINE", "startedAt": "2024-01-01T00:00:00Z"}},
        lambda r, rec: rec.last_json() == {"status": "OFFLINE", "downtimeType": "PLANNED"},
    ),
    "assetcriticalities": (
        lambda mx: mx.asset_criticalities.get(4),
        "GET",
        "/assetcriticalities/4",
        200,
        {"assetCriticality": {"id": 4, "label": "High", "level": 3}},
        lambda r, rec: r.level == 3,
    ),
    "assetcustomstatuses": (
        lambda mx: mx.asset_custom_statuses.update(5, label="Broken"),
        "PATCH",
        "/assetcustomstatuses/5",
        200,
        {"assetcustomstatus": {"id": 5, "label": "Broken"}},
        lambda r, rec: r.label == "Broken",
    ),
    "categories": (
        lambda mx: mx.categories.create(label="Electrical"),
        "POST",
        "/categories",
        201,
        {"id": 8},
        lambda r, rec: r.id == 8 and rec.last_json() == {"label": "Electrical"},
    ),
    "conversations": (
        lambda mx: mx.conversations.members.list(9),
        "GET",
        "/conversations/9/members",
        200,
        {"members": [{"id": 1, "firstName": "A", "lastName": "B"}], "nextCursor": None},
        lambda r, rec: r[0].first_name == "A",
    ),
    "versions": (
        lambda mx: mx.versions.list(),
        "GET",
        "/versions",
        200,
        [{"version": "1"}],
        lambda r, rec: (
            [v.version for v in r] == ["1"] and len(r) == 1 and r.raw_response.status_code == 200
        ),
    ),
    "locations": (
        lambda mx: mx.locations.create(name="Plant 1"),
        "POST",
        "/locations",
        200,
        {"id": 10},
        lambda r, rec: r.id == 10,
    ),
    "maintenanceplans": (
        lambda mx: mx.maintenance_plans.work_order_blueprints.create(title="Lubricate"),
        "POST",
        "/maintenanceplans/workorderblueprints",
        201,
        {"id": 11},
        lambda r, rec: r.id == 11 and rec.last_json() == {"title": "Lubricate"},
    ),
    "meterreadings": (
        lambda mx: mx.meter_readings.create(
            [{"meterId": 1, "value": 2.5}, {"meter_id": 2, "value": 3}]
        ),
        "POST",
        "/meterreadings",
        201,
        [{"meterId": 1, "value": 2.5, "createdAt": "2024-01-01T00:00:00Z"}],
        lambda r, rec: (
            rec.last_json() == [{"meterId": 1, "value": 2.5}, {"meterId": 2, "value": 3}]
            and r[0].value == 2.5
        ),
    ),
    "meters": (
        lambda mx: mx.meters.readings.create(12, reading_value=4.0),
        "POST",
        "/meters/12/readings",
        201,
        {"id": "12-abc", "readingValue": 4.0},
        lambda r, rec: r.id == "12-abc",
    ),
    "metertriggers": (
        lambda mx: mx.meter_triggers.delete(13),
        "DELETE",
        "/metertriggers/13",
        204,
        None,
        lambda r, rec: r.raw_response.status_code == 204,
    ),
    "manufacturers": (
        lambda mx: mx.manufacturers.list(organization_ids=[3]),
        "GET",
        "/manufacturers",
        200,
        _empty_page("manufacturers"),
        lambda r, rec: r == [] and rec.last.headers["x-organization-ids"] == "3",
    ),
    "models": (
        lambda mx: mx.models.create(name="X200", manufacturer_id=3),
        "POST",
        "/models",
        201,
        {"id": 14},
        lambda r, rec: rec.last_json() == {"name": "X200", "manufacturerId": 3},
    ),
    "organizations": (
        lambda mx: mx.organizations.list(),
        "GET",
        "/organizations",
        200,
        {"organizations": [{"id": 1, "name": "Acme"}], "nextCursor": None},
        lambda r, rec: r[0].name == "Acme",
    ),
    "parts": (
        lambda mx: mx.parts.get(15),
        "GET",
        "/parts/15",
        200,
        {
            "part": {
                "id": 15,
                "name": "Filter",
                "createdAt": "2024-01-01T00:00:00Z",
                "updatedAt": "2024-01-01T00:00:00Z",
            }
        },
        lambda r, rec: r.name == "Filter",
    ),
    "parttransferrequests": (
        lambda mx: mx.part_transfer_requests.list(statuses=["PENDING"]),
        "GET",
        "/parttransferrequests",
        200,
        _empty_page("partTransferRequests"),
        lambda r, rec: rec.last.url.params["statuses"] == "PENDING",
    ),
    "purchaseorders": (
        lambda mx: mx.purchase_orders.set_status(16, "APPROVED", current_status="PENDING"),
        "PATCH",
        "/purchaseorders/16/status",
        200,
        {"purchaseOrder": {"id": 16, "status": "APPROVED", "items": []}},
        lambda r, rec: rec.last_json() == {"status": "APPROVED"},
    ),
    "proceduretemplates": (
        lambda mx: mx.procedure_templates.list(expand=["rows"]),
        "GET",
        "/proceduretemplates",
        200,
        _empty_page("procedureTemplates"),
        lambda r, rec: rec.last.url.params["expand"] == "rows",
    ),
    "proceduretemplaterows": (
        lambda mx: mx.procedure_template_rows.attachments.delete(17),
        "DELETE",
        "/proceduretemplaterows/17/attachments",
        204,
        None,
        _ok,
    ),
    "subscriptions": (
        lambda mx: mx.subscriptions.get_secret(18),
        "GET",
        "/subscriptions/18/secret",
        200,
        {"secret": "whsec"},
        lambda r, rec: r.secret == "whsec",
    ),
    "teams": (
        lambda mx: mx.teams.members.update(19, 20, team_role="ADMIN"),
        "PATCH",
        "/teams/19/members/20",
        200,
        {"member": {"id": 20, "teamRole": "ADMIN"}},
        lambda r, rec: rec.last_json() == {"teamRole": "ADMIN"},
    ),
    "users": (
        lambda mx: mx.users.list(limit=5, email=["a+b@example.com"]),
        "GET",
        "/users",
        200,
        _empty_page("users"),
        lambda r, rec: (
            rec.last.url.params["email"] == "a+b@example.com"
            and rec.last.url.params["limit"] == "5"
        ),
    ),
    "vendors": (
        lambda mx: mx.vendors.contacts.get(21, 22),
        "GET",
        "/vendors/21/contacts/22",
        200,
        {"vendorContact": {"id": 22, "name": "Ann", "vendorId": 21}},
        lambda r, rec: r.name == "Ann",
    ),
    "workPermits": (
        lambda mx: mx.work_permits.sign(23, external_link_uuid="u-1", signer_name="Bo"),
        "POST",
        "/workPermits/23/sign",
        201,
        {
            "success": True,
            "workPermit": {"id": 23, "status": "SIGNED"},
            "workOrder": {"id": 1, "blockedByWorkPermitReason": None},
        },
        lambda r, rec: (
            r.success is True and rec.last_json() == {"externalLinkUuid": "u-1", "signerName": "Bo"}
        ),
    ),
    "workrequests": (
        lambda mx: mx.work_requests.create(title="Leak", priority="HIGH"),
        "POST",
        "/workrequests",
        200,
        {"id": 24},
        lambda r, rec: r.id == 24,
    ),
    "customfields": (
        lambda mx: mx.custom_fields.list("assets"),
        "GET",
        "/customfields/assets",
        200,
        [{"id": 1, "label": "Industry", "type": "oneline", "sortOrder": 1}],
        lambda r, rec: r[0].label == "Industry",
    ),
    "rootcauseanalysisreports": (
        lambda mx: mx.root_cause_analysis_reports.list(archived=False),
        "GET",
        "/rootcauseanalysisreports",
        200,
        _empty_page("rootCauseAnalysisReports"),
        lambda r, rec: rec.last.url.params["archived"] == "false",
    ),
    "workrequestportals": (
        lambda mx: mx.work_request_portals.delete(25, skip_webhook=True),
        "DELETE",
        "/workrequestportals/25",
        204,
        None,
        lambda r, rec: rec.last.url.params["skipWebhook"] == "true",
    ),
}


def test_every_family_has_a_case() -> None:
    families = {o.path.strip("/").split("/")[0] for o in operations()} - {"workorders"}
    assert families == set(CASES)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("family", sorted(CASES))
def test_family_operation(family: str, flavour: str) -> None:
    call, method, path, status, body, check = CASES[family]
    rec = RecordingHandler(routes={(method, path): (status, body)})
    result = invoke(flavour, rec, call)
    assert rec.last.method == method
    # /versions lives at the host root (its own `servers` entry in the spec), outside /v1.
    assert rec.last.url.path == (path if family == "versions" else "/v1" + path)
    assert check(result, rec), (family, rec.last.url, rec.last.content)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_subscription_create_dispatches_on_type(flavour: str) -> None:
    rec = RecordingHandler(
        routes={("POST", "/subscriptions"): (201, {"id": 1, "status": "VALID", "secret": "s"})}
    )
    result = invoke(
        flavour,
        rec,
        lambda mx: mx.subscriptions.create(type="NEW_WORK_ORDER", url="https://example.com/hook"),
    )
    assert rec.last_json() == {"type": "NEW_WORK_ORDER", "url": "https://example.com/hook"}
    assert result.status == "VALID"
    with pytest.raises(ValidationError, match="type"):
        invoke(
            flavour,
            RecordingHandler(),
            lambda mx: mx.subscriptions.create(type="NOT_A_TYPE", url="https://x"),
        )


def test_static_resources_are_cacheable_and_writes_invalidate() -> None:
    from maintainx_sdk.resources import users, work_orders

    assert users._GET.cacheable and users._LIST.cacheable
    assert users._UPDATE.invalidates == ("/users",)
    assert not work_orders._GET.cacheable and work_orders._UPDATE.invalidates == ()
    assert work_orders._SET_STATUS.retry_safe is True
    assert work_orders._SET_PART_STATUS.retry_safe is True
    assert work_orders._CREATE.retry_safe is None and work_orders._UPDATE.retry_safe is None
    assert work_orders._DELETE.retry_safe is True and work_orders._GET.retry_safe is True


def test_versions_needs_no_auth_flag() -> None:
    from maintainx_sdk.resources import versions, work_permits

    assert versions._LIST.auth is False
    assert work_permits._SIGN.auth is False
