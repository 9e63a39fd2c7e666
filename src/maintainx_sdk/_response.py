"""What the pipeline hands back for every call: the raw HTTP facts plus the attempt history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from .errors import RetryRecord

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ResponseMeta:
    """The HTTP facts of one call: status, headers, attempts made, retries and why."""

    method: str
    path: str
    status_code: int
    headers: Mapping[str, str]
    attempts: int = 1
    retries: tuple[RetryRecord, ...] = ()
    elapsed: float = 0.0
    stale: bool = False
    """True when the value came from the degradation cache instead of the API."""


@dataclass(slots=True)
class ApiResponse:
    """A raw API response, as returned by ``client.request(...)``."""

    meta: ResponseMeta
    content: bytes = field(repr=False, default=b"")

    @property
    def method(self) -> str:
        return self.meta.method

    @property
    def path(self) -> str:
        return self.meta.path

    @property
    def status_code(self) -> int:
        return self.meta.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self.meta.headers

    @property
    def attempts(self) -> int:
        return self.meta.attempts

    @property
    def retries(self) -> tuple[RetryRecord, ...]:
        return self.meta.retries

    @property
    def stale(self) -> bool:
        return self.meta.stale

    @property
    def elapsed(self) -> float:
        return self.meta.elapsed

    def json(self) -> Any:
        """The body decoded as JSON (``None`` for an empty body)."""
        if not self.content:
            return None
        return json.loads(self.content)

    def parse(self, model: type[_M]) -> _M:
        """The body validated straight from bytes into ``model``."""
        return model.model_validate_json(self.content or b"{}")
