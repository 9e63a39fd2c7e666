"""Every route of the emulator, stateful and canned."""

from __future__ import annotations

from ._router import Route


def all_routes() -> list[Route]:
    from . import _canned, _catalog, _extras, _more, _purchase_orders, _subscriptions, _work_orders

    routes: list[Route] = [
        *_work_orders.routes(),
        *_purchase_orders.routes(),
        *_subscriptions.routes(),
        *_extras.routes(),
        *_canned.routes(),
    ]
    for resource in (*_catalog.RESOURCES, *_more.RESOURCES):
        routes += resource.routes()
    return routes
