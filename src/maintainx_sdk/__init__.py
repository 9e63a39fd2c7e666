"""maintainx-sdk: the hardened, typed Python SDK for the MaintainX CMMS REST API.

>>> from maintainx_sdk import MaintainX
>>> with MaintainX() as mx:
...     wo = mx.work_orders.get(42)

Every public submodule is an attribute of the package, loaded on first use:

>>> import maintainx_sdk
>>> report = maintainx_sdk.readiness.check()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._client import AsyncMaintainX, MaintainX
from ._omit import Omit, omit
from ._secret import Secret
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BackendUnavailableError,
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

if TYPE_CHECKING:  # what type checkers see; at run time ``__getattr__`` loads them on first use
    from . import breaker as breaker
    from . import bulk as bulk
    from . import cache as cache
    from . import checkpoints as checkpoints
    from . import cli as cli
    from . import errors as errors
    from . import idempotency as idempotency
    from . import mirror as mirror
    from . import models as models
    from . import observability as observability
    from . import pagination as pagination
    from . import progress as progress
    from . import progress_bars as progress_bars
    from . import ratelimit as ratelimit
    from . import ratelimit_redis as ratelimit_redis
    from . import readiness as readiness
    from . import reconcile as reconcile
    from . import resources as resources
    from . import retry as retry
    from . import settings as settings
    from . import sync as sync
    from . import testing as testing
    from . import webhook_events as webhook_events
    from . import webhooks as webhooks
    from . import workflow as workflow
    from ._config import ClientConfig, PoolLimits, Timeouts
    from ._operation import OperationInfo
    from ._response import APIResponse, ResponseMeta
    from .breaker import BreakerPolicy
    from .cache import CachePolicy
    from .ratelimit import Quota, RateLimit, RateLimitBackend, RateLimiter, RouteQuota
    from .retry import RetryPolicy
    from .workflow import TablePolicy, TransitionPolicy, allowed_transitions

#: The public submodules, importable as attributes (``maintainx_sdk.readiness.check()``).
SUBMODULES = frozenset(
    {
        "breaker",
        "bulk",
        "cache",
        "checkpoints",
        "cli",
        "errors",
        "idempotency",
        "mirror",
        "models",
        "observability",
        "pagination",
        "progress",
        "progress_bars",
        "ratelimit",
        "ratelimit_redis",
        "readiness",
        "reconcile",
        "resources",
        "retry",
        "settings",
        "sync",
        "testing",
        "webhook_events",
        "webhooks",
        "workflow",
    }
)


#: Public names ``import maintainx_sdk`` does not need: their modules load on first use (a
#: client loads the policies and the response types when it is made, the namespaces the rest).
_LAZY_NAMES = {
    "APIResponse": "_response",
    "BreakerPolicy": "breaker",
    "CachePolicy": "cache",
    "ClientConfig": "_config",
    "OperationInfo": "_operation",
    "PoolLimits": "_config",
    "Quota": "ratelimit",
    "RateLimit": "ratelimit",
    "RateLimitBackend": "ratelimit",
    "RateLimiter": "ratelimit",
    "ResponseMeta": "_response",
    "RetryPolicy": "retry",
    "RouteQuota": "ratelimit",
    "Timeouts": "_config",
    "TablePolicy": "workflow",
    "TransitionPolicy": "workflow",
    "allowed_transitions": "workflow",
}


def __getattr__(name: str) -> object:
    # PEP 562: a submodule is imported the first time it is asked for, so that
    # ``import maintainx_sdk`` stays as cheap as the core it needs.
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | SUBMODULES | set(_LAZY_NAMES))


def operations() -> tuple[OperationInfo, ...]:
    """Every API operation the SDK knows: method, path, Python name, paginated, deprecated.

    Read from a generated table; no resource or model module is imported.
    """
    from ._operation import OperationInfo
    from .resources._index import OPERATIONS

    return tuple(OperationInfo(*row) for row in OPERATIONS)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncMaintainX",
    "AuthenticationError",
    "BackendUnavailableError",
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
    "Omit",
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
    "omit",
    "operations",
]
