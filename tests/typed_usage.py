"""Public API used the way integrations write it; ``.ci/run`` type-checks this module strictly.

Nothing here runs against a server: the functions are type-checked, and the tests call the
ones that need no network.
"""

from __future__ import annotations

import maintainx_sdk


def readiness_at_start_up() -> bool:
    """The start-up gate users write: the submodule reached as a package attribute."""
    report: maintainx_sdk.readiness.ReadinessReport = maintainx_sdk.readiness.check()
    return report.ok


def submodules_are_typed() -> list[str]:
    policy: maintainx_sdk.retry.RetryPolicy = maintainx_sdk.retry.RetryPolicy()
    error: type[maintainx_sdk.errors.APIError] = maintainx_sdk.errors.APIError
    return [type(policy).__name__, error.__name__, maintainx_sdk.testing.Emulator.__name__]
