"""Small value types of the emulator: a handler's reply, API errors and the JSON it sends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_HEADERS = (("content-type", "application/json"),)

#: GET operations whose 400 body uses the write shape ``{"errors": [...]}`` (as the spec says).
GETS_WITH_WRITE_ERRORS = frozenset(
    {
        "/manufacturers/{id}",
        "/models/{id}",
        "/vendors/{id}/contacts/{contactId}",
        "/customfields/{entity}",
    }
)


def dumps(body: Any) -> bytes:
    """Compact JSON, as the API sends it."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(slots=True)
class Reply:
    """What a handler answers: a status and a JSON-able body (``None`` = no body)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiReject(Exception):
    """Raised by handlers to answer an error; nothing the handler did must be stored."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body


def field_error(message: str, field_path: str | None = None, value: Any = None) -> dict[str, Any]:
    """One item of the write error shape."""
    item: dict[str, Any] = {"error": message}
    if field_path is not None:
        item["fieldPath"] = field_path
        if value is None or isinstance(value, str | int | float | bool):
            item["fieldValue"] = value
        else:
            item["fieldValue"] = json.dumps(value)[:200]
    return item


def bad_request(
    message: str, field_path: str | None = None, value: Any = None, *, write: bool
) -> ApiReject:
    if write:
        return ApiReject(400, {"errors": [field_error(message, field_path, value)]})
    return ApiReject(400, {"error": message})
