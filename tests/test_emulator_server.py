"""The SDK against the emulator over a real loopback socket: CRUD, paging, status moves,
keep-alive, wire faults, the CLI, the demo and the pytest plugin fixtures."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk import (
    APIConnectionError,
    APITimeoutError,
    AsyncMaintainX,
    BadRequestError,
    InvalidTransitionError,
    MaintainX,
    NotFoundError,
    OutcomeUnknownError,
    RateLimit,
    RateLimitError,
    RetryPolicy,
)
from maintainx_sdk.testing import Emulator, EmulatorServer
from maintainx_sdk.testing.demo import run as run_demo

from .helpers.emulator_clients import make_emulator

SRC = Path(__file__).resolve().parents[1] / "src"


def _client(server: EmulatorServer, **kwargs: Any) -> MaintainX:
    kwargs.setdefault("rate_limit", RateLimit.disabled())
    return MaintainX(api_key=server.api_key, base_url=server.base_url, **kwargs)


def test_sdk_round_trip_over_loopback_reuses_one_connection() -> None:
    emu = make_emulator(work_orders=30)
    with emu.serve() as server, _client(server) as mx:
        created = mx.work_orders.create(title="Grease bearings", priority="MEDIUM")
        fetched = mx.work_orders.get(created.id)
        assert fetched.title == "Grease bearings" and fetched.status == "OPEN"
        mx.work_orders.set_status(created.id, "IN_PROGRESS")
        mx.work_orders.set_status(created.id, "DONE")
        with pytest.raises(InvalidTransitionError):
            mx.work_orders.set_status(created.id, "IN_PROGRESS")
        mx.work_orders.comments.create(created.id, content="done and dusted")
        comments = list(mx.work_orders.comments.list(created.id))
        assert [c.content for c in comments] == ["done and dusted"]
        every = [wo.id for wo in mx.work_orders.list(limit=7)]
        assert len(every) == 31 and len(set(every)) == 31
        with pytest.raises(NotFoundError):
            mx.work_orders.get(1)
        with pytest.raises(BadRequestError):
            mx.request("POST", "/workorders", json={"title": 1})
        assert server.connections == 1
    assert emu.org().table("workorders").get(created.id)["status"] == "DONE"  # type: ignore[index]


@pytest.mark.async_backends
def test_async_client_over_loopback() -> None:
    emu = make_emulator(work_orders=12)

    async def main(server: EmulatorServer) -> list[int]:
        async with AsyncMaintainX(
            api_key=server.api_key, base_url=server.base_url, rate_limit=RateLimit.disabled()
        ) as mx:
            await asyncio.gather(*(mx.work_orders.create(title=f"async {i}") for i in range(5)))
            return [wo.id async for wo in mx.work_orders.list(limit=4)]

    with emu.serve() as server:
        ids = asyncio.run(main(server))
    assert len(ids) == 17 == len(set(ids))


def test_async_transport_in_process() -> None:
    emu = make_emulator(work_orders=3)

    async def main() -> str:
        async with AsyncMaintainX(api_key=emu.api_key, transport=emu.async_transport()) as mx:
            wo = await mx.work_orders.create(title="in process")
            return (await mx.work_orders.get(wo.id)).title

    assert asyncio.run(main()) == "in process"


def test_server_faults_are_real_socket_faults() -> None:
    emu = make_emulator(work_orders=2, max_hang=5.0)
    no_retry = RetryPolicy.disabled()
    emu.faults.script("GET", "/workorders", ["reset", "hang"])
    with emu.serve() as server, _client(server, retry=no_retry) as mx:
        with pytest.raises(APIConnectionError):
            mx.request("GET", "/workorders")
        with pytest.raises(APITimeoutError):
            mx.with_options(timeout=0.3).request("GET", "/workorders")
        assert mx.request("GET", "/workorders").meta.status_code == 200


def test_applied_then_cut_connection_over_loopback_stores_the_write() -> None:
    emu = make_emulator()
    emu.faults.script("POST", "/workorders", ["applied-reset"])
    # The SDK must not retry this blind: the write may have been applied (and it was).
    with emu.serve() as server, _client(server) as mx, pytest.raises(OutcomeUnknownError):
        mx.request("POST", "/workorders", json={"title": "ghost"})
    assert [r["title"] for r in emu.org().table("workorders")] == ["ghost"]


def test_rate_limit_reaches_the_sdk_as_rate_limit_error() -> None:
    emu = make_emulator(rate_limit="2/60")
    with emu.serve() as server, _client(server, retry=RetryPolicy.disabled()) as mx:
        mx.request("GET", "/users")
        mx.request("GET", "/users")
        with pytest.raises(RateLimitError) as info:
            mx.request("GET", "/users")
    assert info.value.limit == 2 and info.value.remaining == 0


def test_raw_http_keep_alive_and_unknown_route() -> None:
    emu = make_emulator(work_orders=1)
    with (
        emu.serve() as server,
        httpx.Client(
            base_url=server.base_url, headers={"authorization": f"Bearer {emu.api_key}"}
        ) as c,
    ):
        for _ in range(20):
            assert c.get("/workorders").status_code == 200
        assert c.get("/nowhere").status_code == 404
        assert c.get(server.url + "/versions").json() == [{"version": "1"}]
        assert server.connections == 1


def test_cli_prints_url_and_key_and_stops_on_sigint() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [
        sys.executable,
        "-m",
        "maintainx_sdk.cli",
        "emulator",
        "--port",
        "0",
        "--api-key",
        "k-123",
        "--work-orders",
        "3",
        "--no-meter-quotas",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        key_line = proc.stdout.readline().strip()
        assert first.startswith(
            "MaintainX emulator listening on http://127.0.0.1:"
        ) and first.endswith("/v1")
        assert key_line == "API key: k-123"
        base = first.rsplit(" ", 1)[1]
        response = httpx.get(base + "/workorders", headers={"authorization": "Bearer k-123"})
        assert len(response.json()["workOrders"]) == 3
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_rejects_a_bad_fault_spec() -> None:
    from maintainx_sdk.testing.emulator_cli import cli_main

    assert cli_main(["--port", "0", "--faults", "bogus=1"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port: must be between 0 and 65535"),
        (["--port", "x"], "--port: expected an integer"),
        (["--work-orders", "-3"], "--work-orders: must be >= 0"),
    ],
)
def test_cli_refuses_out_of_range_numbers_with_a_usage_error(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: --port 70000 died with an OverflowError traceback and --work-orders -3
    was silently taken as 0."""
    from maintainx_sdk.testing.emulator_cli import cli_main

    with pytest.raises(SystemExit) as exited:
        cli_main(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_runs_offline_and_shows_the_refused_move() -> None:
    lines: list[str] = []
    assert run_demo(out=lines.append) == 0
    text = "\n".join(lines)
    assert "Created work order #" in text and "IN_PROGRESS -> DONE" in text
    assert "Refused an invalid move" in text and "is DONE" in text


def test_plugin_fixtures(
    maintainx_client: MaintainX, maintainx_emulator: Emulator, maintainx_server: EmulatorServer
) -> None:
    created = maintainx_client.work_orders.create(title="from the fixture")
    assert maintainx_emulator.org().table("workorders").get(created.id) is not None
    with httpx.Client(base_url=maintainx_server.base_url) as c:
        listed = c.get(
            "/workorders", headers={"authorization": f"Bearer {maintainx_server.api_key}"}
        )
    assert len(listed.json()["workOrders"]) == 21


async def test_async_plugin_fixture(async_maintainx_client: AsyncMaintainX) -> None:
    created = await async_maintainx_client.work_orders.create(title="async fixture")
    assert (await async_maintainx_client.work_orders.get(created.id)).title == "async fixture"


def test_server_handles_chunked_bodies_http10_and_connection_close() -> None:
    import socket as socket_module

    emu = make_emulator()
    with emu.serve() as server:
        sock = socket_module.create_connection((server.host, server.port))
        body = b'{"title":"chunked"}'
        sock.sendall(
            b"POST /v1/workorders HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + emu.api_key.encode()
            + b"\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        )  # fmt: skip
        reply = b""
        while chunk := sock.recv(65536):  # the server closes after answering
            reply += chunk
        sock.close()
        assert reply.startswith(b"HTTP/1.1 200 OK") and b"connection: close" in reply
        with socket_module.create_connection((server.host, server.port)) as old:
            old.sendall(b"GET /versions HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := old.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200") and data.endswith(b'[{"version":"1"}]')
    assert [r["title"] for r in emu.org().table("workorders")] == ["chunked"]


def test_plugin_import_is_cheap() -> None:
    """pytest loads the plugin in every run of every project that installs the SDK."""
    code = (
        "import sys, maintainx_sdk.testing.pytest_plugin as p\n"
        "heavy = [m for m in ('maintainx_sdk.testing.emulator', 'maintainx_sdk.testing.server') if m in sys.modules]\n"
        "print(heavy, sorted(n for n in vars(p) if n.startswith('maintainx_') or n.startswith('async_')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=True,
    ).stdout.strip()
    assert (
        out
        == "[] ['async_maintainx_client', 'maintainx_client', 'maintainx_emulator', 'maintainx_server']"
    )


_USER_SUITE = """
import pytest

@pytest.mark.asyncio
async def test_async_fixture(async_maintainx_client):
    page = await async_maintainx_client.work_orders.list(limit=5).first_page()
    assert len(page.items) == 5

def test_sync_fixture(maintainx_client):
    assert len(maintainx_client.work_orders.list(limit=5).first_page().items) == 5
"""


def test_plugin_async_fixture_works_in_pytest_asyncio_strict_mode(tmp_path: Path) -> None:
    """Regression: declared with plain pytest.fixture, async_maintainx_client was never
    awaited under pytest-asyncio's default (strict) mode, so users' async tests errored."""
    pytest.importorskip("pytest_asyncio")
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = strict\n")
    (tmp_path / "test_user.py").write_text(_USER_SUITE)
    registered = any(
        e.value == "maintainx_sdk.testing.pytest_plugin" for e in entry_points(group="pytest11")
    )
    plugin = [] if registered else ["-p", "maintainx_sdk.testing.pytest_plugin"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


def test_concurrent_clients_over_loopback_lose_nothing() -> None:
    from concurrent.futures import ThreadPoolExecutor

    emu = make_emulator()
    with emu.serve() as server:

        def worker(n: int) -> list[int]:
            with httpx.Client(
                base_url=server.base_url, headers={"authorization": f"Bearer {emu.api_key}"}
            ) as c:
                return [
                    c.post("/workorders", json={"title": f"t{n}-{i}"}).json()["id"]
                    for i in range(25)
                ]

        with ThreadPoolExecutor(8) as pool:
            ids = [i for chunk in pool.map(worker, range(8)) for i in chunk]
        with socket_client(server) as raw:
            raw.sendall(b"NONSENSE\r\n\r\n")
            assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    rows = list(emu.org().table("workorders"))
    assert len(ids) == len(set(ids)) == len(rows) == 200
    assert sorted(r["sequentialId"] for r in rows) == list(range(1, 201))
    assert server.connections >= 8


def socket_client(server: EmulatorServer) -> Any:
    import socket as socket_module

    return socket_module.create_connection((server.host, server.port), timeout=5)
