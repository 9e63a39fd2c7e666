"""The tqdm and rich adapters for progress= callbacks."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from maintainx_sdk import ConfigurationError, MaintainX, bulk
from maintainx_sdk.progress import Progress
from maintainx_sdk.progress_bars import PlainProgress, RichProgress, TqdmProgress
from tests.helpers.fast_policies import FAST

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


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_writes_throttled_lines_and_always_the_last() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = PlainProgress(out, label="mirror", interval=2.0, clock=lambda: now[0])
    for n in range(1, 6):
        now[0] = n * 0.5
        bar(Progress(task="t", items=n * 10, pages=n, requests=n, elapsed=now[0]))
    bar(Progress(task="t", items=60, pages=6, requests=6, elapsed=3.0, done=True))
    lines = out.getvalue().splitlines()
    assert [line.split(":")[1].split(",")[0] for line in lines] == [
        " 10 items",
        " 50 items",
        " 60 items",
    ]
    assert lines[-1] == "mirror: 60 items, 6 pages, 6 requests, 3.0s"


def test_plain_progress_redraws_one_line_on_a_terminal() -> None:
    out = _Terminal()
    with PlainProgress(out) as bar:
        bar(Progress(task="bulk", items=1, total=4, requests=1, elapsed=1.0))
        bar(Progress(task="bulk", items=4, total=4, requests=4, elapsed=2.0, failures=1, done=True))
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n") and text.startswith("\rbulk: 1/4 items")
    last = text.split("\r")[-1]  # padded over the longer line it replaces
    assert last.rstrip() == "bulk: 4/4 items, 0 pages, 4 requests, 1 failed, 2.0s"
    assert len(last) > len(text.split("\r")[1])
