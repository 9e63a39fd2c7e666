"""Operations name their models lazily: the model module loads when an operation needs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import BaseModel

from maintainx_sdk._lazy_module import LazyModule
from maintainx_sdk._operation import Operation


class Body(BaseModel):
    title: str


def test_a_model_source_function_is_called_once_on_first_read() -> None:
    calls: list[int] = []

    def source() -> type[BaseModel]:
        calls.append(1)
        return Body

    op: Operation[Body] = Operation("x.create", "POST", "/x", body_model=source)
    assert calls == []
    assert op.body_model is Body
    assert op.body_model is Body
    assert calls == [1]
    assert op.query_model is None and op.response_model is None and op.item_model is None


def test_a_model_class_is_taken_as_it_is() -> None:
    op: Operation[Body] = Operation("x.get", "GET", "/x", response_model=Body, item_model=Body)
    assert op.response_model is Body and op.item_model is Body


def test_a_lazy_module_imports_on_the_first_attribute_read() -> None:
    code = (
        "import sys\n"
        "from maintainx_sdk._lazy_module import LazyModule\n"
        "m = LazyModule('maintainx_sdk.models.versions')\n"
        "print('maintainx_sdk.models.versions' in sys.modules)\n"
        "print(m.Version.__name__, 'maintainx_sdk.models.versions' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "Version", "True"]


def test_a_lazy_module_gives_the_modules_attributes_and_errors() -> None:
    lazy = LazyModule("json")
    assert lazy.dumps is json.dumps
    with pytest.raises(AttributeError):
        _ = lazy.no_such_name
    assert "json" in repr(lazy)
