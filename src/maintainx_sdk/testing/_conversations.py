"""Conversations: the organization's group and team conversations, their members, and
messages (to a conversation or directly to a user)."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import Reply
from ._paging import offset_page, page_body, parse_limit
from ._resources import project, require
from ._router import Route
from ._validate import validate_body


def direct_message(ctx: Ctx) -> Reply:
    require(ctx, ctx.org.table("users"), ctx.id_param(), "User")
    body = ctx.body_object()
    errors = validate_body(body, {"content": "str"}, ("content",))
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"conversationId": ctx.state.next_id()})


def _conversations(ctx: Ctx) -> list[dict[str, Any]]:
    teams = [{"id": t["id"], "type": "TEAM", "name": t["name"]} for t in ctx.org.table("teams")]
    return [{"id": ctx.org.id * 10, "type": "GROUP", "name": "General"}, *teams]


def list_conversations(ctx: Ctx) -> Reply:
    kinds = set(ctx.qlist("type"))
    rows = [c for c in _conversations(ctx) if not kinds or c["type"] in kinds]
    page, cursor = offset_page(ctx, rows, parse_limit(ctx))
    return Reply(200, page_body(ctx, "conversations", page, cursor))


def _conversation(ctx: Ctx) -> dict[str, Any]:
    wanted = ctx.id_param()
    for row in _conversations(ctx):
        if row["id"] == wanted:
            return row
    raise ctx.not_found("parent resource")


def list_conversation_members(ctx: Ctx) -> Reply:
    conversation = _conversation(ctx)
    if conversation["type"] == "TEAM":
        ids = sorted(ctx.org.table("teams").rows[conversation["id"]]["_members"])
    else:
        ids = list(ctx.org.table("users").order)
    users = ctx.org.table("users")
    members = [
        project(users.rows[i], ("id", "firstName", "lastName")) for i in ids if i in users.rows
    ]
    page, cursor = offset_page(ctx, members, parse_limit(ctx))
    return Reply(200, page_body(ctx, "members", page, cursor))


def post_message(ctx: Ctx) -> Reply:
    _conversation(ctx)
    body = ctx.body_object()
    errors = validate_body(body, {"content": "str"}, ("content",))
    if errors:
        raise ctx.bad_many(errors)
    return Reply(201, {"id": ctx.state.next_id()})


def routes() -> list[Route]:
    return [
        Route("POST", "/users/{id}/messages", direct_message),
        Route("GET", "/conversations", list_conversations),
        Route("GET", "/conversations/{id}/members", list_conversation_members),
        Route("POST", "/conversations/{id}/messages", post_message),
    ]
