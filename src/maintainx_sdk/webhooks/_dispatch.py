"""Exactly-once handling of webhook events through an idempotency store."""

from __future__ import annotations

import difflib
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .._secret import Secret
from .._webhook_base import WebhookEvent
from ..errors import ConfigurationError
from ..idempotency import IdempotencyStore, InMemoryIdempotencyStore
from ..webhook_events import EVENT_MODELS
from ._events import delivery_key, event_type_from_url, parse_payload
from ._verify import DEFAULT_TOLERANCE, Headers, verify

logger = logging.getLogger("maintainx_sdk.webhooks")


def _check_event_type(event_type: str) -> None:
    if event_type == ANY or event_type in EVENT_MODELS:
        return
    close = difflib.get_close_matches(event_type.upper(), EVENT_MODELS, n=3, cutoff=0.8)
    if close:
        raise ConfigurationError(
            f"unknown webhook event type {event_type!r}; did you mean "
            f"{' or '.join(repr(c) for c in close)}? (pass allow_unknown=True for a type newer "
            "than the SDK)"
        )


Handler = Callable[[Any], None] | Callable[[Any], Awaitable[None]]
H = TypeVar("H", bound=Handler)
Outcome = Literal["processed", "duplicate", "in_progress", "failed"]

#: Handlers registered for this pseudo-type receive every event (also unknown ones).
ANY = "*"
#: How long a processed delivery is remembered (redeliveries within it are skipped): 7 days.
DEFAULT_DELIVERY_TTL = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class HandlerResult:
    handler: str
    outcome: Outcome
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class DispatchResult:
    """What happened to one delivery, handler by handler."""

    event: WebhookEvent
    key: str
    results: tuple[HandlerResult, ...]

    @property
    def duplicate(self) -> bool:
        """True when every handler had already processed (or is processing) this delivery."""
        return bool(self.results) and all(
            r.outcome in ("duplicate", "in_progress") for r in self.results
        )

    @property
    def unhandled(self) -> bool:
        return not self.results


def _handler_name(handler: Callable[..., Any]) -> str | None:
    """``module.qualname`` of a function or method; None for what has no stable name (a
    ``functools.partial``, an object with ``__call__``)."""
    module = getattr(handler, "__module__", None)
    qualname = getattr(handler, "__qualname__", None)
    if not isinstance(qualname, str):
        return None
    return f"{module if isinstance(module, str) else '?'}.{qualname}"


class WebhookDispatcher:
    """Routes events to handlers, each handler processing each delivery exactly once.

    >>> dispatcher = WebhookDispatcher(secret="whsec")          # doctest: +SKIP
    >>> @dispatcher.on("WORK_ORDER_STATUS_CHANGE")              # doctest: +SKIP
    ... def sync_status(event: WorkOrderStatusChangeEvent) -> None: ...

    Each (delivery, handler) pair is claimed in the idempotency store before the handler
    runs and completed after it returns: a redelivery is acknowledged and skipped; a handler
    that raises releases its claim (so a redelivery runs it again) and the error propagates.
    Use a shared store (SQLite, Redis) when several processes receive deliveries.
    """

    def __init__(
        self,
        *,
        secret: str | Secret | Sequence[str | Secret] | None = None,
        store: IdempotencyStore | None = None,
        ttl: float = DEFAULT_DELIVERY_TTL,
        lease: float = 300.0,
        tolerance: float | None = DEFAULT_TOLERANCE,
    ) -> None:
        self._secret = secret
        self.store: IdempotencyStore = store or InMemoryIdempotencyStore()
        self.ttl = ttl
        self.lease = lease
        self.tolerance = tolerance
        self._handlers: dict[str, list[tuple[str, Handler]]] = {}
        self._names: dict[str, Handler] = {}

    def on(
        self, *event_types: str, allow_unknown: bool = False, name: str | None = None
    ) -> Callable[[H], H]:
        """Register the decorated function (sync or ``async``) for these event types.

        Each handler's claims in the store are keyed by its name: ``name=`` if given, else
        ``module.qualname``. That name must be the same in every process and unique in the
        dispatcher: a second handler under a name already taken (two lambdas, two closures
        from one factory, two bound methods of one class) raises :class:`ConfigurationError`,
        as does a handler without a qualified name (a ``functools.partial``, a callable
        object) registered without ``name=``.

        A name the SDK does not know but that is close to one it does (a typo such as
        ``"WORK_ORDER_STATUS_CHANGED"``) raises :class:`ConfigurationError`, since its handler
        would never run; other unknown names are accepted as types newer than the SDK, and
        ``allow_unknown=True`` accepts any name.
        """
        if not event_types or not all(isinstance(t, str) and t for t in event_types):
            raise ConfigurationError('on(...) needs event type names, e.g. on("NEW_WORK_ORDER")')
        if not allow_unknown:
            for event_type in event_types:
                _check_event_type(event_type)

        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ConfigurationError(f"on(name=...) must be a non-empty string, got {name!r}")

        def register(handler: H) -> H:
            identity = self._identity(handler, name)
            for event_type in event_types:
                registered = self._handlers.setdefault(event_type, [])
                if all(identity != known for known, _ in registered):
                    registered.append((identity, handler))
            self._names[identity] = handler
            return handler

        return register

    def _identity(self, handler: Handler, name: str | None) -> str:
        if not callable(handler):
            raise ConfigurationError(f"a webhook handler must be callable, got {handler!r}")
        identity = name if name is not None else _handler_name(handler)
        if identity is None:
            raise ConfigurationError(
                f"webhook handler {handler!r} has no module.qualname to key its claims by; "
                'register it with on(..., name="a-stable-name")'
            )
        taken = self._names.get(identity)
        if taken is not None and taken != handler:
            raise ConfigurationError(
                f"another webhook handler is already registered as {identity!r}: handlers "
                "sharing a name share one claim, so only the first would ever run. Give "
                'each its own with on(..., name="a-stable-name") (the same in every process)'
            )
        return identity

    def _registered_for(self, event: WebhookEvent) -> list[tuple[str, Handler]]:
        own = self._handlers.get(event.event_type, [])
        catch_all = [pair for pair in self._handlers.get(ANY, []) if pair not in own]
        return [*own, *catch_all]

    def handlers_for(self, event: WebhookEvent) -> list[Handler]:
        """The handlers an event runs, in registration order (its type's, then ``"*"``'s)."""
        return [handler for _, handler in self._registered_for(event)]

    # -- verify + parse ------------------------------------------------------------------------
    def verify_and_parse(
        self,
        headers: Headers,
        body: bytes | str,
        url: str,
        *,
        event_type: str | None = None,
        now: float | None = None,
    ) -> WebhookEvent:
        """Verify the signatures, then parse (type from ``event_type``, the URL, or the shape)."""
        if self._secret is None:
            raise ConfigurationError("WebhookDispatcher(secret=...) is needed to verify deliveries")
        verify(headers, body, url, self._secret, tolerance=self.tolerance, now=now)
        return parse_payload(body, event_type or event_type_from_url(url))

    def handle(
        self, headers: Headers, body: bytes | str, url: str, *, event_type: str | None = None
    ) -> DispatchResult:
        """Verify, parse and dispatch one delivery with sync handlers."""
        return self.dispatch(self.verify_and_parse(headers, body, url, event_type=event_type))

    async def handle_async(
        self, headers: Headers, body: bytes | str, url: str, *, event_type: str | None = None
    ) -> DispatchResult:
        """Verify, parse and dispatch one delivery; handlers may be sync or async."""
        event = self.verify_and_parse(headers, body, url, event_type=event_type)
        return await self.dispatch_async(event)

    # -- dispatch ------------------------------------------------------------------------------
    def _begin(self, name: str, key: str, owner: str) -> Outcome | None:
        claim = self.store.claim(
            f"webhook:{key}:{name}", owner=owner, lease=self.lease, ttl=self.ttl
        )
        if claim.owned:
            return None
        return "duplicate" if claim.status == "completed" else "in_progress"

    def _end(self, name: str, key: str, owner: str, error: BaseException | None) -> HandlerResult:
        store_key = f"webhook:{key}:{name}"
        if error is None:
            self.store.complete(store_key, ttl=self.ttl)
            return HandlerResult(name, "processed")
        self.store.release(store_key, owner=owner)
        logger.warning("webhook handler %s failed for %s; claim released", name, key)
        return HandlerResult(name, "failed", error)

    def _finish(
        self, event: WebhookEvent, key: str, results: list[HandlerResult]
    ) -> DispatchResult:
        if not results:
            logger.warning("no webhook handler for %s (delivery %s)", event.event_type, key)
        failed = [r.error for r in results if r.error is not None]
        if failed:
            raise failed[0]
        return DispatchResult(event, key, tuple(results))

    def dispatch(self, event: WebhookEvent) -> DispatchResult:
        """Run the sync handlers of ``event`` that have not processed this delivery yet.

        Every handler runs even if one fails; then the first failure is raised.
        """
        handlers = self._registered_for(event)
        for name, handler in handlers:
            if inspect.iscoroutinefunction(handler):
                raise ConfigurationError(f"{name} is async: use dispatch_async / handle_async")
        key, owner, results = delivery_key(event), uuid.uuid4().hex, []
        for name, handler in handlers:
            skipped = self._begin(name, key, owner)
            if skipped is not None:
                results.append(HandlerResult(name, skipped))
                continue
            try:
                handler(event)
            except Exception as exc:
                results.append(self._end(name, key, owner, exc))
            else:
                results.append(self._end(name, key, owner, None))
        return self._finish(event, key, results)

    async def dispatch_async(self, event: WebhookEvent) -> DispatchResult:
        """Like :meth:`dispatch`, awaiting async handlers (sync ones are called inline)."""
        key, owner, results = delivery_key(event), uuid.uuid4().hex, []
        for name, handler in self._registered_for(event):
            skipped = self._begin(name, key, owner)
            if skipped is not None:
                results.append(HandlerResult(name, skipped))
                continue
            try:
                outcome = handler(event)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as exc:
                results.append(self._end(name, key, owner, exc))
            except BaseException:  # cancelled: free the claim so a redelivery runs it
                self._end(name, key, owner, RuntimeError("cancelled"))
                raise
            else:
                results.append(self._end(name, key, owner, None))
        return self._finish(event, key, results)
