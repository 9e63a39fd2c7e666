"""Files: attachments and thumbnails uploaded to (and deleted from) records."""

from __future__ import annotations

from typing import Any

from ._context import Ctx
from ._http import ApiReject, Reply
from ._resources import require
from ._router import Handler, Route

MAX_UPLOAD = 1024 * 1024
#: Upload parents: URL prefix -> (table, 404 label).
_PARENTS = {
    "assets": ("assets", "Asset"),
    "locations": ("locations", "Location"),
    "parts": ("parts", "Part"),
    "purchaseorders": ("purchaseorders", "Purchase Order"),
    "vendors": ("vendors", "Vendor"),
    "workorders": ("workorders", "Work Order"),
    "workrequests": ("workrequests", "Work Request"),
    "metertriggers": ("metertriggers", "Meter Trigger"),
    "proceduretemplaterows": ("proceduretemplaterows", "Procedure Template Row"),
}


def _parent(ctx: Ctx) -> dict[str, Any]:
    table, label = _PARENTS[ctx.template.split("/")[1]]
    return require(ctx, ctx.org.table(table), ctx.id_param(), label)


def upload(ctx: Ctx) -> Reply:
    """``PUT .../attachments/{filename}`` and ``.../thumbnail/{filename}``: raw bytes in."""
    parent = _parent(ctx)
    if len(ctx.raw_body) > MAX_UPLOAD:
        raise ApiReject(413, {"error": "Attachment size must not exceed 1mB"})
    if not ctx.raw_body:
        attachments = "/attachments/" in ctx.template and "/procedure/" not in ctx.template
        if attachments:  # the 9 attachment PUTs document a bare string 400
            raise ApiReject(400, "Bad arguments: the body must hold the file's bytes.")
        raise ctx.bad("the body must hold the file's bytes")
    filename = ctx.params.get("filename", "file")
    key = f"{ctx.org.id}/{parent['id']}/{ctx.state.next_id()}-{filename}"
    attachment = {
        "id": ctx.state.next_id(),
        "mimeType": ctx.headers.get("content-type", "application/octet-stream"),
        "fileName": filename,
        "url": f"https://files.emulator.invalid/{key}",
        "createdAt": ctx.state.now(),
    }
    if "/thumbnail/" in ctx.template:
        parent["thumbnail"] = attachment
    elif isinstance(parent.get("attachments"), list):
        parent["attachments"].append(attachment)
    return Reply(201, {"publicUrl": attachment["url"], "filename": filename, "fileKey": key})


def delete_attachment(ctx: Ctx) -> Reply:
    parent = _parent(ctx)
    filename = ctx.params.get("filename")
    attachments = parent.get("attachments")
    if filename is not None and isinstance(attachments, list):
        kept = [a for a in attachments if a.get("fileName") != filename]
        if len(kept) == len(attachments):
            raise ctx.not_found("Attachment")
        parent["attachments"] = kept
    return Reply(204)


def _no_content(check_parent: bool = True) -> Handler:
    def handler(ctx: Ctx) -> Reply:
        if check_parent:
            _parent(ctx)
        return Reply(204)

    return handler


def routes() -> list[Route]:
    out: list[Route] = []
    for prefix in (
        "assets",
        "locations",
        "parts",
        "purchaseorders",
        "vendors",
        "workorders",
        "workrequests",
    ):
        out += [
            Route("PUT", f"/{prefix}/{{id}}/attachments/{{filename}}", upload),
            Route("DELETE", f"/{prefix}/{{id}}/attachments/{{filename}}", delete_attachment),
            Route("PUT", f"/{prefix}/{{id}}/thumbnail/{{filename}}", upload),
        ]
    out += [
        Route("PUT", "/metertriggers/{id}/thumbnail/{filename}", upload),
        Route("PUT", "/metertriggers/{id}/workordertemplates/attachments/{filename}", upload),
        Route(
            "DELETE", "/metertriggers/{id}/workordertemplates/attachments/{filename}", _no_content()
        ),
        Route("DELETE", "/proceduretemplaterows/{id}/attachments", _no_content()),
        Route("PUT", "/proceduretemplaterows/{id}/attachments/{filename}", upload),
        Route("DELETE", "/workorders/{id}/procedure/fields/{index}/attachment", _no_content()),
        Route("PUT", "/workorders/{id}/procedure/fields/{index}/attachment/{filename}", upload),
    ]
    return out
