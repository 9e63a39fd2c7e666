"""A MaintainX webhook receiver: verify, acknowledge at once, process in the background.

    pip install starlette uvicorn
    export MAINTAINX_WEBHOOK_SECRET=...          # GET /subscriptions/{id}/secret
    export MAINTAINX_WEBHOOK_PUBLIC_URL=https://hooks.example.com   # as MaintainX calls you
    uvicorn examples.webhook_receiver:create_app --factory --port 8000

Without ``MAINTAINX_WEBHOOK_SECRET`` it runs as a demo: it subscribes to the bundled emulator
(in process), takes the subscriptions' secrets from it, and at start-up makes the emulator
create a work order and change its status; the emulator's signed deliveries go through this
app's own endpoint, so the handlers' log lines show what a real delivery does.

Subscribe one URL per event type, made with ``webhooks.webhook_url(...)``
(``https://hooks.example.com/maintainx?event=WORK_ORDER_STATUS_CHANGE``): payloads do not name
their type, and the URL is signed, so the type in it is authenticated.

Why this shape: MaintainX waits at most 10 s and may drop endpoints that keep failing, so the
request only verifies and answers 204; handlers run after the response. Deliveries are
remembered in SQLite, so a redelivery (also after a restart) is acknowledged and skipped,
and a handler that failed runs again when the delivery comes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncGenerator
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk.errors import ValidationError, WebhookVerificationError
from maintainx_sdk.idempotency import IdempotencyStore, SQLiteIdempotencyStore
from maintainx_sdk.testing import Emulator
from maintainx_sdk.testing.webhooks import Delivery
from maintainx_sdk.webhook_events import NewWorkOrderEvent, WorkOrderStatusChangeEvent
from maintainx_sdk.webhooks import WebhookDispatcher, WebhookEvent, webhook_url

logger = logging.getLogger("webhook_receiver")

HANDLED_EVENTS: tuple[Literal["NEW_WORK_ORDER", "WORK_ORDER_STATUS_CHANGE"], ...] = (
    "NEW_WORK_ORDER",
    "WORK_ORDER_STATUS_CHANGE",
)
#: Where the demo's emulator subscriptions point; its deliveries reach the app in process.
DEMO_BASE_URL = "http://webhook-receiver.demo"


class EmulatorDemo:
    """MaintainX stand-in for a run without a secret: one emulator subscription per handled
    event type, and its signed deliveries posted to the app's own endpoint."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.emulator = Emulator(webhook_mode="capture", webhook_sink=self.deliveries.append)
        self.secrets: list[str] = []

    def subscribe(self) -> None:
        # Blocking on purpose: uvicorn calls the app factory inside its running event loop.
        with MaintainX(api_key=self.emulator.api_key, transport=self.emulator.transport()) as mx:
            for event_type in HANDLED_EVENTS:
                url = webhook_url(f"{DEMO_BASE_URL}/maintainx", event_type)
                created = mx.subscriptions.create(type=event_type, url=url)
                self.secrets.append(mx.subscriptions.get_secret(created.id).secret)

    async def run(self, app: Starlette) -> None:
        """Make the emulator create and move a work order, then deliver what it sent."""
        async with AsyncMaintainX(
            api_key=self.emulator.api_key, transport=self.emulator.async_transport()
        ) as mx:
            created = await mx.work_orders.create(title="Demo: pump 3 leaks", priority="HIGH")
            await mx.work_orders.set_status(created.id, "IN_PROGRESS")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=DEMO_BASE_URL) as client:
            for delivery in self.deliveries:
                answer = await client.post(
                    delivery.url, content=delivery.body, headers=delivery.headers
                )
                logger.info("demo delivery %s answered %s", delivery.event_type, answer.status_code)


def _show_log_lines() -> None:
    """Under uvicorn nothing shows INFO records of other loggers: give this one a handler."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)


def _store(demo: bool) -> IdempotencyStore | None:
    """SQLite, so a redelivery after a restart is still skipped; the demo keeps its
    deliveries in memory, since each run's emulator starts its ids afresh."""
    path = os.environ.get("MAINTAINX_WEBHOOK_DB")
    if demo and path is None:
        return None
    return SQLiteIdempotencyStore(path or "webhooks.sqlite3")


def default_dispatcher(secret: str | list[str] | None = None) -> WebhookDispatcher:
    """The dispatcher with this example's handlers, configured from the environment."""
    demo = secret is not None
    dispatcher = WebhookDispatcher(
        secret=secret if secret is not None else os.environ["MAINTAINX_WEBHOOK_SECRET"],
        store=_store(demo),
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
    """The ASGI app. Without arguments it reads its settings from the environment, and
    without ``MAINTAINX_WEBHOOK_SECRET`` there it runs the emulator demo."""
    _show_log_lines()
    demo: EmulatorDemo | None = None
    if dispatcher is None and not os.environ.get("MAINTAINX_WEBHOOK_SECRET"):
        logger.warning(
            "MAINTAINX_WEBHOOK_SECRET is not set: demo mode, with secrets from the bundled "
            "emulator's subscriptions (set it to receive MaintainX's deliveries)"
        )
        demo = EmulatorDemo()
        demo.subscribe()
        dispatcher = default_dispatcher(demo.secrets)
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

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None, None]:
        task = asyncio.create_task(demo.run(app)) if demo is not None else None
        yield
        if task is not None:
            await task
        if demo is not None:
            demo.emulator.close()

    app = Starlette(routes=[Route("/maintainx", receive, methods=["POST"])], lifespan=lifespan)
    return app
