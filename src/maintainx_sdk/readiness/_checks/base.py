"""What every check shares: the result builder and the rows for a missing client."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from .._context import CheckContext
from .._report import CheckResult, Priority, Status

Check = Callable[[CheckContext], CheckResult]

#: Evidence of every check that needs a client when none could be built: secrets.api_key
#: carries the reason once, the other rows point to it.
NO_CLIENT = "no client (see secrets.api_key)"


def result(
    id: str,
    title: str,
    priority: Priority,
    status: Status,
    evidence: str,
    fix: str = "",
    **data: Any,
) -> CheckResult:
    return CheckResult(id, title, priority, status, evidence, fix, data)


def no_client(id: str, title: str, priority: Priority) -> CheckResult:
    """The row of a check that needs a client when none could be built."""
    return result(id, title, priority, "skip", NO_CLIENT)


def module_present(name: str) -> bool:
    """Whether this SDK build ships the module ``name`` (optional parts may be left out)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
