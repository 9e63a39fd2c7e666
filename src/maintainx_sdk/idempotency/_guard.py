"""Guarded creates: one create per idempotency key, across retries, re-runs and restarts.

The API has no idempotency header. So a guarded create (1) claims the key in a store, (2)
stamps a hash of the key into a free-form field of the new record where the operation has one
(``externalData`` on work orders and users), and (3) when a send ends with an unknown outcome
(timeout, 5xx, cut connection), looks the stamp up before it sends again. The store remembers
finished creates, so a re-run returns the first result without sending anything.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from .._operation import Operation, parse_response
from .._procedure import Procedure
from .._request import APIRequest
from .._response import APIResponse, ResponseMeta, require_json
from ..errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    BackendUnavailableError,
    CircuitOpenError,
    IdempotencyInProgressError,
    IdempotencyKeyReuseError,
    MaintainXError,
    OutcomeUnknownError,
    PoolExhaustedError,
    ValidationError,
)
from ._keys import check_key, fingerprint, key_ttl, stamp_for
from ._records import IdempotencyRecord
from ._store import DEFAULT_LEASE, DEFAULT_TTL, IdempotencyStore

_log = logging.getLogger("maintainx_sdk")

R = TypeVar("R")

#: The key inside ``externalData`` that carries the stamp.
STAMP_FIELD = "mxsdkIdempotencyKey"
#: Header on replayed results (the create was not sent again).
REPLAYED_HEADER = "idempotent-replayed"
#: Header on results this call created but whose answer was lost (found by the stamp).
RECOVERED_HEADER = "idempotent-recovered"
#: The lookup searches records created from this long before the first attempt (clock skew).
DEFAULT_LOOKUP_MARGIN = 300.0
#: Sends per call when each unknown outcome is looked up and found absent.
DEFAULT_MAX_SENDS = 3

_ORG_HEADERS = frozenset({"x-organization-id", "x-organization-ids"})

Lookup = Callable[[APIRequest, str, float], Procedure[str | None]]


@dataclass(frozen=True, slots=True)
class Guard:
    """How one create operation is stamped and looked up."""

    field: str
    lookup: Lookup
    can_lookup: Callable[[Mapping[str, Any]], bool] = lambda body: True


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _get(origin: APIRequest, path: str, params: list[tuple[str, str]] | None = None) -> APIRequest:
    """A lookup read, in the same organization as the create it looks for."""
    headers = {k: v for k, v in origin.headers.items() if k.lower() in _ORG_HEADERS}
    return APIRequest(
        method="GET",
        path=path,
        params=tuple(params or ()),
        headers=headers,
        operation="idempotency.lookup",
        retry_safe=True,
        decode=require_json,  # a malformed page is retried, then typed
    )


def _stamp_of(record: Mapping[str, Any]) -> Any:
    data = record.get("externalData")
    return data.get(STAMP_FIELD) if isinstance(data, Mapping) else None


def _confirm(
    origin: APIRequest, candidates: list[Mapping[str, Any]], path: str, key: str, stamp: str
) -> Procedure[str | None]:
    """Check each candidate's stamp, fetching the detail when the list item lacks the field."""
    for item in candidates:
        if "externalData" in item:
            found = _stamp_of(item) == stamp
        else:
            detail = (yield _get(origin, f"{path}/{item['id']}")).json() or {}
            found = _stamp_of(detail.get(key) or {}) == stamp
        if found:
            return str(item["id"])
    return None


def _lookup_work_order(request: APIRequest, stamp: str, since: float) -> Procedure[str | None]:
    """Work orders created since the first attempt with the same title, stamp confirmed."""
    body = request.json or {}
    params = [("createdAt[gte]", _iso(since)), ("sort", "createdAt"), ("limit", "200")]
    cursor: str | None = None
    while True:
        extra = [("cursor", cursor)] if cursor else []
        page = (yield _get(request, "/workorders", params + extra)).json()
        items = [i for i in page.get("workOrders", []) if i.get("title") == body.get("title")]
        found = yield from _confirm(request, items, "/workorders", "workOrder", stamp)
        if found is not None:
            return found
        next_cursor = page.get("nextCursor")
        if not next_cursor or next_cursor == cursor:
            return None
        cursor = next_cursor


def _lookup_user(request: APIRequest, stamp: str, since: float) -> Procedure[str | None]:
    """Users with the same email (the list has no creation-time filter), stamp confirmed."""
    body = request.json or {}
    page = (yield _get(request, "/users", [("email", str(body["email"])), ("limit", "200")])).json()
    return (yield from _confirm(request, page.get("users", []), "/users", "user", stamp))


#: Creates whose records can carry the stamp and be found again, by (method, path template).
GUARDS: dict[tuple[str, str], Guard] = {
    ("POST", "/workorders"): Guard("externalData", _lookup_work_order),
    ("POST", "/users"): Guard(
        "externalData", _lookup_user, can_lookup=lambda body: bool(body.get("email"))
    ),
}


def guard_for(request: APIRequest) -> Guard | None:
    """The stamp-and-lookup guard of this create, or None when the API offers no place for it."""
    return GUARDS.get((request.method.upper(), request.path_template or request.path))


def _stamped(request: APIRequest, guard: Guard, stamp: str) -> APIRequest | None:
    """The request with the stamp merged into its free-form field; None if it cannot be."""
    body = dict(request.json or {})
    current = body.get(guard.field)
    if current is None:
        current = {}
    if not isinstance(current, Mapping):
        return None  # a string or number the caller chose: leave it alone, no lookup possible
    if STAMP_FIELD in current and current[STAMP_FIELD] != stamp:
        raise ValidationError(
            f"{guard.field}.{STAMP_FIELD} is reserved for the SDK's idempotency stamp",
            errors=[{"field": f"{guard.field}.{STAMP_FIELD}", "message": "reserved"}],
        )
    body[guard.field] = {**current, STAMP_FIELD: stamp}
    return replace(request, json=body, retry_safe=False)


def _outcome_unknown(exc: MaintainXError) -> bool:
    """Could the failed create have been applied? (Unknown outcomes are looked up.)"""
    if isinstance(exc, OutcomeUnknownError):
        return True
    if isinstance(exc, APIResponseValidationError):
        return True  # answered with success, so applied: but the body does not say which record
    if isinstance(exc, CircuitOpenError | PoolExhaustedError):
        return False  # refused before anything was sent
    if isinstance(exc, APIConnectionError):
        return True  # the request may have reached the server
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500
    return False


def _result_id(content: bytes) -> str | None:
    try:
        body = json.loads(content) if content else None
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("id"), int | str | float):
        return str(body["id"]).removesuffix(".0")
    return None


def _only_record(body: Any) -> Any:
    """The record inside a single-key envelope (``{"purchaseOrder": {...}}``), else ``body``."""
    if isinstance(body, dict) and len(body) == 1:
        (inner,) = body.values()
        if isinstance(inner, dict):
            return inner
    return body


def _replay(
    op: Operation[R], request: APIRequest, record: IdempotencyRecord, *, header: str
) -> Procedure[R]:
    """The finished create's result: its stored answer; for a record known only by its id
    (resolved by hand, or found by the stamp), the record itself, read from the API when the
    create's model needs more than the id (no answer is invented)."""
    meta = ResponseMeta(
        method=request.method,
        path=request.path,
        status_code=op.success_status,
        headers={header: "true"},
        attempts=0,
    )
    content = record.response
    if content is not None:
        return parse_response(op, APIResponse(meta=meta, content=content))
    rid = record.result_id
    known = json.dumps({"id": int(rid) if rid and rid.isdigit() else rid}).encode()
    try:
        return parse_response(op, APIResponse(meta=meta, content=known))
    except APIResponseValidationError:
        if not rid:
            raise
    detail = yield _get(request, f"{request.path}/{rid}")
    content = json.dumps(_only_record(detail.json())).encode()
    return parse_response(op, APIResponse(meta=meta, content=content))


def _best_effort(key: str, what: str, action: Callable[[], object]) -> None:
    """A store write after the create was sent: a store outage must not hide the create's
    own outcome. The key then keeps its claim until the lease ends; a re-run after that
    looks the stamp up (or, for creates that cannot be looked up, asks to resolve it)."""
    try:
        action()
    except BackendUnavailableError as exc:
        _log.warning(
            "maintainx idempotency key %r: could not %s (%s); it stays claimed until its "
            "lease ends",
            key,
            what,
            exc,
        )


def _unknown(
    request: APIRequest, key: str, why: str, *, sends: int, cause: str
) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        f"{request.method} {request.path}: {why} (idempotency key {key!r})",
        cause_description=cause,
        method=request.method,
        path=request.path,
        attempts=sends,
    )


def guarded_create(
    store: IdempotencyStore,
    op: Operation[R],
    request: APIRequest,
    key: str,
    *,
    lease: float = DEFAULT_LEASE,
    ttl: float = DEFAULT_TTL,
    max_sends: int = DEFAULT_MAX_SENDS,
    lookup_margin: float = DEFAULT_LOOKUP_MARGIN,
) -> Procedure[R]:
    """Send the create ``request`` at most once per ``key``; return the parsed result.

    A finished create is replayed from the store (header ``idempotent-replayed: true``, no
    request). An unknown outcome is looked up by the stamp and re-sent only when the record
    is absent, up to ``max_sends`` sends; past that, or for creates without a stamp field,
    :class:`OutcomeUnknownError` is raised and the key stays pending: re-running with the same
    key resolves it (lookup first). Raises :class:`IdempotencyInProgressError` while another
    caller works on the key and :class:`IdempotencyKeyReuseError` for a different payload.
    """
    scoped = f"{op.name}:{check_key(key)}"
    ttl = key_ttl(key, ttl)
    if max_sends < 1:
        raise ValueError("max_sends must be at least 1")
    guard = guard_for(request)
    stamp = stamp_for(scoped)
    sendable = _stamped(request, guard, stamp) if guard is not None else None
    searchable = guard is not None and sendable is not None and guard.can_lookup(request.json or {})
    to_send = sendable or replace(request, retry_safe=False)
    owner = uuid.uuid4().hex
    claim = store.claim(
        scoped, owner=owner, lease=lease, ttl=ttl, fingerprint=fingerprint(request.json)
    )
    if claim.status == "completed":
        return (yield from _replay(op, request, claim.record, header=REPLAYED_HEADER))
    if claim.status == "in_progress":
        now = getattr(store, "clock", time.time)()
        left = (claim.record.lease_until or now) - now
        raise IdempotencyInProgressError(
            f"{op.name}: another call with idempotency key {key!r} is in progress; "
            "retry when it finishes",
            key=key,
            retry_after=max(left, 0.0),
        )
    if claim.status == "conflict":
        raise IdempotencyKeyReuseError(
            f"{op.name}: idempotency key {key!r} was already used with a different payload; "
            "use a new key for a different record",
            key=key,
        )

    since = claim.record.created_at - lookup_margin
    settled = False
    manual = (
        "; this create cannot be looked up: check MaintainX, then call "
        f"store.resolve({scoped!r}, <id>) if it exists or store.forget({scoped!r}) to send again"
    )

    def lookup() -> Procedure[str | None]:
        assert guard is not None
        try:
            return (yield from guard.lookup(to_send, stamp, since))
        except MaintainXError as exc:
            raise _unknown(
                request,
                key,
                "outcome unknown and the lookup failed; re-run to resolve",
                sends=sends,
                cause=str(exc),
            ) from exc

    def found(result_id: str) -> Procedure[R]:
        done = partial(store.complete, scoped, result_id=result_id, ttl=ttl)
        _best_effort(key, "record the create as done", done)
        # created by this call's own send: recovered, not a replay of someone else's create
        header = RECOVERED_HEADER if sends else REPLAYED_HEADER
        record = replace(claim.record, result_id=result_id, response=None)
        return (yield from _replay(op, request, record, header=header))

    sends = 0
    try:
        if claim.status == "resumed":
            if not searchable:
                raise _unknown(
                    request, key, "an earlier attempt ended with an unknown outcome" + manual,
                    sends=0, cause="unresolved earlier attempt",
                )  # fmt: skip
            result_id = yield from lookup()
            if result_id is not None:
                settled = True
                return (yield from found(result_id))
        while True:
            sends += 1
            try:
                response = yield to_send
            except MaintainXError as exc:
                if not _outcome_unknown(exc):
                    settled = True
                    _best_effort(key, "free the key", partial(store.release, scoped, owner=owner))
                    raise
                if not searchable or sends >= max_sends:
                    why = (
                        "outcome unknown" + manual
                        if not searchable
                        else f"outcome still unknown after {sends} sends; re-run with the same "
                        "key to resolve it"
                    )
                    raise _unknown(request, key, why, sends=sends, cause=str(exc)) from exc
                result_id = yield from lookup()
                if result_id is not None:
                    settled = True
                    return (yield from found(result_id))
                continue
            settled = True
            content = response.content
            done = partial(
                store.complete, scoped, result_id=_result_id(content), response=content, ttl=ttl
            )
            _best_effort(key, "record the create as done", done)
            return parse_response(op, response)
    finally:
        if not settled:
            pending = partial(store.mark_pending, scoped, owner=owner)
            _best_effort(key, "mark the key pending", pending)
