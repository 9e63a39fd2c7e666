"""Every route of the emulator, stateful and canned."""

from __future__ import annotations

from ._router import Route


def all_routes() -> list[Route]:
    from . import _canned, _extras, _subscriptions, _work_orders
    from ._catalog import RESOURCES

    routes: list[Route] = [*_work_orders.routes(), *_subscriptions.routes(), *_extras.routes()]
    for resource in RESOURCES:
        routes += resource.routes()
    taken = {(r.method, r.template) for r in routes}
    routes += [r for r in _canned.routes() if (r.method, r.template) not in taken]
    return routes
