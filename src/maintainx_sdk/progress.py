"""Progress of long work: a ``progress=`` callback receives a :class:`Progress` snapshot.

Pagers (``pager.with_options(progress=...)``), :meth:`IncrementalSync.run
<maintainx_sdk.sync.IncrementalSync.run>`, :func:`~maintainx_sdk.reconcile.reconcile` and the
bulk helpers take one:

>>> def show(p: Progress) -> None:
...     print(f"{p.items} items, {p.pages} pages, {p.requests} requests, {p.waited:.1f}s waited")
>>> for wo in mx.work_orders.list().with_options(progress=show):
...     ...

The callback runs in the thread doing the work: once as the first request goes out, after
every page (or bulk item), before every retry wait, and once more with ``done=True`` when
the work completes. Calls never
overlap (bulk helpers serialize them). A callback that raises is logged on the
``maintainx_sdk`` logger and the work goes on, as with observers: a broken progress bar
must not stop a sync half way. ``KeyboardInterrupt`` and other ``BaseException`` propagate.

Requests, retries and rate-limit waits come from the client's observer seam: every client
carries a :class:`ProgressObserver`, which attributes a call to the work whose
:meth:`ProgressTracker.scope` it runs in (a context variable, so other threads and tasks
sharing the client are not counted). Bars for tqdm and rich: :mod:`maintainx_sdk.progress_bars`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Protocol

import httpx

from ._observer import NULL_CALL, CallObservation, NullObserver
from ._request import APIRequest
from ._response import APIResponse
from .errors import RetryRecord, ValidationError

_log = logging.getLogger("maintainx_sdk")


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of one piece of long work. Immutable: keep it, compare it, print it."""

    task: str
    """What is being done, e.g. ``"work_orders.list"`` or ``"bulk"``."""
    items: int = 0
    """Items delivered (pages, sync, reconcile) or finished, failed ones included (bulk)."""
    pages: int = 0
    requests: int = 0
    """HTTP attempts sent (retries included)."""
    retries: int = 0
    """Retries scheduled, for any reason (429 waits included)."""
    rate_limit_waits: int = 0
    """Retries that waited out a 429 answer."""
    waited: float = 0.0
    """Seconds spent waiting instead of sending: client-side pacing under the quota, 429
    waits and retry back-off."""
    elapsed: float = 0.0
    total: int | None = None
    """How many items there are, when that is known up front (bulk input with a length)."""
    failures: int = 0
    """Bulk items that failed (they count in ``items`` too)."""
    done: bool = False
    """True on the last snapshot, once the work completed."""

    @property
    def rate(self) -> float | None:
        """Items per second so far (None before any time has passed)."""
        return self.items / self.elapsed if self.elapsed > 0 else None

    @property
    def fraction(self) -> float | None:
        """Share done, 0..1, when the total is known."""
        if self.total is None:
            return None
        return 1.0 if self.total == 0 else min(self.items / self.total, 1.0)

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far, when the total is known (0 once done)."""
        if self.done:
            return 0.0
        rate = self.rate
        if self.total is None or not rate:
            return None
        return max(self.total - self.items, 0) / rate

    def stats(self) -> str:
        """The counters besides items, for a bar's side text: ``"3 pages, 4 requests, ..."``."""
        parts = [f"{self.pages} pages", f"{self.requests} requests"]
        if self.retries:
            parts.append(f"{self.retries} retries")
        if self.rate_limit_waits:
            parts.append(f"{self.rate_limit_waits} rate-limit waits")
        if self.failures:
            parts.append(f"{self.failures} failed")
        if self.waited >= 0.05:
            parts.append(f"waited {self.waited:.1f}s")
        return ", ".join(parts)


class ProgressCallback(Protocol):
    """Receives progress snapshots; the return value is ignored."""

    def __call__(self, progress: Progress, /) -> object: ...


Clock = Callable[[], float]

_CURRENT: ContextVar[ProgressTracker | None] = ContextVar("maintainx_progress", default=None)


class ProgressTracker:
    """Counts one piece of long work and hands snapshots to a callback. Thread-safe.

    The walkers make one per run (see :func:`track`); requests sent inside :meth:`scope`
    are counted by the :class:`ProgressObserver`.
    """

    def __init__(
        self,
        callback: ProgressCallback,
        *,
        task: str,
        total: int | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._callback = callback
        self._clock = clock
        self._started = clock()
        self._state = Progress(task=task, total=total)
        self._lock = threading.RLock()
        self._callback_failed = False
        self._opened = False

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Requests sent inside are this work's (in this thread or task only). The first
        scope sends a first snapshot, so a bar shows before the first page arrives."""
        if not self._opened:
            with self._lock:
                if not self._opened:
                    self._opened = True
                    self._emit()
        token = _CURRENT.set(self)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    def snapshot(self) -> Progress:
        with self._lock:
            return replace(self._state, elapsed=self._clock() - self._started)

    def page(self, items: int) -> None:
        """A page arrived with ``items`` items for the caller."""
        self._update(pages=1, items=items)

    def item(self, *, failed: bool = False) -> None:
        """One item finished (bulk)."""
        self._update(items=1, failures=int(failed))

    def finish(self) -> None:
        """The work completed: one last snapshot with ``done=True`` (only the first call)."""
        with self._lock:
            if self._state.done:
                return
            self._state = replace(self._state, done=True)
            self._emit()

    def request_sent(self, waited: float) -> None:
        """One request went out after ``waited`` seconds of pacing and waits (the
        :class:`ProgressObserver` reports it; no snapshot is sent for it)."""
        with self._lock:
            s = self._state
            self._state = replace(s, requests=s.requests + 1, waited=s.waited + waited)

    def retry_scheduled(self, *, throttled: bool) -> None:
        """A request will be retried (``throttled``: after a 429), as the observer reports it."""
        self._update(retries=1, rate_limit_waits=int(throttled))

    def _update(self, **deltas: int) -> None:
        with self._lock:
            s = self._state
            self._state = replace(s, **{k: getattr(s, k) + v for k, v in deltas.items()})
            self._emit()

    def _emit(self) -> None:
        snapshot = replace(self._state, elapsed=self._clock() - self._started)
        try:
            self._callback(snapshot)
        except Exception:
            # Like an observer: logged, never fatal. Only the first failure carries the
            # traceback, so a broken bar does not flood the log on every page.
            if not self._callback_failed:
                _log.warning("maintainx progress callback failed", exc_info=True)
            else:
                _log.debug("maintainx progress callback failed again")
            self._callback_failed = True


class _NullTracker(ProgressTracker):
    """Tracks nothing: what :func:`track` gives when no callback was passed."""

    def __init__(self) -> None:
        super().__init__(lambda _: None, task="")

    @contextmanager
    def scope(self) -> Iterator[None]:
        yield

    def _update(self, **deltas: int) -> None:
        pass

    def finish(self) -> None:
        pass


_NULL_TRACKER = _NullTracker()


def track(
    callback: ProgressCallback | None, *, task: str, total: int | None = None
) -> ProgressTracker:
    """A tracker for one run of long work (a shared no-op one when ``callback`` is None)."""
    if callback is None:
        return _NULL_TRACKER
    if not callable(callback):
        raise ValidationError(
            f"progress must be a function taking a Progress (got {type(callback).__name__})",
            errors=[{"field": "progress", "message": "not callable"}],
        )
    return ProgressTracker(callback, task=task, total=total)


class _TrackedCall:
    """One call's attempts, counted for the tracker it was started under."""

    def __init__(self, tracker: ProgressTracker, clock: Clock) -> None:
        self._tracker = tracker
        self._clock = clock
        self._idle_since = clock()
        self._last_status: int | None = None

    def attempt_started(self, attempt: int, request: httpx.Request) -> None:
        # Time since the call began (or the last attempt ended) went to pacing and waits.
        self._tracker.request_sent(max(self._clock() - self._idle_since, 0.0))

    def attempt_finished(
        self, attempt: int, *, status_code: int | None, error: BaseException | None, duration: float
    ) -> None:
        self._idle_since = self._clock()
        self._last_status = status_code

    def retry_scheduled(self, record: RetryRecord) -> None:
        self._tracker.retry_scheduled(throttled=self._last_status == 429)

    def finished(self, *, response: APIResponse | None, error: BaseException | None) -> None:
        pass


class ProgressObserver(NullObserver):
    """Feeds requests, retries and waits to the tracker whose scope a call runs in.

    Every client carries one; a call made outside any tracker's scope costs a context
    variable lookup.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock

    def start_call(self, request: APIRequest) -> CallObservation:
        tracker = _CURRENT.get()
        if tracker is None:
            return NULL_CALL
        return _TrackedCall(tracker, self._clock)
