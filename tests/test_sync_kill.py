"""A sync process really killed (SIGKILL) mid-run resumes with no item lost or processed twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk._timestamps import parse_timestamp
from tests.helpers.fast_policies import FAST

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


def _worker(base_url: str, key: str, db: Path, source: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.sync_worker",
            base_url,
            key,
            str(db),
            "20",
            "0.03",
            source,
        ],
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


@pytest.mark.parametrize("source", ["work_orders", "assets"])
def test_killed_sync_resumes_without_loss_or_repeat(tmp_path: Path, source: str) -> None:
    emulator = emulator_module.Emulator(
        seed=3, work_orders=400, rate_limit=None, org_rate_limit=None
    )
    local = MaintainX(api_key=emulator.api_key, transport=emulator.transport(), **FAST)
    if source == "assets":  # offset-backed: 400 assets, many sharing one updatedAt
        for n in range(400 - len(list(local.assets.list()))):
            local.assets.create(name=f"asset {n}")
    resource = getattr(local, source)
    db = tmp_path / "sync.sqlite3"
    with emulator.serve() as server:
        first = _worker(server.base_url, server.api_key, db, source)
        _kill_after(first, db, at_least=60)
        killed_at = len(_processed(db))
        assert 0 < killed_at < 400

        # Changes while nobody syncs: they must come through as new versions, once.
        for item in list(resource.list(limit=5).with_options(max_items=5)):
            if source == "assets":
                resource.update(item.id, name=f"{item.name} (edited)")
            else:
                resource.update(item.id, title=f"{item.title} (edited)")

        second = _worker(server.base_url, server.api_key, db, source)
        _kill_after(second, db, at_least=killed_at + 100)

        third = _worker(server.base_url, server.api_key, db, source)
        out, err = third.communicate(timeout=60)
        assert third.returncode == 0, err.decode()
        assert b"caught_up=True" in out

    current = {(item.id, _stamp(item)) for item in resource.list()}
    local.close()
    processed = [(i, parse_timestamp(at)) for i, at in _processed(db)]
    repeats = [v for v, n in Counter(processed).items() if n > 1]
    assert not repeats, f"processed twice: {repeats[:5]}"
    assert current <= set(processed), "a version was never processed"
    assert len(current) == 400


def _stamp(item: Any) -> datetime | None:
    return parse_timestamp(item.updated_at)
