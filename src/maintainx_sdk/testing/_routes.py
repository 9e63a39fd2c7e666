"""The route registry: every handler module's routes, which the emulator builds its router from.

Handlers never import the emulator; this module imports the handlers, and only the emulator
imports this module.
"""

from __future__ import annotations

from . import (
    _catalog,
    _conversations,
    _custom_fields,
    _extras,
    _files,
    _meters,
    _more,
    _parts,
    _plans,
    _procedures,
    _purchase_orders,
    _reference,
    _subscriptions,
    _work_orders,
)
from ._router import Route


def all_routes() -> list[Route]:
    """Every route of the emulator, stateful and canned."""
    routes: list[Route] = [
        *_work_orders.routes(),
        *_purchase_orders.routes(),
        *_subscriptions.routes(),
        *_extras.routes(),
        *_files.routes(),
        *_conversations.routes(),
        *_custom_fields.routes(),
        *_reference.routes(),
        *_procedures.routes(),
        *_plans.routes(),
        *_meters.routes(),
        *_parts.PARTS.routes(),
    ]
    for resource in (*_catalog.RESOURCES, *_more.RESOURCES):
        routes += resource.routes()
    return routes
