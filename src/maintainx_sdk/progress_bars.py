"""Progress bars for ``progress=`` callbacks: tqdm (``pip install 'maintainx-sdk[tqdm]'``),
rich (``pip install 'maintainx-sdk[rich]'``), each imported when a bar is made, and a plain
status line that needs neither (:class:`PlainProgress`).

>>> from maintainx_sdk.progress_bars import TqdmProgress
>>> with TqdmProgress(desc="work orders") as bar:
...     rows = list(mx.work_orders.list().with_options(progress=bar))

A bar appears on the first snapshot, shows ``total`` when the work knows it (bulk input with
a length), and closes itself on the last one (``done``); leaving the ``with`` block closes
it too (a walk abandoned half way never sends ``done``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TextIO

from .errors import ConfigurationError
from .progress import Progress

if TYPE_CHECKING:
    import rich.progress
    import tqdm


def _missing(extra: str) -> ConfigurationError:
    return ConfigurationError(
        f"this progress bar needs the {extra} package: pip install 'maintainx-sdk[{extra}]'"
    )


class _Bar:
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TqdmProgress(_Bar):
    """A tqdm bar fed by progress snapshots; ``tqdm_kwargs`` go to ``tqdm.tqdm``."""

    def __init__(self, **tqdm_kwargs: Any) -> None:
        try:
            import tqdm
        except ImportError as exc:
            raise _missing("tqdm") from exc
        self._tqdm = tqdm
        self._kwargs = tqdm_kwargs
        self.bar: tqdm.tqdm[Any] | None = None
        """The tqdm bar (None before the first snapshot)."""

    def __call__(self, progress: Progress) -> None:
        bar = self.bar
        if bar is None:
            options: dict[str, Any] = {"desc": progress.task, "unit": "item", **self._kwargs}
            bar = self.bar = self._tqdm.tqdm(total=progress.total, **options)
        if progress.total != bar.total:
            bar.total = progress.total
        bar.set_postfix_str(progress.stats(), refresh=False)
        bar.update(progress.items - bar.n)
        if progress.done:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class RichProgress(_Bar):
    """A task on a ``rich.progress.Progress`` fed by progress snapshots.

    Pass your own ``progress`` display to put the task on it (you start and stop it);
    without one, a display with the counters is made, started on the first snapshot and
    stopped on the last. ``description`` defaults to the snapshot's task.
    """

    def __init__(
        self,
        progress: rich.progress.Progress | None = None,
        *,
        description: str | None = None,
        console: Any = None,
    ) -> None:
        try:
            import rich.progress
        except ImportError as exc:
            raise _missing("rich") from exc
        self._owned = progress is None
        self.display = progress or rich.progress.Progress(
            *rich.progress.Progress.get_default_columns(),
            rich.progress.TextColumn("{task.fields[stats]}"),
            console=console,
        )
        """The rich display the task is on."""
        self._description = description
        self.task_id: rich.progress.TaskID | None = None

    def __call__(self, progress: Progress) -> None:
        stats = progress.stats()
        if self.task_id is None:
            if self._owned:
                self.display.start()
            self.task_id = self.display.add_task(
                self._description or progress.task, total=progress.total, stats=stats
            )
        self.display.update(
            self.task_id, total=progress.total, completed=progress.items, stats=stats
        )
        if progress.done:
            self.close()

    def close(self) -> None:
        if self.task_id is not None and self._owned:
            self.display.stop()


def describe(progress: Progress, label: str | None = None) -> str:
    """One line for a snapshot: ``"work_orders.list: 400 items, 2 pages, 2 requests, 1.2s"``
    (``label`` in place of the task's name)."""
    count = f"{progress.items}/{progress.total}" if progress.total is not None else progress.items
    name = label or progress.task
    line = f"{name}: {count} items, {progress.stats()}, {progress.elapsed:.1f}s"
    eta = progress.eta
    if eta is not None and not progress.done:
        line += f", about {eta:.0f}s left"
    return line


class PlainProgress(_Bar):
    """A status line on ``stream`` (stderr by default), no dependency: redrawn in place on
    a terminal (at most every ``interval / 10`` seconds), else a new line at most every
    ``interval`` seconds; the first and the last snapshots are always written. ``label``
    replaces the task's name."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        label: str | None = None,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._label = label
        self._clock = clock
        self._interval = interval
        self._last: float | None = None
        self._open_line = 0
        """Width of the line drawn in place and not yet ended (terminal only)."""

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def __call__(self, progress: Progress) -> None:
        stream = self.stream
        tty = stream.isatty()
        now = self._clock()
        gap = self._interval / 10 if tty else self._interval
        if not progress.done and self._last is not None and now - self._last < gap:
            return
        self._last = now
        line = describe(progress, self._label)
        if tty:
            stream.write("\r" + line.ljust(self._open_line))
            self._open_line = len(line)
            if progress.done:
                self.close()
        else:
            stream.write(line + "\n")
        stream.flush()

    def close(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = 0
