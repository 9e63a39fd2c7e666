"""Read-only data: asset criticalities, API versions, the token's organizations and
root-cause analysis reports (seeded)."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._paging import offset_page, page_body, parse_limit
from ._resources import project, require
from ._router import Route

CRITICALITIES: tuple[dict[str, Any], ...] = (
    {"id": 1, "label": "Low", "level": 1},
    {"id": 2, "label": "Medium", "level": 2},
    {"id": 3, "label": "High", "level": 3},
)


def list_criticalities(ctx: Ctx) -> Reply:
    rows = list(CRITICALITIES)
    label, level = ctx.q("label"), ctx.q("level")
    if label:
        rows = [r for r in rows if str(r["label"]).lower() == label.lower()]
    if level:
        rows = [r for r in rows if str(r["level"]) == level]
    page, cursor = offset_page(ctx, [dict(r) for r in rows], parse_limit(ctx))
    return Reply(200, page_body(ctx, "assetCriticalities", page, cursor))


def get_criticality(ctx: Ctx) -> Reply:
    wanted = ctx.id_param()
    for row in CRITICALITIES:
        if row["id"] == wanted:
            return Reply(200, {"assetCriticality": dict(row)})
    raise ctx.not_found("Asset Criticality")


def versions(ctx: Ctx) -> Reply:
    return Reply(200, [{"version": "1"}])


def organizations(ctx: Ctx) -> Reply:
    ids = ctx.token_org_ids or (ctx.org.id,)
    rows = [
        {"id": i, "name": ctx.state.orgs[i].name, "timeZone": "Etc/UTC", "currency": "USD"}
        for i in ids
    ]
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(200, page_body(ctx, "organizations", page, cursor))


# -- root cause analysis reports (read-only; seeded) ------------------------------------------------
_RCA_KEYS = (
    "id", "organizationId", "status", "mainAssetId", "mainAssetStatusId", "createdAt", "updatedAt", "completedAt",
    "incidentStartedAt", "incidentEndedAt", "incidentDuration", "repairTime", "notes", "creatorId", "updaterId",
    "archivedAt", "relatedAssetIds", "workOrderIds",
)  # fmt: skip


def list_rca(ctx: Ctx) -> Reply:
    archived = ctx.qbool("archived")
    statuses = set(ctx.qlist("statuses"))
    rows = [
        r for r in ctx.org.table("rootcauseanalysisreports")
        if (r["archivedAt"] is not None) == archived and (not statuses or r["status"] in statuses)
    ]  # fmt: skip
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(
        200,
        page_body(
            ctx,
            "rootCauseAnalysisReports",
            [project(r, _RCA_KEYS, frozenset(_RCA_KEYS)) for r in page],
            cursor,
        ),
    )


def get_rca(ctx: Ctx) -> Reply:
    row = require(
        ctx, ctx.org.table("rootcauseanalysisreports"), ctx.id_param(), "Root Cause Analysis Report"
    )
    return Reply(200, {"rootCauseAnalysisReport": project(row, _RCA_KEYS, frozenset(_RCA_KEYS))})


def routes() -> list[Route]:
    return [
        Route("GET", "/assetcriticalities", list_criticalities),
        Route("GET", "/assetcriticalities/{id}", get_criticality),
        Route("GET", "/versions", versions, auth=False),
        Route("GET", "/organizations", organizations),
        Route("GET", "/rootcauseanalysisreports", list_rca),
        Route("GET", "/rootcauseanalysisreports/{id}", get_rca),
    ]
