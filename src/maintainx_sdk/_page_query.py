"""What a list walk sends and reads, without state: the wire parameters, the page size, the
walk defaults per list, the SDK's resume tokens and the validation of a page's items."""

from __future__ import annotations

import base64
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pydantic
from pydantic import BaseModel, TypeAdapter

from ._constants import MAX_PAGE_SIZE
from ._operation import Operation, response_validation_error
from ._response import APIResponse, ResponseMeta
from .errors import ValidationError

#: Lists the API pages by offset behind the cursor (the spec's "Polling for Changes").
OFFSET_PAGED_PATHS = frozenset({"/assets", "/parts", "/purchaseorders"})

UPDATED_GTE = "updatedAt[gte]"
#: Prefix of the resume cursors of anchored walks (SDK state, not the server's cursor).
RESUME_PREFIX = "mxsdk1."
UPDATED_AT = "updatedAt"


def item_id(raw: Any) -> Hashable | None:
    """The ``id`` of a raw list item (None when it has none)."""
    if isinstance(raw, Mapping):
        value = raw.get("id")
        return value if isinstance(value, Hashable) else None
    return None


def query_key(op: Operation[Any], wire: str) -> str:
    """The key under which ``op``'s query model takes the wire parameter ``wire``."""
    model = op.query_model
    if model is not None:
        for name, info in model.model_fields.items():
            if info.alias == wire or name == wire:
                return name
    return wire


def pop_param(op: Operation[Any], query: dict[str, Any], wire: str) -> Any:
    """Remove a parameter given under its wire name or its Python name; return its value."""
    value = query.pop(wire, None)
    alt = query.pop(query_key(op, wire), None)
    return value if value is not None else alt


@lru_cache(maxsize=256)
def _items_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def checked_page_size(op: Operation[Any], limit: Any) -> int:
    if limit is None:
        return MAX_PAGE_SIZE
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise limit_error(op, limit)
    return limit


def limit_error(op: Operation[Any], limit: Any) -> ValidationError:
    shown = repr(limit) if limit is None or isinstance(limit, int | float) else type(limit).__name__
    return ValidationError(
        f"{op.name}: limit must be an integer greater than or equal to 1 and less "
        f"than or equal to {MAX_PAGE_SIZE} (got {shown})",
        errors=[{"field": "limit", "message": f"expected an integer 1..{MAX_PAGE_SIZE}"}],
    )


def default_walk_options(op: Operation[Any], query: Mapping[str, Any]) -> dict[str, bool]:
    """How to walk ``op`` given the caller's query.

    Offset-backed lists drop repeated ids and, unless the caller chose another order, are
    walked in ``updatedAt`` order anchored on ``updatedAt[gte]`` (their default order is
    undocumented, and this is the one order in which edits, inserts and deletes made during
    the walk can neither skip nor repeat a record). Cursor-backed lists sorted by a field
    that edits change (``updatedAt``) drop repeated ids too: an edited row moves behind the
    cursor and would come back.
    """
    offset = op.path in OFFSET_PAGED_PATHS
    sort = query.get("sort", query.get(query_key(op, "sort")))
    sort_value = getattr(sort, "value", sort)
    mutable_order = isinstance(sort_value, str) and sort_value.lstrip("-") == UPDATED_AT
    return {
        "dedupe": offset or mutable_order,
        "anchor": offset and sort_value in (None, UPDATED_AT),
    }


def stamp_of(raw: Any) -> str | None:
    """The ``updatedAt`` of a raw list item (None when it has none)."""
    value = raw.get(UPDATED_AT) if isinstance(raw, Mapping) else None
    return value if isinstance(value, str) else None


def validate_items(op: Operation[Any], raw_items: list[Any], meta: ResponseMeta) -> list[Any]:
    """``op``'s item models of a page's raw items (the raw items when it has no model)."""
    model = op.item_model
    if model is None:
        return raw_items
    try:
        items: list[Any] = _items_adapter(model).validate_python(raw_items)
    except pydantic.ValidationError as exc:
        raise response_validation_error(op.name, exc, meta) from None
    from ._models import attach_page_response  # not at import: it makes pydantic models

    # The page's answer, once per page and without its body (the items hold that).
    attach_page_response(items, model, APIResponse(meta=meta))
    return items


@dataclass(frozen=True, slots=True)
class ResumeState:
    """What an anchored walk's resume token carries."""

    watermark: str | None
    floor: str | None
    cursor: str | None
    delivered: dict[str, str]
    sweeping: bool = False
    owes_sweep: bool = False
    """A full walk that has not yet read the records without a stamp."""


def encode_resume(state: ResumeState) -> str:
    """The resume token (``mxsdk1.`` + base64 JSON) of ``state``."""
    fields: dict[str, Any] = {
        "w": state.watermark,
        "f": state.floor,
        "c": state.cursor,
        "d": state.delivered,
    }
    if state.sweeping:
        fields["s"] = 1
    if state.owes_sweep:
        fields["u"] = 1  # a full walk: the sweep is still owed
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return RESUME_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_resume(token: str, op_name: str) -> ResumeState:
    """The state in a resume token; :class:`ValidationError` when it is not one of ours."""
    body = token[len(RESUME_PREFIX) :]
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return ResumeState(
            watermark=fields["w"],
            floor=fields["f"],
            cursor=fields["c"],
            delivered={str(k): str(v) for k, v in fields["d"].items()},
            sweeping=bool(fields.get("s")),
            owes_sweep=bool(fields.get("u")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValidationError(
            f"{op_name}: cursor {token!r} is not a cursor this SDK handed out; "
            "pass back next_cursor unchanged",
            errors=[{"field": "cursor", "message": "unreadable resume cursor"}],
        ) from None
