"""Production readiness: the checklist for MaintainX integrations, made executable.

>>> from maintainx_sdk import readiness
>>> report = readiness.check(mx, project_dir=".")
>>> report.ok, print(report.render_table())

``check()`` / ``acheck()`` run every check (P0: secrets and auth, retry, pagination,
idempotency, sync state, logging, metrics, health; P1: pooling, caching, validation, audit,
alert thresholds; P2: rollback and reconciliation) and return a :class:`ReadinessReport`.
``health()`` / ``ahealth()`` and ``ready()`` return JSON-ready payloads for ``/health`` and
``/ready`` routes. The CLI is ``maintainx-sdk readiness``.

``check``/``acheck`` and ``health``/``ahealth`` stay twins only in their typed signatures and
the line that runs the probe (blocking or awaited); the rest is in ``_Checklist`` and helpers.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Generator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from .._client import AsyncMaintainX, MaintainX
from .._procedure import Procedure, arun_procedure, run_procedure
from ..errors import ConfigurationError
from ..observability import redact
from ._checks import STATIC_CHECKS
from ._context import CheckContext, build_context
from ._health import health_payload
from ._live import ProbeFacts, live_results, probe, skipped_live
from ._project import PROJECT_CHECKS
from ._report import CheckResult, Priority, ReadinessReport, Status, ordered_report

__all__ = [
    "CheckResult",
    "Priority",
    "ReadinessReport",
    "Status",
    "acheck",
    "ahealth",
    "check",
    "health",
    "ready",
]

ClientT = TypeVar("ClientT", MaintainX, AsyncMaintainX)

#: The live probe's own deadline (retries included), so a dead API cannot stall start-up.
PROBE_TIMEOUT = 5.0


class _Checklist:
    """One run of the checklist without its I/O, for :func:`check` and :func:`acheck`: the
    checks that need none (the live rows marked skipped when no probe will run), the probe to
    run when one does, and the report."""

    def __init__(
        self,
        mx: MaintainX | AsyncMaintainX | None,
        error: str | None,
        live: bool,
        project_dir: str | os.PathLike[str] | None,
        replicas: int | None,
        sync: Any,
        webhooks: bool | None,
        webhook_secret: str | None,
        probe_timeout: float,
    ) -> None:
        self._ctx = build_context(
            mx,
            project_dir=project_dir,
            replicas=replicas,
            sync=sync,
            webhooks=webhooks,
            webhook_secret=webhook_secret,
            config_error=error,
        )
        self._results = _static_results(self._ctx)
        #: The client view and the procedure to run it with, when the live probe runs.
        self.probe: tuple[Any, Procedure[ProbeFacts]] | None = None
        if mx is None:
            self._results += skipped_live("no client (see secrets.api_key)")
        elif not live:
            self._results += skipped_live("live checks off (live=False)")
        else:
            known = mx.config.organization_id is not None
            self.probe = probe_client(mx, probe_timeout), probe(organization_known=known)

    def report(self, facts: ProbeFacts | None) -> ReadinessReport:
        """The report, with the live results when the probe ran and gave ``facts``."""
        if facts is not None:
            self._results += live_results(facts, self._ctx)
        return ordered_report(self._results)


def _static_results(ctx: CheckContext) -> list[CheckResult]:
    return [c(ctx) for c in STATIC_CHECKS] + [c(ctx) for c in PROJECT_CHECKS]


def probe_client(client: Any, timeout: float) -> Any:
    """A view of ``client`` with a short deadline and, where supported, one retry at most
    (a transient failure should not fail the gate; a dead API should fail it fast)."""
    params = inspect.signature(client.with_options).parameters
    kwargs: dict[str, Any] = {"timeout": timeout}
    if "max_retries" in params:
        kwargs["max_retries"] = 1
    return client.with_options(**kwargs)


def _require(client: Any, cls: type[Any], call: str, twin: str) -> None:
    """A sync client for the sync entry points and an async one for the async twins."""
    if client is not None and not isinstance(client, cls):
        raise ConfigurationError(
            f"readiness.{call}() takes {cls.__name__}, got {type(client).__name__}; "
            f"use readiness.{twin} for that client"
        )


def _health_probe(client: Any, timeout: float) -> tuple[Any, Procedure[ProbeFacts]]:
    """What :func:`health` and :func:`ahealth` run: the probe, on a short-deadline view."""
    return probe_client(client, timeout), probe(organization_known=True)


@contextmanager
def _client_or_error(
    client: Any, factory: type[Any], call: str, twin: str
) -> Generator[tuple[Any, str | None]]:
    """The given client (of the right kind for ``call``), or one built from the environment
    (closed afterwards by the caller, see :func:`_owned`)."""
    _require(client, factory, call, twin)
    if client is not None:
        yield client, None
        return
    try:
        built = factory()
    except ConfigurationError as exc:
        yield None, redact(str(exc))
        return
    yield built, None


def _owned(given: object, mx: ClientT | None) -> ClientT | nullcontext[None]:
    """``mx`` as the context that closes it when it was built here; else nothing to close.
    (``with`` closes a :class:`MaintainX`, ``async with`` an :class:`AsyncMaintainX`.)"""
    return mx if given is None and mx is not None else nullcontext()


def check(
    client: MaintainX | None = None,
    *,
    project_dir: str | os.PathLike[str] | None = None,
    live: bool = True,
    replicas: int | None = None,
    sync: Any = None,
    webhooks: bool | None = None,
    webhook_secret: str | None = None,
    probe_timeout: float = PROBE_TIMEOUT,
) -> ReadinessReport:
    """Run the readiness checklist against ``client`` (built from the environment if None).

    ``live=False`` skips the API probe. ``project_dir`` adds the repository checks
    (``.gitignore``, keys in files, version pin). ``replicas=1`` accepts in-memory stores;
    ``sync`` is your incremental sync (or its checkpoint store); ``webhooks=True`` requires a
    webhook secret (``webhook_secret=`` or ``MAINTAINX_WEBHOOK_SECRET``).
    """
    with (
        _client_or_error(client, MaintainX, "check", "acheck() (await it)") as (mx, error),
        _owned(client, mx),
    ):
        run = _Checklist(
            mx, error, live, project_dir, replicas, sync, webhooks, webhook_secret, probe_timeout
        )
        return run.report(run_procedure(*run.probe) if run.probe else None)


async def acheck(
    client: AsyncMaintainX | None = None,
    *,
    project_dir: str | os.PathLike[str] | None = None,
    live: bool = True,
    replicas: int | None = None,
    sync: Any = None,
    webhooks: bool | None = None,
    webhook_secret: str | None = None,
    probe_timeout: float = PROBE_TIMEOUT,
) -> ReadinessReport:
    """:func:`check` for the asyncio client (the same checks and probe)."""
    with _client_or_error(client, AsyncMaintainX, "acheck", "check()") as (mx, error):
        async with _owned(client, mx):
            run = _Checklist(
                mx,
                error,
                live,
                project_dir,
                replicas,
                sync,
                webhooks,
                webhook_secret,
                probe_timeout,
            )
            return run.report(await arun_procedure(*run.probe) if run.probe else None)


def health(client: MaintainX, *, timeout: float = PROBE_TIMEOUT) -> dict[str, Any]:
    """A ``/health`` payload: ``status`` ok/degraded/down, API connectivity, breaker, stats.

    Makes one small API call (``GET /users?limit=1``) with a short deadline.
    """
    _require(client, MaintainX, "health", "ahealth() (await it)")
    return health_payload(client, run_procedure(*_health_probe(client, timeout)))


async def ahealth(client: AsyncMaintainX, *, timeout: float = PROBE_TIMEOUT) -> dict[str, Any]:
    """:func:`health` for the asyncio client."""
    _require(client, AsyncMaintainX, "ahealth", "health()")
    return health_payload(client, await arun_procedure(*_health_probe(client, timeout)))


def ready(
    client: MaintainX | AsyncMaintainX | None = None,
    *,
    report: ReadinessReport | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A ``/ready`` payload: ready when no P0 check fails. No I/O unless no ``report`` is given
    and no client either (then one is built from the environment, without a live probe).

    Pass the ``report`` of a start-up :func:`check` to include its live results.
    """
    if report is None:
        ctx = build_context(
            client,
            project_dir=options.get("project_dir"),
            replicas=options.get("replicas"),
            sync=options.get("sync"),
            webhooks=options.get("webhooks"),
            webhook_secret=options.get("webhook_secret"),
        )
        if client is None:
            report = check(None, live=False, **options)
        else:
            report = ordered_report(_static_results(ctx))
    return {
        "ready": report.ok,
        "failing": [c.id for c in report.checks if c.priority == "P0" and c.status == "fail"],
        "warnings": [c.id for c in report.checks if c.status == "warn"],
        "checks": {c.id: c.status for c in report.checks},
    }
