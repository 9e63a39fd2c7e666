"""The hardening benchmarks' --quick modes run (loopback only) and hold their claims."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.slow
@pytest.mark.parametrize("server", ["loopback", "emulator"])
def test_chaos_quick_no_duplicates_every_read_succeeds(server: str) -> None:
    chaos = _load("chaos")
    r = chaos.run(200, 0.2, seed=11, workers=4, server=server)
    assert r["reads_succeeded"] == r["reads"]
    assert r["guarded_resolved"] == r["guarded_creates"]
    assert r["duplicates"] == 0 and r["confirmed_not_stored_once"] == 0
    assert r["untyped_failures"] == 0
    assert r["faults_injected"] > 0


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")
def test_chaos_quick_with_spoiled_answers_and_redis_outages() -> None:
    chaos = _load("chaos")
    r = chaos.run(
        300, 0.2, seed=5, workers=4, server="emulator", wire_faults=0.1, with_redis=True, total=2
    )
    assert r["reads_succeeded"] == r["reads"]
    assert r["guarded_resolved"] + r["guarded_left_claimed"] == r["guarded_creates"]
    assert r["duplicates"] == 0 and r["confirmed_not_stored_once"] == 0
    assert r["untyped_failures"] == 0
    kinds = r["fault_kinds"]
    assert isinstance(kinds, dict) and any(k.startswith("wire:") for k in kinds)


@pytest.mark.slow
def test_quota_quick_sdk_surfaces_no_429() -> None:
    quota = _load("quota")
    r = quota.sdk(30, 10, 1.0)
    assert r.ok == 30 and r.surfaced_429 == 0 and r.other_errors == 0
    assert r.received_429 <= 3  # at most one per window


@pytest.mark.slow
def test_overhead_quick_runs(capsys: pytest.CaptureFixture[str]) -> None:
    overhead = _load("overhead")
    assert overhead.main(["--quick"]) == 0
    assert "full pipeline" in capsys.readouterr().out


def test_construction_quick_runs(capsys: pytest.CaptureFixture[str]) -> None:
    construction = _load("construction")
    assert construction.main(["--rounds", "1", "--per-round", "1"]) == 0
    assert "goal <= 2x" in capsys.readouterr().out
