"""Import a script from examples/ (examples are not a package)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from ..conftest import ROOT


def load_example(name: str = "webhook_receiver") -> ModuleType:
    """Import ``examples/<name>.py`` (examples are not a package)."""
    path = ROOT / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
