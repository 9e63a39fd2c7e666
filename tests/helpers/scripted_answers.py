"""A MockTransport handler that answers from a script of steps and records the requests.

Not the emulator on purpose: it raises transport errors and sends malformed headers and bodies,
in an exact order, which the emulator must never do on its own."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from .clocks import SleepRecordingClock

Step = int | tuple[int, dict[str, str]] | tuple[int, dict[str, str], bytes] | BaseException


class Script:
    """Answers requests from a list of steps (status, headers, body) or raises errors."""

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        clock: SleepRecordingClock | None = None,
        latency: float = 0.0,
        default: Step = 200,
    ) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.clock = clock
        self.latency = latency
        self.default = default

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.clock is not None and self.latency:
            self.clock.advance(self.latency)
        step = self.steps.pop(0) if self.steps else self.default
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, int):
            return httpx.Response(step, json={"id": 1} if step < 400 else {"error": "boom"})
        status, headers, *rest = step
        content = rest[0] if rest else b'{"ok":true}'
        return httpx.Response(status, headers=headers, content=content)

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r.method == method)
