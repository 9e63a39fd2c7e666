"""The SDK's own description of one request, before it becomes an httpx.Request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._response import Decoder

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class ApiRequest:
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


def encode_query(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Encode query values as the API expects: arrays repeat the key, booleans are lowercase."""
    out: list[tuple[str, str]] = []
    for key, value in query.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in values:
            if item is None:
                continue
            out.append((key, _scalar(item)))
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        return text.replace("+00:00", "Z")
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str):
        return enum_value
    return str(value)
