"""A MockTransport handler that answers canned bodies per route and records every request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class RecordingHandler:
    """Answers from ``routes`` (``(method, path-after-/v1) -> (status, body)``), else
    ``default``, and records every request in ``requests``."""

    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    default: tuple[int, Any] = (200, {})
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/v1")
        status, body = self.routes.get((request.method, path), self.default)
        if body is None:
            return httpx.Response(status)
        return httpx.Response(status, json=body)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)
