"""Testing helpers: the local MaintainX emulator, its transports and server, and faults.

>>> from maintainx_sdk.testing import Emulator
>>> emulator = Emulator(seed=1, work_orders=20)
>>> mx = MaintainX(api_key=emulator.api_key, transport=emulator.transport())

Names load lazily so that importing this package (e.g. from the pytest plugin) is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ratelimit import Quota as Quota
    from .emulator import Emulator as Emulator
    from .emulator import Outcome as Outcome
    from .emulator import Token as Token
    from .faults import Fault as Fault
    from .faults import FaultPlan as FaultPlan
    from .faults import parse_fault_spec as parse_fault_spec
    from .server import EmulatorServer as EmulatorServer
    from .transports import AsyncEmulatorTransport as AsyncEmulatorTransport
    from .transports import EmulatorTransport as EmulatorTransport
    from .webhooks import Delivery as Delivery
    from .webhooks import WebhookDispatcher as WebhookDispatcher

_EXPORTS = {
    "Emulator": "emulator",
    "Outcome": "emulator",
    "Token": "emulator",
    "Fault": "faults",
    "FaultPlan": "faults",
    "parse_fault_spec": "faults",
    "Quota": "_ratelimit",
    "EmulatorServer": "server",
    "EmulatorTransport": "transports",
    "AsyncEmulatorTransport": "transports",
    "Delivery": "webhooks",
    "WebhookDispatcher": "webhooks",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
