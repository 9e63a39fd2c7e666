"""The readiness report: one :class:`CheckResult` per check, JSON and a terminal table."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..observability import redact, redact_value

Priority = Literal["P0", "P1", "P2"]
Status = Literal["pass", "warn", "fail", "skip"]

_STATUS_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: what was seen (``evidence``) and what to do (``fix``)."""

    id: str
    title: str
    priority: Priority
    status: Status
    evidence: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """Machine-readable facts behind the evidence (numbers, names); never secrets."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = redact_value(asdict(self))
        return out


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every check's result. ``ok`` is False as soon as one P0 check fails."""

    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return not any(c.priority == "P0" and c.status == "fail" for c in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    def get(self, check_id: str) -> CheckResult:
        """The result of one check by id (KeyError naming the known ids otherwise)."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(f"no check {check_id!r}; known: {', '.join(c.id for c in self.checks)}")

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "warn": 0, "fail": 0, "skip": 0}
        for c in self.checks:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts(),
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON (secrets masked)."""
        return redact(json.dumps(self.to_dict(), indent=indent, default=str))

    def render_table(self, *, width: int | None = None) -> str:
        """A fixed-width table for terminals, P0 first; fixes under failing and warning rows."""
        return render_table(self.checks, ok=self.ok, counts=self.counts(), width=width)

    def __str__(self) -> str:
        return self.render_table()


_PRIORITY_ORDER = {"P0": 0, "P1": 1, "P2": 2}

#: Within a priority, checks are listed by group in this order (the checklist's order).
GROUP_ORDER = (
    "secrets.", "auth.", "health.", "retry.", "pagination.", "idempotency.", "sync.",
    "logging.", "metrics.", "pooling.", "caching.", "validation.", "alerts.", "rollback.",
    "reconcile.",
)  # fmt: skip


def ordered_report(results: Iterable[CheckResult]) -> ReadinessReport:
    """The report of ``results``, by priority, then group (:data:`GROUP_ORDER`)."""

    def rank(r: CheckResult) -> tuple[int, int]:
        group = next((i for i, p in enumerate(GROUP_ORDER) if r.id.startswith(p)), len(GROUP_ORDER))
        return (int(r.priority[1]), group)

    return ReadinessReport(tuple(sorted(results, key=rank)))


def render_table(
    checks: Iterable[CheckResult],
    *,
    ok: bool,
    counts: dict[str, int],
    width: int | None = None,
) -> str:
    """One line per check (evidence shortened to the width; ``to_json`` has it whole), then
    each failing or warning check again with its whole evidence and its fix."""
    total = width or min(max(shutil.get_terminal_size((110, 20)).columns, 80), 140)
    rows = sorted(checks, key=lambda c: _PRIORITY_ORDER[c.priority])
    id_w = max([len(c.id) for c in rows] + [5])
    head = f"{'PRI':<3}  {'STATUS':<6}  {'CHECK':<{id_w}}  EVIDENCE"
    indent = 3 + 2 + 6 + 2 + id_w + 2
    text_w = max(total - indent, 30)
    lines = [head, "-" * min(total, indent + text_w)]
    for c in rows:
        evidence = textwrap.shorten(c.evidence, text_w, placeholder=" ...")
        lines.append(f"{c.priority:<3}  {_STATUS_MARK[c.status]:<6}  {c.id:<{id_w}}  {evidence}")
    to_fix = [c for c in rows if c.fix and c.status in ("fail", "warn")]
    if to_fix:
        lines += ["", "to fix:"]
    for c in to_fix:
        lines.append(f"{c.id} ({c.priority} {_STATUS_MARK[c.status]}): {c.title}")
        lines += textwrap.wrap(
            c.evidence, total - 4, initial_indent="    ", subsequent_indent="    "
        )
        lines += textwrap.wrap(
            c.fix, total - 9, initial_indent="    fix: ", subsequent_indent="         "
        )
    verdict = "READY" if ok else "NOT READY (a P0 check failed)"
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    lines += ["", f"{verdict}: {summary}"]
    return redact("\n".join(lines))
