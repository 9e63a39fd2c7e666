"""Everything a bulk call does per item, without I/O: the resource protocols, naming an
item, the call it makes, and :func:`item_flow`, which asks its driver for that one call and
records the outcome (the thread and task drivers in :mod:`maintainx_sdk.bulk` send it)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping, Sized
from typing import Any, Generic, Literal, Protocol

from typing_extensions import TypeVar

from ._bulk_result import BulkResult, ItemResult
from .errors import ValidationError
from .progress import ProgressCallback, ProgressTracker, track

A = TypeVar("A")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)
K_contra = TypeVar("K_contra", contravariant=True)
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


def check_concurrency(concurrency: int) -> None:
    if concurrency < 1:
        raise ValidationError(
            f"concurrency must be >= 1 (got {concurrency})",
            errors=[{"field": "concurrency", "message": "must be >= 1"}],
        )


def success(index: int, key: Key, value: R) -> ItemResult[R, Key]:
    return ItemResult(index=index, key=key, value=value)


def failure(index: int, key: Key, error: Exception) -> ItemResult[R, Key]:
    return ItemResult(index=index, key=key, error=error)


#: Names item ``index`` (its arg given): the key, or the error that made naming it fail.
Namer = Callable[[int, A], tuple[Key, Exception | None]]


def by_arg(index: int, arg: A) -> tuple[A, None]:
    return arg, None


def by_index(index: int, arg: object) -> tuple[int, None]:
    return index, None


def by_first(index: int, pair: tuple[K, object]) -> tuple[K, None]:
    return pair[0], None


def by_function(key: Callable[[A], Key]) -> Namer[A, Key | int]:
    """Your ``key(arg)``; when it raises, the item is named by its index and fails with that
    error without being sent (one bad key never loses the results already collected)."""

    def name(index: int, arg: A) -> tuple[Key | int, Exception | None]:
        try:
            return key(arg), None
        except Exception as exc:
            return index, exc

    return name


def namer(key: Callable[[A], Any] | Literal["index"] | None) -> Namer[A, Any]:
    if key == "index":
        return by_index
    return by_arg if key is None else by_function(key)


def get_call(resource: Getter[K, R], kwargs: Mapping[str, Any]) -> Callable[[K], R]:
    return lambda ident: resource.get(ident, **kwargs)


def create_call(
    resource: Creator[R], idempotency_key: Callable[[Mapping[str, Any]], str] | None
) -> Callable[[Mapping[str, Any]], R]:
    def call(item: Mapping[str, Any]) -> R:
        if idempotency_key is None:
            return resource.create(**item)
        return resource.create(**item, idempotency_key=idempotency_key(item))

    return call


def update_call(resource: Updater[K, R]) -> Callable[[tuple[K, Mapping[str, Any]]], R]:
    return lambda pair: resource.update(pair[0], **pair[1])


def update_pairs(
    updates: Mapping[K, Mapping[str, Any]] | Iterable[tuple[K, Mapping[str, Any]]],
) -> Iterable[tuple[K, Mapping[str, Any]]]:
    return updates.items() if isinstance(updates, Mapping) else updates


def bulk_tracker(progress: ProgressCallback | None, args: Iterable[Any]) -> ProgressTracker:
    return track(progress, task="bulk", total=len(args) if isinstance(args, Sized) else None)


def status_call(resource: Any, status: str, kwargs: Mapping[str, Any]) -> Callable[[Any], Any]:
    from .workflow import work_order_id_of

    def call(record: Any) -> Any:
        # The record is the source of the current status: one PATCH per item, no GET.
        return resource.set_status(
            work_order_id_of(record), status, current_status=record, **kwargs
        )

    return call


def work_order_key(record: Any) -> Any:
    from .workflow import work_order_id_of

    return work_order_id_of(record)


#: One item's flow: yields the argument to call ``fn`` with (once, or never when the item
#: could not be named) and takes back the value; the call's error is thrown into it.
ItemFlow = Generator[A, R, None]


def item_flow(
    index: int,
    arg: A,
    name: Namer[A, Key],
    tracker: ProgressTracker,
    done: dict[int, ItemResult[R, Key]],
) -> ItemFlow[A, R]:
    """Name item ``index``, ask for its call (inside its progress scope), then record the
    outcome in ``done`` and report it. A key that fails fails the item without a call."""
    item_key, unnamed = name(index, arg)
    result: ItemResult[R, Key]
    if unnamed is not None:
        result = failure(index, item_key, unnamed)
    else:
        try:
            with tracker.scope():
                value = yield arg
            result = success(index, item_key, value)
        except Exception as exc:
            result = failure(index, item_key, exc)
    done[index] = result
    tracker.item(failed=not result.ok)


class BulkRun(Generic[A, R, Key]):
    """One bulk call without its I/O: the items not started yet (each handed out once, to
    any thread or task), their flows, the outcomes and the progress. The drivers in
    :mod:`maintainx_sdk.bulk` only run :meth:`next_flow` until it gives None."""

    def __init__(
        self,
        args: Iterable[A],
        name: Namer[A, Key],
        concurrency: int,
        progress: ProgressCallback | None,
    ) -> None:
        check_concurrency(concurrency)
        self._tracker = bulk_tracker(progress, args)
        self._work = iter(enumerate(args))
        self._lock = threading.Lock()
        self._name = name
        self._done: dict[int, ItemResult[R, Key]] = {}

    def next_flow(self) -> ItemFlow[A, R] | None:
        """The flow of the next item, or None once every item was handed out."""
        with self._lock:
            taken = next(self._work, None)
        if taken is None:
            return None
        return item_flow(*taken, self._name, self._tracker, self._done)

    def result(self) -> BulkResult[R, Key]:
        """Every outcome, in input order (the run is finished)."""
        self._tracker.finish()
        return BulkResult([self._done[i] for i in sorted(self._done)])
