"""The outcome of a bulk call: one :class:`ItemResult` per item, in input order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic

from typing_extensions import TypeVar

from .errors import BulkError

R = TypeVar("R")
#: What names an item in its result: the id, the input position, or your ``key(arg)``.
Key = TypeVar("Key", default=Any)


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
