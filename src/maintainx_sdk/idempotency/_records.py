"""Idempotency records and their state changes, as pure functions every store shares.

A record is ``claimed`` (one caller is working on it, until its lease runs out), ``pending``
(a request was sent and its outcome is unknown) or ``completed`` (done; the result is kept).
Stores only provide an atomic read-modify-write; the rules live here once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from typing import Any, Literal

State = Literal["claimed", "pending", "completed"]
ClaimStatus = Literal["acquired", "resumed", "completed", "in_progress", "conflict"]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What a store keeps per key."""

    key: str
    state: State
    created_at: float
    """Wall-clock time of the first claim (a guarded create's first attempt)."""
    updated_at: float
    expires_at: float
    owner: str | None = None
    lease_until: float | None = None
    fingerprint: str | None = None
    result_id: str | None = None
    response: bytes | None = None

    def live(self, now: float) -> bool:
        return now < self.expires_at

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "key": self.key,
            "state": self.state,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "expires_at": self.expires_at,
            "owner": self.owner,
            "lease_until": self.lease_until,
            "fingerprint": self.fingerprint,
            "result_id": self.result_id,
            "response": None
            if self.response is None
            else base64.b64encode(self.response).decode("ascii"),
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> IdempotencyRecord:
        data = json.loads(text)
        response = data.pop("response", None)
        return cls(**data, response=None if response is None else base64.b64decode(response))


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to ``store.claim``: what the caller may do, and the record as it now stands.

    ``acquired``: the key is yours, nothing happened before. ``resumed``: the key is yours, but an
    earlier attempt's outcome is unknown (resolve it before acting again). ``completed``: done
    earlier, ``record`` has the result. ``in_progress``: another caller holds a live claim.
    ``conflict``: the key was used with a different payload fingerprint.
    """

    status: ClaimStatus
    record: IdempotencyRecord

    @property
    def owned(self) -> bool:
        return self.status in ("acquired", "resumed")


# Each transition maps (existing record or None, now) -> (record to store or None to delete, result).


def claim_transition(
    existing: IdempotencyRecord | None,
    now: float,
    *,
    key: str,
    owner: str,
    lease: float,
    ttl: float,
    fingerprint: str | None,
) -> tuple[IdempotencyRecord | None, Claim]:
    if existing is None or not existing.live(now):
        fresh = IdempotencyRecord(
            key=key,
            state="claimed",
            created_at=now,
            updated_at=now,
            expires_at=now + ttl,
            owner=owner,
            lease_until=now + lease,
            fingerprint=fingerprint,
        )
        return fresh, Claim("acquired", fresh)
    if fingerprint and existing.fingerprint and fingerprint != existing.fingerprint:
        return existing, Claim("conflict", existing)
    if existing.state == "completed":
        return existing, Claim("completed", existing)
    lease_live = existing.lease_until is not None and now < existing.lease_until
    if existing.state == "claimed" and lease_live and existing.owner != owner:
        return existing, Claim("in_progress", existing)
    taken = replace(
        existing,
        state="claimed",
        owner=owner,
        lease_until=now + lease,
        updated_at=now,
        expires_at=max(existing.expires_at, now + ttl),
    )
    return taken, Claim("resumed", taken)


def complete_transition(
    existing: IdempotencyRecord | None,
    now: float,
    *,
    key: str,
    ttl: float,
    result_id: str | None,
    response: bytes | None,
) -> tuple[IdempotencyRecord | None, None]:
    # Written even if our claim lapsed meanwhile: the result is the truth either way.
    base = existing or IdempotencyRecord(
        key=key, state="completed", created_at=now, updated_at=now, expires_at=now + ttl
    )
    done = replace(
        base,
        state="completed",
        owner=None,
        lease_until=None,
        updated_at=now,
        expires_at=now + ttl,
        result_id=result_id,
        response=response,
    )
    return done, None


def pending_transition(
    existing: IdempotencyRecord | None, now: float, *, owner: str
) -> tuple[IdempotencyRecord | None, None]:
    if existing is None or existing.state != "claimed" or existing.owner != owner:
        return existing, None
    return replace(existing, state="pending", owner=None, lease_until=None, updated_at=now), None


def release_transition(
    existing: IdempotencyRecord | None, now: float, *, owner: str
) -> tuple[IdempotencyRecord | None, None]:
    if existing is not None and existing.state == "claimed" and existing.owner == owner:
        return None, None
    return existing, None
