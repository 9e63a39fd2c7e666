"""Turning a delivery's body into a typed event, and the key that identifies a delivery."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pydantic

from .._webhook_base import UnknownEvent, WebhookEvent
from ..errors import ValidationError
from ..idempotency import canonical_json
from ..webhook_events import EVENT_MODELS

#: Query parameter that names the event type in subscription URLs made by :func:`webhook_url`.
EVENT_PARAM = "event"


def webhook_url(base_url: str, event_type: str) -> str:
    """The URL to subscribe with: ``base_url`` plus ``?event=<TYPE>``.

    MaintainX payloads do not name their event type; one URL per type lets the receiver know
    it, and the URL signature authenticates it.
    """
    parts = urlsplit(base_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != EVENT_PARAM]
    query.append((EVENT_PARAM, event_type))
    return urlunsplit(parts._replace(query=urlencode(query)))


def event_type_from_url(url: str) -> str | None:
    """The ``event`` query parameter of a delivery URL, if present."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == EVENT_PARAM and value:
            return value
    return None


@cache
def _shape(event_type: str) -> tuple[frozenset[str], frozenset[str]]:
    """(required wire names, all wire names) of an event model."""
    fields = EVENT_MODELS[event_type].model_fields
    names = {name: info.alias or name for name, info in fields.items()}
    required = frozenset(names[n] for n, info in fields.items() if info.is_required())
    return required, frozenset(names.values())


def infer_event_types(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Event types whose schema fits the payload (required fields present, no strangers)."""
    keys = set(payload)
    return tuple(
        name for name in EVENT_MODELS if _shape(name)[0] <= keys and keys <= _shape(name)[1]
    )


#: Nesting deeper than this is refused: event payloads are a few levels deep, and a deeper
#: body (even a validly signed one) would only exhaust the recursion of JSON and validation.
MAX_DEPTH = 64


def _too_deep(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping):
            children: Any = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _nested_too_deep() -> ValidationError:
    return ValidationError(
        f"webhook body is nested deeper than {MAX_DEPTH} levels; no MaintainX event is",
        errors=[{"field": "body", "message": f"nested deeper than {MAX_DEPTH} levels"}],
    )


def _decode(body: EventBody) -> dict[str, Any]:
    if isinstance(body, Mapping):
        if _too_deep(body):
            raise _nested_too_deep()
        return dict(body)
    try:
        data = json.loads(body)
    except RecursionError:
        raise _nested_too_deep() from None
    except ValueError as exc:
        raise ValidationError(
            f"webhook body is not JSON ({exc.__class__.__name__})",
            errors=[{"field": "body", "message": "not JSON"}],
        ) from None
    if _too_deep(data):
        raise _nested_too_deep()
    if not isinstance(data, dict):
        raise ValidationError(
            f"webhook body is a JSON {type(data).__name__}, expected an object",
            errors=[{"field": "body", "message": "not an object"}],
        )
    return data


def _unknown(
    payload: dict[str, Any],
    event_type: str,
    *,
    candidates: tuple[str, ...] = (),
    error: str | None = None,
) -> UnknownEvent:
    return UnknownEvent.from_payload(payload, event_type, candidates=candidates, parse_error=error)


#: What a delivery's body may be given as: the raw bytes or text, or the decoded object.
EventBody = bytes | str | Mapping[str, Any]


def parse_payload(
    body: EventBody,
    event_type: str | None = None,
    *,
    strict: bool = False,
) -> WebhookEvent:
    """The typed event of a delivery body; :func:`maintainx_sdk.webhooks.parse_event` is this
    with a precise return type per event type."""
    payload = _decode(body)
    if event_type is None:
        candidates = infer_event_types(payload)
        if len(candidates) != 1:
            return _unknown(payload, "UNKNOWN", candidates=candidates)
        event_type = candidates[0]
    model = EVENT_MODELS.get(event_type)
    if model is None:
        if strict:
            raise ValidationError(
                f"unknown webhook event type {event_type!r}",
                errors=[{"field": "event_type", "message": "unknown"}],
            )
        return _unknown(payload, event_type)
    try:
        return model.from_payload(payload)
    except pydantic.ValidationError as exc:
        if strict:
            from .._operation import to_validation_error

            raise to_validation_error(event_type, exc, "webhook payload") from None
        return _unknown(payload, event_type, error=str(exc))


def _normal(value: Any) -> Any:
    """Timestamps as UTC instants, so ``...00.000Z`` and ``...00Z`` give one key."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC).isoformat()
    return value


def delivery_key(event: WebhookEvent) -> str:
    """The identity of a delivery: its type plus every top-level scalar (ids, statuses,
    ``occurredAt``...). Redeliveries of one event share it; nested snapshots are left out
    so a re-rendered snapshot does not make a duplicate look new."""
    flat = {
        k: _normal(v)
        for k, v in event.payload.items()
        if not isinstance(v, dict | list)
        or (isinstance(v, list) and all(not isinstance(i, dict | list) for i in v))
    }
    digest = hashlib.sha256(canonical_json(flat)).hexdigest()[:40]
    return f"{event.event_type}:{digest}"
