"""Operation descriptors and the pure steps around a call: validate, build, parse.

Generated resources describe each API operation with an :class:`Operation`; the resource
base classes call :func:`build_request` and :func:`parse_response` around the pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import quote

import pydantic
from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticSerializationError

from ._descriptor import Operation as Operation  # re-exported: namespaces import it here
from ._omit import strip_omitted
from ._request import APIRequest, check_url_length, encode_query
from ._response import APIResponse, Decoder, ResponseMeta, body_error, require_json
from ._strict import json_value
from .errors import APIResponseValidationError, ValidationError

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """The public, introspectable face of an operation (see :func:`maintainx_sdk.operations`)."""

    method: str
    path: str
    python_name: str
    paginated: bool
    deprecated: bool


def drop_none(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Arguments left as ``None`` are not sent."""
    if not values:
        return {}
    return {k: v for k, v in values.items() if v is not None}


def to_validation_error(op_name: str, exc: pydantic.ValidationError, where: str) -> ValidationError:
    """Turn pydantic's error into the SDK's, naming each field and the allowed values."""
    items: list[dict[str, Any]] = []
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or where
        ctx = err.get("ctx") or {}
        allowed = ctx.get("expected")
        entry: dict[str, Any] = {
            "field": field,
            "message": err.get("msg", ""),
            "type": err.get("type"),
        }
        if allowed is not None:
            entry["allowed"] = str(allowed)
        if "input" in err and not isinstance(err["input"], dict | list):
            entry["input"] = err["input"]
        items.append(entry)
        got = f" (got {err['input']!r})" if "input" in entry else ""
        lines.append(f"{field}: {err.get('msg', '')}{got}")
    message = f"{op_name}: invalid {where}: " + "; ".join(lines)
    return ValidationError(message, errors=items)


def response_validation_error(
    op_name: str, exc: pydantic.ValidationError, meta: ResponseMeta
) -> APIResponseValidationError:
    """The error for an answer whose body is not JSON or not the documented shape."""
    detail = to_validation_error(op_name, exc, "response body")
    return APIResponseValidationError(
        f"{meta.method} {meta.path} -> {meta.status_code}: {detail}",
        status_code=meta.status_code,
        errors=detail.errors,
        method=meta.method,
        path=meta.path,
        attempts=meta.attempts,
        retries=meta.retries,
    )


def _validate(op: Operation[Any], model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise to_validation_error(op.name, exc, where) from None


#: What an empty query validates to, per query model: most calls pass no query argument,
#: and validating the same empty input again cannot give another answer.
_EMPTY_QUERY: dict[type[BaseModel], dict[str, Any]] = {}


def _query_values(op: Operation[Any], model: type[BaseModel], values: dict[str, Any]) -> Any:
    if not values and model in _EMPTY_QUERY:
        return _EMPTY_QUERY[model]
    dumped = _validate(op, model, values, "query parameters").model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    if not values:
        _EMPTY_QUERY[model] = dumped
    return dumped


def _path_int(op_name: str, name: str, value: Any) -> int:
    """An id for the URL: an int, or a string of digits (ids read from JSON or a CSV)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise ValidationError(
        f"{op_name}: path parameter {name!r} must be an integer id (got {value!r})",
        errors=[{"field": name, "message": "must be an integer id", "input": repr(value)}],
    )


def _header(op_name: str, name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(
        f"{op_name}: header {name!r} must be a string (got {type(value).__name__})",
        errors=[{"field": name, "message": "expected str"}],
    )


def _json_body(op_name: str, body: Any) -> Any:
    """The body as plain JSON: NaN, Infinity, sets and objects are refused at any depth."""
    try:
        return json_value(body)
    except ValueError as exc:
        raise ValidationError(
            f"{op_name}: invalid request body: {exc}",
            errors=[{"field": "body", "message": str(exc)}],
        ) from None


def build_request(
    op: Operation[Any],
    *,
    path: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    body: Any = None,
    content: bytes | None = None,
    content_type: str | None = None,
    retry_safe: bool | None = None,
) -> APIRequest:
    """Validate the arguments of ``op`` and build its :class:`APIRequest`; raise before I/O."""
    url_path = op.path
    for name, value in (path or {}).items():
        if value is None or value == "":
            raise ValidationError(
                f"{op.name}: path parameter {name!r} is required",
                errors=[{"field": name, "message": "required"}],
            )
        if name in op.int_path_params:
            value = _path_int(op.name, name, value)
        elif not isinstance(value, str):
            raise ValidationError(
                f"{op.name}: path parameter {name!r} must be a string (got {type(value).__name__})",
                errors=[{"field": name, "message": "expected str"}],
            )
        elif value in (".", ".."):
            # A dot segment is resolved, not sent: ".." would turn DELETE .../attachments/..
            # into a DELETE of the record itself.
            raise ValidationError(
                f"{op.name}: path parameter {name!r} cannot be {value!r}",
                errors=[{"field": name, "message": "'.' and '..' are not names"}],
            )
        url_path = url_path.replace("{" + name + "}", quote(str(value), safe=""))
    if "{" in url_path:
        missing = url_path[url_path.index("{") + 1 : url_path.index("}")]
        raise ValidationError(
            f"{op.name}: path parameter {missing!r} is required",
            errors=[{"field": missing, "message": "required"}],
        )

    query_values = strip_omitted(query)
    if op.query_model is not None:
        query_values = _query_values(op, op.query_model, query_values)
    params = encode_query(query_values)
    check_url_length(op.name, url_path, params)

    header_values = {k: _header(op.name, k, v) for k, v in drop_none(headers).items()}

    json_body: Any = None
    if op.body_kind == "binary":
        if content is None:
            raise ValidationError(
                f"{op.name}: file content (bytes) is required",
                errors=[{"field": "content", "message": "required"}],
            )
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ValidationError(
                f"{op.name}: file content must be bytes (got {type(content).__name__}); "
                "read the file in binary mode",
                errors=[{"field": "content", "message": "expected bytes"}],
            )
        if content_type is not None and not isinstance(content_type, str):
            raise ValidationError(
                f"{op.name}: content_type must be a string (got {type(content_type).__name__})",
                errors=[{"field": "content_type", "message": "expected str"}],
            )
        header_values.setdefault("Content-Type", content_type or "application/octet-stream")
    elif op.body_model is not None:
        data = strip_omitted(body) if isinstance(body, Mapping) else body
        validated = _validate(op, op.body_model, data, "request body")
        try:
            dumped = validated.model_dump(mode="json", by_alias=True, exclude_unset=True)
        except PydanticSerializationError as exc:
            raise ValidationError(
                f"{op.name}: the request body cannot be written as JSON: {exc}",
                errors=[{"field": "body", "message": "not JSON-serialisable"}],
            ) from None
        json_body = _json_body(op.name, dumped)
    elif body is not None:
        json_body = _json_body(op.name, body)

    return APIRequest(
        method=op.method,
        path=url_path,
        params=params,
        headers=header_values,
        json=json_body,
        content=bytes(content) if op.body_kind == "binary" and content is not None else None,
        operation=op.name,
        path_template=op.path,
        retry_safe=op.retry_safe if retry_safe is None else retry_safe,
        cacheable=op.cacheable,
        invalidates=op.invalidates,
        auth=op.auth,
        decode=response_decoder(op),
    )


def response_decoder(op: Operation[Any]) -> Decoder | None:
    """How the pipeline parses a success answer to ``op``: into its response model (the
    record, for an envelope); as JSON for pages (their items are validated one by one); None
    when the spec's success carries no body (then any body is ignored)."""
    if op.response_model is None:
        return None
    if op.paginated:
        return PageDecoder(op)
    return ModelDecoder(op)


@dataclass(frozen=True, slots=True, eq=False)
class PageDecoder:
    """Parses a page answer as JSON holding the items list (the walk validates each item), so
    a body that is no page is an APIResponseValidationError the pipeline retries."""

    op: Operation[Any]

    def __call__(self, response: APIResponse) -> Any:
        data = require_json(response)
        key = self.op.items_key
        if key is not None and not (isinstance(data, Mapping) and isinstance(data.get(key), list)):
            raise body_error(
                response.meta,
                f"{self.op.name}: the response is not a page (no {key!r} list)",
                [{"field": key, "message": "expected a list of items"}],
            )
        return data


@dataclass(frozen=True, slots=True, eq=False)
class ModelDecoder:
    """Parses an answer into ``op``'s response model; raises APIResponseValidationError."""

    op: Operation[Any]

    def __call__(self, response: APIResponse) -> Any:
        op, meta = self.op, response.meta
        model = op.response_model
        assert model is not None
        if not response.content:
            raise body_error(meta, f"{op.name}: the answer has no body, but the API documents one")
        try:
            parsed: Any = model.model_validate_json(response.content)
        except pydantic.ValidationError as exc:
            raise response_validation_error(op.name, exc, meta) from None
        if op.unwrap is not None:
            parsed = getattr(parsed, op.unwrap)
            if parsed is None:
                field = to_camel(op.unwrap)
                raise body_error(
                    meta,
                    f"{op.name}: the response holds no {field!r} record",
                    [{"field": field, "message": "missing in response"}],
                )
        return parsed


def parse_response(op: Operation[R], response: APIResponse) -> R:
    """The answer to ``op`` as its response model (for a one-key envelope such as
    ``{"workOrder": {...}}``, the record); decoded once, by the pipeline, when the response
    came through it. An empty or malformed body is APIResponseValidationError; only
    operations whose spec success has no body return an :class:`EmptyResponse`."""
    # Imported here: the model base classes are pydantic models, and making the first one
    # imports the part of pydantic that builds them; ``import maintainx_sdk`` needs none.
    from ._models import EmptyResponse, attach_response

    if op.response_model is None:
        empty = EmptyResponse()
        attach_response(empty, response)
        return cast(R, empty)
    decoder = response.decoded_by
    if isinstance(decoder, ModelDecoder) and decoder.op is op:
        parsed = response.value
    else:
        parsed = ModelDecoder(op)(response)
    attach_response(parsed, response)
    return cast(R, parsed)
