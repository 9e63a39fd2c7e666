"""An emulator that logs every request, for tests that count what a call sent and read what
the server stored: seed work orders in any status, script faults, one-try clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maintainx_sdk import AsyncMaintainX, MaintainX, RateLimit, RetryPolicy
from maintainx_sdk.testing import Emulator

from ..conftest import TEST_KEY
from .emulator_clients import make_emulator, raw_client


class LoggedEmulator:
    """One emulator keyed with ``TEST_KEY``, its request log, its stored rows and clients on it
    that make one attempt per call unless given a retry policy."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        kw: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.emulator: Emulator = make_emulator(api_key=TEST_KEY, keep_log=True, **kw)
        #: Rows the emulator starts with (the key's own user), left out of ``created``.
        self.seeded = {name: set(self.rows(name)) for name in ("users", "workorders")}

    # -- the server's side ---------------------------------------------------------------------
    def add_work_order(self, status: str = "OPEN", title: str = "Walk") -> int:
        """A work order stored in ``status`` (any status, SKIPPED included); the request log
        starts empty after it."""
        with raw_client(self.emulator) as http:
            wid = int(http.post("/workorders", json={"title": title}).json()["id"])
        table = self.emulator.org().table("workorders")
        row = table.get(wid)
        assert row is not None
        row["status"] = status
        table.touch()
        self.emulator.counters.log.clear()
        return wid

    def rows(self, table: str) -> dict[int, dict[str, Any]]:
        """The stored rows of ``table`` (``"workorders"``, ``"users"`` ...) by id."""
        return dict(self.emulator.org().table(table).rows)

    def created(self, table: str) -> dict[int, dict[str, Any]]:
        """The rows of ``table`` stored since this emulator was built."""
        seeded = self.seeded.get(table, set())
        return {k: v for k, v in self.rows(table).items() if k not in seeded}

    def status(self, wid: int) -> str:
        return str(self.rows("workorders")[wid]["status"])

    def fault(self, method: str, path: str, *faults: str | int) -> None:
        """The next requests to ``method path`` get these emulator faults, in order."""
        self.emulator.faults.script(method, path, faults)

    # -- what was sent -------------------------------------------------------------------------
    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path after /v1) of every request since the last seeded work order."""
        return [(e.method, e.path) for e in self.emulator.counters.log]

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))

    # -- clients ---------------------------------------------------------------------------------
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
