"""The benchmark scripts' ``--plot`` PNGs (docs/img/) are drawn from what the runs measured."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from maintainx_sdk import MaintainX
from maintainx_sdk.testing import Emulator

pytest.importorskip("matplotlib", reason="the bench extra draws the plots")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == PNG_SIGNATURE and path.stat().st_size > 5_000


def test_loopback_server_records_each_request_and_the_quota_plot_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quota = _load("quota")
    monkeypatch.setattr(quota, "SERVER", "loopback")
    result = quota.retry_on_429(12, 5, 0.5)
    accepted = [t for t, ok in result.arrivals if ok]
    assert len(accepted) == 12
    assert len(result.arrivals) - len(accepted) == result.received_429
    assert result.arrivals[0][0] == 0.0
    plot = _load("_plot")
    out = plot.quota_timeline(tmp_path / "q.png", {"x": result.arrivals}, limit=5, window=0.5)
    assert _is_png(out)


def test_plot_needs_the_loopback_server_for_quota(capsys: pytest.CaptureFixture[str]) -> None:
    quota = _load("quota")
    with pytest.raises(SystemExit):
        quota.main(["--quick", "--server", "emulator", "--plot", "x"])
    assert "--server loopback" in capsys.readouterr().err


def test_overhead_and_stream_write_their_pngs(tmp_path: Path) -> None:
    assert _load("overhead").main(["--quick", "--breakdown", "--plot", str(tmp_path)]) == 0
    stream = _load("stream")
    assert stream.main(["-n", "1000", "--repeat", "1", "--plot", str(tmp_path)]) == 0
    assert _is_png(tmp_path / "overhead.png")
    assert _is_png(tmp_path / "stream_memory.png")


def test_stream_memory_curve_is_flat_when_streaming_and_grows_when_collecting() -> None:
    stream = _load("stream")
    emu = Emulator(seed=1, work_orders=2000, rate_limit=None, org_rate_limit=None)
    with emu, MaintainX(api_key=emu.api_key, transport=emu.transport()) as mx:
        items, streamed = stream.memory_curve(mx, keep=False, every=400)
        _, collected = stream.memory_curve(mx, keep=True, every=400)
    assert items == [0, 400, 800, 1200, 1600, 2000]
    assert collected[-1] > 3 * streamed[-1]
