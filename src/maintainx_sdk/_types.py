"""Small runtime helpers the generated models and resources share (hand-written)."""

from __future__ import annotations

import math
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
    if not isinstance(ids, list | tuple):
        raise ValidationError(
            f"organization_ids must be a list or tuple of integers, got {type(ids).__name__}"
            + (" (a set has no order)" if isinstance(ids, set | frozenset) else ""),
            errors=[{"field": "organization_ids", "message": "expected a list of int"}],
        )
    out: list[str] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"organization_ids must hold integers, got {value!r}",
                errors=[{"field": "organization_ids", "message": "expected int"}],
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
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise ValidationError(
            "custom_fields must map field labels to a value or a list of values, got a "
            f"{type(filters).__name__}",
            errors=[{"field": "custom_fields", "message": "expected a mapping"}],
        )
    out: dict[str, Any] = {}
    for label, value in filters.items():
        if not isinstance(label, str) or not label:
            raise ValidationError(
                f"custom field filter labels must be non-empty strings, got {label!r}",
                errors=[{"field": "custom_fields", "message": "bad label"}],
            )
        key = f"{label}__c" if label in reserved else label
        values = list(value) if isinstance(value, list | tuple) else [value]
        if not values:
            raise ValidationError(
                f"custom_fields[{label!r}]: give at least one value, or leave the label out",
                errors=[{"field": f"custom_fields.{label}", "message": "empty"}],
            )
        out[key] = [_filter_value(label, v) for v in values]
    return out


def _filter_value(label: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise ValidationError(
        f"custom_fields[{label!r}]: values must be strings or finite numbers (or a list of "
        f"them), got {type(value).__name__}",
        errors=[{"field": f"custom_fields.{label}", "message": "expected str, int or float"}],
    )


def check_content_type(operation: str, content_type: str, allowed: frozenset[str]) -> None:
    """Reject an upload whose media type the API does not list, before anything is sent."""
    if not isinstance(content_type, str):
        raise ValidationError(
            f"{operation}: content_type must be a media type string such as 'image/png', got "
            f"{type(content_type).__name__}",
            errors=[{"field": "content_type", "message": "expected str"}],
        )
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
