"""pytest plugin of maintainx-sdk: fixtures backed by the local emulator.

Registered through the ``pytest11`` entry point, so installing the package makes these
fixtures available in any test suite:

* ``maintainx_emulator`` — a fresh in-process :class:`~maintainx_sdk.testing.Emulator`
  (seed 1, 20 work orders, no rate limits or meter quotas, synchronous webhook delivery);
* ``maintainx_server`` — that emulator served on a loopback port (``.base_url``, ``.api_key``);
* ``maintainx_client`` / ``async_maintainx_client`` — SDK clients wired to the in-process
  emulator (the async one is a pytest-asyncio fixture when pytest-asyncio is installed, so
  it works in its strict mode too).

Everything heavy is imported inside the fixtures, keeping ``pytest`` start-up cheap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

try:  # pytest-asyncio's strict mode (its default) only runs async fixtures declared with it
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - anyio's plugin drives async fixtures of pytest.fixture
    _async_fixture = pytest.fixture  # type: ignore[assignment]

if TYPE_CHECKING:
    from .._client import AsyncMaintainX, MaintainX
    from .emulator import Emulator
    from .server import EmulatorServer


@pytest.fixture
def maintainx_emulator() -> Iterator[Emulator]:
    """A fresh in-process emulator for one test."""
    from .emulator import Emulator

    emulator = Emulator(
        seed=1,
        work_orders=20,
        rate_limit=None,
        org_rate_limit=None,
        meter_quotas=False,
        webhook_mode="sync",
    )
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture
def maintainx_server(maintainx_emulator: Emulator) -> Iterator[EmulatorServer]:
    """``maintainx_emulator`` served over HTTP on 127.0.0.1 (a free port)."""
    with maintainx_emulator.serve() as server:
        yield server


@pytest.fixture
def maintainx_client(maintainx_emulator: Emulator) -> Iterator[MaintainX]:
    """A blocking SDK client talking to ``maintainx_emulator`` in-process."""
    from .._client import MaintainX

    with MaintainX(
        api_key=maintainx_emulator.api_key, transport=maintainx_emulator.transport()
    ) as client:
        yield client


@_async_fixture
async def async_maintainx_client(maintainx_emulator: Emulator) -> AsyncIterator[AsyncMaintainX]:
    """An asyncio SDK client talking to ``maintainx_emulator`` in-process."""
    from .._client import AsyncMaintainX

    async with AsyncMaintainX(
        api_key=maintainx_emulator.api_key, transport=maintainx_emulator.async_transport()
    ) as client:
        yield client
