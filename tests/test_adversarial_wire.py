"""Adversarial servers (raw sockets on 127.0.0.1) against the promises of docs/hardening.md:
the key never leaks however a server echoes it, and the aiohttp backend never repeats a
write whose answer was lost nor lets an aiohttp error escape untyped."""

from __future__ import annotations

import contextlib
import json
import pickle
import re
import traceback
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, RetryPolicy, Timeouts
from maintainx_sdk.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    MaintainXError,
    OutcomeUnknownError,
)
from maintainx_sdk.observability import redact_value, register_secret

from .helpers.raw_socket_server import RawServer, Send, response_bytes

#: '+', '/' and '=' change when percent-encoded or JSON-escaped.
KEY = "sk+live/0123456789abcdef=="


def _key(request: bytes) -> str:
    match = re.search(rb"(?im)^authorization:\s*Bearer (.+?)\r$", request)
    assert match is not None, "the client sent no key"
    return match.group(1).decode()


def _spellings() -> list[str]:
    return [KEY, quote(KEY, safe=""), KEY.replace("/", "\\/")]


def assert_no_key_in_any_spelling(error: BaseException) -> None:
    """Nothing reachable from ``error`` (chain, attributes, httpx requests, the formatted
    traceback, a pickle) shows the key in any spelling."""
    texts: list[str] = ["".join(traceback.format_exception(error))]
    texts.append(pickle.dumps(error).decode("latin-1"))
    todo: list[BaseException] = [error]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args), repr(vars(current))]
        if isinstance(current, httpx.HTTPError):
            with contextlib.suppress(RuntimeError):
                texts += [str(current.request.url), repr(dict(current.request.headers))]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    for text in texts:
        for spelling in _spellings():
            assert spelling not in text, f"the key leaks as {spelling!r} in {text[:300]!r}"


def client(base_url: str) -> MaintainX:
    return MaintainX(
        api_key=KEY, base_url=base_url, retry=RetryPolicy(max_attempts=1), telemetry=False
    )


def _nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = {"detail": value}
    return value


def _json_answer(status: int, body: Any) -> Any:
    def answer(request: bytes, send: Send) -> None:
        text = json.dumps(body).replace("KEY", _key(request))
        send(response_bytes(status, text.encode()))

    return answer


@pytest.mark.parametrize(
    "body",
    [
        {"KEY": "the key as a field name"},
        _nested({"echo": "KEY"}, 12),
        _nested(["KEY"], 40),
        {"error": "bad key ENC"},  # replaced below: percent-encoded
    ],
    ids=["as-a-name", "nested-12", "nested-40-list", "percent-encoded"],
)
def test_a_401_body_never_carries_the_key_however_it_is_placed(body: Any) -> None:
    def answer(request: bytes, send: Send) -> None:
        text = json.dumps(body).replace("KEY", _key(request))
        text = text.replace("ENC", quote(_key(request), safe=""))
        send(response_bytes(401, text.encode()))

    server = RawServer(answer)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(AuthenticationError) as info,
    ):
        mx.work_orders.get(1)
    assert info.value.body is not None
    assert_no_key_in_any_spelling(info.value)


def test_a_401_body_with_json_escaped_slashes_does_not_carry_the_key() -> None:
    def answer(request: bytes, send: Send) -> None:
        escaped = _key(request).replace("/", "\\/")
        send(response_bytes(401, f'{{"error": "bad key {escaped}"}}'.encode()))

    server = RawServer(answer)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(AuthenticationError) as info,
    ):
        mx.work_orders.get(1)
    assert "bad key" in str(info.value)
    assert_no_key_in_any_spelling(info.value)


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:9/login?api_key={enc}", "http://user:{enc}@127.0.0.1:9/login"],
    ids=["query", "user-info"],
)
def test_a_redirect_with_the_key_percent_encoded_does_not_carry_it(location: str) -> None:
    def answer(request: bytes, send: Send) -> None:
        where = location.format(enc=quote(_key(request), safe=""))
        send(response_bytes(302, b"", {"Location": where}))

    server = RawServer(answer)
    with server.running(), client(server.base_url) as mx, pytest.raises(APIStatusError) as info:
        mx.work_orders.get(1)
    assert "127.0.0.1:9" in str(info.value)
    assert_no_key_in_any_spelling(info.value)


@pytest.mark.parametrize(
    "template",
    [b"{not json KEY", b'{"id": "KEY"}', b'{"workOrder": {"id": "KEY"}}'],
    ids=["not-json", "wrong-type", "wrong-shape"],
)
@pytest.mark.parametrize("operation", ["get", "create"])
def test_a_success_body_echoing_the_key_gives_a_redacted_validation_error(
    template: bytes, operation: str
) -> None:
    def answer(request: bytes, send: Send) -> None:
        send(response_bytes(200, template.replace(b"KEY", _key(request).encode())))

    server = RawServer(answer)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(APIResponseValidationError) as info,
    ):
        mx.work_orders.get(1) if operation == "get" else mx.work_orders.create(title="t")
    assert_no_key_in_any_spelling(info.value)


def test_redact_value_masks_keys_bytes_and_any_depth() -> None:
    register_secret(KEY)
    value = {KEY: [KEY.encode(), _nested({"k": KEY}, 100)]}
    assert KEY not in repr(redact_value(value))
    assert redact_value({"plain": b"\xff\xfe bytes"}) == {"plain": b"\xff\xfe bytes"}


# -- the aiohttp backend -----------------------------------------------------------------


def hang_up_after_reading(request: bytes, send: Send) -> None:
    raise ConnectionResetError  # the handler returns: the connection closes unanswered


def garbled_status_line(request: bytes, send: Send) -> None:
    send(f"HTTP/1.1 2x0 {_key(request)}\r\n\r\n".encode())


def not_http(request: bytes, send: Send) -> None:
    send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


@pytest.mark.parametrize(
    "answer", [hang_up_after_reading, garbled_status_line, not_http], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("http_backend", ["httpx", "aiohttp"])
async def test_a_create_whose_answer_is_lost_is_sent_once_and_typed(
    answer: Any, http_backend: Any
) -> None:
    pytest.importorskip("httpx_aiohttp")
    server = RawServer(answer)
    with server.running():
        async with AsyncMaintainX(
            api_key=KEY,
            base_url=server.base_url,
            retry=RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02),
            timeout=Timeouts(total=5),
            telemetry=False,
            http_backend=http_backend,
        ) as mx:
            with pytest.raises(OutcomeUnknownError) as info:
                await mx.work_orders.create(title="t")
    assert len(server.requests) == 1, "a POST whose answer was lost was sent again"
    assert_no_key_in_any_spelling(info.value)


@pytest.mark.parametrize("answer", [hang_up_after_reading, garbled_status_line])
async def test_the_aiohttp_backend_retries_a_read_whose_answer_is_lost(answer: Any) -> None:
    pytest.importorskip("httpx_aiohttp")
    server = RawServer(answer)
    with server.running():
        async with AsyncMaintainX(
            api_key=KEY,
            base_url=server.base_url,
            retry=RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02),
            timeout=Timeouts(total=5),
            telemetry=False,
            http_backend="aiohttp",
        ) as mx:
            with pytest.raises(APIConnectionError) as info:
                await mx.work_orders.get(1)
    # aiohttp itself resends an idempotent request once on a kept-alive connection it found closed
    assert 3 <= len(server.requests) <= 6 and isinstance(info.value, MaintainXError)
    assert_no_key_in_any_spelling(info.value)


def _echo_not_json(request: bytes, send: Send) -> None:
    send(response_bytes(200, b"{not json " + _key(request).encode()))


def test_a_guarded_create_answered_with_a_body_echoing_the_key_does_not_carry_it() -> None:
    server = RawServer(_echo_not_json)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        mx.work_orders.create(title="t", idempotency_key="adv-echo-1")
    assert_no_key_in_any_spelling(info.value)


def test_a_raw_answer_that_is_not_json_does_not_chain_the_decoder_error() -> None:
    server = RawServer(_echo_not_json)
    with server.running(), client(server.base_url) as mx:
        response = mx.request("GET", "/users")
        with pytest.raises(APIResponseValidationError) as info:
            response.json()
    assert info.value.__context__ is None  # json's error holds the whole body in .doc
    assert_no_key_in_any_spelling(info.value)
