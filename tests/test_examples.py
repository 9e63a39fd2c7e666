"""Every script in ``examples/`` runs as a user would run it, against the bundled emulator.

Scripts run in a subprocess with a timeout (loopback only: the in-process emulator, or an
emulator served on 127.0.0.1). Servers are started, asked for a page, and stopped. A new
example must be listed here, so none can rot unnoticed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from maintainx_sdk.testing import Emulator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIMEOUT = 60

#: script -> (arguments, expected exit code, text the output must contain)
STANDALONE: dict[str, tuple[list[str], int, str]] = {
    "quickstart.py": ([], 0, "rejected before sending"),
    "async_quickstart.py": ([], 0, "fetched 3 work orders concurrently"),
    # Stages drift on purpose, and exit 1 is how the job signals drift to cron.
    "daily_reconcile.py": (["--emulator"], 1, "missing remotely"),
}
#: scripts that serve until stopped -> the modules they need (the dev extra has them all)
SERVERS: dict[str, tuple[str, ...]] = {
    "service.py": ("starlette", "uvicorn", "prometheus_client", "opentelemetry.sdk"),
}
#: ASGI app factories run by uvicorn as docs/examples.md gives it -> a line their log must show
APPS = {"webhook_receiver.py": "webhook_receiver: work order"}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAINTAINX_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _run(script: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """An emulator on a loopback socket: (base URL, key)."""
    emulator = Emulator(seed=3, work_orders=10)
    with emulator.serve() as server:
        yield server.base_url, server.api_key
    emulator.close()


def test_every_example_is_covered() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py")}
    assert scripts == set(STANDALONE) | set(SERVERS) | set(APPS)


@pytest.mark.parametrize("script", sorted(STANDALONE))
def test_standalone_example_runs_on_the_in_process_emulator(script: str) -> None:
    args, code, expected = STANDALONE[script]
    done = _run(script, args, _env())
    assert done.returncode == code, done.stdout + done.stderr
    assert expected in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("script", ["quickstart.py", "async_quickstart.py"])
def test_quickstarts_run_against_a_server_named_by_the_environment(
    script: str, served: tuple[str, str]
) -> None:
    base_url, key = served
    done = _run(script, [], _env(MAINTAINX_BASE_URL=base_url, MAINTAINX_API_KEY=key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bundled emulator" not in done.stdout  # it used the environment, not its own
    assert "deleted" in done.stdout
    assert key not in done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("script", sorted(SERVERS))
def test_server_example_serves_health(script: str, served: tuple[str, str]) -> None:
    missing = [m for m in SERVERS[script] if importlib.util.find_spec(m) is None]
    assert not missing, f"{script} needs {', '.join(missing)}: install the dev extra"
    base_url, key = served
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / script), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(MAINTAINX_BASE_URL=base_url, MAINTAINX_API_KEY=key),
        cwd=ROOT,
    )
    try:
        health = None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None, f"{script} did not serve /health"
        assert health.status_code == 200
        assert json.loads(health.content)["api"]["reachable"] is True
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert metrics.status_code == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=TIMEOUT)
    assert key not in output


@pytest.mark.parametrize("script", sorted(APPS))
def test_app_factory_runs_under_uvicorn_with_no_setup(script: str) -> None:
    """``uvicorn examples.<app>:create_app --factory`` from a clean environment (no secret):
    the app starts, its handlers' log lines show, and it serves until stopped."""
    port = _free_port()
    module = f"examples.{script.removesuffix('.py')}:create_app"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", module, "--factory", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        answer = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/maintainx", content=b"{}", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, f"{script} did not serve"
        assert answer.status_code == 401  # unsigned: refused, the server is up
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=TIMEOUT)
    assert "Traceback" not in output, output
    assert APPS[script] in output, output
    assert "OPEN -> IN_PROGRESS" in output, output
