"""Idempotency for an API without an idempotency header: keys, stores and guarded creates.

>>> from maintainx_sdk.idempotency import SQLiteIdempotencyStore
>>> mx = MaintainX(idempotency_store=SQLiteIdempotencyStore("idem.sqlite3"))  # doctest: +SKIP
>>> mx.work_orders.create(title="Pump 4 leaks", idempotency_key="erp-4711")  # doctest: +SKIP

See ``docs/idempotency.md`` for which creates are guardable and what each guarantees.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._keys import IdempotencyKey, canonical_json, derive_key, fingerprint
from ._records import Claim, IdempotencyRecord
from ._store import (
    DEFAULT_LEASE,
    DEFAULT_TTL,
    AtomicStore,
    IdempotencyStore,
    InMemoryIdempotencyStore,
)

if TYPE_CHECKING:
    from ._guard import (
        GUARDS,
        RECOVERED_HEADER,
        REPLAYED_HEADER,
        STAMP_FIELD,
        guard_for,
        guarded_create,
    )
    from ._redis import RedisIdempotencyStore
    from ._sqlite import SQLiteIdempotencyStore

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_TTL",
    "GUARDS",
    "RECOVERED_HEADER",
    "REPLAYED_HEADER",
    "STAMP_FIELD",
    "AtomicStore",
    "Claim",
    "IdempotencyKey",
    "IdempotencyRecord",
    "IdempotencyStore",
    "InMemoryIdempotencyStore",
    "RedisIdempotencyStore",
    "SQLiteIdempotencyStore",
    "canonical_json",
    "derive_key",
    "fingerprint",
    "guard_for",
    "guarded_create",
]


#: Names that load on first use: redis is an optional extra, sqlite3 costs import time, and
#: the guard (which a client's default store does not need) only a guarded create uses.
_LAZY_NAMES = {
    "GUARDS": "_guard",
    "RECOVERED_HEADER": "_guard",
    "REPLAYED_HEADER": "_guard",
    "STAMP_FIELD": "_guard",
    "guard_for": "_guard",
    "guarded_create": "_guard",
    "RedisIdempotencyStore": "_redis",
    "SQLiteIdempotencyStore": "_sqlite",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
