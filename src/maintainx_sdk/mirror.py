"""A local SQLite mirror of one API area, kept current incrementally (``maintainx-sdk mirror``).

>>> from maintainx_sdk.mirror import SQLiteMirror
>>> with MaintainX() as mx, SQLiteMirror(mx, "work_orders", "mirror.sqlite") as mirror:
...     report = mirror.run(progress=print)
...     mirror.count()

Built on :class:`~maintainx_sdk.sync.IncrementalSync` with its SQLite checkpoint store in the
same file: each page's records are upserted through the sync's transaction, so the rows and
the checkpoint commit together. A run stopped by Ctrl-C or killed loses nothing and fetches
nothing twice: the next run resumes after the last committed page; once caught up, a run
fetches only what changed since. One table per area (``work_orders``, ``assets``, ``parts``,
``purchase_orders``) with ``id``, ``updated_at`` and ``data`` (the record's JSON as the API
sent it). Deleted records stay: the lists return no tombstones (use the ``*_DELETE`` webhooks
or :func:`~maintainx_sdk.reconcile.reconcile` to find them).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any, Self, cast

from ._client import MaintainX
from ._constants import MAX_PAGE_SIZE
from .checkpoints import SQLiteCheckpointStore
from .errors import ConfigurationError, MaintainXError
from .progress import Progress, ProgressCallback
from .sync import SOURCES, IncrementalSync, SourceName, SyncBatch, SyncReport, source_operation

_META = "maintainx_mirror"


class SQLiteMirror:
    """Mirror ``area`` of the API into the SQLite file ``db``; see the module docstring.

    A file mirrors each area from one API (base URL and organization): pointing it at
    another raises :class:`ConfigurationError` instead of mixing two accounts' records.
    """

    def __init__(
        self,
        client: MaintainX,
        area: SourceName,
        db: str | os.PathLike[str],
        *,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        source_operation(area)  # an unknown area is a ValidationError before the file opens
        self.area = area
        self.store = SQLiteCheckpointStore(db)
        try:
            self._prepare(db, client)
            self._sync: IncrementalSync[dict[str, Any]] = IncrementalSync(
                client, area, store=self.store, page_size=page_size
            )
        except BaseException:
            self.store.close()
            raise

    def _prepare(self, db: str | os.PathLike[str], client: MaintainX) -> None:
        conn = self.store.connection
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{self.area}" '
            "(id INTEGER PRIMARY KEY, updated_at TEXT, data TEXT NOT NULL)"
        )
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_META} (area TEXT PRIMARY KEY, origin TEXT)")
        config = client.config
        origin = f"{config.base_url}#{config.organization_id or ''}"
        conn.execute(f"INSERT OR IGNORE INTO {_META} VALUES (?, ?)", (self.area, origin))
        (stored,) = conn.execute(
            f"SELECT origin FROM {_META} WHERE area = ?", (self.area,)
        ).fetchone()
        if stored != origin:
            raise ConfigurationError(
                f"{os.fspath(db)} mirrors {self.area} from {stored}, not from {origin}; "
                "use another file for this API or organization"
            )

    def run(
        self, *, progress: ProgressCallback | None = None, max_pages: int | None = None
    ) -> SyncReport:
        """Fetch every change since the last run and upsert it, a committed page at a time."""
        return self._sync.run(self._upsert, progress=progress, max_pages=max_pages)

    def _upsert(self, batch: SyncBatch[dict[str, Any]]) -> None:
        conn: sqlite3.Connection = batch.transaction
        conn.executemany(
            f'INSERT INTO "{self.area}" (id, updated_at, data) VALUES (?, ?, ?) '
            "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data",
            [
                (item["id"], item.get("updatedAt"), json.dumps(item, separators=(",", ":")))
                for item in batch.items
            ],
        )

    def count(self) -> int:
        """Records in the mirror."""
        (n,) = self.store.connection.execute(f'SELECT COUNT(*) FROM "{self.area}"').fetchone()
        return int(n)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- the command ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="maintainx-sdk mirror",
        description="Keep a local SQLite mirror of an API area current: the first run copies "
        "everything, later runs fetch only changes; Ctrl-C or a crash resumes where it stopped. "
        "The key comes from MAINTAINX_API_KEY / MAINTAINX_API_KEY_FILE.",
    )
    p.add_argument("area", choices=sorted(SOURCES), help="what to mirror")
    p.add_argument("--db", required=True, metavar="FILE", help="the SQLite file (created if new)")
    p.add_argument("--base-url", help="API base URL (default: $MAINTAINX_BASE_URL or production)")
    p.add_argument(
        "--page-size",
        type=int,
        default=MAX_PAGE_SIZE,
        help=f"items per request (1..{MAX_PAGE_SIZE})",
    )
    p.add_argument(
        "--progress",
        choices=["auto", "tqdm", "rich", "plain", "none"],
        default="auto",
        help="the bar on stderr (auto: tqdm or rich when installed, else a plain line)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _bar(kind: str, area: str) -> Any:
    from . import progress_bars

    if kind in ("auto", "tqdm"):
        try:
            return progress_bars.TqdmProgress(file=sys.stderr, desc=area, unit=" records")
        except ConfigurationError:
            if kind == "tqdm":
                raise
    if kind in ("auto", "rich"):
        try:
            from rich.console import Console

            return progress_bars.RichProgress(description=area, console=Console(stderr=True))
        except ImportError:
            if kind == "rich":
                raise ConfigurationError(
                    "--progress rich needs the rich package: pip install 'maintainx-sdk[rich]'"
                ) from None
    return progress_bars.PlainProgress(label=area)


class _Last:
    """Passes snapshots to the bar and keeps the last one for the summary."""

    def __init__(self, bar: ProgressCallback | None) -> None:
        self.bar = bar
        self.snapshot: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        self.snapshot = progress
        if self.bar is not None:
            self.bar(progress)


def _summary(
    area: str,
    db: str,
    seen: Progress | None,
    records: int,
    report: SyncReport | None,
) -> dict[str, Any]:
    seen = seen or Progress(task=area)
    return {
        "area": area,
        "db": db,
        "fetched": seen.items,
        "pages": seen.pages,
        "requests": seen.requests,
        "retries": seen.retries,
        "rate_limit_waits": seen.rate_limit_waits,
        "seconds": round(seen.elapsed, 3),
        "records": records,
        "caught_up": report.caught_up if report else False,
        "synced_through": report.synced_through if report else None,
        "interrupted": report is None,
    }


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary), flush=True)
        return
    s = summary
    state = (
        "interrupted: the mirror holds every page committed so far; run the same command to resume"
        if s["interrupted"]
        else f"caught up, synced through {s['synced_through']}"
        if s["caught_up"]
        else "stopped before the end"
    )
    print(
        f"{s['area']}: fetched {s['fetched']} changed records in {s['pages']} pages "
        f"({s['requests']} requests, {s['retries']} retries, {s['rate_limit_waits']} rate-limit "
        f"waits) in {s['seconds']:.1f}s; {s['db']} holds {s['records']} {s['area']}; {state}",
        flush=True,
    )


def cli_main(argv: Sequence[str] | None = None) -> int:
    """``maintainx-sdk mirror AREA --db FILE``: 0 when caught up, 130 on Ctrl-C, 1 on an API
    error (the mirror keeps what was committed), 2 on bad usage or configuration."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        bar = None if args.progress == "none" else _bar(args.progress, args.area)
        client = MaintainX(base_url=args.base_url)
    except MaintainXError as exc:
        print(f"maintainx-sdk mirror: {exc}", file=sys.stderr)
        return 2
    seen = _Last(bar)
    report: SyncReport | None = None
    code = 0
    with client:
        try:
            mirror = SQLiteMirror(
                client, cast(SourceName, args.area), args.db, page_size=args.page_size
            )
        except (MaintainXError, sqlite3.Error) as exc:
            print(f"maintainx-sdk mirror: {exc}", file=sys.stderr)
            return 2
        with mirror:
            try:
                report = mirror.run(progress=seen)
            except KeyboardInterrupt:
                code = 130
            except MaintainXError as exc:
                print(f"maintainx-sdk mirror: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 1
            finally:
                if bar is not None:
                    bar.close()
            summary = _summary(args.area, args.db, seen.snapshot, mirror.count(), report)
    _print_summary(summary, args.json)
    return code
