"""Post-deploy smoke test: create a LOW-priority test work order, read it, cancel it, delete it.

Written once as a :data:`Procedure` (driven by either client). The delete is attempted whatever
failed before it; if the procedure itself is interrupted, :class:`SmokeRun` still holds the
created id and the runners delete it directly. ``run_smoke``/``arun_smoke`` stay twins: each is
that ``try``/``finally`` around its two sends (blocking or awaited); the decisions are shared.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .._procedure import Procedure, arun_procedure, run_procedure
from .._request import APIRequest
from ..errors import APIConnectionError, MaintainXError, NotFoundError, OutcomeUnknownError
from ..observability import redact

if TYPE_CHECKING:
    from .._sender import AsyncSender, SyncSender

SMOKE_TITLE_PREFIX = "maintainx-sdk readiness smoke test"
_NO_WEBHOOK = (("skipWebhook", "true"),)


@dataclass(frozen=True, slots=True)
class SmokeStep:
    name: str
    ok: bool
    detail: str


@dataclass(slots=True)
class SmokeRun:
    """State of one smoke test: the steps so far and the work order it created."""

    title: str = field(
        default_factory=lambda: f"{SMOKE_TITLE_PREFIX} {uuid.uuid4().hex[:8]} (safe to delete)"
    )
    steps: list[SmokeStep] = field(default_factory=list)
    work_order_id: int | None = None
    deleted: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps) and self.cleaned_up

    @property
    def cleaned_up(self) -> bool:
        return self.work_order_id is None or self.deleted

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.steps.append(SmokeStep(name, ok, redact(detail)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "title": self.title,
            "work_order_id": self.work_order_id,
            "cleaned_up": self.cleaned_up,
            "steps": [asdict(s) for s in self.steps],
        }

    def render(self) -> str:
        lines = [f"smoke test: {self.title}"]
        lines += [f"  {'ok  ' if s.ok else 'FAIL'}  {s.name:<8} {s.detail}" for s in self.steps]
        if not self.cleaned_up:
            lines.append(
                f"  LEFT BEHIND: work order {self.work_order_id} could not be deleted; delete it by hand"
            )
        lines.append("smoke test passed" if self.ok else "smoke test FAILED")
        return "\n".join(lines)


def _wo_request(method: str, path: str, template: str, **kw: Any) -> APIRequest:
    return APIRequest(
        method=method,
        path=path,
        params=_NO_WEBHOOK,
        operation=f"readiness.smoke.{method.lower()}",
        path_template=template,
        **kw,
    )


def delete_request(work_order_id: int) -> APIRequest:
    return _wo_request(
        "DELETE", f"/workorders/{work_order_id}", "/workorders/{id}", retry_safe=True
    )


def smoke_procedure(run: SmokeRun) -> Procedure[SmokeRun]:
    """Create, read back, cancel, delete (always attempted), then confirm it is gone."""
    try:
        response = yield _wo_request(
            "POST",
            "/workorders",
            "/workorders",
            json={
                "title": run.title,
                "priority": "LOW",
                "description": "Created by `maintainx-sdk readiness --smoke`; deleted right away.",
            },
        )
        run.work_order_id = int(response.json()["id"])
        run.add("create", True, f"work order {run.work_order_id} created (priority LOW)")
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, OutcomeUnknownError | APIConnectionError):
            detail += f"; the work order may exist: look for the title {run.title!r} and delete it"
        run.add("create", False, detail)
        return run
    wo_id = run.work_order_id
    path = f"/workorders/{wo_id}"
    try:
        response = yield _wo_request("GET", path, "/workorders/{id}")
        wo = response.json()["workOrder"]
        same = wo.get("title") == run.title and wo.get("priority") == "LOW"
        run.add(
            "read", same, f"read back: status {wo.get('status')}, priority {wo.get('priority')}"
        )
    except Exception as exc:
        run.add("read", False, f"{type(exc).__name__}: {exc}")
    try:
        response = yield _wo_request(
            "PATCH",
            f"{path}/status",
            "/workorders/{id}/status",
            json={"status": "CANCELED"},
            retry_safe=True,
        )
        status = (response.json() or {}).get("workOrder", {}).get("status")
        run.add("cancel", status == "CANCELED", f"status is now {status}")
    except Exception as exc:
        run.add("cancel", False, f"{type(exc).__name__}: {exc}")
    # The delete runs whatever happened above (each failure is recorded as its step).
    try:
        yield delete_request(wo_id)
        _deleted(run, "")
    except NotFoundError:
        _deleted(run, "(already gone: an earlier attempt applied)")
    except Exception as exc:
        run.add("delete", False, f"{type(exc).__name__}: {exc}")
        return run
    try:
        yield _wo_request("GET", path, "/workorders/{id}")
        run.add("verify", False, f"work order {wo_id} still readable after delete")
    except NotFoundError:
        run.add("verify", True, f"work order {wo_id} is gone (404)")
    except MaintainXError as exc:
        run.add("verify", False, f"{type(exc).__name__}: {exc}")
    return run


def run_smoke(client: SyncSender) -> SmokeRun:
    """Run the smoke test with the blocking client; the test work order never outlives it."""
    run = SmokeRun()
    try:
        run_procedure(client, smoke_procedure(run))
    finally:
        if (leftover := _leftover(run)) is not None:
            with _recording_last_delete(run):
                client.send(leftover)
    return run


async def arun_smoke(client: AsyncSender) -> SmokeRun:
    """:func:`run_smoke` for the asyncio client."""
    run = SmokeRun()
    try:
        await arun_procedure(client, smoke_procedure(run))
    finally:
        if (leftover := _leftover(run)) is not None:
            with _recording_last_delete(run):
                await client.send(leftover)
    return run


def _leftover(run: SmokeRun) -> APIRequest | None:
    """The delete still owed when the procedure was interrupted before it deleted its work
    order (sent directly, outside the procedure, by :func:`run_smoke` / :func:`arun_smoke`)."""
    if run.work_order_id is None or run.deleted:
        return None
    return delete_request(run.work_order_id)


@contextmanager
def _recording_last_delete(run: SmokeRun) -> Iterator[None]:
    """Records how the last-chance delete inside went: any error is a failed step, not raised."""
    try:
        yield
    except Exception as exc:
        run.add("delete", False, f"{type(exc).__name__}: {exc}")
    else:
        _deleted(run, "after the run was interrupted")


def _deleted(run: SmokeRun, how: str) -> None:
    run.deleted = True
    run.add("delete", True, f"work order {run.work_order_id} deleted {how}".rstrip())
