"""Status transitions of work orders and purchase orders: policies, checks, validated moves.

The API itself enforces no order between work-order statuses; the SDK does, so an integration
cannot silently reopen a closed work order or move one the system marked ``SKIPPED``. Purchase
orders follow the transition table the API documents for its status endpoint
(:data:`PURCHASE_ORDER_POLICY`); a move outside it is refused before the request, not by the
server's 400.

>>> allowed_transitions("DONE")
()
>>> allowed_transitions("DONE", allow_reopen=True)
('OPEN',)
>>> check_transition("OPEN", "OPEN")  # same status: nothing to send
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from ._operation import Operation, build_request, parse_response
from ._procedure import Procedure
from ._request import APIRequest
from ._response import APIResponse
from .errors import (
    BadRequestError,
    ConflictError,
    InvalidTransitionError,
    UnprocessableEntityError,
    ValidationError,
)

__all__ = [
    "DEFAULT_POLICY",
    "PURCHASE_ORDER_POLICY",
    "PURCHASE_ORDER_STATUSES",
    "STATUSES",
    "STRICT_POLICY",
    "TablePolicy",
    "TransitionPolicy",
    "allowed_transitions",
    "check_transition",
    "set_status_procedure",
    "status_of",
    "work_order_id_of",
]

R = TypeVar("R")

#: Statuses a caller may set (``PATCH /workorders/{id}/status``), in the spec's order.
STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED")
#: Every status a work order can be in; ``SKIPPED`` is set by the system only.
ALL_STATUSES = (*STATUSES, "SKIPPED")


@runtime_checkable
class TransitionPolicy(Protocol):
    """Decides which status moves are allowed. Implement it, or build a :class:`TablePolicy`."""

    @property
    def name(self) -> str: ...

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every status the policy knows (targets outside it are rejected as invalid input)."""
        ...

    def allowed(self, status: str, *, allow_reopen: bool = False) -> tuple[str, ...]:
        """Targets reachable from ``status`` in one move (the same status is never listed)."""
        ...

    def is_reopen(self, current: str, target: str) -> bool:
        """True when the move is only allowed with the caller's explicit reopen consent."""
        ...


@dataclass(frozen=True, slots=True)
class TablePolicy:
    """A policy given as a table: ``moves[from]`` are free moves, ``reopens[from]`` need consent.

    >>> p = TablePolicy("two-step", moves={"OPEN": ["DONE"]}, reopens={"DONE": ["OPEN"]})
    >>> p.allowed("OPEN"), p.allowed("DONE"), p.allowed("DONE", allow_reopen=True)
    (('DONE',), (), ('OPEN',))
    """

    name: str
    moves: Mapping[str, Iterable[str]]
    reopens: Mapping[str, Iterable[str]] = field(default_factory=dict)
    extra_statuses: Iterable[str] = ()
    """Statuses that exist but have no outgoing moves (e.g. ``SKIPPED``)."""

    def __post_init__(self) -> None:
        # Freeze the table (callers may pass lists or generators) and check it is coherent.
        moves = {k: tuple(dict.fromkeys(v)) for k, v in self.moves.items()}
        reopens = {k: tuple(dict.fromkeys(v)) for k, v in self.reopens.items()}
        object.__setattr__(self, "moves", moves)
        object.__setattr__(self, "reopens", reopens)
        object.__setattr__(self, "extra_statuses", tuple(self.extra_statuses))
        for table in (moves, reopens):
            for source, targets in table.items():
                if source in targets:
                    raise ValueError(f"policy {self.name!r}: {source} -> {source} is not a move")
        for source in set(moves) & set(reopens):
            both = set(moves[source]) & set(reopens[source])
            if both:
                raise ValueError(
                    f"policy {self.name!r}: {source} -> {sorted(both)} is both free and a reopen"
                )

    @property
    def statuses(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for table in (self.moves, self.reopens):
            for source, targets in table.items():
                seen[source] = None
                seen.update(dict.fromkeys(targets))
        seen.update(dict.fromkeys(self.extra_statuses))
        return tuple(seen)

    def allowed(self, status: str, *, allow_reopen: bool = False) -> tuple[str, ...]:
        free = tuple(self.moves.get(status, ()))
        if not allow_reopen:
            return free
        return free + tuple(t for t in self.reopens.get(status, ()) if t not in free)

    def is_reopen(self, current: str, target: str) -> bool:
        return target in self.reopens.get(current, ()) and target not in self.moves.get(current, ())


#: Every status a purchase order can be in; new orders are ``REQUESTED`` (the status endpoint
#: cannot set it).
PURCHASE_ORDER_STATUSES = (
    "REQUESTED",
    "PENDING",
    "APPROVED",
    "DECLINED",
    "PARTIALLY_FULFILLED",
    "COMPLETED",
    "CANCELED",
)

#: The API's documented purchase-order moves (``PATCH /purchaseorders/{id}/status``). An
#: approved order goes on to ``PARTIALLY_FULFILLED``/``COMPLETED`` by receiving items
#: (``update_fulfillment``), not by a status change; ``CANCELED`` is final.
PURCHASE_ORDER_POLICY = TablePolicy(
    "purchase-order",
    moves={
        "REQUESTED": ("CANCELED", "DECLINED", "PENDING"),
        "PENDING": ("APPROVED", "CANCELED", "DECLINED"),
        "DECLINED": ("CANCELED", "PENDING"),
        "APPROVED": ("CANCELED",),
        "PARTIALLY_FULFILLED": ("COMPLETED",),
        "COMPLETED": ("PARTIALLY_FULFILLED",),
    },
    extra_statuses=("CANCELED",),
)

_ACTIVE = ("OPEN", "IN_PROGRESS", "ON_HOLD")
_FREE_MOVES = {s: tuple(t for t in STATUSES if t != s) for s in _ACTIVE}

#: The design's default: active statuses move freely (also to DONE/CANCELED); DONE and
#: CANCELED go back to OPEN only with ``allow_reopen=True``; SKIPPED never moves.
DEFAULT_POLICY = TablePolicy(
    "default",
    moves=_FREE_MOVES,
    reopens={"DONE": ("OPEN",), "CANCELED": ("OPEN",)},
    extra_statuses=("DONE", "CANCELED", "SKIPPED"),
)

#: Like the default, but a closed work order stays closed (no reopen, even with consent).
STRICT_POLICY = TablePolicy(
    "strict", moves=_FREE_MOVES, extra_statuses=("DONE", "CANCELED", "SKIPPED")
)


def allowed_transitions(
    status: str, policy: TransitionPolicy | None = None, *, allow_reopen: bool = False
) -> tuple[str, ...]:
    """Statuses a work order in ``status`` may move to (for UIs and pre-checks)."""
    return (policy or DEFAULT_POLICY).allowed(str(status), allow_reopen=allow_reopen)


def check_transition(
    current: str,
    target: str,
    *,
    allow_reopen: bool = False,
    policy: TransitionPolicy | None = None,
) -> bool:
    """True when a request is needed, False for a no-op; raises on a forbidden move.

    A target the policy does not know raises :class:`ValidationError` (bad input); a known
    but forbidden move raises :class:`InvalidTransitionError` naming the allowed targets.
    """
    policy = policy or DEFAULT_POLICY
    current, target = str(current), str(target)
    if target not in policy.statuses:
        known = ", ".join(policy.statuses)
        raise ValidationError(
            f"unknown status {target!r} for the {policy.name!r} policy; use one of: {known}",
            errors=[{"field": "status", "message": "unknown status", "allowed": known}],
        )
    if current == target:
        return False
    allowed = policy.allowed(current, allow_reopen=allow_reopen)
    if target in allowed:
        return True
    hint = None
    if not allow_reopen and policy.is_reopen(current, target):
        hint = "reopening needs allow_reopen=True"
        allowed = policy.allowed(current, allow_reopen=True)
    elif current not in policy.statuses:
        hint = f"{current} is not a status of the {policy.name!r} policy"
    elif "SKIPPED" in (current, target):
        hint = "SKIPPED is set by the system only"
    elif not allow_reopen:
        reopen_targets = [s for s in policy.allowed(current, allow_reopen=True) if s not in allowed]
        if reopen_targets:
            hint = f"{', '.join(reopen_targets)} only by reopening, with allow_reopen=True"
    raise InvalidTransitionError(current, target, allowed, hint=hint)


#: Where a record's own fields sit inside a response or an event that wraps it.
_WRAPPERS = (
    "work_order",
    "workOrder",
    "new_work_order",
    "newWorkOrder",
    "purchase_order",
    "purchaseOrder",
)


def _field(record: object, *names: str) -> Any:
    """The first of ``names`` that ``record`` has (attribute, or key of a mapping), else None."""
    for name in names:
        value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
        if value is not None:
            return value
    return None


def status_of(record: object) -> str:
    """The current status a record shows: a status string, a record (fetched or a list item:
    a work order, a purchase order), a response wrapping one (``.work_order``), a webhook
    event (``new_status`` or its ``new_work_order`` snapshot), or a mapping with ``status`` /
    ``workOrder`` / ``newStatus``.
    """
    if isinstance(record, str):
        return record
    status = _field(record, "new_status", "newStatus")
    if status is None:
        status = _field(record, "status")
    if status is None:
        inner = _field(record, *_WRAPPERS)
        status = None if inner is None else _field(inner, "status")
    if status is None:
        raise ValidationError(
            f"cannot tell the current status of a {type(record).__name__}: pass a work order, "
            "a list item, a work-order webhook event or the status string as current_status=",
            errors=[{"field": "current_status", "message": "no status in the record"}],
        )
    return str(status.value if hasattr(status, "value") else status)


def work_order_id_of(record: object) -> int:
    """The work-order id of a record (``id``, ``work_order_id``, or the wrapped work order's)."""
    if isinstance(record, int) and not isinstance(record, bool):
        return record
    wid = _field(record, "work_order_id", "workOrderId")
    if wid is None:
        inner = _field(record, *_WRAPPERS)
        wid = _field(inner if inner is not None else record, "id")
    if not isinstance(wid, int) or isinstance(wid, bool):
        raise ValidationError(
            f"cannot tell the work-order id of a {type(record).__name__}",
            errors=[{"field": "id", "message": "no work-order id in the record"}],
        )
    return wid


def current_status_of(response: APIResponse, record: str = "workOrder") -> str:
    """The ``<record>.status`` of a response body (``workOrder.status``)."""
    body = response.json()
    try:
        return str(body[record]["status"])
    except (KeyError, TypeError):
        raise ValidationError(
            f"{response.meta.method} {response.meta.path}: the response has no {record}.status",
            errors=[{"field": f"{record}.status", "message": "missing in response"}],
        ) from None


def set_status_procedure(
    op: Operation[R],
    get_op: Operation[Any],
    request: APIRequest | None = None,
    *,
    id: int,
    status: str,
    current_status: object | None = None,
    allow_reopen: bool = False,
    query: Mapping[str, Any] | None = None,
    policy: TransitionPolicy | None = None,
    record: str = "workOrder",
) -> Procedure[R]:
    """Validate a status move against the current status, then PATCH it (one flow, both clients).

    ``request`` is the status change, already built and validated (else it is built from
    ``query`` and ``status``). The current status is read with ``get_op`` (from the answer's
    ``record``) unless the caller passes ``current_status``: the status string, or the record
    it came from (a list item, a fetched record, a webhook event; see :func:`status_of`); then
    the move is one request, and the caller vouches for that status. A move to the same status
    sends no PATCH and returns the record as it is. When the server refuses the PATCH of a move
    made from a caller's status (400, 409 or 422: that status may be stale), the status is
    read once, the move checked again against it and sent once more. Otherwise the read and
    the write are two calls: the API offers no conditional update, so a concurrent change
    between them is not detected.
    """
    status = str(status)
    fetched: APIResponse | None = None
    if current_status is None:
        fetched = yield build_request(get_op, path={"id": id})
        current = current_status_of(fetched, record)
    else:
        current = status_of(current_status)
    if not check_transition(current, status, allow_reopen=allow_reopen, policy=policy):
        if fetched is None:
            fetched = yield build_request(get_op, path={"id": id})
        # Parsed with the status operation's model, so callers get one return type either way.
        return parse_response(op, fetched)
    if request is None:
        request = build_request(op, path={"id": id}, query=query, body={"status": status})
    try:
        response = yield request
    except (BadRequestError, ConflictError, UnprocessableEntityError):
        if fetched is not None:
            raise  # the status was just read: not stale
        fetched = yield build_request(get_op, path={"id": id})
        current = current_status_of(fetched, record)
        if current == status_of(current_status):
            raise  # the status was right: the server refused for another reason
        if not check_transition(current, status, allow_reopen=allow_reopen, policy=policy):
            return parse_response(op, fetched)
        response = yield request
    return parse_response(op, response)
