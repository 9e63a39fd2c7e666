"""The typed interface between the clients and the code that sends through them.

Resources, pagers, incremental sync, procedures and readiness need four things of a client:
``send`` a prepared request through its pipeline, its per-call ``call_options``, its
``config`` and its ``idempotency_store``. They name these protocols, never the client
classes, so none of them imports ``_client`` (and the import graph has no cycle).

The two protocols share :class:`ClientView`; the pair stays because ``send`` is blocking in
one and a coroutine in the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._actions import CallOptions
    from ._config import ClientConfig
    from ._request import APIRequest
    from ._response import APIResponse
    from .idempotency._store import IdempotencyStore


class ClientView(Protocol):
    """What both clients offer besides sending: their settings and idempotency store."""

    idempotency_store: IdempotencyStore
    """Where guarded creates record their keys."""

    @property
    def config(self) -> ClientConfig:
        """The resolved client settings."""
        ...

    @property
    def call_options(self) -> CallOptions:
        """The per-call settings of this client (or ``with_options`` view)."""
        ...


class SyncSender(ClientView, Protocol):
    """What the blocking client offers to the code that sends through it."""

    def send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        """Send ``request`` through the pipeline (``options``: default :attr:`call_options`)."""
        ...


class AsyncSender(ClientView, Protocol):
    """What the asyncio client offers to the code that sends through it."""

    async def send(self, request: APIRequest, options: CallOptions | None = None) -> APIResponse:
        """Send ``request`` through the pipeline (``options``: default :attr:`call_options`)."""
        ...
