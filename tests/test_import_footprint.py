"""A sync client imports no redis, OpenTelemetry SDK, asyncio or pybreaker until they are used."""

from __future__ import annotations

import subprocess
import sys

UNWANTED = ("redis", "opentelemetry.sdk", "asyncio", "pybreaker")

CODE = f"""
import sys
import httpx
import maintainx_sdk

def loaded():
    return sorted({{m for m in sys.modules for u in {UNWANTED!r} if m == u or m.startswith(u + ".")}})

print(",".join(loaded()))
transport = httpx.MockTransport(lambda request: httpx.Response(200, json={{"users": []}}))
mx = maintainx_sdk.MaintainX(api_key="k" * 20, transport=transport)
mx.work_orders
mx.request("GET", "/users")
print(",".join(loaded()))
"""


def test_sync_client_and_first_request_import_none_of_the_heavy_optional_modules() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=60
    )
    at_import, after_request = out.stdout.splitlines()
    assert at_import == ""
    assert after_request == ""


def test_breaker_loads_pybreaker_on_its_first_failure() -> None:
    code = """
import sys
from maintainx_sdk.breaker import Breaker, BreakerPolicy
from maintainx_sdk._observer import NullObserver
b = Breaker(BreakerPolicy(fail_max=1), clock=lambda: 0.0, observer=NullObserver)
assert b.state == "closed" and b.fail_counter == 0 and "pybreaker" not in sys.modules
b.record(failure=True, probe=False)
print(b.state, "pybreaker" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["open", "True"]
