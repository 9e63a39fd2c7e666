"""Reconciliation: compare what you hold locally with what MaintainX holds, and report drift.

The local side is a snapshot ``id -> version`` from any store you keep (a version is the
record's ``updatedAt`` or a content hash); the remote side is streamed from a list (only
the snapshot's ids and one page are in memory).

>>> from maintainx_sdk.reconcile import reconcile
>>> drift = reconcile(mx.work_orders.list(), {"1": "2026-01-01T00:00:00.000Z", ...})
>>> drift.missing_locally, drift.missing_remotely, drift.changed

Drift kinds: *missing locally* (the API has it, you do not), *missing remotely* (you have
it, the API does not: deleted, or outside the list's filters), *changed* (both have it,
versions differ). Records changed while the walk runs can show up as changed; run again
(or after the next incremental sync) before acting on a single report.

``reconcile``/``areconcile`` stay twins only in their typed overloads and their loop (``for``
vs ``async for``); the rest of a run is ``_Run``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Protocol, cast, overload

from pydantic import BaseModel
from typing_extensions import TypeVar

from ._timestamps import parse_timestamp
from .errors import ValidationError
from .pagination import AsyncPager, SyncPager
from .progress import ProgressCallback, track

VersionKind = Literal["updatedAt", "hash"] | Callable[[Any], Any]

#: The type of the local snapshot's keys (``str`` for a :func:`snapshot`).
LocalId = TypeVar("LocalId", bound=Hashable, default=Any)
#: The type of the remote records' ``id`` (``int`` for the SDK's models).
RemoteId = TypeVar("RemoteId", default=Any)
RemoteId_co = TypeVar("RemoteId_co", covariant=True)
Remote = TypeVar("Remote")


class Identified(Protocol[RemoteId_co]):
    """A record with an ``id`` (every SDK model of a record)."""

    @property
    def id(self) -> RemoteId_co | None: ...


@dataclass(frozen=True, slots=True)
class Changed(Generic[RemoteId]):
    """A record both sides hold with different versions."""

    id: RemoteId
    local: str
    remote: str


@dataclass(frozen=True, slots=True)
class DriftReport(Generic[LocalId, RemoteId]):
    """The differences between the local snapshot and the remote list.

    ``missing_locally`` and ``changed`` carry the remote records' ids; ``missing_remotely``
    carries the local snapshot's keys (as you gave them).
    """

    missing_locally: list[RemoteId] = field(default_factory=list["RemoteId"])
    missing_remotely: list[LocalId] = field(default_factory=list["LocalId"])
    changed: list[Changed[RemoteId]] = field(default_factory=list["Changed[RemoteId]"])
    local_count: int = 0
    remote_count: int = 0

    @property
    def in_sync(self) -> bool:
        return not (self.missing_locally or self.missing_remotely or self.changed)

    def summary(self) -> str:
        """One line for logs and alerts."""
        state = "in sync" if self.in_sync else "DRIFT"
        return (
            f"{state}: {self.remote_count} remote, {self.local_count} local; "
            f"{len(self.missing_locally)} missing locally, "
            f"{len(self.missing_remotely)} missing remotely, {len(self.changed)} changed"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_sync": self.in_sync,
            "local_count": self.local_count,
            "remote_count": self.remote_count,
            "missing_locally": list(self.missing_locally),
            "missing_remotely": list(self.missing_remotely),
            "changed": [{"id": c.id, "local": c.local, "remote": c.remote} for c in self.changed],
        }


def _wire(item: Any) -> Any:
    """A record as the API sent it: a model gives back only the fields it was given."""
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return item


def _normalized(value: Any) -> Any:
    """The same record hashes the same raw or parsed: date-times as one instant format,
    integral floats as integers (a model turns ``1`` into ``1.0``, ``.409Z`` into ``.409000Z``)."""
    if isinstance(value, Mapping):
        return {str(k): _normalized(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalized(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        return _canonical_version(value)
    return value


def content_hash(item: Any, *, exclude: Iterable[str] = ()) -> str:
    """SHA-256 of the record as canonical JSON (sorted keys), minus ``exclude`` top-level keys.

    A record hashes the same whether it is the raw JSON dict or the SDK's parsed model of it.
    """
    data = _normalized(_wire(item))
    if isinstance(data, Mapping):
        skip = set(exclude)
        data = {k: v for k, v in data.items() if k not in skip}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical_version(value: Any) -> str:
    """Versions that are timestamps compare as instants (``Z`` vs ``+00:00``, ms vs none)."""
    if isinstance(value, datetime | str):
        at = parse_timestamp(value)
        if at is not None:
            return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def _field(item: Any, wire: str, attr: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(wire)
    return getattr(item, attr, None)


def version_of(item: Any, kind: VersionKind = "updatedAt") -> str:
    """The version of a remote record: its ``updatedAt``, its content hash, or ``kind(item)``."""
    if kind == "updatedAt":
        return _canonical_version(_field(item, "updatedAt", "updated_at"))
    if kind == "hash":
        return content_hash(item)
    if callable(kind):
        return _canonical_version(kind(item))
    raise ValidationError(
        f"version must be 'updatedAt', 'hash' or a function (got {kind!r})",
        errors=[{"field": "version", "message": "unknown", "allowed": ["updatedAt", "hash"]}],
    )


class Reconciler(Generic[LocalId, RemoteId]):
    """Streams remote records against a local snapshot; :meth:`report` gives the drift.

    No I/O: feed it pages from any walk (``for page in pager.iter_pages()``). Name the
    remote id type to get it back typed: ``Reconciler[str, int](snapshot)``.
    """

    def __init__(
        self, local: Mapping[LocalId, object], *, version: VersionKind = "updatedAt"
    ) -> None:
        if not (version in ("updatedAt", "hash") or callable(version)):
            version_of({}, version)  # raises the clear error
        self._version = version
        self._local = {str(k): (k, _canonical_version(v)) for k, v in local.items()}
        self._unseen = set(self._local)
        self._seen_remote: set[str] = set()
        self._missing_locally: list[RemoteId] = []
        self._changed: list[Changed[RemoteId]] = []

    def feed(self, items: Iterable[Identified[RemoteId] | Mapping[str, Any]]) -> None:
        for item in items:
            ident = _field(item, "id", "id")
            if ident is None:
                continue
            key = str(ident)
            if key in self._seen_remote:
                continue  # an offset list repeated it
            self._seen_remote.add(key)
            if key not in self._local:
                self._missing_locally.append(ident)
                continue
            self._unseen.discard(key)
            remote = version_of(item, self._version)
            local = self._local[key][1]
            if remote != local:
                self._changed.append(Changed(id=ident, local=local, remote=remote))

    def report(self) -> DriftReport[LocalId, RemoteId]:
        return DriftReport(
            missing_locally=list(self._missing_locally),
            missing_remotely=[self._local[k][0] for k in sorted(self._unseen, key=_id_order)],
            changed=list(self._changed),
            local_count=len(self._local),
            remote_count=len(self._seen_remote),
        )


def _id_order(key: str) -> tuple[int, int | str]:
    return (0, int(key)) if key.isdigit() else (1, key)


class _Run(Generic[Remote, LocalId]):
    """One :func:`reconcile` / :func:`areconcile` run but its loop over the remote side:
    the reconciler, the remote side to walk (a pager reporting ``progress`` itself) and the
    progress of the records fed."""

    def __init__(
        self,
        remote: Remote,
        local: Mapping[LocalId, object],
        version: VersionKind,
        progress: ProgressCallback | None,
    ) -> None:
        self._reconciler: Reconciler[LocalId, Any] = Reconciler(local, version=version)
        if isinstance(remote, SyncPager | AsyncPager) and progress is not None:
            # the same pager type back (``with_options`` returns ``Self``)
            remote, progress = cast(Remote, remote.with_options(progress=progress)), None
        self.remote: Remote = remote
        self._tracker = track(progress, task="reconcile")

    def add(self, item: Any) -> None:
        self._reconciler.feed((item,))
        self._tracker.item()

    def report(self) -> DriftReport[LocalId, Any]:
        self._tracker.finish()
        return self._reconciler.report()


@overload
def reconcile(
    remote: Iterable[Identified[RemoteId]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, RemoteId]: ...
@overload
def reconcile(
    remote: Iterable[Mapping[str, Any]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, Any]: ...
def reconcile(
    remote: Iterable[Identified[Any]] | Iterable[Mapping[str, Any]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, Any]:
    """Compare a remote list (a pager or any iterable of records) with a local snapshot.

    ``progress`` is called as the remote side is read: after every page (with requests,
    retries and waits) when ``remote`` is a pager, after every record otherwise.
    """
    run: _Run[Iterable[Any], LocalId] = _Run(remote, local, version, progress)
    for item in run.remote:
        run.add(item)
    return run.report()


@overload
async def areconcile(
    remote: AsyncIterable[Identified[RemoteId]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, RemoteId]: ...
@overload
async def areconcile(
    remote: AsyncIterable[Mapping[str, Any]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, Any]: ...
async def areconcile(
    remote: AsyncIterable[Identified[Any]] | AsyncIterable[Mapping[str, Any]],
    local: Mapping[LocalId, object],
    *,
    version: VersionKind = "updatedAt",
    progress: ProgressCallback | None = None,
) -> DriftReport[LocalId, Any]:
    """:func:`reconcile` over an async pager (or any async iterable)."""
    run: _Run[AsyncIterable[Any], LocalId] = _Run(remote, local, version, progress)
    async for item in run.remote:
        run.add(item)
    return run.report()


def snapshot(items: Iterable[Any], *, version: VersionKind = "updatedAt") -> dict[str, str]:
    """``id -> version`` of records (e.g. to store alongside your copy for later checks)."""
    return {str(_field(i, "id", "id")): version_of(i, version) for i in items}
