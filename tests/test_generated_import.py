"""``import maintainx_sdk`` loads no model or resource-area module; they load on first use."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import maintainx_sdk
loaded = sorted(m for m in sys.modules if m.startswith(("maintainx_sdk.models", "maintainx_sdk.resources.")))
print(",".join(loaded))
mx = maintainx_sdk.MaintainX(api_key="k")
maintainx_sdk.operations()
print(",".join(sorted(m for m in sys.modules if m.startswith(("maintainx_sdk.models", "maintainx_sdk.resources.")))))
mx.work_orders
print(",".join(sorted(m for m in sys.modules if m.startswith(("maintainx_sdk.models", "maintainx_sdk.resources.")))))
try:
    mx.work_orders.create(title=1)  # refused before any I/O, by the body model
except maintainx_sdk.ValidationError:
    pass
print(",".join(sorted(m for m in sys.modules if m.startswith(("maintainx_sdk.models", "maintainx_sdk.resources.")))))
"""


def test_import_loads_no_area_module_and_a_namespace_no_model_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    at_import, after_client, after_access, after_call = (
        set(filter(None, line.split(","))) for line in out.stdout.splitlines()
    )
    assert at_import <= {"maintainx_sdk.resources._mixins"}
    assert after_client <= {"maintainx_sdk.resources._mixins", "maintainx_sdk.resources._index"}
    assert "maintainx_sdk.resources.work_orders" in after_access
    # The namespace's models are made when one of its operations first needs them (issue 15).
    assert "maintainx_sdk.models.work_orders" not in after_access
    assert "maintainx_sdk.models.work_orders" in after_call
    assert "maintainx_sdk.resources.assets" not in after_call


def test_typed_dict_twins_know_their_optional_keys_at_runtime() -> None:
    # Under ``from __future__ import annotations`` Python 3.11 ignores ``NotRequired`` when it
    # builds ``__required_keys__``: every key of a twin looked required to runtime checks.
    from maintainx_sdk.models.work_orders import WorkOrderCreateBodyDict, WorkOrderListQueryDict

    assert WorkOrderCreateBodyDict.__required_keys__ == {"title"}
    assert "description" in WorkOrderCreateBodyDict.__optional_keys__
    assert WorkOrderListQueryDict.__required_keys__ == frozenset()


def test_generated_models_evaluate_their_annotations_when_the_class_is_made() -> None:
    # String annotations cost a compile and an eval per field at class creation (issue 15).
    from maintainx_sdk.models.work_orders import WorkOrder

    assert not any(isinstance(a, str) for a in WorkOrder.__annotations__.values())
