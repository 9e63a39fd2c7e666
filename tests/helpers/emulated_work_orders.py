"""The emulator as the work-order store of the set-status tests: seed a work order in any
status, read its stored status, and list the requests a call made."""

from __future__ import annotations

from typing import Any

from maintainx_sdk import AsyncMaintainX, MaintainX, RateLimit, RetryPolicy
from maintainx_sdk.testing import Emulator

from ..conftest import TEST_KEY
from .emulator_clients import make_emulator, raw_client


class EmulatedWorkOrders:
    """One emulator (logging every request) and clients on it that make one attempt per call."""

    def __init__(self) -> None:
        self.emulator: Emulator = make_emulator(api_key=TEST_KEY, keep_log=True)

    def add_work_order(self, status: str = "OPEN") -> int:
        """A work order stored in ``status`` (any status, SKIPPED included); the request log
        starts empty after it."""
        with raw_client(self.emulator) as http:
            wid = int(http.post("/workorders", json={"title": "Walk"}).json()["id"])
        table = self.emulator.org().table("workorders")
        row = table.get(wid)
        assert row is not None
        row["status"] = status
        table.touch()
        self.emulator.counters.log.clear()
        return wid

    def status(self, wid: int) -> str:
        row = self.emulator.org().table("workorders").get(wid)
        assert row is not None
        return str(row["status"])

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path after /v1) of every request since the last seeded work order."""
        return [(e.method, e.path.removeprefix("/v1")) for e in self.emulator.counters.log]

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))

    def client(self, **kw: Any) -> MaintainX:
        return MaintainX(api_key=TEST_KEY, transport=self.emulator.transport(), **_one_try(kw))

    def async_client(self, **kw: Any) -> AsyncMaintainX:
        return AsyncMaintainX(
            api_key=TEST_KEY, transport=self.emulator.async_transport(), **_one_try(kw)
        )


def _one_try(kw: dict[str, Any]) -> dict[str, Any]:
    kw.setdefault("retry", RetryPolicy(max_attempts=1))
    kw.setdefault("rate_limit", RateLimit.disabled())
    return kw
