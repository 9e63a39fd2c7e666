"""What the checks look at: the client, its policies and stores, found by attribute."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._config import ClientConfig

#: Where each hardening/integrity part may live on a client or its pipeline. Parts that are
#: not in this build are simply absent, and their checks report ``skip`` with the reason.
COMPONENT_NAMES: dict[str, tuple[str, ...]] = {
    "retry": ("retry_policy", "retry", "_retry_policy", "_retry"),
    "breaker": ("breaker", "_breaker", "circuit_breaker", "_circuit_breaker"),
    "cache": ("cache", "_cache", "response_cache", "_response_cache"),
    "rate_limiter": ("rate_limiter", "limiter", "_rate_limiter", "_limiter"),
    "idempotency_store": ("idempotency_store", "_idempotency_store"),
}


@dataclass(slots=True)
class CheckContext:
    """Inputs of every check. ``client`` is None when no client could be built."""

    client: Any
    config: ClientConfig | None
    config_error: str | None = None
    project_dir: Path | None = None
    replicas: int | None = None
    sync: Any = None
    webhooks: bool | None = None
    webhook_secret: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def component(self, kind: str) -> Any:
        """The client's part of this kind (retry policy, breaker, ...), or None."""
        return find_component(self.client, kind)


def find_component(client: Any, kind: str) -> Any:
    if client is None:
        return None
    # Per-call options first (what calls through this view use), then the client, then its
    # pipeline (where the hardening parts live).
    holders = [getattr(client, "_options", None), client, getattr(client, "_pipeline", None)]
    for holder in holders:
        if holder is None:
            continue
        for name in COMPONENT_NAMES[kind]:
            try:
                value = getattr(holder, name, None)
            except Exception:  # a property that raises means "not available"
                value = None
            if value is None or inspect.isroutine(value) or isinstance(value, type):
                continue
            return value
    return None


def first_attr(obj: Any, *names: str, default: Any = None) -> Any:
    """The first attribute of ``obj`` that exists and is not None."""
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return default
