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
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BulkError,
    CheckpointConflictError,
    CircuitOpenError,
    ConfigurationError,
    ConflictError,
    CursorNotAdvancingError,
    EventLoopMismatchError,
    IdempotencyError,
    IdempotencyInProgressError,
    IdempotencyKeyReuseError,
    InternalServerError,
    InvalidTransitionError,
    MaintainXError,
    MalformedSignatureHeaderError,
    MissingSignatureHeaderError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PoolExhaustedError,
    RateLimitError,
    RetryRecord,
    SignatureMismatchError,
    StaleWebhookError,
    UnprocessableEntityError,
    ValidationError,
    WebhookVerificationError,
)
from .ratelimit import Quota, RateLimit, RateLimitBackend, RateLimiter, RouteQuota
from .retry import RetryPolicy
from .workflow import TablePolicy, TransitionPolicy, allowed_transitions


def operations() -> tuple[OperationInfo, ...]:
    """Every API operation the SDK knows: method, path, Python name, paginated, deprecated.

    Read from a generated table; no resource or model module is imported.
    """
    from .resources._index import OPERATIONS

    return tuple(OperationInfo(*row) for row in OPERATIONS)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiResponse",
    "AsyncMaintainX",
    "AuthenticationError",
    "BadRequestError",
    "BreakerPolicy",
    "BulkError",
    "CachePolicy",
    "CheckpointConflictError",
    "CircuitOpenError",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "CursorNotAdvancingError",
    "EventLoopMismatchError",
    "IdempotencyError",
    "IdempotencyInProgressError",
    "IdempotencyKeyReuseError",
    "InternalServerError",
    "InvalidTransitionError",
    "MaintainX",
    "MaintainXError",
    "MalformedSignatureHeaderError",
    "MissingSignatureHeaderError",
    "NotFoundError",
    "OperationInfo",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PoolExhaustedError",
    "PoolLimits",
    "Quota",
    "RateLimit",
    "RateLimitBackend",
    "RateLimitError",
    "RateLimiter",
    "ResponseMeta",
    "RetryPolicy",
    "RetryRecord",
    "RouteQuota",
    "Secret",
    "SignatureMismatchError",
    "StaleWebhookError",
    "TablePolicy",
    "Timeouts",
    "TransitionPolicy",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookVerificationError",
    "__version__",
    "allowed_transitions",
    "operations",
]
