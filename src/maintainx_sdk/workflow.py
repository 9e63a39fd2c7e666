"""Work-order status transitions: the policy, and validated status changes.

(Initial version: the default policy of the design notes; extended by the workflow work.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._operation import Operation, build_request, parse_response
from ._resource import Procedure
from .errors import InvalidTransitionError

STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED")
_ACTIVE = frozenset({"OPEN", "IN_PROGRESS", "ON_HOLD"})
_CLOSED = frozenset({"DONE", "CANCELED"})


def allowed_transitions(status: str, *, allow_reopen: bool = False) -> tuple[str, ...]:
    """Statuses a work order in ``status`` may move to under the default policy."""
    if status in _ACTIVE:
        return tuple(s for s in STATUSES if s != status)
    if status in _CLOSED and allow_reopen:
        return ("OPEN",)
    return ()


def check_transition(current: str, target: str, *, allow_reopen: bool = False) -> bool:
    """True when a request is needed, False for a no-op; raises on a forbidden move."""
    if current == target:
        return False
    allowed = allowed_transitions(current, allow_reopen=allow_reopen)
    if target not in allowed:
        hint = None
        if current in _CLOSED and target == "OPEN":
            hint = "pass allow_reopen=True to reopen"
        raise InvalidTransitionError(
            current,
            target,
            allowed_transitions(current, allow_reopen=True) if hint else allowed,
            hint=hint,
        )
    return True


def set_status_procedure(
    op: Operation,
    get_op: Operation,
    *,
    id: int,
    status: str,
    current_status: str | None = None,
    allow_reopen: bool = False,
    query: Mapping[str, Any] | None = None,
) -> Procedure[Any]:
    """Read the current status (unless given), validate the move, then PATCH it."""
    if current_status is None:
        response = yield build_request(get_op, path={"id": id})
        current_status = str(response.json()["workOrder"]["status"])
    if not check_transition(current_status, status, allow_reopen=allow_reopen):
        current = yield build_request(get_op, path={"id": id})
        return parse_response(get_op, current)
    response = yield build_request(op, path={"id": id}, query=query, body={"status": status})
    return parse_response(op, response)
