"""JSON logs through stdlib logging: levels per event, structure, and the key redacted."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk import InternalServerError, MaintainX, RetryPolicy
from maintainx_sdk._request import APIRequest
from maintainx_sdk.errors import RetryRecord
from maintainx_sdk.observability import (
    JsonFormatter,
    LoggingObserver,
    RedactionFilter,
    configure_logging,
    redact,
    register_secret,
    sdk_logger,
)
from tests.conftest import TEST_KEY

BASE = "http://127.0.0.1:1/v1"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging(logging.DEBUG, stream=stream)
    yield stream
    logger = logging.getLogger("maintainx_sdk")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/boom"):
        return httpx.Response(500, json={"error": f"echo Bearer {TEST_KEY}"})
    return httpx.Response(200, json={"id": 5})


def test_attempts_debug_writes_audited_at_info(log_stream: io.StringIO) -> None:
    with MaintainX(api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(_handler)) as mx:
        mx.request("GET", "/users", params={"limit": 1})
        mx.request("POST", "/workorders", json={"title": "pump"})
    lines = _lines(log_stream)
    attempts = [ln for ln in lines if ln["event"] == "http.attempt"]
    assert [(a["level"], a["method"], a["status_code"]) for a in attempts] == [
        ("DEBUG", "GET", 200),
        ("DEBUG", "POST", 200),
    ]
    assert attempts[0]["url"] == f"{BASE}/users?limit=1"
    assert attempts[0]["logger"] == "maintainx_sdk"
    (audit,) = [ln for ln in lines if ln["event"] == "audit"]
    assert audit["level"] == "INFO" and audit["method"] == "POST" and audit["outcome"] == "ok"


def test_a_real_retry_is_logged_at_warning(log_stream: io.StringIO) -> None:
    answers = iter([503, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={})

    retry = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002)
    with MaintainX(
        api_key=TEST_KEY, base_url=BASE, transport=httpx.MockTransport(flaky), retry=retry
    ) as mx:
        mx.request("GET", "/users")
    events = [(ln["event"], ln["level"]) for ln in _lines(log_stream)]
    assert events == [
        ("http.attempt", "DEBUG"),
        ("http.retry", "WARNING"),
        ("http.attempt", "DEBUG"),
    ]


def test_retries_and_breaker_transitions_at_warning(log_stream: io.StringIO) -> None:
    observer = LoggingObserver()
    call = observer.start_call(APIRequest(method="GET", path="/users"))
    call.retry_scheduled(RetryRecord(attempt=1, reason="503 Service Unavailable", wait=0.25))
    observer.breaker_state_changed("maintainx", "closed", "open")
    retry, breaker = _lines(log_stream)
    assert retry["level"] == "WARNING" and retry["event"] == "http.retry"
    assert retry["wait_s"] == 0.25 and retry["attempt"] == 1
    assert breaker["level"] == "WARNING" and breaker["new"] == "open"


def test_nothing_logged_below_the_level_and_failures_at_info(log_stream: io.StringIO) -> None:
    logging.getLogger("maintainx_sdk").setLevel(logging.INFO)
    with MaintainX(
        api_key=TEST_KEY,
        base_url=BASE,
        transport=httpx.MockTransport(_handler),
        retry=RetryPolicy(max_attempts=1),
    ) as mx:
        mx.request("GET", "/users")
        with pytest.raises(InternalServerError):
            mx.request("GET", "/boom")
    (line,) = _lines(log_stream)
    assert line["event"] == "http.call_failed" and line["status_code"] == 500


def test_the_key_is_in_no_log_line(log_stream: io.StringIO) -> None:
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).addHandler(logging.getLogger("maintainx_sdk").handlers[-1])
    try:
        with MaintainX(
            api_key=TEST_KEY,
            base_url=BASE,
            transport=httpx.MockTransport(_handler),
            retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002),
        ) as mx:
            mx.request("GET", "/users", params={"api_key": TEST_KEY})
            mx.request("POST", "/workorders", json={"title": TEST_KEY})
            with pytest.raises(InternalServerError):
                mx.request("GET", "/boom")
        log = logging.getLogger("maintainx_sdk")
        log.info(
            "key %s", TEST_KEY, extra={"authorization": "Bearer xyz", "nested": {"k": TEST_KEY}}
        )
        try:
            raise RuntimeError(f"failed with {TEST_KEY}")
        except RuntimeError:
            log.exception("boom")
    finally:
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)
            logging.getLogger(name).handlers.clear()
    text = log_stream.getvalue()
    assert "failed with ***" in text and '"authorization": "***"' in text
    assert TEST_KEY not in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl123", "Authorization: ***"),
        ("sent bearer eyJhbGciOiJIUzI1NiJ9xx.payload123", "sent bearer ***"),
        ("{'authorization': 'tok'}", "{'authorization': '***'}"),
        ("prose about bearer tokens stays", "prose about bearer tokens stays"),
        ("jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig-123 end", "jwt *** end"),
    ],
)
def test_redact_patterns(raw: str, expected: str) -> None:
    assert redact(raw) == expected


def test_registered_secret_masked_and_short_values_ignored() -> None:
    with _isolated_secrets():
        register_secret("another-secret-value-42")
        register_secret("abc")  # too short to mask safely
        assert redact("x another-secret-value-42 y abc") == "x *** y abc"


def test_filter_is_on_the_sdk_logger_and_formatter_redacts_unfiltered_records() -> None:
    assert any(isinstance(f, RedactionFilter) for f in sdk_logger().filters)
    record = logging.LogRecord("other", logging.INFO, __file__, 1, "key=%s", (TEST_KEY,), None)
    record.token = TEST_KEY
    text = JsonFormatter().format(record)
    assert TEST_KEY not in text and json.loads(text)["token"] == "***"


def test_configure_logging_replaces_its_own_handler() -> None:
    logger = logging.getLogger("maintainx_sdk")
    before = list(logger.handlers)
    first = configure_logging(stream=io.StringIO())
    second = configure_logging(stream=io.StringIO())
    try:
        assert first not in logger.handlers and second in logger.handlers
        assert len(logger.handlers) == len(before) + 1
    finally:
        logger.removeHandler(second)
        logger.setLevel(logging.NOTSET)


@settings(max_examples=60, deadline=None)
@given(
    key=st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=8, max_size=64),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_a_registered_key_never_survives_redaction(key: str, before: str, after: str) -> None:
    with _isolated_secrets():
        register_secret(key)
        texts = (f"{before}{key}{after}", f"{before}Bearer {key}{after}", f"authorization: {key}")
        for text in texts:
            assert key not in redact(text)


@contextlib.contextmanager
def _isolated_secrets() -> Iterator[None]:
    """Random keys must not stay registered (they would mask words in other tests)."""
    from maintainx_sdk.observability import _redact

    saved, pattern = set(_redact._secrets), _redact._secrets_pattern
    try:
        yield
    finally:
        _redact._secrets.clear()
        _redact._secrets.update(saved)
        _redact._secrets_pattern = pattern
