"""A handled request as the wire sees it (:class:`Outcome`), and how injected faults shape it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._http import JSON_HEADERS, dumps
from .faults import Fault


@dataclass(slots=True)
class Outcome:
    """A handled request: the response, and how the wire should misbehave (faults)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0
    disconnect: bool = False
    refused: bool = False
    hang: bool = False
    fault: Fault | None = None
    route: str | None = None

    def to_response(self, request: httpx.Request | None = None) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, content=self.body, request=request)


def json_outcome(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Outcome:
    """An answer with a JSON body (and extra headers, such as the rate-limit ones)."""
    return Outcome(status, [*JSON_HEADERS, *(headers or {}).items()], dumps(body))


#: Fault kinds answered instead of running the request.
BEFORE_KINDS = frozenset({"status", "reset", "refuse", "hang"})


def fault_outcome(fault: Fault) -> Outcome:
    """What a fault answers instead of the request (a status, or a wire failure)."""
    if fault.kind == "reset":
        return Outcome(0, [], b"", disconnect=True)
    if fault.kind == "refuse":  # a socket server cannot refuse per request: it cuts instead
        return Outcome(0, [], b"", disconnect=True, refused=True)
    if fault.kind == "hang":
        return Outcome(0, [], b"", hang=True)
    headers: dict[str, str] = {}
    if fault.status == 429:
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
        return json_outcome(
            429, {"error": "Too many requests. Please retry in 10 seconds."}, headers
        )
    return json_outcome(
        fault.status,
        {"error": "Internal server error."}
        if fault.status == 500
        else {"error": f"Upstream error ({fault.status})."},
    )


def apply_after(fault: Fault, outcome: Outcome) -> Outcome:
    """Faults that let the request run first: bad bodies, and applied-then-failed writes."""
    if fault.kind == "malformed":
        outcome.body = b'{"error": "<html>502 Bad Gateway</html>",,}'
        return outcome
    if fault.kind == "truncated":
        outcome.body = outcome.body[: max(1, len(outcome.body) // 2)] if outcome.body else b"{"
        return outcome
    if fault.applied:
        failed = fault_outcome(Fault(fault.kind, fault.status, fault.retry_after))
        return failed
    return outcome
