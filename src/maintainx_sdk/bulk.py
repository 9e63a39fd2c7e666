"""Bulk helpers: many gets, creates or updates with bounded concurrency, one result per item.

>>> from maintainx_sdk import bulk
>>> result = bulk.get_many(mx.work_orders, [1, 2, 3], concurrency=8)
>>> result.values                      # the successes, in input order
>>> for failure in result.failures:    # every failed item, with its typed error
...     print(failure.key, failure.error)

Requests still go through the client's pipeline, so the rate limiter paces them and safe
calls are retried; ``concurrency`` only bounds how many are in flight. A failed item never
stops the others and is never dropped: it is in ``failures`` with its exception.
``BulkResult.raise_for_failures()`` turns failures into one :class:`BulkError`.

The blocking helpers run a thread pool sharing the one client (its connection pool is
thread-safe); the async ones (``aget_many``, ...) run that many tasks on the event loop.
Keep ``concurrency`` at or below the client's ``PoolLimits.max_connections``.

Creates are not idempotent on the API: pass ``idempotency_key=`` (a function of the item)
so a create whose outcome is unknown can be retried without a duplicate.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sized
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, overload

from typing_extensions import TypeVar

from .errors import BulkError, ValidationError
from .progress import ProgressCallback, ProgressTracker, track

A = TypeVar("A")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", contravariant=True)
#: What names an item in its result: the id, the input position, or your ``key(arg)``.
Key = TypeVar("Key", default=Any)
R_co = TypeVar("R_co", covariant=True)


class Getter(Protocol[K_contra, R_co]):
    """A resource with ``get(id, ...)``: every generated resource that reads one record."""

    def get(self, id: K_contra, /, *args: Any, **kwargs: Any) -> R_co: ...


class Creator(Protocol[R_co]):
    """A resource with ``create(...)``."""

    def create(self, *args: Any, **kwargs: Any) -> R_co: ...


class Updater(Protocol[K_contra, R_co]):
    """A resource with ``update(id, ...)``."""

    def update(self, id: K_contra, /, *args: Any, **kwargs: Any) -> R_co: ...


#: In-flight requests of a bulk call unless told otherwise (well under the default pool of 20).
DEFAULT_CONCURRENCY = 8
#: Seconds between checks for an interrupt (Ctrl-C) while the blocking helpers wait.
_INTERRUPT_POLL = 0.1


@dataclass(frozen=True, slots=True)
class ItemResult(Generic[R, Key]):
    """The outcome of one item: its position, its key (id or input) and value or error."""

    index: int
    key: Key
    value: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class BulkResult(Generic[R, Key]):
    """Every item's outcome, in input order. ``Key`` is what names an item: the id for gets
    and updates, the input position for creates."""

    results: list[ItemResult[R, Key]]

    @property
    def successes(self) -> list[ItemResult[R, Key]]:
        return [r for r in self.results if r.error is None]

    @property
    def failures(self) -> list[ItemResult[R, Key]]:
        return [r for r in self.results if r.error is not None]

    @property
    def values(self) -> list[R]:
        """The values of the successful items, in input order."""
        return [r.value for r in self.results if r.error is None]  # type: ignore[misc]

    @property
    def ok(self) -> bool:
        return all(r.error is None for r in self.results)

    def raise_for_failures(self) -> None:
        """Raise :class:`BulkError` listing every failed item, if any failed."""
        failures = self.failures
        if not failures:
            return
        shown = "; ".join(f"{f.key!r}: {f.error}" for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        raise BulkError(
            f"{len(failures)} of {len(self.results)} items failed: {shown}{more}",
            failures=failures,
        )


# --- the per-item logic, written once ---------------------------------------------------------


def _check_concurrency(concurrency: int) -> None:
    if concurrency < 1:
        raise ValidationError(
            f"concurrency must be >= 1 (got {concurrency})",
            errors=[{"field": "concurrency", "message": "must be >= 1"}],
        )


def _success(index: int, key: Key, value: R) -> ItemResult[R, Key]:
    return ItemResult(index=index, key=key, value=value)


def _failure(index: int, key: Key, error: Exception) -> ItemResult[R, Key]:
    return ItemResult(index=index, key=key, error=error)


#: Names item ``index`` (its arg given): the key, or the error that made naming it fail.
Namer = Callable[[int, A], tuple[Key, Exception | None]]


def _by_arg(index: int, arg: A) -> tuple[A, None]:
    return arg, None


def _by_index(index: int, arg: object) -> tuple[int, None]:
    return index, None


def _by_first(index: int, pair: tuple[K, object]) -> tuple[K, None]:
    return pair[0], None


def _by_function(key: Callable[[A], Key]) -> Namer[A, Key | int]:
    """Your ``key(arg)``; when it raises, the item is named by its index and fails with that
    error without being sent (one bad key never loses the results already collected)."""

    def name(index: int, arg: A) -> tuple[Key | int, Exception | None]:
        try:
            return key(arg), None
        except Exception as exc:
            return index, exc

    return name


def _namer(key: Callable[[A], Any] | Literal["index"] | None) -> Namer[A, Any]:
    if key == "index":
        return _by_index
    return _by_arg if key is None else _by_function(key)


def _get_call(resource: Getter[K, R], kwargs: Mapping[str, Any]) -> Callable[[K], R]:
    return lambda ident: resource.get(ident, **kwargs)


def _create_call(
    resource: Creator[R], idempotency_key: Callable[[Mapping[str, Any]], str] | None
) -> Callable[[Mapping[str, Any]], R]:
    def call(item: Mapping[str, Any]) -> R:
        if idempotency_key is None:
            return resource.create(**item)
        return resource.create(**item, idempotency_key=idempotency_key(item))

    return call


def _update_call(resource: Updater[K, R]) -> Callable[[tuple[K, Mapping[str, Any]]], R]:
    return lambda pair: resource.update(pair[0], **pair[1])


def _update_pairs(
    updates: Mapping[K, Mapping[str, Any]] | Iterable[tuple[K, Mapping[str, Any]]],
) -> Iterable[tuple[K, Mapping[str, Any]]]:
    return updates.items() if isinstance(updates, Mapping) else updates


def _tracker(progress: ProgressCallback | None, args: Iterable[Any]) -> ProgressTracker:
    return track(progress, task="bulk", total=len(args) if isinstance(args, Sized) else None)


# --- the two drivers --------------------------------------------------------------------------


@overload
def run_many(
    fn: Callable[[A], R],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: None = None,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, A]: ...
@overload
def run_many(
    fn: Callable[[A], R],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Literal["index"],
    progress: ProgressCallback | None = None,
) -> BulkResult[R, int]: ...
@overload
def run_many(
    fn: Callable[[A], R],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Callable[[A], Key],
    progress: ProgressCallback | None = None,
) -> BulkResult[R, Key | int]: ...
def run_many(
    fn: Callable[[A], R],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Callable[[A], Any] | Literal["index"] | None = None,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, Any]:
    """Call ``fn(arg)`` for every arg on up to ``concurrency`` threads; collect every outcome.

    An interrupt (Ctrl-C, or any exception raised in the calling thread) stops it: the
    items in flight finish, no new item starts, and the interrupt propagates.

    ``key(arg)`` names an item in its result (default: the arg itself; ``"index"``: its
    position; a ``key`` that raises fails its item, named by its index). ``progress`` is
    called as items finish, with ``total`` when ``args`` has a length (see
    :mod:`maintainx_sdk.progress`).
    """
    return _drive(fn, args, _namer(key), concurrency, progress)


def _drive(
    fn: Callable[[A], R],
    args: Iterable[A],
    name: Namer[A, Key],
    concurrency: int,
    progress: ProgressCallback | None,
) -> BulkResult[R, Key]:
    _check_concurrency(concurrency)
    tracker = _tracker(progress, args)
    work = iter(enumerate(args))
    lock = threading.Lock()
    stop = threading.Event()
    done: dict[int, ItemResult[R, Key]] = {}

    def worker() -> None:
        while not stop.is_set():
            with lock:
                nxt = next(work, None)
            if nxt is None:
                return
            index, arg = nxt
            item_key, unnamed = name(index, arg)
            if unnamed is not None:
                done[index] = _failure(index, item_key, unnamed)
                tracker.item(failed=True)
                continue
            try:
                with tracker.scope():
                    result = _success(index, item_key, fn(arg))
            except Exception as exc:
                result = _failure(index, item_key, exc)
            done[index] = result
            tracker.item(failed=not result.ok)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="maintainx-bulk")
    futures: list[Future[None]] = []
    try:
        futures.extend(pool.submit(worker) for _ in range(concurrency))
        pending = set(futures)
        while pending:  # short waits, so Ctrl-C reaches this thread while items run
            _, pending = wait(pending, timeout=_INTERRUPT_POLL)
    except BaseException:
        stop.set()  # the items in flight finish; no new one starts
        raise
    finally:
        pool.shutdown(wait=True)
    for future in futures:
        future.result()
    tracker.finish()
    return BulkResult([done[i] for i in sorted(done)])


@overload
async def arun_many(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: None = None,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, A]: ...
@overload
async def arun_many(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Literal["index"],
    progress: ProgressCallback | None = None,
) -> BulkResult[R, int]: ...
@overload
async def arun_many(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Callable[[A], Key],
    progress: ProgressCallback | None = None,
) -> BulkResult[R, Key | int]: ...
async def arun_many(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    key: Callable[[A], Any] | Literal["index"] | None = None,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, Any]:
    """Await ``fn(arg)`` for every arg with up to ``concurrency`` tasks; collect every outcome.

    Cancelling the call cancels the in-flight items and propagates. ``key`` and
    ``progress``: see :func:`run_many`.
    """
    return await _adrive(fn, args, _namer(key), concurrency, progress)


async def _adrive(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    name: Namer[A, Key],
    concurrency: int,
    progress: ProgressCallback | None,
) -> BulkResult[R, Key]:
    _check_concurrency(concurrency)
    tracker = _tracker(progress, args)
    work = iter(enumerate(args))
    done: dict[int, ItemResult[R, Key]] = {}

    async def worker() -> None:
        for index, arg in work:  # one shared iterator: each item is taken exactly once
            item_key, unnamed = name(index, arg)
            if unnamed is not None:
                done[index] = _failure(index, item_key, unnamed)
                tracker.item(failed=True)
                continue
            try:
                with tracker.scope():
                    result = _success(index, item_key, await fn(arg))
            except Exception as exc:
                result = _failure(index, item_key, exc)
            done[index] = result
            tracker.item(failed=not result.ok)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    tracker.finish()
    return BulkResult([done[i] for i in sorted(done)])


# --- the helpers ------------------------------------------------------------------------------


def get_many(
    resource: Getter[K, R],
    ids: Iterable[K],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> BulkResult[R, K]:
    """``resource.get(id, **kwargs)`` for every id (blocking client); results keyed by id."""
    return run_many(_get_call(resource, kwargs), ids, concurrency=concurrency, progress=progress)


async def aget_many(
    resource: Getter[K, Awaitable[R]],
    ids: Iterable[K],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> BulkResult[R, K]:
    """``await resource.get(id, **kwargs)`` for every id (asyncio client); keyed by id."""
    return await arun_many(
        _get_call(resource, kwargs), ids, concurrency=concurrency, progress=progress
    )


def create_many(
    resource: Creator[R],
    items: Iterable[Mapping[str, Any]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    idempotency_key: Callable[[Mapping[str, Any]], str] | None = None,
) -> BulkResult[R, int]:
    """``resource.create(**item)`` for every item; results are keyed by input position."""
    return run_many(
        _create_call(resource, idempotency_key),
        items,
        concurrency=concurrency,
        progress=progress,
        key="index",
    )


async def acreate_many(
    resource: Creator[Awaitable[R]],
    items: Iterable[Mapping[str, Any]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    idempotency_key: Callable[[Mapping[str, Any]], str] | None = None,
) -> BulkResult[R, int]:
    """``await resource.create(**item)`` for every item; results keyed by input position."""
    return await arun_many(
        _create_call(resource, idempotency_key),
        items,
        concurrency=concurrency,
        progress=progress,
        key="index",
    )


def update_many(
    resource: Updater[K, R],
    updates: Mapping[K, Mapping[str, Any]] | Iterable[tuple[K, Mapping[str, Any]]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, K]:
    """``resource.update(id, **fields)`` for every ``id -> fields``; results keyed by id."""
    return _drive(_update_call(resource), _update_pairs(updates), _by_first, concurrency, progress)


async def aupdate_many(
    resource: Updater[K, Awaitable[R]],
    updates: Mapping[K, Mapping[str, Any]] | Iterable[tuple[K, Mapping[str, Any]]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, K]:
    """``await resource.update(id, **fields)`` for every ``id -> fields``; keyed by id."""
    return await _adrive(
        _update_call(resource), _update_pairs(updates), _by_first, concurrency, progress
    )


def _status_call(resource: Any, status: str, kwargs: Mapping[str, Any]) -> Callable[[Any], Any]:
    from .workflow import work_order_id_of

    def call(record: Any) -> Any:
        # The record is the source of the current status: one PATCH per item, no GET.
        return resource.set_status(
            work_order_id_of(record), status, current_status=record, **kwargs
        )

    return call


def _work_order_key(record: Any) -> Any:
    from .workflow import work_order_id_of

    return work_order_id_of(record)


def set_status_many(
    resource: Any,
    records: Iterable[Any],
    status: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> BulkResult[Any]:
    """Move every work order of ``records`` (a pager, a list, events) to ``status``.

    Each record is its own source of the current status (see ``workflow.status_of``), so
    each move is one request; the state machine checks every move, and ``allow_reopen=``,
    ``policy=`` and ``skip_webhook=`` pass through to ``set_status``. Results are keyed by
    work-order id.
    """
    return run_many(
        _status_call(resource, status, kwargs),
        records,
        concurrency=concurrency,
        progress=progress,
        key=_work_order_key,
    )


async def aset_status_many(
    resource: Any,
    records: Iterable[Any],
    status: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> BulkResult[Any]:
    """The asyncio twin of :func:`set_status_many` (``records``: a list, not an async pager)."""
    return await arun_many(
        _status_call(resource, status, kwargs),
        records,
        concurrency=concurrency,
        progress=progress,
        key=_work_order_key,
    )
