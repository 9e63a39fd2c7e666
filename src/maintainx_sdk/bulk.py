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

Layout: what a bulk call does without I/O is written once in ``_bulk_items``: per item
(naming, the call, the outcome, progress: ``item_flow``) and per run (handing out items,
collecting results: ``BulkRun``); the results are in ``_bulk_result``. What stays twinned
here is I/O only: a thread pool vs a task group, the one call of ``fn`` (``_call``/``_acall``),
and each public helper's sync and ``a`` twin, whose typed signatures differ in ``Awaitable``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from typing import Any, Literal, overload

from typing_extensions import TypeVar

from ._bulk_items import (
    BulkRun,
    Creator,
    Getter,
    ItemFlow,
    Namer,
    Updater,
    by_first,
    create_call,
    get_call,
    namer,
    status_call,
    update_call,
    update_pairs,
    work_order_key,
)
from ._bulk_result import BulkResult, ItemResult
from .progress import ProgressCallback

__all__ = [
    "DEFAULT_CONCURRENCY",
    "BulkResult",
    "Creator",
    "Getter",
    "ItemResult",
    "Updater",
    "acreate_many",
    "aget_many",
    "arun_many",
    "aset_status_many",
    "aupdate_many",
    "create_many",
    "get_many",
    "run_many",
    "set_status_many",
    "update_many",
]

A = TypeVar("A")
R = TypeVar("R")
K = TypeVar("K")
Key = TypeVar("Key", default=Any)

#: In-flight requests of a bulk call unless told otherwise (well under the default pool of 20).
DEFAULT_CONCURRENCY = 8
#: Seconds between checks for an interrupt (Ctrl-C) while the blocking helpers wait.
_INTERRUPT_POLL = 0.1


# --- the drivers --------------------------------------------------------------------------


def _call(fn: Callable[[A], R], flow: ItemFlow[A, R]) -> None:
    """Make the one call an item's flow asks for (none when its key failed), on this thread."""
    with suppress(StopIteration):  # the flow ends once the outcome is recorded
        arg = next(flow)
        try:
            value = fn(arg)
        except Exception as exc:
            flow.throw(exc)
        else:
            flow.send(value)


async def _acall(fn: Callable[[A], Awaitable[R]], flow: ItemFlow[A, R]) -> None:
    """:func:`_call` on the event loop."""
    with suppress(StopIteration):
        arg = next(flow)
        try:
            value = await fn(arg)
        except Exception as exc:
            flow.throw(exc)
        else:
            flow.send(value)


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
    return _drive(fn, args, namer(key), concurrency, progress)


def _drive(
    fn: Callable[[A], R],
    args: Iterable[A],
    name: Namer[A, Key],
    concurrency: int,
    progress: ProgressCallback | None,
) -> BulkResult[R, Key]:
    run: BulkRun[A, R, Key] = BulkRun(args, name, concurrency, progress)
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set() and (flow := run.next_flow()) is not None:
            _call(fn, flow)

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
    return run.result()


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
    return await _adrive(fn, args, namer(key), concurrency, progress)


async def _adrive(
    fn: Callable[[A], Awaitable[R]],
    args: Iterable[A],
    name: Namer[A, Key],
    concurrency: int,
    progress: ProgressCallback | None,
) -> BulkResult[R, Key]:
    run: BulkRun[A, R, Key] = BulkRun(args, name, concurrency, progress)

    async def worker() -> None:
        while (flow := run.next_flow()) is not None:
            await _acall(fn, flow)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return run.result()


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
    return run_many(get_call(resource, kwargs), ids, concurrency=concurrency, progress=progress)


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
        get_call(resource, kwargs), ids, concurrency=concurrency, progress=progress
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
        create_call(resource, idempotency_key),
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
        create_call(resource, idempotency_key),
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
    return _drive(update_call(resource), update_pairs(updates), by_first, concurrency, progress)


async def aupdate_many(
    resource: Updater[K, Awaitable[R]],
    updates: Mapping[K, Mapping[str, Any]] | Iterable[tuple[K, Mapping[str, Any]]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
) -> BulkResult[R, K]:
    """``await resource.update(id, **fields)`` for every ``id -> fields``; keyed by id."""
    return await _adrive(
        update_call(resource), update_pairs(updates), by_first, concurrency, progress
    )


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
        status_call(resource, status, kwargs),
        records,
        concurrency=concurrency,
        progress=progress,
        key=work_order_key,
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
        status_call(resource, status, kwargs),
        records,
        concurrency=concurrency,
        progress=progress,
        key=work_order_key,
    )
