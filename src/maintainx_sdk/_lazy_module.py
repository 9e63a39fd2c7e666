"""A stand-in for a module that imports it on first attribute access.

Generated namespaces name their area's model modules this way: loading ``mx.work_orders``
then makes no model class until an operation needs one, while ``_m.WorkOrder`` in a method's
annotation still evaluates at run time (``typing.get_type_hints``, ``inspect.signature``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """The module ``name``, imported (through the import system, so thread-safe) when an
    attribute of it is first read."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazily imported module {self._name!r}>"
