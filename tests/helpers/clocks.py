"""Clocks that move only when a test moves them."""

from __future__ import annotations


class ManualClock:
    """A settable clock (seconds): reads ``now``, moves only through ``advance``."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SleepRecordingClock(ManualClock):
    """Monotonic and wall time that advance only through ``sleep`` / ``advance``; every
    ``sleep`` is recorded in ``sleeps`` instead of waited for."""

    def __init__(self, start: float = 1000.0, wall: float = 1_800_000_000.0) -> None:
        super().__init__(start)
        self.wall_offset = wall - start
        self.sleeps: list[float] = []

    def wall(self) -> float:
        return self.now + self.wall_offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
