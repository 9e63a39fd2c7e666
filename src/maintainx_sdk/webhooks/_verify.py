"""Signature verification of webhook deliveries (framework-agnostic)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .._secret import Secret
from .._signing import BODY_SIGNATURE_HEADER, URI_SIGNATURE_HEADER, compute_signature
from ..errors import (
    ConfigurationError,
    MalformedSignatureHeaderError,
    MissingSignatureHeaderError,
    SignatureMismatchError,
    StaleWebhookError,
)

#: Deliveries signed longer ago (or further ahead) than this are refused: 5 minutes.
DEFAULT_TOLERANCE = 300.0
#: Timestamps above this are milliseconds (the spec does not say which unit it uses).
MILLISECONDS_THRESHOLD = 1e12

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
SecretLike = str | Secret


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    """A parsed ``t=...,v1=...`` header: the raw timestamp text and every v1 signature."""

    timestamp: str
    signatures: tuple[str, ...]

    @property
    def seconds(self) -> float:
        """The timestamp in seconds (values above 10^12 are read as milliseconds)."""
        value = int(self.timestamp)
        return value / 1000.0 if value > MILLISECONDS_THRESHOLD else float(value)


@dataclass(frozen=True, slots=True)
class Verification:
    """A delivery that passed: when it was signed and how old it was when checked."""

    timestamp: float
    age: float


def parse_signature_header(name: str, value: str) -> SignatureHeader:
    """Parse a signature header: split on ``,``, then on the first ``=``; unknown prefixes
    (other scheme versions) are ignored; ``t`` must appear once, ``v1`` at least once."""
    timestamp: str | None = None
    signatures: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        prefix, sep, text = item.partition("=")
        if not sep:
            raise MalformedSignatureHeaderError(f"{name}: {item[:20]!r} is not prefix=value")
        prefix, text = prefix.strip(), text.strip()
        if prefix == "t":
            if timestamp is not None and timestamp != text:
                raise MalformedSignatureHeaderError(f"{name}: more than one timestamp")
            timestamp = text
        elif prefix == "v1":
            signatures.append(text)
    if timestamp is None:
        raise MalformedSignatureHeaderError(f"{name}: no t=<timestamp>")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
        raise MalformedSignatureHeaderError(f"{name}: the timestamp is not a whole number")
    if not signatures:
        raise MalformedSignatureHeaderError(f"{name}: no v1=<signature>")
    return SignatureHeader(timestamp, tuple(signatures))


def _header(headers: Headers, name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    values = [str(v) for k, v in items if k.lower() == name]
    if not values or not any(v.strip() for v in values):
        raise MissingSignatureHeaderError(f"the {name} header is missing")
    return ",".join(values)


def _matches(secrets: Sequence[str], header: SignatureHeader, payload: bytes) -> bool:
    ok = False
    for secret in secrets:
        expected = compute_signature(secret, header.timestamp, payload).encode("ascii")
        for candidate in header.signatures:
            # Every pair is compared (constant time, no early exit on the first match).
            ok |= hmac.compare_digest(expected, candidate.lower().encode("utf-8", "replace"))
    return ok


def _secrets(secret: SecretLike | Sequence[SecretLike] | None) -> list[str]:
    # Surrounding whitespace is dropped: a secret file's trailing newline would otherwise
    # make every signature mismatch. None, blank or a non-string is a setup error.
    items = [secret] if isinstance(secret, str | Secret) or secret is None else list(secret)
    values = [s.reveal() if isinstance(s, Secret) else s for s in items]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigurationError(
            "a webhook secret is required (the subscription's secret, from "
            "subscriptions.get_secret(id)); got none or a blank one"
        )
    return [v.strip() for v in values if isinstance(v, str)]


def verify(
    headers: Headers,
    body: bytes | str,
    url: str,
    secret: SecretLike | Sequence[SecretLike],
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Verification:
    """Check both MaintainX signature headers of a delivery; raise if either fails.

    ``body`` must be the raw bytes received (not re-serialized JSON) and ``url`` the full URL
    the request hit as MaintainX sent it (scheme, host, path and query, as subscribed).
    ``secret`` may be a list while you rotate secrets. ``tolerance`` is in seconds (``None``
    turns the replay check off). Raises a :class:`~maintainx_sdk.errors.WebhookVerificationError`
    subclass: missing header, malformed header, signature mismatch, or stale timestamp.
    """
    secrets = _secrets(secret)
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    parsed = [
        (name, parse_signature_header(name, _header(headers, name)), payload)
        for name, payload in (
            (BODY_SIGNATURE_HEADER, raw),
            (URI_SIGNATURE_HEADER, url.encode("utf-8")),
        )
    ]
    for name, header, payload in parsed:
        if not _matches(secrets, header, payload):
            what = "body" if name == BODY_SIGNATURE_HEADER else "URL"
            raise SignatureMismatchError(
                f"{name}: no v1 signature matches (wrong secret, or the {what} was altered)"
            )
    current = time.time() if now is None else now
    signed_at = min(header.seconds for _, header, _ in parsed)
    for name, header, _ in parsed:
        age = current - header.seconds
        if tolerance is not None and abs(age) > tolerance:
            when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s in the future"
            raise StaleWebhookError(
                f"{name}: signed {when}, outside the {tolerance:.0f} s tolerance"
                " (a replayed or delayed delivery)",
                age=age,
            )
    return Verification(timestamp=signed_at, age=current - signed_at)
