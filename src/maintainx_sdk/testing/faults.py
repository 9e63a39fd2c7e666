"""Fault injection for the emulator: seeded random faults and scripted per-route sequences.

>>> emulator.faults.script("GET", "/workorders", [503, 503, 503])   # next 3 answer 503
>>> emulator.faults.configure(seed=7, error_rate=0.1, reset_rate=0.02, latency=(0.0, 0.05))

Fault kinds: an HTTP status (500/502/503/504, or 429 with or without Retry-After), ``reset``
(connection cut before an answer), ``refuse`` (the connection cannot be made: nothing was
sent), ``hang`` (no answer until the client times out),
``malformed`` / ``truncated`` JSON bodies, and ``applied`` faults where the write is stored
first and the client then gets a 5xx (``applied-503``) or a cut connection (``applied-reset``).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["status", "reset", "refuse", "hang", "malformed", "truncated", "ok"]

RETRYABLE_STATUSES = (500, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault. ``applied`` faults let the request take effect first."""

    kind: FaultKind
    status: int = 0
    retry_after: float | None = None
    applied: bool = False

    @classmethod
    def parse(cls, item: int | str | Fault) -> Fault:
        """``503``, ``"429"``, ``"429:2"`` (Retry-After 2 s), ``"reset"``, ``"refuse"``, ``"hang"``,
        ``"malformed"``, ``"truncated"``, ``"applied-503"``, ``"applied-reset"``, ``"ok"``."""
        if isinstance(item, Fault):
            return item
        text = str(item).strip().lower()
        applied = text.startswith("applied-")
        if applied:
            text = text[len("applied-") :]
        if text in ("reset", "refuse", "hang", "malformed", "truncated", "ok"):
            if applied and text not in ("reset",):
                raise ValueError(f"only applied-<status> and applied-reset exist, not {item!r}")
            return cls(kind=text, applied=applied)  # type: ignore[arg-type]
        code, _, after = text.partition(":")
        try:
            status = int(code)
            retry_after = float(after) if after else None
        except ValueError:
            raise ValueError(
                f"unknown fault {item!r}; use a status such as 503, 429 or 429:2, or one of "
                "reset, refuse, hang, malformed, truncated, applied-503, applied-reset, ok"
            ) from None
        if not 400 <= status <= 599:
            raise ValueError(f"fault status must be 4xx or 5xx, got {status}")
        return cls(kind="status", status=status, retry_after=retry_after, applied=applied)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the plan decided for one request: a fault (or none) and added latency."""

    fault: Fault | None
    delay: float = 0.0


class FaultPlan:
    """Thread-safe fault decisions. Scripted faults win; otherwise seeded random draws."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str], deque[Fault]] = {}
        self._burst: deque[Fault] = deque()
        self.reset_random(seed)

    def reset_random(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self.error_rate = 0.0
        self.error_statuses: tuple[int, ...] = RETRYABLE_STATUSES
        self.rate_limit_rate = 0.0
        self.rate_limit_retry_after: float | None = None
        self.reset_rate = 0.0
        self.refuse_rate = 0.0
        self.hang_rate = 0.0
        self.malformed_rate = 0.0
        self.truncated_rate = 0.0
        self.applied_rate = 0.0
        self.latency: tuple[float, float] = (0.0, 0.0)

    def configure(
        self,
        *,
        seed: int | None = None,
        error_rate: float | None = None,
        error_statuses: Sequence[int] | None = None,
        rate_limit_rate: float | None = None,
        rate_limit_retry_after: float | None = None,
        reset_rate: float | None = None,
        refuse_rate: float | None = None,
        hang_rate: float | None = None,
        malformed_rate: float | None = None,
        truncated_rate: float | None = None,
        applied_rate: float | None = None,
        latency: float | tuple[float, float] | None = None,
    ) -> FaultPlan:
        """Set random fault shares (0..1 each) and added latency (seconds or a range)."""
        with self._lock:
            if seed is not None:
                self._rng = random.Random(seed)
            for name, value in (
                ("error_rate", error_rate),
                ("rate_limit_rate", rate_limit_rate),
                ("reset_rate", reset_rate),
                ("refuse_rate", refuse_rate),
                ("hang_rate", hang_rate),
                ("malformed_rate", malformed_rate),
                ("truncated_rate", truncated_rate),
                ("applied_rate", applied_rate),
            ):
                if value is not None:
                    if not 0.0 <= value <= 1.0:
                        raise ValueError(f"{name} must be between 0 and 1, got {value}")
                    setattr(self, name, value)
            if error_statuses is not None:
                self.error_statuses = tuple(error_statuses)
            if rate_limit_retry_after is not None:
                self.rate_limit_retry_after = rate_limit_retry_after
            if latency is not None:
                low, high = (latency, latency) if isinstance(latency, int | float) else latency
                if low < 0 or high < low:
                    raise ValueError(f"latency must be >= 0 and low <= high, got {latency!r}")
                self.latency = (float(low), float(high))
        return self

    def script(self, method: str, path: str, faults: Iterable[int | str | Fault]) -> FaultPlan:
        """The next requests to ``method path`` (a concrete path, a template such as
        ``/workorders/{id}``, or ``*``) get these faults in order (``"ok"`` = no fault)."""
        parsed = [Fault.parse(f) for f in faults]
        key = (method.upper(), _norm(path))
        with self._lock:
            self._scripts.setdefault(key, deque()).extend(parsed)
        return self

    def burst_429(self, count: int, retry_after: float | None = None) -> FaultPlan:
        """The next ``count`` requests on any route answer 429 (with Retry-After if given)."""
        with self._lock:
            self._burst.extend(Fault("status", 429, retry_after) for _ in range(count))
        return self

    def clear(self) -> None:
        """Forget scripts, bursts and random shares."""
        with self._lock:
            self._scripts.clear()
            self._burst.clear()
            self.reset_random()

    def pending(self) -> int:
        """Scripted and burst faults not yet used."""
        with self._lock:
            return len(self._burst) + sum(len(q) for q in self._scripts.values())

    def decide(self, method: str, path: str, template: str) -> Decision:
        with self._lock:
            delay = self._delay()
            if self._burst:
                return Decision(self._burst.popleft(), delay)
            for key in ((method, _norm(path)), (method, template), (method, "*"), ("*", "*")):
                queue = self._scripts.get(key)
                if queue:
                    fault = queue.popleft()
                    if not queue:
                        del self._scripts[key]
                    return Decision(None if fault.kind == "ok" else fault, delay)
            return Decision(self._random_fault(method), delay)

    def _delay(self) -> float:
        low, high = self.latency
        if high <= 0:
            return 0.0
        return low if high == low else self._rng.uniform(low, high)

    def _random_fault(self, method: str) -> Fault | None:
        draw = self._rng.random()
        kinds: tuple[tuple[float, FaultKind], ...] = (
            (self.error_rate, "status"),
            (self.rate_limit_rate, "status"),
            (self.reset_rate, "reset"),
            (self.refuse_rate, "refuse"),
            (self.hang_rate, "hang"),
            (self.malformed_rate, "malformed"),
            (self.truncated_rate, "truncated"),
        )
        for index, (rate, kind) in enumerate(kinds):
            if draw < rate:
                if index == 0:
                    return Fault("status", self._rng.choice(self.error_statuses))
                if index == 1:
                    return Fault("status", 429, self.rate_limit_retry_after)
                return Fault(kind)
            draw -= rate
        if method != "GET" and draw < self.applied_rate:
            if self._rng.random() < 0.5:
                return Fault("reset", applied=True)
            return Fault("status", self._rng.choice(self.error_statuses), applied=True)
        return None


def _norm(path: str) -> str:
    path = path.split("?", 1)[0].rstrip("/") or "/"
    if path.startswith("/v1/") or path == "/v1":
        path = path[3:] or "/"
    return path


def parse_fault_spec(spec: str, plan: FaultPlan | None = None) -> FaultPlan:
    """Build a plan from the CLI's ``--faults`` string: ``;``-separated items, e.g.
    ``seed=7;5xx=0.1;429=0.05;reset=0.02;refuse=0.01;hang=0.01;malformed=0.01;truncated=0.01;applied=0.02;
    latency=0.01-0.05;GET /workorders=503,503,503``."""
    plan = plan or FaultPlan()
    rates = {
        "5xx": "error_rate",
        "error": "error_rate",
        "429": "rate_limit_rate",
        "reset": "reset_rate",
        "refuse": "refuse_rate",
        "hang": "hang_rate",
        "malformed": "malformed_rate",
        "truncated": "truncated_rate",
        "applied": "applied_rate",
    }
    for raw in spec.split(";"):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise ValueError(f"fault spec item {item!r} needs NAME=VALUE")
        if " " in name:
            method, _, path = name.partition(" ")
            plan.script(method, path.strip(), [v for v in value.split(",") if v.strip()])
        elif name == "seed":
            plan.configure(seed=int(value))
        elif name == "latency":
            low, _, high = value.partition("-")
            plan.configure(latency=(float(low), float(high or low)))
        elif name == "retry-after":
            plan.configure(rate_limit_retry_after=float(value))
        elif name in rates:
            plan.configure(**{rates[name]: float(value)})  # type: ignore[arg-type]
        else:
            raise ValueError(
                f"unknown fault spec item {name!r}; use seed, 5xx, 429, retry-after, reset, refuse, hang, "
                "malformed, truncated, applied, latency or 'METHOD /path=503,503'"
            )
    return plan
