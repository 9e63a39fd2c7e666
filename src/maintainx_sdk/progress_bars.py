"""Progress bars for ``progress=`` callbacks: tqdm (``pip install 'maintainx-sdk[tqdm]'``) and
rich (``pip install 'maintainx-sdk[rich]'``). Each library is imported when a bar is made.

>>> from maintainx_sdk.progress_bars import TqdmProgress
>>> with TqdmProgress(desc="work orders") as bar:
...     rows = list(mx.work_orders.list().with_options(progress=bar))

A bar appears on the first snapshot, shows ``total`` when the work knows it (bulk input with
a length), and closes itself on the last one (``done``); leaving the ``with`` block closes
it too (a walk abandoned half way never sends ``done``).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

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
