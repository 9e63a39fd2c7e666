"""A sync process really killed (SIGKILL) mid-run resumes with no item lost or processed twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from maintainx_sdk import MaintainX

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

ROOT = Path(__file__).resolve().parents[1]


def _processed(db: Path) -> list[tuple[int, str]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=10)
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT id, updated_at FROM processed")]
    except sqlite3.OperationalError:  # the worker has not created the table yet
        return []
    finally:
        conn.close()


def _worker(base_url: str, key: str, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests._sync_worker", base_url, key, str(db), "20", "0.03"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill_after(proc: subprocess.Popen[bytes], db: Path, at_least: int) -> None:
    deadline = time.monotonic() + 30
    while len(_processed(db)) < at_least:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL


def test_killed_sync_resumes_without_loss_or_repeat(tmp_path: Path) -> None:
    emulator = emulator_module.Emulator(
        seed=3, work_orders=400, rate_limit=None, org_rate_limit=None
    )
    db = tmp_path / "sync.sqlite3"
    with emulator.serve() as server:
        mx = MaintainX(api_key=server.api_key, base_url=server.base_url)
        first = _worker(server.base_url, server.api_key, db)
        _kill_after(first, db, at_least=60)
        killed_at = len(_processed(db))
        assert 0 < killed_at < 400

        # Changes while nobody syncs: they must come through as new versions, once.
        listed = list(mx.request("GET", "/workorders", params={"limit": 5}).json()["workOrders"])
        for wo in listed:
            mx.request(
                "PATCH", f"/workorders/{wo['id']}", json={"title": wo["title"] + " (edited)"}
            )

        second = _worker(server.base_url, server.api_key, db)
        _kill_after(second, db, at_least=killed_at + 100)

        third = _worker(server.base_url, server.api_key, db)
        out, err = third.communicate(timeout=60)
        assert third.returncode == 0, err.decode()
        assert b"caught_up=True" in out

        current = {(wo["id"], wo["updatedAt"]) for wo in _all_work_orders(mx)}
        mx.close()

    processed = _processed(db)
    repeats = [v for v, n in Counter(processed).items() if n > 1]
    assert not repeats, f"processed twice: {repeats[:5]}"
    assert current <= set(processed), "a work order version was never processed"
    assert len(current) == 400


def _all_work_orders(mx: MaintainX) -> list[dict[str, object]]:
    from maintainx_sdk.pagination import SyncPager
    from maintainx_sdk.sync import source_operation

    return list(SyncPager(mx, source_operation("work_orders")))
