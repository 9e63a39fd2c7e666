"""Idempotency keys: validation, derivation from a payload, and request fingerprints."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import ValidationError

MAX_KEY_LENGTH = 255


def canonical_json(value: Any) -> bytes:
    """A stable encoding: sorted keys, no whitespace, UTF-8, NaN/Infinity refused."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
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
