"""Idempotency keys: validation, derivation from a payload, and request fingerprints."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic_core import PydanticSerializationError, to_jsonable_python

from ..errors import ValidationError

MAX_KEY_LENGTH = 255


def _plain(value: Any) -> Any:
    """What the arguments of a create may hold, as JSON (``json.dumps`` calls it per value).

    Aware datetimes count as instants (written in UTC); sets are sorted, so the key does not
    depend on hash order, which changes between processes.
    """
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(UTC).isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda item: _dumps(item))
    return to_jsonable_python(value)


def _dumps(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_plain,
    )


def canonical_json(value: Any) -> bytes:
    """A stable encoding: sorted keys, no whitespace, UTF-8, NaN/Infinity refused.

    Dates, datetimes, decimals, enums, UUIDs, sets and pydantic models are encoded as the
    SDK would send them, so ``derive_key`` takes the same arguments a create does.
    """
    try:
        text = _dumps(value)
    except (TypeError, ValueError, PydanticSerializationError) as exc:
        raise ValidationError(
            f"cannot derive an idempotency key: the payload is not plain JSON ({exc})",
            errors=[{"field": "payload", "message": str(exc)}],
        ) from None
    return text.encode("utf-8")


def derive_key(operation: str, payload: Any) -> str:
    """A deterministic key for ``payload`` sent to ``operation`` (e.g. ``"work_orders.create"``).

    The same payload always gives the same key, so re-running a job never creates a record
    twice; two intentionally identical records need explicit, distinct keys instead.
    """
    digest = hashlib.sha256(operation.encode("utf-8") + b"\n" + canonical_json(payload))
    return "derived-" + digest.hexdigest()


def fingerprint(payload: Any) -> str:
    """A short hash of a request payload, to catch one key reused for different payloads."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()[:32]


class IdempotencyKey(str):
    """An idempotency key with its own record TTL, accepted wherever a key is:
    ``create(..., idempotency_key=IdempotencyKey("erp-4711", ttl=7 * 86400))``.

    ``ttl`` (seconds) is how long the finished create is remembered (and replayed) for this
    call; None keeps the guarded create's default (24 h).
    """

    ttl: float | None

    def __new__(cls, value: str, *, ttl: float | None = None) -> IdempotencyKey:
        if ttl is not None and not (isinstance(ttl, int | float) and 0 < ttl < float("inf")):
            raise ValidationError(
                f"IdempotencyKey ttl must be a positive number of seconds, got {ttl!r}",
                errors=[{"field": "ttl", "message": "must be > 0 seconds"}],
            )
        key = super().__new__(cls, value)
        key.ttl = ttl
        return key

    def __repr__(self) -> str:
        return f"IdempotencyKey({str(self)!r}, ttl={self.ttl!r})"


def key_ttl(key: str, default: float) -> float:
    """The record TTL ``key`` asks for (see :class:`IdempotencyKey`), else ``default``."""
    ttl = getattr(key, "ttl", None)
    return default if ttl is None else float(ttl)


def check_key(key: object) -> str:
    """Return ``key`` if it is a usable idempotency key, else raise :class:`ValidationError`."""
    if not isinstance(key, str) or not key.strip():
        problem = "must be a non-empty string"
    elif len(key) > MAX_KEY_LENGTH:
        problem = f"must be at most {MAX_KEY_LENGTH} characters (got {len(key)})"
    elif not key.isprintable():
        problem = "must not contain control characters"
    else:
        return key
    raise ValidationError(
        f"idempotency_key {problem}",
        errors=[{"field": "idempotency_key", "message": problem}],
    )


def stamp_for(scoped_key: str) -> str:
    """The value stamped into a created record: a hash, so the key itself is never stored there."""
    return hashlib.sha256(scoped_key.encode("utf-8")).hexdigest()[:32]
