"""Masking of secrets in any text or structure headed for a log line, span or report.

Clients register their API key here when they are built; :func:`redact` then masks it, any
``Bearer <token>``, any ``Authorization`` header value and JWT-looking strings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

MASK: Final = "***"

#: Names whose values are secrets wherever they appear as a header, a field or a query key.
SENSITIVE_NAMES: Final = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api_key",
        "api-key",
        "apikey",
        "x-api-key",
        "access_token",
        "token",
        "secret",
        "password",
        "signature",
        "maintainx_api_key",
    }
)

# A credential after "Bearer"/"Basic": long and not a plain word (prose like "bearer tokens"
# stays readable).
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}")
_AUTH_HEADER = re.compile(
    r"(?i)((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)(?!\*\*\*)[^'\",}\s][^'\",}\r\n]*"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
#: Keys shorter than this are not masked by value (they would mask ordinary words).
MIN_SECRET_LEN: Final = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_secrets_pattern: re.Pattern[str] | None = None


def _spellings(value: str) -> set[str]:
    """``value`` as servers echo it: verbatim, percent-encoded (a URL, a form) or with JSON's
    escaped slashes."""
    return {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value, safe=""),
        quote(value, safe="").lower(),
        value.replace("/", "\\/"),
    }


def register_secret(value: str) -> None:
    """Mask ``value`` in everything :func:`redact` sees from now on (clients call this)."""
    global _secrets_pattern
    value = value.strip()
    if len(value) < MIN_SECRET_LEN:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.update(_spellings(value))
        ordered = sorted(_secrets, key=len, reverse=True)
        _secrets_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """``text`` with every registered secret, bearer token, auth header and JWT masked."""
    pattern = _secrets_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "earer" in text or "asic" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    if "uthorization" in text or "UTHORIZATION" in text:
        text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    return text


#: Deeper than this, a value is replaced by :data:`MASK` rather than walked (no recursion limit).
MAX_DEPTH: Final = 64


def redact_value(value: Any, *, _depth: int = 0) -> Any:
    """Redact strings (and bytes, and mapping keys) at any depth of a JSON-like value; values
    under sensitive keys become ``***``, and anything nested past :data:`MAX_DEPTH` too."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "surrogateescape")
        clean = redact(text)
        return value if clean == text else clean.encode("utf-8", "surrogateescape")
    if isinstance(value, Mapping | list | tuple) and _depth >= MAX_DEPTH:
        return MASK
    if isinstance(value, Mapping):
        return {
            redact_value(k, _depth=_depth + 1): MASK
            if str(k).lower() in SENSITIVE_NAMES and v is not None
            else redact_value(v, _depth=_depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v, _depth=_depth + 1) for v in value]
    return value


def safe_url(url: str) -> str:
    """A URL fit for spans and logs: no user-info, sensitive query values masked."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in SENSITIVE_NAMES for k, _ in pairs):
            query = urlencode([(k, MASK if k.lower() in SENSITIVE_NAMES else v) for k, v in pairs])
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))
