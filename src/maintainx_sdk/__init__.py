"""maintainx-sdk: the hardened, typed Python SDK for the MaintainX CMMS REST API.

>>> from maintainx_sdk import MaintainX
>>> with MaintainX() as mx:
...     wo = mx.work_orders.get(42)
"""

from __future__ import annotations

from ._client import AsyncMaintainX, MaintainX
from ._config import ClientConfig, PoolLimits, Timeouts
from ._operation import OperationInfo
from ._response import ApiResponse, ResponseMeta
from ._secret import Secret
from ._version import __version__
from .breaker import BreakerPolicy
from .cache import CachePolicy
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConfigurationError,
    ConflictError,
    CursorNotAdvancingError,
    EventLoopMismatchError,
    InternalServerError,
    InvalidTransitionError,
    MaintainXError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PoolExhaustedError,
    RateLimitError,
    UnprocessableEntityError,
    ValidationError,
)
from .ratelimit import Quota, RateLimit, RateLimitBackend, RateLimiter, RouteQuota
from .retry import RetryPolicy


def operations() -> tuple[OperationInfo, ...]:
    """Every API operation the SDK knows: method, path, Python name, paginated, deprecated.

    Read from a generated table; no resource or model module is imported.
    """
    from .resources._index import OPERATIONS

    return tuple(OperationInfo(*row) for row in OPERATIONS)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "ApiResponse",
    "AsyncMaintainX",
    "AuthenticationError",
    "BadRequestError",
    "BreakerPolicy",
    "CachePolicy",
    "CircuitOpenError",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "CursorNotAdvancingError",
    "EventLoopMismatchError",
    "InternalServerError",
    "InvalidTransitionError",
    "MaintainX",
    "MaintainXError",
    "NotFoundError",
    "OperationInfo",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PoolExhaustedError",
    "PoolLimits",
    "Quota",
    "RateLimit",
    "RateLimitBackend",
    "RateLimiter",
    "RateLimitError",
    "ResponseMeta",
    "RetryPolicy",
    "RouteQuota",
    "Secret",
    "Timeouts",
    "UnprocessableEntityError",
    "ValidationError",
    "__version__",
    "operations",
]
