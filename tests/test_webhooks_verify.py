"""Webhook signature verification: both headers, formats, units, tolerance, tampering."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk import Secret
from maintainx_sdk._signing import compute_signature, signature_header
from maintainx_sdk.errors import (
    ConfigurationError,
    MaintainXError,
    MalformedSignatureHeaderError,
    MissingSignatureHeaderError,
    SignatureMismatchError,
    StaleWebhookError,
    WebhookVerificationError,
)
from maintainx_sdk.webhooks import parse_signature_header, verify

SECRET = "whsec-test-3f9a1c"
URL = "https://hooks.example.com/maintainx?event=NEW_WORK_ORDER"
BODY = b'{"workOrderId":123456,"orgId":321,"occurredAt":"2026-11-27T08:00:00.000Z"}'
NOW = 1_795_000_000


def independent_hmac(secret: str, timestamp: str, payload: bytes) -> str:
    """The documented scheme, computed without the SDK: HMAC-SHA256(t + "." + payload), hex."""
    return hmac.new(
        secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256
    ).hexdigest()


def headers(
    t: int | str = NOW, *, body: bytes = BODY, url: str = URL, secret: str = SECRET
) -> dict[str, str]:
    return {
        "x-maintainx-webhook-body-signature": f"t={t},v1={independent_hmac(secret, str(t), body)}",
        "x-maintainx-webhook-uri-signature": f"t={t},v1={independent_hmac(secret, str(t), url.encode())}",
    }


def test_known_vector_matches_the_shared_signing_helper() -> None:
    # Fixed vector (cross-checked with `openssl dgst -sha256 -hmac secret`).
    vector = "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
    assert compute_signature("secret", "1700000000", b"{}") == vector
    assert independent_hmac("secret", "1700000000", b"{}") == vector
    assert compute_signature(SECRET, "1700000000", BODY) == independent_hmac(
        SECRET, "1700000000", BODY
    )
    assert (
        signature_header(SECRET, "5", URL)
        == f"t=5,v1={independent_hmac(SECRET, '5', URL.encode())}"
    )


def test_valid_delivery_passes_in_seconds_and_milliseconds() -> None:
    result = verify(headers(), BODY, URL, SECRET, now=NOW + 10)
    assert result.timestamp == NOW and result.age == 10
    ms = NOW * 1000 + 250
    result = verify(headers(ms), BODY, URL, SECRET, now=NOW + 1)
    assert result.timestamp == pytest.approx(NOW + 0.25)


def test_body_may_be_text_and_headers_any_case_or_pairs() -> None:
    upper = {k.upper(): v for k, v in headers().items()}
    verify(upper, BODY.decode(), URL, SECRET, now=NOW)
    verify(list(headers().items()), BODY, URL, Secret(SECRET), now=NOW)


def test_tampered_body_uri_and_wrong_secret_are_refused() -> None:
    with pytest.raises(SignatureMismatchError, match="body-signature"):
        verify(headers(), BODY.replace(b"123456", b"123457"), URL, SECRET, now=NOW)
    with pytest.raises(SignatureMismatchError, match="uri-signature"):
        verify(headers(), BODY, URL.replace("NEW_WORK_ORDER", "WORK_ORDER_DELETE"), SECRET, now=NOW)
    with pytest.raises(SignatureMismatchError) as info:
        verify(headers(), BODY, URL, "not-the-secret", now=NOW)
    assert SECRET not in str(info.value) and "not-the-secret" not in str(info.value)
    # Re-serialized JSON is not the raw body: refused.
    with pytest.raises(SignatureMismatchError):
        verify(headers(), BODY.replace(b",", b", "), URL, SECRET, now=NOW)


def test_replayed_and_future_timestamps_are_refused() -> None:
    verify(headers(), BODY, URL, SECRET, now=NOW + 300)
    with pytest.raises(StaleWebhookError, match="301 s ago") as info:
        verify(headers(), BODY, URL, SECRET, now=NOW + 301)
    assert info.value.age == 301
    with pytest.raises(StaleWebhookError, match="in the future"):
        verify(headers(), BODY, URL, SECRET, now=NOW - 301)
    with pytest.raises(StaleWebhookError):
        verify(headers(NOW * 1000), BODY, URL, SECRET, now=NOW + 3600)
    verify(headers(), BODY, URL, SECRET, now=NOW + 86_400, tolerance=None)
    verify(headers(), BODY, URL, SECRET, now=NOW + 500, tolerance=600)


def test_missing_headers() -> None:
    for name in list(headers()):
        partial = {k: v for k, v in headers().items() if k != name}
        with pytest.raises(MissingSignatureHeaderError, match=name):
            verify(partial, BODY, URL, SECRET, now=NOW)
    with pytest.raises(MissingSignatureHeaderError):
        verify(
            {**headers(), "x-maintainx-webhook-body-signature": "  "}, BODY, URL, SECRET, now=NOW
        )


def test_header_grammar() -> None:
    good = independent_hmac(SECRET, str(NOW), BODY)
    parsed = parse_signature_header("h", f" t={NOW} , v0=old, v1=deadbeef ,v1={good},x=y=z ")
    assert parsed.timestamp == str(NOW) and parsed.signatures == ("deadbeef", good)
    body_header = f"v1=00,t={NOW},v2=zz,v1={good.upper()}"
    verify(
        {**headers(), "x-maintainx-webhook-body-signature": body_header}, BODY, URL, SECRET, now=NOW
    )


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        f"t={NOW}",  # no v1
        "v1=abc",  # no t
        "t=abc,v1=00",
        "t=-5,v1=00",
        "t=1.5,v1=00",
        f"t={NOW},t={NOW + 1},v1=00",
        "t=99999999999999999999,v1=00",
        "t=١٢٣,v1=00",  # non-ASCII digits
    ],
)
def test_malformed_headers(value: str) -> None:
    with pytest.raises(MalformedSignatureHeaderError):
        verify(
            {**headers(), "x-maintainx-webhook-uri-signature": value}, BODY, URL, SECRET, now=NOW
        )


@settings(max_examples=150, deadline=None)
@given(value=st.text(max_size=120))
def test_garbage_headers_are_refused_with_a_typed_error(value: str) -> None:
    with pytest.raises(WebhookVerificationError):
        verify(
            {**headers(), "x-maintainx-webhook-body-signature": value}, BODY, URL, SECRET, now=NOW
        )


@settings(max_examples=80, deadline=None)
@given(body=st.binary(max_size=300), flip=st.integers(min_value=0, max_value=299))
def test_any_body_verifies_and_any_single_byte_change_is_caught(body: bytes, flip: int) -> None:
    verify(headers(body=body), body, URL, SECRET, now=NOW)
    if body:
        i = flip % len(body)
        tampered = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
        with pytest.raises(SignatureMismatchError):
            verify(headers(body=body), tampered, URL, SECRET, now=NOW)


def test_secret_rotation_and_required_secret() -> None:
    verify(headers(), BODY, URL, ["new-secret", SECRET], now=NOW)
    for missing in ("", "  ", None, [], [SECRET, ""], b"bytes"):
        with pytest.raises(ConfigurationError, match="secret is required"):
            verify(headers(), BODY, URL, missing, now=NOW)  # type: ignore[arg-type]
    # A secret read from a file keeps its trailing newline; it still verifies.
    verify(headers(), BODY, URL, SECRET + "\n", now=NOW)
    assert issubclass(WebhookVerificationError, MaintainXError)
