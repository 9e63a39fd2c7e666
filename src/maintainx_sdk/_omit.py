"""The "argument not given" marker of generated methods.

Every optional API argument defaults to :data:`omit`, so ``None`` can keep its JSON meaning:
``work_orders.update(1, due_date=None)`` sends ``{"dueDate": null}`` (the spec lets the due
date be cleared), while leaving ``due_date`` out sends nothing for it. Pass :data:`omit`
explicitly to build calls conditionally: ``title=new_title if changed else omit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, final

__all__ = ["Omit", "omit", "strip_omitted"]


@final
class Omit:
    """The type of :data:`omit`; falsy, and the only instance is :data:`omit`."""

    _instance: Omit | None = None

    def __new__(cls) -> Omit:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "omit"

    def __reduce__(self) -> str:
        return "omit"  # pickles as the module attribute, so it stays the one instance


#: "Not given": the argument is left out of the request.
omit: Final = Omit()


def strip_omitted(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values that were given (``None`` is a value: JSON ``null``)."""
    if not values:
        return {}
    return {k: v for k, v in values.items() if not isinstance(v, Omit)}
