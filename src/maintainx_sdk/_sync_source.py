"""What an incremental sync reads: the lists it can follow, their operation, a pager's
filters and the checkpoint key of a sync (list, filters, base URL, organization)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ._operation import Operation
from ._page_query import UPDATED_AT
from .errors import ValidationError

if TYPE_CHECKING:
    from ._config import ClientConfig
    from .pagination import AsyncPager, SyncPager

#: The names :class:`IncrementalSync` takes as its source.
SourceName = Literal["work_orders", "assets", "parts", "purchase_orders"]

SHOW_UPCOMING = "show_upcoming"

#: The lists that accept ``updatedAt[gte]`` and ``sort=updatedAt``: (path, items key).
SOURCES: dict[str, tuple[str, str]] = {
    "work_orders": ("/workorders", "workOrders"),
    "assets": ("/assets", "assets"),
    "parts": ("/parts", "parts"),
    "purchase_orders": ("/purchaseorders", "purchaseOrders"),
}


def source_operation(
    source: str | Operation[Any], item_model: type[BaseModel] | None = None
) -> Operation[Any]:
    """The list operation behind a sync source name (or ``source`` itself)."""
    if isinstance(source, Operation):
        if source.path not in {path for path, _ in SOURCES.values()}:
            raise ValidationError(
                f"{source.name} cannot be synced incrementally: only "
                f"{sorted(SOURCES)} filter on updatedAt",
                errors=[{"field": "source", "message": "not an updatedAt-filterable list"}],
            )
        return source
    if source not in SOURCES:
        raise ValidationError(
            f"sync source {source!r} is not one of {sorted(SOURCES)} (the lists that filter "
            "on updatedAt)",
            errors=[{"field": "source", "message": "unknown", "allowed": sorted(SOURCES)}],
        )
    path, key = SOURCES[source]
    return Operation(
        name=f"{source}.list",
        method="GET",
        path=path,
        items_key=key,
        item_model=item_model,
        retry_safe=True,
    )


def default_key(op: Operation[Any], config: ClientConfig, query: Mapping[str, Any]) -> str:
    """The list, its filters, the base URL and the organization: one position per sync."""
    key = f"{op.name}@{config.base_url}#{config.organization_id or ''}"
    if query:
        filters = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
        key += "?" + hashlib.sha256(filters.encode()).hexdigest()[:16]
    return key


def filters_of(pager: SyncPager[Any] | AsyncPager[Any]) -> dict[str, Any]:
    """A pager's filters; paging parameters are the sync's to choose."""
    query = pager.query
    sort = query.pop("sort", None)
    if sort is not None and getattr(sort, "value", sort) != UPDATED_AT:
        raise ValidationError(
            f"incremental sync pages by updatedAt ascending; drop sort={sort!r}",
            errors=[{"field": "sort", "message": "set by the sync"}],
        )
    for name in ("cursor", "limit"):  # an updatedAt[gte] filter starts the first pass
        query.pop(name, None)
    return query
