"""Data integrity: full pages, persistent idempotency and sync state, strict input, and
reconciliation."""

from __future__ import annotations

import inspect
from typing import Any

from ... import _constants as C
from ...settings import StoreInfo
from .._context import CheckContext
from .._report import CheckResult
from .base import module_present, no_client, result


def check_page_size(ctx: CheckContext) -> CheckResult:
    title = f"list page size at the maximum ({C.MAX_PAGE_SIZE})"
    if ctx.client is None:
        return no_client("pagination.page_size", title, "P0")
    try:
        namespace = ctx.client.work_orders
    except AttributeError:
        return result(
            "pagination.page_size",
            title,
            "P0",
            "skip",
            "this SDK build has no generated resources (mx.work_orders is absent)",
        )
    try:
        limit = inspect.signature(namespace.list).parameters["limit"].default
    except (AttributeError, KeyError, ValueError, TypeError):
        return result(
            "pagination.page_size", title, "P0", "skip", "work_orders.list takes no limit"
        )
    if limit in (None, inspect.Parameter.empty):
        return result(
            "pagination.page_size",
            title,
            "P0",
            "warn",
            "work_orders.list has no default page size: the API's default (100) doubles the calls",
            f"Pass limit={C.MAX_PAGE_SIZE} when listing.",
        )
    if int(limit) < C.MAX_PAGE_SIZE:
        return result(
            "pagination.page_size",
            title,
            "P0",
            "fail",
            f"default page size {limit} < {C.MAX_PAGE_SIZE}: more calls, more 429s",
            f"Use limit={C.MAX_PAGE_SIZE}.",
            limit=limit,
        )
    return result(
        "pagination.page_size",
        title,
        "P0",
        "pass",
        f"lists default to limit={limit}; paging follows nextCursor and stops on a repeated cursor",
        limit=limit,
    )


def _persistence_result(
    id: str, title: str, store: StoreInfo, what: str, ctx: CheckContext
) -> CheckResult:
    kind = store.kind
    label = f"{store.type_name} ({kind})"
    if store.persistent:
        return result(id, title, "P0", "pass", f"{label}: persistent", kind=kind)
    if ctx.replicas == 1:
        return result(
            id,
            title,
            "P0",
            "pass",
            f"{label}: fine for a single process (replicas=1); lost on restart",
            kind=kind,
        )
    return result(
        id,
        title,
        "P0",
        "warn",
        f"{label}: not shared between replicas and lost on restart",
        f"Use the SQLite store (one host) or the Redis store (several replicas) for {what}; "
        "pass replicas=1 to accept in-memory for a single process.",
        kind=kind,
    )


def check_idempotency(ctx: CheckContext) -> CheckResult:
    title = "idempotency store persistent"
    if ctx.settings is None:
        return no_client("idempotency.store", title, "P0")
    store = ctx.settings.stores.idempotency
    return _persistence_result("idempotency.store", title, store, "guarded creates", ctx)


def check_sync_state(ctx: CheckContext) -> CheckResult:
    title = "sync checkpoints persistent"
    if ctx.sync is None:
        return result(
            "sync.state",
            title,
            "P0",
            "skip",
            "no incremental sync given (pass sync=<your sync or checkpoint store>)",
        )
    store = StoreInfo.of(checkpoint_store(ctx.sync))
    return _persistence_result("sync.state", title, store, "sync checkpoints", ctx)


def checkpoint_store(sync: Any) -> Any:
    """The checkpoint store of an ``IncrementalSync`` (or a mirror): its ``store``; anything
    else is taken to be the store itself."""
    store = getattr(sync, "store", None)
    return store if store is not None else sync


def check_validation(ctx: CheckContext) -> CheckResult:
    title = "input validated before sending"
    from ..._models import RequestModel

    extra = RequestModel.model_config.get("extra")
    if extra != "forbid":
        return result(
            "validation.input",
            title,
            "P1",
            "fail",
            f"request models accept unknown fields (extra={extra!r})",
            "Report this as an SDK bug.",
        )
    return result(
        "validation.input",
        title,
        "P1",
        "pass",
        "request bodies and parameters are strict pydantic models; bad input raises "
        "ValidationError before any request",
    )


def check_reconciliation(ctx: CheckContext) -> CheckResult:
    title = "reconciliation available"
    if module_present("maintainx_sdk.reconcile"):
        return result(
            "reconcile.available",
            title,
            "P2",
            "pass",
            "maintainx_sdk.reconcile can compare a local snapshot with the API; run it daily",
        )
    return result(
        "reconcile.available",
        title,
        "P2",
        "skip",
        "this SDK build has no reconciliation (maintainx_sdk.reconcile is absent)",
    )
