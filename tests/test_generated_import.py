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
"""


def test_import_loads_no_area_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    at_import, after_client, after_access = (
        set(filter(None, line.split(","))) for line in out.stdout.splitlines()
    )
    assert at_import <= {"maintainx_sdk.resources._mixins"}
    assert after_client <= {"maintainx_sdk.resources._mixins", "maintainx_sdk.resources._index"}
    assert "maintainx_sdk.resources.work_orders" in after_access
    assert "maintainx_sdk.models.work_orders" in after_access
    assert "maintainx_sdk.resources.assets" not in after_access
