"""The SDK's exception tree: one class per failure a caller handles differently.

Every message names the method, path and status where there is one, and the API's own
error text; none ever contains the API key.

Longer than 400 lines because the whole tree is one module on purpose: callers import every
exception from ``maintainx_sdk.errors``, and the key scrubbing each error applies to itself
(messages, bodies, chains, pickles) has to sit with the base class that runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BackendUnavailableError",
    "BadRequestError",
    "BulkError",
    "CircuitOpenError",
    "ConfigurationError",
    "ConflictError",
    "CursorNotAdvancingError",
    "EventLoopMismatchError",
    "IdempotencyError",
    "IdempotencyInProgressError",
    "IdempotencyKeyReuseError",
    "InternalServerError",
    "InvalidTransitionError",
    "MaintainXError",
    "MalformedSignatureHeaderError",
    "MissingSignatureHeaderError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PoolExhaustedError",
    "RateLimitError",
    "RetryRecord",
    "SignatureMismatchError",
    "StaleWebhookError",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookVerificationError",
    "status_error_class",
]


class MaintainXError(Exception):
    """Base class of every error the SDK raises.

    Messages, bodies and headers are redacted (the API key, bearer tokens, auth headers) when
    the error is made and again when it is pickled; see :func:`scrub_chain` for the chain.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*(_redact(a) if isinstance(a, str) else a for a in args))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt without calling __init__ (subclasses take required keywords), redacted.
        return (
            _restore,
            (type(self), _redact_value(list(self.args)), _redact_value(self.__dict__)),
        )


def _restore(cls: type[MaintainXError], args: list[Any], state: dict[str, Any]) -> MaintainXError:
    error = cls.__new__(cls)
    error.args = tuple(args)
    error.__dict__.update(state)
    return error


def _redact(text: str) -> str:
    from .observability._redact import redact  # lazy: observability imports this module

    return redact(text)


def _redact_value(value: Any) -> Any:
    from .observability._redact import redact_value

    return redact_value(value)


def scrub_chain(error: BaseException) -> BaseException:
    """Cut foreign exceptions that carry an HTTP request or response (httpx's, with the
    ``Authorization`` header inside), or whose text shows a secret (a parser quoting a body
    that echoes the key), out of ``error``'s ``__cause__``/``__context__`` chain.

    The SDK's own errors in the chain are kept (they are redacted when made); the rest of
    the chain is kept when it holds neither. Returns ``error``.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for link in ("__cause__", "__context__"):
            inner = getattr(current, link)
            if inner is not None and (_carries_http(inner) or _shows_secret(inner)):
                setattr(current, link, None)
                if link == "__cause__":
                    current.__suppress_context__ = True
        current = current.__cause__ or current.__context__
    return error


def _shows_secret(error: BaseException) -> bool:
    if isinstance(error, MaintainXError):
        return False
    try:
        texts = (str(error), repr(error), repr(getattr(error, "__dict__", "")))
    except Exception:  # a broken __str__ shows nothing, but cannot be checked either
        return True
    return any(_redact(text) != text for text in texts)


def _carries_http(error: BaseException) -> bool:
    return isinstance(error, httpx.HTTPError | httpx.InvalidURL) or type(
        error
    ).__module__.startswith("httpcore")


class ConfigurationError(MaintainXError):
    """The client is misconfigured (no key, a bad base URL, a bad policy value)."""


class ValidationError(MaintainXError, ValueError):
    """Input failed validation before any request was sent.

    (Its subclass :class:`APIResponseValidationError` is the API's answer failing validation.)

    ``errors`` lists one entry per problem: ``{"field": ..., "message": ..., "allowed": [...]}``.
    """

    def __init__(self, message: str, *, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors: list[dict[str, Any]] = _redact_value([dict(e) for e in errors])


class EventLoopMismatchError(MaintainXError, RuntimeError):
    """An async client was used from an event loop other than the one it was created on."""


class CursorNotAdvancingError(MaintainXError):
    """The API returned the same cursor twice: paging would loop forever."""


class BackendUnavailableError(MaintainXError):
    """A backend the SDK relies on (Redis for the shared rate limiter, the idempotency store or
    the checkpoint store) could not be reached or did not answer in time.

    Nothing conflicted: retry when it is back. ``backend`` names which one.
    """

    def __init__(self, message: str, *, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class CheckpointConflictError(MaintainXError):
    """Another run of the same incremental sync moved the checkpoint while this one worked on
    a page: this page is rolled back (its handler writes through ``batch.transaction`` with
    it), so nothing is processed twice. Run one sync per key at a time, or just run again."""


class InvalidTransitionError(MaintainXError, ValueError):
    """A work-order status move that the transition policy forbids."""

    def __init__(
        self, current: str, target: str, allowed: Sequence[str], *, hint: str | None = None
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = tuple(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none"
        message = f"cannot move a work order from {current} to {target}; allowed: {allowed_text}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class IdempotencyError(MaintainXError):
    """A guarded create could not proceed because of the state of its idempotency key."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class IdempotencyInProgressError(IdempotencyError):
    """Another caller holds a live claim on this idempotency key: wait and re-run.

    ``retry_after`` is how many seconds remain on that caller's claim.
    """

    def __init__(self, message: str, *, key: str, retry_after: float | None = None) -> None:
        super().__init__(message, key=key)
        self.retry_after = retry_after


class IdempotencyKeyReuseError(IdempotencyError, ValueError):
    """The idempotency key was already used for a create with a different payload."""


class WebhookVerificationError(MaintainXError):
    """A webhook delivery failed verification: answer it with 4xx and do not process it."""


class MissingSignatureHeaderError(WebhookVerificationError):
    """A signature header is absent (both x-maintainx-webhook-*-signature headers are needed)."""


class MalformedSignatureHeaderError(WebhookVerificationError):
    """A signature header is not of the form ``t=<timestamp>,v1=<hex digest>``."""


class SignatureMismatchError(WebhookVerificationError):
    """No ``v1`` signature matches: wrong secret, or the body or URL was altered."""


class StaleWebhookError(WebhookVerificationError):
    """The signed timestamp is outside the tolerance (a replayed or delayed delivery)."""

    def __init__(self, message: str, *, age: float) -> None:
        super().__init__(message)
        self.age = age


class BulkError(MaintainXError):
    """Some items of a bulk call failed; ``failures`` holds each failed item's result
    (its index, key and exception). Raised only by ``BulkResult.raise_for_failures()``."""

    def __init__(self, message: str, *, failures: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.failures: list[Any] = list(failures)


@dataclass(frozen=True, slots=True)
class RetryRecord:
    """One retry the pipeline made: which attempt failed, why, and how long it waited."""

    attempt: int
    reason: str
    wait: float


class APIError(MaintainXError):
    """A request was attempted and failed. Carries where and how often it was tried."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        attempts: int = 1,
        retries: Sequence[RetryRecord] = (),
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path if path is None else _redact(path)
        self.attempts = attempts
        self.retries: tuple[RetryRecord, ...] = tuple(retries)


class APIConnectionError(APIError):
    """The API could not be reached (DNS, refused, reset) and retries did not help."""


class APITimeoutError(APIConnectionError):
    """The request timed out (per attempt, or the overall deadline ran out)."""


class PoolExhaustedError(APIConnectionError):
    """No pooled connection became free in time: raise the pool limits or lower concurrency."""


class CircuitOpenError(APIConnectionError):
    """The circuit breaker is open: the call failed fast without touching the network."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class OutcomeUnknownError(APIError):
    """A non-idempotent write may or may not have been applied; it was not retried.

    Re-run it with an idempotency key (or look the record up) to resolve the outcome.
    """

    def __init__(self, message: str, *, cause_description: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.cause_description = cause_description


class APIResponseValidationError(APIError, ValidationError):
    """The API answered, but the body is not JSON or not the shape the spec documents.

    Caught by ``except APIError`` (the server's fault, not yours) and, for code written
    against older versions, by ``except ValidationError``; ``errors`` names the fields.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        errors: Sequence[Mapping[str, Any]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.status_code = status_code
        self.errors = _redact_value([dict(e) for e in errors])


class APIStatusError(APIError):
    """The API answered with an error status."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        api_errors: Sequence[Mapping[str, Any]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.status_code = status_code
        self.body = _redact_value(body)
        self.headers: dict[str, str] = _redact_value(dict(headers or {}))
        self.api_errors: list[dict[str, Any]] = _redact_value([dict(e) for e in api_errors])


class BadRequestError(APIStatusError):
    """400: the API rejected the request's body or parameters."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (or the feature is off for the organization)."""


class NotFoundError(APIStatusError):
    """404: no such record."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the record's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: the quota is spent. ``retry_after`` is the wait the server asked for, in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        limit: int | None = None,
        remaining: int | None = None,
        reset: float | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.limit = limit
        self.remaining = remaining
        self.reset = reset


class InternalServerError(APIStatusError):
    """5xx: the API failed on its side."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)
