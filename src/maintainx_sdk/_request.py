"""The SDK's own description of one request, before it becomes an httpx.Request."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .errors import ValidationError

if TYPE_CHECKING:
    from ._response import Decoder

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class APIRequest:
    """One logical API call. ``path`` is relative to the base URL, parameters already filled.

    ``retry_safe`` says whether sending it twice is harmless (GET, PUT, DELETE, status PATCHes,
    guarded creates); the pipeline never repeats an unsafe request that may have reached the
    server. ``cacheable`` marks reads of static resources the degradation cache may serve.
    """

    method: str
    path: str
    params: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    operation: str | None = None
    path_template: str | None = None
    retry_safe: bool | None = None
    cacheable: bool = False
    invalidates: tuple[str, ...] = ()
    """Resource path prefixes whose cached reads a successful call makes stale."""
    auth: bool = True
    """False for the few operations the API serves without a bearer token: none is sent."""
    decode: Decoder | None = field(default=None, compare=False)
    """Parses a success answer's body (the one guarded place). A body it rejects raises
    ``APIResponseValidationError``, and the pipeline retries it when the request is safe to
    repeat. None: any body is accepted as it is."""

    @property
    def is_retry_safe(self) -> bool:
        if self.retry_safe is not None:
            return self.retry_safe
        return self.method.upper() in SAFE_METHODS

    @property
    def route(self) -> str:
        """A low-cardinality name of the route, for spans, metrics and logs."""
        return self.path_template or self.path


#: Longest path plus query string sent: proxies commonly refuse request lines over 8 KiB,
#: and this leaves room for the base URL.
MAX_URL_LENGTH = 8000


def encode_query(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Encode query values as the API expects: arrays repeat the key, booleans are lowercase.

    Only strings, numbers, booleans, dates and string enums (or lists and tuples of them)
    can be sent; anything else is a :class:`ValidationError`, never its ``str()``.
    """
    out: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, set | frozenset):
            raise _bad_query(key, value, "a set has no order; pass a list or tuple")
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            out.append((key, _scalar(key, item)))
    return out


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad_query(key, value, "NaN and Infinity cannot be sent")
        return repr(value)
    if isinstance(value, date):
        return value.isoformat().replace("+00:00", "Z")
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str):
        return enum_value
    raise _bad_query(
        key, value, f"a {type(value).__name__} cannot be sent; pass a str, int, float or bool"
    )


def _bad_query(key: str, value: Any, why: str) -> ValidationError:
    return ValidationError(
        f"query parameter {key!r}: {why} (got {_short(value)})",
        errors=[{"field": key, "message": why}],
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_url_length(operation: str, path: str, params: Sequence[tuple[str, str]]) -> None:
    """Refuse, before anything is sent, a request whose URL no server would take."""
    if not params and path.isascii() and len(path) * 3 < MAX_URL_LENGTH:
        return  # percent-encoding makes an ASCII character at most 3 long
    length = len(quote(path)) + 1 + len(urlencode(list(params), quote_via=quote))
    if length > MAX_URL_LENGTH:
        longest = max(params, key=lambda kv: len(kv[1]), default=("", ""))[0]
        raise ValidationError(
            f"{operation}: the URL would be {length} characters long (at most {MAX_URL_LENGTH} "
            f"are sent); shorten the query values"
            + (f" (the longest is {longest!r})" if longest else ""),
            errors=[{"field": longest or "path", "message": "URL too long", "length": length}],
        )
