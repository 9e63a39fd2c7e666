"""A MaintainX webhook receiver: verify, acknowledge at once, process in the background.

    pip install starlette uvicorn
    export MAINTAINX_WEBHOOK_SECRET=...          # GET /subscriptions/{id}/secret
    export MAINTAINX_WEBHOOK_PUBLIC_URL=https://hooks.example.com   # as MaintainX calls you
    uvicorn examples.webhook_receiver:create_app --factory --port 8000

Subscribe one URL per event type, made with ``webhooks.webhook_url(...)``
(``https://hooks.example.com/maintainx?event=WORK_ORDER_STATUS_CHANGE``): payloads do not name
their type, and the URL is signed, so the type in it is authenticated.

Why this shape: MaintainX waits at most 10 s and may drop endpoints that keep failing, so the
request only verifies and answers 204; handlers run after the response. Deliveries are
remembered in SQLite, so a redelivery (also after a restart) is acknowledged and skipped,
and a handler that failed runs again when the delivery comes again.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from maintainx_sdk.errors import ValidationError, WebhookVerificationError
from maintainx_sdk.idempotency import SQLiteIdempotencyStore
from maintainx_sdk.webhook_events import NewWorkOrderEvent, WorkOrderStatusChangeEvent
from maintainx_sdk.webhooks import WebhookDispatcher, WebhookEvent

logger = logging.getLogger("webhook_receiver")


def default_dispatcher() -> WebhookDispatcher:
    """The dispatcher with this example's handlers, configured from the environment."""
    dispatcher = WebhookDispatcher(
        secret=os.environ["MAINTAINX_WEBHOOK_SECRET"],
        store=SQLiteIdempotencyStore(os.environ.get("MAINTAINX_WEBHOOK_DB", "webhooks.sqlite3")),
    )

    @dispatcher.on("WORK_ORDER_STATUS_CHANGE")
    async def status_changed(event: WorkOrderStatusChangeEvent) -> None:
        logger.info(
            "work order %s: %s -> %s", event.work_order_id, event.old_status, event.new_status
        )

    @dispatcher.on("NEW_WORK_ORDER")
    def created(event: NewWorkOrderEvent) -> None:
        logger.info("work order %s created", event.work_order_id)

    return dispatcher


def public_url(request: Request, base: str | None) -> str:
    """The URL MaintainX signed: the request's path and query on the public base URL.

    Behind a proxy the app sees another scheme/host than MaintainX used; set the public one.
    """
    if not base:
        return str(request.url)
    public = urlsplit(base)
    return urlunsplit((public.scheme, public.netloc, request.url.path, request.url.query, ""))


def create_app(
    dispatcher: WebhookDispatcher | None = None, *, public_base_url: str | None = None
) -> Starlette:
    """The ASGI app. Without arguments it reads its settings from the environment."""
    dispatcher = dispatcher or default_dispatcher()
    base = public_base_url or os.environ.get("MAINTAINX_WEBHOOK_PUBLIC_URL")

    async def process(event: WebhookEvent) -> None:
        try:
            await dispatcher.dispatch_async(event)
        except Exception:
            # The claim is released, so a redelivery would run the handler again; but the
            # delivery was already answered 204, so MaintainX will not redeliver it. Keep
            # the event somewhere durable (a dead-letter table) or let the daily
            # reconciliation (examples/daily_reconcile.py) catch what was missed.
            logger.exception("processing %s failed", event.event_type)

    async def receive(request: Request) -> Response:
        body = await request.body()  # the raw bytes: never verify re-serialized JSON
        try:
            event = dispatcher.verify_and_parse(request.headers, body, public_url(request, base))
        except WebhookVerificationError as exc:
            logger.warning("rejected delivery: %s", exc)
            return JSONResponse({"error": type(exc).__name__}, status_code=401)
        except ValidationError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(status_code=204, background=BackgroundTask(process, event))

    return Starlette(routes=[Route("/maintainx", receive, methods=["POST"])])
