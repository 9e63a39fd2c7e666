"""HMAC-SHA256 webhook signatures as MaintainX computes them (used by the verifier and the emulator).

Signed message: ``f"{timestamp}.{payload}"`` in UTF-8, where payload is the raw body or the full
request URI; header value ``t=<timestamp>,v1=<lowercase hex digest>``.
"""

from __future__ import annotations

import hashlib
import hmac

BODY_SIGNATURE_HEADER = "x-maintainx-webhook-body-signature"
URI_SIGNATURE_HEADER = "x-maintainx-webhook-uri-signature"


def compute_signature(secret: str, timestamp: str, payload: bytes | str) -> str:
    """The lowercase hex HMAC-SHA256 of ``timestamp + "." + payload`` under ``secret``."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    message = timestamp.encode("utf-8") + b"." + data
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: str, payload: bytes | str) -> str:
    """A complete header value ``t=...,v1=...``."""
    return f"t={timestamp},v1={compute_signature(secret, timestamp, payload)}"
