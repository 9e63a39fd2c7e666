"""Small pure helpers shared by the telemetry, logging and stats observers."""

from __future__ import annotations

from .._request import APIRequest

#: Breaker states as numbers, for the breaker-state gauge.
BREAKER_STATE_VALUES = {"closed": 0, "half-open": 1, "half_open": 1, "open": 2}


def error_type(*, status_code: int | None, error: BaseException | None) -> str | None:
    """The OTel ``error.type`` of an attempt: the status code for HTTP errors, else the class."""
    if error is not None:
        return type(error).__name__
    if status_code is not None and status_code >= 400:
        return str(status_code)
    return None


def operation_name(request: APIRequest) -> str:
    """A low-cardinality name of the call: the SDK operation, else the method."""
    if request.operation and request.operation != "request":
        return request.operation
    return request.method


def route_of(request: APIRequest) -> str | None:
    """The path template when known (low cardinality); raw paths are not used as labels."""
    return request.path_template


def breaker_state_value(state: str) -> int:
    """0 closed, 1 half-open, 2 open (unknown states count as open: they are not healthy)."""
    return BREAKER_STATE_VALUES.get(state.lower(), 2)
