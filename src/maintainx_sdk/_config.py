"""Client settings from arguments or the environment, resolved once at construction."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from . import _constants as C
from ._secret import Secret
from .errors import ConfigurationError, MaintainXError

KeySource = Literal["argument", "env", "file"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-attempt timeouts in seconds; ``total`` caps the whole call, retries included."""

    total: float = C.DEFAULT_TIMEOUT
    connect: float = C.DEFAULT_CONNECT_TIMEOUT
    pool: float = C.DEFAULT_POOL_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("total", "connect", "pool"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigurationError(f"Timeouts.{name} must be > 0 seconds, got {value!r}")

    def for_attempt(self, remaining: float) -> httpx.Timeout:
        """The httpx timeout of one attempt, never past what is left of the deadline."""
        budget = max(min(self.total, remaining), 0.001)
        return httpx.Timeout(budget, connect=min(self.connect, budget), pool=min(self.pool, budget))

    def extension(self, remaining: float) -> dict[str, float]:
        """:meth:`for_attempt` as the ``timeout`` request extension httpx reads (what
        ``for_attempt(remaining).as_dict()`` gives, without building the Timeout)."""
        budget = max(min(self.total, remaining), 0.001)
        return {
            "connect": min(self.connect, budget),
            "read": budget,
            "write": budget,
            "pool": min(self.pool, budget),
        }


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """Connection-pool sizes; one long-lived client shares them across all calls.

    ``shards`` splits the client's pool into that many smaller pools with the same totals
    (``None``: automatic, one shard per 2 connections above 16; ``1``: never). httpcore's
    pool bookkeeping grows with its size squared, so big pools run faster sharded; see
    docs/performance.md.
    """

    max_connections: int = C.DEFAULT_MAX_CONNECTIONS
    max_keepalive_connections: int = C.DEFAULT_MAX_KEEPALIVE_CONNECTIONS
    keepalive_expiry: float = C.DEFAULT_KEEPALIVE_EXPIRY
    shards: int | None = None

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ConfigurationError(
                f"PoolLimits.max_connections must be >= 1, got {self.max_connections!r}"
            )
        if self.max_keepalive_connections < 0 or not self.keepalive_expiry >= 0:
            raise ConfigurationError(
                "PoolLimits.max_keepalive_connections and keepalive_expiry must be >= 0, got "
                f"{self.max_keepalive_connections!r} and {self.keepalive_expiry!r}"
            )
        if self.shards is not None and self.shards < 1:
            raise ConfigurationError(
                f"PoolLimits.shards must be >= 1 (or None for automatic), got {self.shards!r}"
            )

    def to_httpx(self) -> httpx.Limits:
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client needs to talk to the API. The key is a :class:`Secret`."""

    api_key: Secret
    key_source: KeySource
    base_url: str
    organization_id: int | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    pool: PoolLimits = field(default_factory=PoolLimits)
    default_headers: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ClientConfig(api_key=***, key_source={self.key_source!r}, base_url={self.base_url!r}, "
            f"organization_id={self.organization_id!r}, timeouts={self.timeouts!r})"
        )


_KEY_ORIGIN: dict[KeySource, str] = {
    "argument": "the api_key argument",
    "env": C.ENV_API_KEY,
    "file": f"the file {C.ENV_API_KEY_FILE} points to",
}


def resolve_api_key(
    api_key: str | Secret | None, env: Mapping[str, str]
) -> tuple[Secret, KeySource]:
    """Find the key: argument, then ``MAINTAINX_API_KEY``, then ``MAINTAINX_API_KEY_FILE``.

    The key must be one token of visible ASCII without quotes: a stray quote, newline or
    space inside would otherwise fail deep in the HTTP stack, with the key in the low-level
    error's text.
    """
    key, source = _find_api_key(api_key, env)
    value = key.reveal()
    if not value:
        raise ConfigurationError(f"the MaintainX API key from {_KEY_ORIGIN[source]} is empty")
    bad = [i for i, ch in enumerate(value) if not "!" <= ch <= "~" or ch in "\"'"]
    if bad:
        raise ConfigurationError(
            f"the MaintainX API key from {_KEY_ORIGIN[source]} has {len(bad)} character(s) an "
            f"HTTP header cannot carry as a token (space, quote, control or non-ASCII), first "
            f"at position {bad[0]} of {len(value)}; check for stray quotes, spaces or line breaks"
        )
    return key, source


def _find_api_key(api_key: str | Secret | None, env: Mapping[str, str]) -> tuple[Secret, KeySource]:
    if isinstance(api_key, Secret):
        api_key = api_key.reveal()
    if api_key is not None and api_key != "":
        return Secret(api_key.strip()), "argument"
    value = env.get(C.ENV_API_KEY, "").strip()
    if value:
        return Secret(value), "env"
    path = env.get(C.ENV_API_KEY_FILE, "").strip()
    if path:
        try:
            content = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"{C.ENV_API_KEY_FILE} points to {path!r}, which cannot be read ({exc.strerror}); "
                "mount the secret file there or set MAINTAINX_API_KEY"
            ) from None
        if not content:
            raise ConfigurationError(f"{C.ENV_API_KEY_FILE} points to {path!r}, which is empty")
        return Secret(content), "file"
    raise ConfigurationError(
        f"No MaintainX API key: pass api_key=..., or set {C.ENV_API_KEY}, "
        f"or set {C.ENV_API_KEY_FILE} to the path of a file holding the key"
    )


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def check_headers(
    headers: Mapping[str, str] | None,
    where: str,
    error: type[MaintainXError] = ConfigurationError,
) -> dict[str, str]:
    """Header names must be HTTP tokens and values one line of ASCII; else ``error``.

    Caught here because httpx would fail on the wire, after retries, with the value in its
    message. The value is never quoted (it may be a credential).
    """
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise error(f"{where}: {name!r} is not a valid HTTP header name")
        if not isinstance(value, str) or not _HEADER_VALUE.fullmatch(value):
            raise error(
                f"{where}: the value of header {name!r} must be a one-line ASCII string "
                "(no line breaks, control or non-ASCII characters)"
            )
        out[name] = value
    return out


def resolve_config(
    *,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    organization_id: int | str | None = None,
    timeout: float | Timeouts | None = None,
    pool: PoolLimits | None = None,
    default_headers: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Build a :class:`ClientConfig` from arguments, falling back to the environment."""
    env = os.environ if env is None else env
    key, source = resolve_api_key(api_key, env)
    url = (base_url or env.get(C.ENV_BASE_URL) or C.DEFAULT_BASE_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must start with http:// or https://, got {url!r}")
    org_raw = organization_id if organization_id is not None else env.get(C.ENV_ORGANIZATION_ID)
    org: int | None = None
    if org_raw not in (None, ""):
        try:
            org = int(org_raw)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"organization_id (or {C.ENV_ORGANIZATION_ID}) must be an integer, got {org_raw!r}"
            ) from None
    if isinstance(timeout, Timeouts):
        timeouts = timeout
    elif timeout is not None:
        timeouts = Timeouts(
            total=float(timeout), connect=min(C.DEFAULT_CONNECT_TIMEOUT, float(timeout))
        )
    else:
        timeouts = Timeouts()
    return ClientConfig(
        api_key=key,
        key_source=source,
        base_url=url,
        organization_id=org,
        timeouts=timeouts,
        pool=pool or PoolLimits(),
        default_headers=check_headers(default_headers, "default_headers"),
    )
