"""Webhook subscriptions: create (with a secret), get, update, delete, read the secret."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from ._context import Ctx
from ._http import Reply
from ._resources import project, require
from ._router import Route
from ._validate import validate_body

EVENT_TYPES = (
    "API_TOKEN_CREATED", "API_TOKEN_REVOKED", "ASSET_STATUS_CHANGE", "CONNECTOR_TOKEN_REVOKED",
    "DATA_EXPORT_INITIATED", "INVITE_LINK_ARCHIVED", "INVITE_LINK_CREATED", "INVITE_LINK_UPDATED",
    "METER_TRIGGER_STATE_CHANGE", "NEW_ASSET", "NEW_CATEGORY_ON_WORK_ORDER", "NEW_COMMENT_ON_WORK_ORDER",
    "NEW_LOCATION", "NEW_PART", "NEW_PURCHASE_ORDER", "NEW_SLASH_COMMAND", "NEW_VENDOR", "NEW_WORK_ORDER",
    "NEW_WORK_REQUEST", "PART_CHANGE", "PART_DELETE", "PART_QUANTITY_CHANGE", "PART_TRANSFER",
    "PURCHASE_ORDER_CHANGE", "PURCHASE_ORDER_STATUS_CHANGE", "ROLE_ARCHIVED", "ROLE_CREATED", "ROLE_UPDATED",
    "SSO_CONFIG_CHANGED", "USER_ACTIVATED", "USER_INVITED", "USER_LOGIN_FAILURE", "USER_LOGIN_SUCCESS",
    "USER_LOGOUT", "USER_PERMISSIONS_CHANGED", "USER_REMOVED", "USER_ROLE_CHANGED", "USER_SESSION_REVOKED",
    "WEBHOOK_ARCHIVED", "WEBHOOK_CREATED", "WORK_ORDER_CHANGE", "WORK_ORDER_DELETE", "WORK_ORDER_OVERDUE",
    "WORK_ORDER_PART_STATUS_CHANGE", "WORK_ORDER_STATUS_CHANGE", "WORK_REQUEST_STATUS_CHANGE",
)  # fmt: skip
_TYPE = "enum:" + "|".join(EVENT_TYPES)
MAX_URL = 512
VIEW = ("id", "type", "url", "status")


def _check_url(ctx: Ctx, url: str) -> None:
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL or not _has_host(url):
        raise ctx.bad(f"url must be an http(s) URL of at most {MAX_URL} characters", "url", url)


def _has_host(url: str) -> bool:
    """Whether ``url`` parses with a host (a bad port, a space or no host would make every
    later delivery to it fail before a connection is even tried)."""
    try:
        return bool(httpx.URL(url).host) and " " not in url
    except httpx.InvalidURL:
        return False


def create(ctx: Ctx) -> Reply:
    body = ctx.body_object()
    errors = validate_body(
        body, {"type": _TYPE, "url": "str", "filters": "obj", "options": "obj"}, ("type", "url")
    )
    if errors:
        raise ctx.bad_many(errors)
    _check_url(ctx, body["url"])
    row: dict[str, Any] = {
        "id": ctx.state.next_id(),
        "type": body["type"],
        "url": body["url"],
        "status": "VALID",
        "secret": secrets.token_hex(24),
        "filters": body.get("filters") or {},
        "options": body.get("options") or {},
    }
    ctx.org.table("subscriptions").insert(row)
    ctx.emit(
        "WEBHOOK_CREATED",
        {"orgId": ctx.org.id, "actorId": ctx.user_id, "webhookId": row["id"], "webhookType": row["type"],
         "url": row["url"], "occurredAt": ctx.state.now()},
    )  # fmt: skip
    return Reply(201, {"id": row["id"], "status": row["status"], "secret": row["secret"]})


def _row(ctx: Ctx) -> dict[str, Any]:
    return require(ctx, ctx.org.table("subscriptions"), ctx.id_param(), "Subscription")


def get(ctx: Ctx) -> Reply:
    return Reply(200, {"subscription": project(_row(ctx), VIEW)})


def update(ctx: Ctx) -> Reply:
    row = _row(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"type": _TYPE, "url": "str"})
    if errors:
        raise ctx.bad_many(errors)
    if "url" in body:
        _check_url(ctx, body["url"])
    row.update({k: body[k] for k in ("type", "url") if k in body})
    return Reply(200, {"subscription": project(row, VIEW)})


def delete(ctx: Ctx) -> Reply:
    row = _row(ctx)
    ctx.org.table("subscriptions").delete(row["id"])
    ctx.emit(
        "WEBHOOK_ARCHIVED",
        {
            "orgId": ctx.org.id,
            "actorId": ctx.user_id,
            "webhookId": row["id"],
            "occurredAt": ctx.state.now(),
        },
    )
    return Reply(204)


def secret(ctx: Ctx) -> Reply:
    return Reply(200, {"secret": _row(ctx)["secret"]})


def routes() -> list[Route]:
    return [
        Route("POST", "/subscriptions", create),
        Route("GET", "/subscriptions/{id}", get),
        Route("PATCH", "/subscriptions/{id}", update),
        Route("DELETE", "/subscriptions/{id}", delete),
        Route("GET", "/subscriptions/{id}/secret", secret),
    ]
