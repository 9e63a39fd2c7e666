"""Small runtime helpers the generated models and resources share (hand-written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ValidatorFunctionWrapHandler, WrapValidator

from .errors import ValidationError


def _lenient_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Parse ISO 8601 with or without milliseconds, ``Z`` or an offset, a bare date or epoch
    seconds; a value that is not a date at all is kept as the raw string rather than failing
    the whole response."""
    try:
        return handler(value)
    except ValueError:
        if isinstance(value, str):
            return value
        raise


#: A date-time read from the API, parsed leniently (see :func:`_lenient_datetime`).
LenientDatetime = Annotated[datetime, WrapValidator(_lenient_datetime)]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("the API does not accept null here; leave the argument out instead")
    return value


_T = TypeVar("_T")

#: An optional request field the spec does not let be null: absent when unset, and an
#: explicit ``None`` is refused before anything is sent (``X | None`` only so that the
#: unset default type-checks; the default is never sent).
NotNull = Annotated[_T | None, BeforeValidator(_refuse_null)]


def join_ids(ids: Sequence[int] | None) -> str | None:
    """``[1, 2, 3]`` -> ``"1,2,3"`` for the ``x-organization-ids`` header (``None`` stays None)."""
    if ids is None:
        return None
    if isinstance(ids, str | bytes):
        raise ValidationError(
            "organization_ids must be a sequence of integers, not a string",
            errors=[{"field": "organization_ids", "message": "expected a sequence of int"}],
        )
    out: list[str] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"organization_ids must hold integers, got {value!r}",
                errors=[{"field": "organization_ids", "message": "expected int", "input": value}],
            )
        out.append(str(value))
    if not out:
        raise ValidationError(
            "organization_ids must not be empty (leave it as None to use the client default)",
            errors=[{"field": "organization_ids", "message": "empty"}],
        )
    return ",".join(out)


def custom_field_query(
    filters: Mapping[str, str | int | float | Sequence[str | int | float]] | None,
    reserved: frozenset[str],
) -> dict[str, Any]:
    """Custom-field filters use the field's label as the query key; a label that clashes with
    a parameter of the operation gets the ``__c`` suffix the API asks for."""
    out: dict[str, Any] = {}
    for label, value in (filters or {}).items():
        if not isinstance(label, str) or not label:
            raise ValidationError(
                f"custom field filter labels must be non-empty strings, got {label!r}",
                errors=[{"field": "custom_fields", "message": "bad label"}],
            )
        key = f"{label}__c" if label in reserved else label
        if isinstance(value, str | int | float):
            out[key] = [str(value)]
        else:
            out[key] = [str(v) for v in value]
    return out


def check_content_type(operation: str, content_type: str, allowed: frozenset[str]) -> None:
    """Reject an upload whose media type the API does not list, before anything is sent."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base in allowed:
        return
    major = base.split("/")[0] + "/"
    ranked = sorted(
        allowed, key=lambda t: (not t.startswith(major), t == "application/octet-stream", t)
    )
    examples = ", ".join(ranked[:5])
    hint = f"; for example {examples}" if examples else ""
    raise ValidationError(
        f"{operation}: content_type {content_type!r} is not a media type the API accepts for this "
        f"upload ({len(allowed)} are listed in maintainx_sdk.resources._media_types{hint}); "
        "use 'application/octet-stream' for anything else",
        errors=[
            {"field": "content_type", "message": "unsupported media type", "input": content_type}
        ],
    )
