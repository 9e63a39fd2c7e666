"""The API key never leaks through an exception: message, body, headers, the chain (and the
httpx request objects it could carry) or a pickle. Loopback servers that echo the key."""

from __future__ import annotations

import json
import pickle
import re
import time
from typing import Any

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, RetryPolicy, Timeouts
from maintainx_sdk.errors import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    MaintainXError,
    OutcomeUnknownError,
)

from .helpers.raw_socket_server import RawServer, Send, response_bytes

KEY = "sk-live-0123456789abcdefSECRET"


def _authorization(request: bytes) -> str:
    match = re.search(rb"(?im)^authorization:\s*(.+?)\r$", request)
    assert match is not None, "the client sent no key"
    return match.group(1).decode()


def echo_401(request: bytes, send: Send) -> None:
    auth = _authorization(request)
    body = json.dumps({"error": f"invalid credentials: {auth}", "received": auth}).encode()
    send(response_bytes(401, body, {"X-Echo": auth, "WWW-Authenticate": auth}))


def echo_redirect(request: bytes, send: Send) -> None:
    key = _authorization(request).removeprefix("Bearer ")
    where = f"http://127.0.0.1:9/login?api_key={key}&next=/v1/users"
    send(response_bytes(302, f"moved: {key}".encode(), {"Location": where}))


def never_answer(request: bytes, send: Send) -> None:
    time.sleep(1.0)  # the client times out first


def reachable(error: BaseException) -> list[Any]:
    """Every exception in the chain, and what each one carries."""
    out: list[Any] = []
    todo: list[BaseException] = [error]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out += [current, str(current), repr(current), current.args, vars(current)]
        if isinstance(current, httpx.HTTPError):
            try:
                request = current.request
            except RuntimeError:
                pass
            else:
                out += [request.url, dict(request.headers)]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return out


def assert_no_key_in_chain_or_pickle(error: BaseException) -> None:
    for item in reachable(error):
        assert KEY not in repr(item), f"the key leaks through {type(item).__name__}: {item!r}"
    blob = pickle.dumps(error)
    assert KEY.encode() not in blob
    again = pickle.loads(blob)
    assert type(again) is type(error) and str(again) == str(error)


def client(base_url: str, **kw: Any) -> MaintainX:
    kw.setdefault("retry", RetryPolicy(max_attempts=1))
    return MaintainX(api_key=KEY, base_url=base_url, telemetry=False, **kw)


def test_a_401_that_echoes_the_key_does_not_carry_it() -> None:
    server = RawServer(echo_401)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(AuthenticationError) as info,
    ):
        mx.work_orders.get(1)
    error = info.value
    assert "invalid credentials" in str(error) and error.body is not None
    assert error.headers["x-echo"] != "" and "***" in error.headers["x-echo"]
    assert_no_key_in_chain_or_pickle(error)


def test_a_redirect_that_echoes_the_key_in_its_url_does_not_carry_it() -> None:
    server = RawServer(echo_redirect)
    with (
        server.running(),
        client(server.base_url) as mx,
        pytest.raises(APIStatusError, match="check base_url") as info,
    ):
        mx.work_orders.get(1)
    assert "/login?api_key=" in str(info.value)
    assert_no_key_in_chain_or_pickle(info.value)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda mx: mx.work_orders.get(1), APITimeoutError),
        (lambda mx: mx.work_orders.create(title="t"), OutcomeUnknownError),
    ],
    ids=["read", "write"],
)
def test_a_timeout_does_not_chain_the_request_that_holds_the_key(call: Any, error: type) -> None:
    server = RawServer(never_answer)
    with (
        server.running(),
        client(server.base_url, timeout=Timeouts(total=0.3)) as mx,
        pytest.raises(error) as info,
    ):
        call(mx)
    assert_no_key_in_chain_or_pickle(info.value)


async def test_an_async_timeout_does_not_chain_the_request_that_holds_the_key() -> None:
    server = RawServer(never_answer)
    with server.running():
        async with AsyncMaintainX(
            api_key=KEY,
            base_url=server.base_url,
            timeout=Timeouts(total=0.3),
            retry=RetryPolicy(max_attempts=1),
            telemetry=False,
        ) as mx:
            with pytest.raises(APITimeoutError) as info:
                await mx.work_orders.get(1)
    assert_no_key_in_chain_or_pickle(info.value)


def test_every_sdk_error_pickles_without_the_key() -> None:
    MaintainX(api_key=KEY, telemetry=False).close()  # registers the key, like any client
    error = AuthenticationError(
        f"GET /x -> 401: Bearer {KEY}",
        status_code=401,
        body={"echo": KEY, "authorization": f"Bearer {KEY}"},
        headers={"authorization": f"Bearer {KEY}", "x-echo": KEY},
        method="GET",
        path="/x",
    )
    error.__cause__ = MaintainXError(f"inner {KEY}")
    assert_no_key_in_chain_or_pickle(error)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.status_code == 401 and copy.method == "GET" and copy.body["echo"] == "***"
