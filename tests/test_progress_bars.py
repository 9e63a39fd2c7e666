"""The tqdm and rich adapters for progress= callbacks."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from maintainx_sdk import ConfigurationError, MaintainX, bulk
from maintainx_sdk.progress_bars import RichProgress, TqdmProgress
from tests._paging_fakes import FAST

emulator_module = pytest.importorskip("maintainx_sdk.testing.emulator")
pytest.importorskip("tqdm")
pytest.importorskip("rich")


def _client() -> tuple[Any, MaintainX]:
    emu = emulator_module.Emulator(seed=6, work_orders=30, rate_limit=None, org_rate_limit=None)
    return emu, MaintainX(api_key=emu.api_key, transport=emu.transport(), telemetry=False, **FAST)


def test_tqdm_bar_counts_the_walk_and_closes_on_done() -> None:
    _, mx = _client()
    out = io.StringIO()
    with mx, TqdmProgress(file=out, mininterval=0, desc="work orders") as bar:
        items = list(mx.work_orders.list(limit=10).with_options(progress=bar))
    assert bar.bar is not None and bar.bar.n == len(items) > 10
    text = out.getvalue()
    assert text.lstrip("\r").startswith("work orders: 0item")  # drawn before the first page
    assert f"work orders: {len(items)}item" in text
    assert f"{-(-len(items) // 10)} pages" in text


def test_tqdm_bar_shows_the_total_of_a_bulk_run() -> None:
    _, mx = _client()
    out = io.StringIO()
    with mx:
        ids = [wo.id for wo in mx.work_orders.list(limit=4).with_options(max_items=4)]
        bar = TqdmProgress(file=out, mininterval=0)
        bulk.get_many(mx.work_orders, ids, concurrency=2, progress=bar)
    assert bar.bar is not None and (bar.bar.n, bar.bar.total) == (4, 4)
    assert "4/4" in out.getvalue()


def test_rich_progress_owns_its_display_and_stops_it_on_done() -> None:
    from rich.console import Console

    _, mx = _client()
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    bar = RichProgress(console=console)
    with mx:
        items = list(mx.work_orders.list(limit=10).with_options(progress=bar))
    assert bar.task_id is not None
    task = bar.display.tasks[0]
    assert (task.completed, task.description) == (len(items), "work_orders.list")
    assert "pages" in task.fields["stats"]
    assert not bar.display.live.is_started


def test_rich_progress_on_your_display_leaves_it_running() -> None:
    from rich.console import Console
    from rich.progress import Progress as RichDisplay

    _, mx = _client()
    display = RichDisplay(console=Console(file=io.StringIO()))
    with display, mx:
        bar = RichProgress(display, description="mirror")
        list(mx.work_orders.list().with_options(progress=bar))
        assert display.live.is_started
        assert display.tasks[0].description == "mirror"


@pytest.mark.parametrize(
    ("module", "make"), [("tqdm", TqdmProgress), ("rich.progress", RichProgress)]
)
def test_a_missing_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, make: Any
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    extra = module.split(".")[0]
    with pytest.raises(ConfigurationError, match=rf"pip install 'maintainx-sdk\[{extra}\]'"):
        make()
