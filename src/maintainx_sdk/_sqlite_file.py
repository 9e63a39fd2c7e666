"""Opening the SQLite files the SDK's stores keep, with a typed error that says what to fix."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence

from .errors import ConfigurationError


def open_sqlite(
    path: str | os.PathLike[str],
    *,
    what: str,
    setup: Sequence[str],
    timeout: float = 5.0,
) -> sqlite3.Connection:
    """A connection to ``path`` with ``setup`` statements run, or :class:`ConfigurationError`.

    sqlite3 opens lazily, so a missing directory, a read-only file or a file that is not a
    database only shows at the first statement: the setup runs here, before any store call.
    """
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _unusable(path, what, exc) from exc
    try:
        for statement in setup:
            conn.execute(statement)
    except sqlite3.Error as exc:
        conn.close()
        raise _unusable(path, what, exc) from exc
    return conn


def _unusable(path: str | os.PathLike[str], what: str, exc: sqlite3.Error) -> ConfigurationError:
    return ConfigurationError(
        f"{what}: cannot use the SQLite file {os.fspath(path)!r} ({exc}); pass a path in an "
        "existing, writable directory, to a SQLite database or to a file that does not exist yet"
    )
