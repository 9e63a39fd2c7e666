"""`maintainx-sdk readiness`: exit codes, --json, and --smoke cleaning up on every failure."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from maintainx_sdk import MaintainX, RetryPolicy
from maintainx_sdk.cli import main as sdk_main
from maintainx_sdk.readiness._smoke import SMOKE_TITLE_PREFIX, run_smoke
from maintainx_sdk.readiness.cli import main
from maintainx_sdk.testing import Emulator, EmulatorServer
from tests.conftest import TEST_KEY
from tests.helpers.closed_port import closed_port
from tests.helpers.crashing_transport import CrashingTransport


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(api_key=TEST_KEY, work_orders=3, org_rate_limit=None, webhook_mode="sync")
    yield emu
    emu.close()


@pytest.fixture
def server(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """The emulator on a loopback port; the CLI finds it through the environment."""
    with emulator.serve() as srv:
        monkeypatch.setenv("MAINTAINX_API_KEY", TEST_KEY)
        monkeypatch.setenv("MAINTAINX_BASE_URL", srv.base_url)
        yield srv


def _smoke_work_orders(emulator: Emulator) -> list[str]:
    """Titles of smoke-test work orders still in the emulator, read through the SDK."""
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        return [w.title for w in mx.work_orders.list() if w.title.startswith(SMOKE_TITLE_PREFIX)]


def test_exit_0_when_p0_pass_and_table_printed(
    server: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sdk_main(["readiness"]) == 0
    out = capsys.readouterr().out
    assert "auth.key_valid" in out and "READY" in out and TEST_KEY not in out


def test_exit_1_on_bad_key_with_json(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAINTAINX_API_KEY", "wrong-key-0123456789")
    assert main(["--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    (key,) = [c for c in payload["checks"] if c["id"] == "auth.key_valid"]
    assert key["status"] == "fail" and key["fix"]


def test_exit_1_without_key_and_when_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--no-live"]) == 1
    assert "secrets.api_key" in capsys.readouterr().out
    monkeypatch.setenv("MAINTAINX_API_KEY", TEST_KEY)
    monkeypatch.setenv("MAINTAINX_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    assert main(["--timeout", "2"]) == 1
    out = capsys.readouterr().out
    assert "health.api_reachable" in out and "fix:" in out


def test_project_dir_and_bad_usage(
    server: EmulatorServer, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project-dir", str(tmp_path), "--json"]) == 1  # no .gitignore: P0 fail
    ids = {c["id"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert ids["secrets.gitignore"] == "fail"
    assert main(["--no-such-flag"]) == 2
    assert main(["--project-dir", str(tmp_path) + "/missing"]) == 2


def test_smoke_creates_reads_cancels_and_deletes(
    server: EmulatorServer, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--smoke", "--json"]) == 0
    smoke = json.loads(capsys.readouterr().out)["smoke"]
    assert [s["name"] for s in smoke["steps"]] == ["create", "read", "cancel", "delete", "verify"]
    assert smoke["ok"] and smoke["cleaned_up"]
    assert smoke["title"].startswith(SMOKE_TITLE_PREFIX)
    assert "priority LOW" in smoke["steps"][0]["detail"]
    assert _smoke_work_orders(emulator) == []


@pytest.mark.parametrize(
    ("method", "route"),
    [("GET", "/workorders/{id}"), ("PATCH", "/workorders/{id}/status")],
)
def test_smoke_cleans_up_when_a_step_fails(
    server: EmulatorServer,
    emulator: Emulator,
    method: str,
    route: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator.faults.script(method, route, [400, 400, 400, 400])
    assert main(["--smoke"]) == 1
    out = capsys.readouterr().out
    assert "smoke test FAILED" in out and "deleted" in out
    emulator.faults.clear()
    assert _smoke_work_orders(emulator) == []


def test_smoke_cleans_up_when_the_run_is_interrupted(emulator: Emulator) -> None:
    """A non-SDK error escaping mid-run still leaves no work order behind."""
    emulator.keep_log = True
    crash = CrashingTransport(
        emulator.transport(), method="PATCH", error=RuntimeError("worker crashed")
    )
    mx = MaintainX(api_key=TEST_KEY, transport=crash)
    with mx, pytest.raises(RuntimeError):
        run_smoke(mx)
    assert [entry.method for entry in emulator.counters.log][-1] == "DELETE"
    assert _smoke_work_orders(emulator) == []


def test_smoke_reports_a_work_order_it_could_not_delete(emulator: Emulator) -> None:
    emulator.faults.script("DELETE", "/workorders/{id}", [500] * 8)  # every delete attempt
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport(),
                   retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.002)) as mx:  # fmt: skip
        run = run_smoke(mx)
    assert not run.ok and not run.cleaned_up
    assert "LEFT BEHIND" in run.render() and str(run.work_order_id) in run.render()


def test_smoke_create_with_unknown_outcome_names_the_title(emulator: Emulator) -> None:
    emulator.max_hang = 0.0  # the hang answers with a read timeout at once
    emulator.faults.script("POST", "/workorders", ["hang"] * 4)  # every create attempt
    with MaintainX(api_key=TEST_KEY, transport=emulator.transport()) as mx:
        run = run_smoke(mx)
    assert not run.ok and [s.name for s in run.steps] == ["create"]
    assert run.title in run.steps[0].detail


async def test_async_smoke_cleans_up_after_a_failed_step(emulator: Emulator) -> None:
    from maintainx_sdk import AsyncMaintainX
    from maintainx_sdk.readiness._smoke import arun_smoke

    emulator.faults.script("PATCH", "/workorders/{id}/status", [400])
    async with AsyncMaintainX(api_key=TEST_KEY, transport=emulator.async_transport()) as amx:
        run = await arun_smoke(amx)
    assert [(s.name, s.ok) for s in run.steps] == [
        ("create", True),
        ("read", True),
        ("cancel", False),
        ("delete", True),
        ("verify", True),
    ]
    assert run.cleaned_up and not run.ok
    assert _smoke_work_orders(emulator) == []
