"""What the pipeline hands back for every call: the raw HTTP facts plus the attempt history."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from .errors import APIResponseValidationError, RetryRecord

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


class _NotDecoded:
    def __repr__(self) -> str:
        return "NOT_DECODED"


#: :attr:`APIResponse.value` before the request's decoder ran (or when it has none).
NOT_DECODED: Final = _NotDecoded()

#: How a request's answer body becomes a value; raises :class:`APIResponseValidationError`.
Decoder = Callable[["APIResponse"], Any]


@dataclass(slots=True)
class APIResponse:
    """A raw API response, as returned by ``client.request(...)``."""

    meta: ResponseMeta
    content: bytes = field(repr=False, default=b"")
    value: Any = field(repr=False, default=NOT_DECODED, compare=False)
    """What the request's decoder made of the body (the pipeline runs it once, on success)."""
    decoded_by: Decoder | None = field(repr=False, default=None, compare=False)
    """The decoder that made :attr:`value`."""
    _json: Any = field(init=False, repr=False, default=NOT_DECODED, compare=False)

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
        """The body decoded as JSON (``None`` for an empty body).

        A body that is not JSON raises :class:`APIResponseValidationError`.
        """
        if self._json is NOT_DECODED:
            if not self.content:
                return None
            try:
                self._json = json.loads(self.content)
            except (ValueError, RecursionError) as exc:  # RecursionError: absurd nesting
                why = f"the body is not JSON ({exc})"
            else:
                return self._json
            # Raised outside the except block: the decoder's error (its ``doc`` is the whole
            # body, which may echo the key) must not ride along as ``__context__``.
            raise body_error(self.meta, why)
        return self._json

    def parse(self, model: type[_M]) -> _M:
        """The body validated straight from bytes into ``model``."""
        return model.model_validate_json(self.content or b"{}")


def body_error(
    meta: ResponseMeta, why: str, errors: Sequence[Mapping[str, Any]] = ()
) -> APIResponseValidationError:
    """The error for a success answer whose body is missing, not JSON or not the right shape."""
    return APIResponseValidationError(
        f"{meta.method} {meta.path} -> {meta.status_code}: {why}",
        status_code=meta.status_code,
        errors=errors or [{"field": "body", "message": why}],
        method=meta.method,
        path=meta.path,
        attempts=meta.attempts,
        retries=meta.retries,
    )


def require_json(response: APIResponse) -> Any:
    """A :data:`Decoder` for answers that must carry a JSON body (an empty one is an error)."""
    if not response.content:
        raise body_error(response.meta, "the answer has no body, but one was expected")
    return response.json()
