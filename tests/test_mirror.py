"""``maintainx-sdk mirror``: a subprocess against an emulator server on loopback mirrors every
record, resumes after Ctrl-C and SIGKILL, and fetches only changes once caught up."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk import ConfigurationError, MaintainX, ValidationError
from maintainx_sdk.mirror import SQLiteMirror
from maintainx_sdk.progress import Progress
from maintainx_sdk.reconcile import snapshot
from tests.helpers.fast_policies import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 300


@pytest.fixture
def emu() -> Iterator[Any]:
    emulator = emulator_module.Emulator(
        seed=8, work_orders=TOTAL, rate_limit=None, org_rate_limit=None, keep_log=True
    )
    yield emulator
    emulator.close()


def _local(emu: Any) -> MaintainX:
    return MaintainX(api_key=emu.api_key, transport=emu.transport(), telemetry=False, **FAST)


def _remote(emu: Any) -> dict[str, str]:
    """``id -> updatedAt`` of every work order, future-start ones included."""
    with _local(emu) as mx:
        return snapshot(mx.work_orders.list(show_upcoming=True))


def _rows(db: Path) -> dict[str, str]:
    """``id -> updatedAt`` of the mirrored records (read while the mirror may be writing)."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute("SELECT data FROM work_orders").fetchall()
    except sqlite3.OperationalError:  # the table is not there yet
        return {}
    finally:
        conn.close()
    return snapshot(json.loads(data) for (data,) in rows)


def _mirror(server: Any, db: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "MAINTAINX_API_KEY": server.api_key,
    }
    env.pop("MAINTAINX_BASE_URL", None)
    command = [sys.executable, "-m", "maintainx_sdk.cli", "mirror", "work_orders"]
    command += ["--db", str(db), "--base-url", server.base_url, "--json", *extra]
    return subprocess.Popen(
        command, cwd=db.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(proc: subprocess.Popen[str], code: int = 0) -> tuple[dict[str, Any], str]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err[-3000:]
    return json.loads(out.strip().splitlines()[-1]), err


def _list_requests(emu: Any) -> int:
    return sum(1 for e in emu.counters.log if e.method == "GET" and e.path == "/workorders")


def test_mirrors_everything_then_fetches_only_changes(emu: Any, tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    with _local(emu) as mx:  # one that starts in the future: the plain list leaves it out
        start = datetime.now(UTC) + timedelta(days=30)
        mx.work_orders.create(title="next month", start_date=start, due_date=start)
    everything = TOTAL + 1
    with emu.serve() as server:
        first, err = _finish(_mirror(server, db, "--page-size", "50"))
        remote = _remote(emu)
        assert len(remote) == everything
        assert _rows(db) == remote
        assert (first["fetched"], first["records"], first["caught_up"]) == (
            everything,
            everything,
            True,
        )
        assert first["pages"] >= everything // 50 and "work_orders" in err  # the live bar

        before = _list_requests(emu)
        again, _ = _finish(_mirror(server, db))
        assert again["fetched"] == 0 and again["records"] == everything
        assert _list_requests(emu) - before == again["requests"] <= 2

        with _local(emu) as mx:
            edited = [wo.id for wo in mx.work_orders.list(limit=3).with_options(max_items=3)]
            for ident in edited:
                mx.work_orders.update(ident, title=f"edited {ident}")
        before = _list_requests(emu)
        changes, _ = _finish(_mirror(server, db))
        assert changes["fetched"] == 3 and changes["records"] == everything
        assert _list_requests(emu) - before == changes["requests"] <= 2
        conn = sqlite3.connect(db)
        titles = dict(
            conn.execute(
                "SELECT id, json_extract(data, '$.title') FROM work_orders WHERE id IN (?, ?, ?)",
                edited,
            ).fetchall()
        )
        conn.close()
        assert titles == {i: f"edited {i}" for i in edited}
        assert _rows(db) == _remote(emu)


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGINT/SIGKILL semantics")
@pytest.mark.parametrize("how", ["ctrl-c", "sigkill"])
def test_resumes_after_an_interrupt_without_fetching_twice(
    emu: Any, tmp_path: Path, how: str
) -> None:
    db = tmp_path / "x.sqlite"
    emu.faults.configure(latency=0.05)  # slow pages, so the run is stopped part way
    with emu.serve() as server:
        proc = _mirror(server, db, "--page-size", "10", "--progress", "plain")
        deadline = time.monotonic() + 60
        while len(_rows(db)) < 50:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the mirror made no progress"
            time.sleep(0.01)
        if how == "ctrl-c":
            proc.send_signal(signal.SIGINT)
            stopped, err = _finish(proc, 130)
            assert stopped["interrupted"] and stopped["records"] == len(_rows(db))
            assert "work_orders:" in err  # the plain progress line
        else:
            proc.kill()
            assert proc.wait(timeout=10) == -signal.SIGKILL
            proc.communicate()
        kept = len(_rows(db))
        assert 0 < kept < TOTAL

        resumed, _ = _finish(_mirror(server, db, "--page-size", "10"))
    assert resumed["caught_up"] and resumed["records"] == TOTAL
    assert resumed["fetched"] == TOTAL - kept  # every committed page is kept, none fetched again
    assert _rows(db) == _remote(emu)


def test_a_file_mirrors_an_area_from_one_api_only(emu: Any, tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    seen: list[Progress] = []
    with _local(emu) as mx, SQLiteMirror(mx, "work_orders", db) as mirror:
        mirror.run(progress=seen.append, max_pages=1)
        assert mirror.count() == seen[-1].items > 0
    other = MaintainX(
        api_key=emu.api_key, base_url="http://127.0.0.2:1/v1", transport=emu.transport(), **FAST
    )
    with other, pytest.raises(ConfigurationError, match="use another file"):
        SQLiteMirror(other, "work_orders", db)
    with _local(emu) as mx, pytest.raises(ValidationError, match="not one of"):
        SQLiteMirror(mx, "users", db)  # type: ignore[arg-type]


def test_usage_and_configuration_errors_exit_2_without_the_key(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("MAINTAINX_API_KEY", None)
    env.pop("MAINTAINX_API_KEY_FILE", None)
    base = [sys.executable, "-m", "maintainx_sdk.cli", "mirror"]
    no_key = subprocess.run(
        [*base, "work_orders", "--db", str(tmp_path / "x.sqlite"), "--progress", "none"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_key.returncode == 2 and "MAINTAINX_API_KEY" in no_key.stderr
    bad_area = subprocess.run(
        [*base, "users", "--db", "x.sqlite"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad_area.returncode == 2 and "work_orders" in bad_area.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "maintainx_sdk.cli", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "mirror" in listed.stdout
