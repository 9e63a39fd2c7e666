"""The MaintainX emulator: a stateful, in-memory API behind one pure request handler.

``Emulator.handle(httpx.Request) -> httpx.Response`` is the core; :meth:`Emulator.transport`
and :meth:`Emulator.async_transport` plug it into ``MaintainX(transport=...)`` without a
socket, and :meth:`Emulator.serve` runs it as a real HTTP/1.1 server on loopback.

Route handlers see the emulator only through its :class:`~._state.EmulatorState` (in their
:class:`~._context.Ctx`); the routes come from the registry in ``_routes``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl

import httpx

from ._auth import MULTI_ORG_LISTS as MULTI_ORG_LISTS
from ._auth import ORGANIZATION_HEADER as ORGANIZATION_HEADER
from ._auth import ORGANIZATIONS_HEADER as ORGANIZATIONS_HEADER
from ._auth import Token as Token
from ._auth import authenticate, resolve_orgs
from ._context import Ctx
from ._events import Event, deliver_events, fire_overdue
from ._http import JSON_HEADERS, ApiReject, dumps
from ._outcome import BEFORE_KINDS, apply_after, fault_outcome, json_outcome
from ._outcome import Outcome as Outcome
from ._ratelimit import Quota, RateLimiter
from ._router import Route, Router
from ._routes import all_routes
from ._seed import seed_org
from ._state import EmulatorState
from ._store import OrgState
from .faults import Fault, FaultPlan, parse_fault_spec
from .webhooks import Delivery, DeliveryMode, WebhookDispatcher

if TYPE_CHECKING:
    from .server import EmulatorServer
    from .transports import AsyncEmulatorTransport, EmulatorTransport

DEFAULT_API_KEY = "emulator-key"
DEFAULT_ORG_ID = 1


@dataclass(slots=True)
class RequestLogEntry:
    method: str
    path: str
    template: str | None
    status: int
    fault: Fault | None


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    log: list[RequestLogEntry] = field(default_factory=list)


class Emulator:
    """A local MaintainX API. Thread-safe; every organization's data lives in memory.

    >>> emu = Emulator(seed=1, work_orders=50)
    >>> mx = MaintainX(api_key=emu.api_key, transport=emu.transport())

    Args:
        api_key: the key the default user (organization ``org_id``) authenticates with.
        seed: seeds the generated data, random faults and duplicate redeliveries.
        work_orders: how many work orders to generate (with reference data) at start.
        rate_limit / org_rate_limit: per-user / per-organization windows, ``"N/SECONDS"``
            or a :class:`Quota`; ``None`` disables one. Defaults are the API's: 100 and 500
            requests per 60 s.
        clock: epoch seconds; drives timestamps and rate-limit windows (inject a fake one).
        faults: a :class:`FaultPlan` or a ``--faults`` spec string (see :mod:`.faults`).
        webhook_mode: ``"background"`` (queue + worker thread), ``"sync"`` (delivered
            before the API call returns) or ``"capture"`` (to ``webhook_sink``, no HTTP).
        webhook_duplicate_rate: share of deliveries sent twice (seeded).
        webhook_timestamp_unit: ``"s"`` or ``"ms"`` in the signature headers' ``t=``.
        max_hang: cap, in seconds, on how long a ``hang`` fault holds a request.
        keep_log: record every request in ``counters.log`` (method, path, route, status,
            fault) for assertions.
        meter_quotas: enforce the spec's meter-reading quotas (10 requests / 24 h per manual
            meter, 1 / 10 s on the deprecated single-reading endpoint, 100 / 60 s batches).
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        seed: int = 1,
        work_orders: int = 0,
        org_id: int = DEFAULT_ORG_ID,
        org_name: str = "Emulated Plant",
        rate_limit: Quota | str | None = "100/60",
        org_rate_limit: Quota | str | None = "500/60",
        clock: Callable[[], float] = time.time,
        faults: FaultPlan | str | None = None,
        webhook_mode: DeliveryMode = "background",
        webhook_sink: Callable[[Delivery], None] | None = None,
        webhook_duplicate_rate: float = 0.0,
        webhook_timestamp_unit: Literal["s", "ms"] = "s",
        max_hang: float | None = None,
        keep_log: bool = False,
        meter_quotas: bool = True,
    ) -> None:
        self.seed = seed
        self.api_key = api_key
        self.max_hang = max_hang
        self.keep_log = keep_log
        self.counters = _Counters()
        #: Unexpected exceptions raised by handlers (answered as 500); tests can assert it stays empty.
        self.errors: list[Exception] = []
        self._tokens: dict[str, Token] = {}
        if isinstance(faults, str):
            faults = parse_fault_spec(faults, FaultPlan(seed))
        self.faults: FaultPlan = faults or FaultPlan(seed)
        #: What route handlers share: clock, ids, organizations, quotas and webhooks.
        self.state = EmulatorState(
            clock=clock,
            default_org_id=org_id,
            limiter=RateLimiter(_quota(rate_limit), _quota(org_rate_limit), clock=clock),
            webhooks=WebhookDispatcher(
                mode=webhook_mode,
                sink=webhook_sink,
                clock=clock,
                duplicate_rate=webhook_duplicate_rate,
                seed=seed,
                timestamp_unit=webhook_timestamp_unit,
            ),
            meter_quotas=meter_quotas,
        )
        self.clock = clock
        self.lock = self.state.lock
        self.limiter = self.state.limiter
        self.webhooks = self.state.webhooks
        self.router = Router(all_routes())
        self.add_org(org_id, org_name)
        self.add_token(api_key, org_ids=(org_id,))
        if work_orders:
            seed_org(self.state, self.org(org_id), work_orders=work_orders, seed=seed)

    # -- the state's settings, as the emulator's own -----------------------------------
    @property
    def default_org_id(self) -> int:
        return self.state.default_org_id

    @property
    def meter_quotas(self) -> bool:
        return self.state.meter_quotas

    @meter_quotas.setter
    def meter_quotas(self, value: bool) -> None:
        self.state.meter_quotas = value

    # -- setup ----------------------------------------------------------------------
    def now(self) -> str:
        """The emulator's current time as an API date-time string."""
        return self.state.now()

    def next_id(self) -> int:
        return self.state.next_id()

    def add_org(self, org_id: int, name: str | None = None) -> OrgState:
        """Create (or return) an organization."""
        return self.state.add_org(org_id, name)

    def org(self, org_id: int | None = None) -> OrgState:
        """An organization's state (the default one without an id)."""
        return self.state.org(org_id)

    @property
    def orgs(self) -> Mapping[int, OrgState]:
        return self.state.orgs

    def add_token(
        self,
        api_key: str,
        *,
        org_ids: Iterable[int] = (DEFAULT_ORG_ID,),
        user_id: int | None = None,
        first_name: str = "API",
        last_name: str = "User",
    ) -> Token:
        """Accept ``api_key`` for these organizations (several = a multi-organization token)."""
        with self.lock:
            ids = tuple(org_ids)
            if not ids:
                raise ValueError("a token needs at least one organization")
            uid = self.next_id() if user_id is None else user_id
            for oid in ids:
                self.state.ensure_user(self.add_org(oid), uid, first_name, last_name)
            token = self._tokens[api_key] = Token(uid, ids)
            return token

    def revoke_token(self, api_key: str) -> None:
        with self.lock:
            self._tokens.pop(api_key, None)

    def token(self, api_key: str | None = None) -> Token:
        return self._tokens[api_key or self.api_key]

    # -- the core -----------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request without any wire effects: a cut connection raises
        ``httpx.ReadError``, a hang raises ``httpx.ReadTimeout`` (no waiting here)."""
        outcome = self.dispatch(request)
        if outcome.refused:
            raise httpx.ConnectError("emulator fault: connection refused", request=request)
        if outcome.disconnect:
            raise httpx.ReadError("connection reset by emulator fault", request=request)
        if outcome.hang:
            raise httpx.ReadTimeout("emulator fault: no response", request=request)
        return outcome.to_response(request)

    def dispatch(self, request: httpx.Request) -> Outcome:
        """Answer one request, describing any injected wire fault in the :class:`Outcome`."""
        return self.dispatch_raw(
            request.method,
            request.url.raw_path.decode("ascii"),
            {k.lower(): v for k, v in request.headers.items()},
            request.content,
        )

    def dispatch_raw(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Outcome:
        """:meth:`dispatch` for a request already taken apart (the server's fast path).

        ``target`` is the request target (path and query string); ``headers`` has lower-case keys.
        """
        raw_path, _, query_string = target.partition("?")
        prefix = ""
        path = raw_path
        if path == "/v1" or path.startswith("/v1/"):
            prefix, path = "/v1", path[3:] or "/"
        path = path.rstrip("/") or "/"
        method = method.upper()
        match = self.router.match(method, path)
        if match is None:
            allowed = self.router.allowed_methods(path)
            if allowed:
                message = f"Method {method} not allowed; use {', '.join(allowed)}"
                return self._finish(method, path, None, json_outcome(405, {"error": message}))
            message = f"Route {method} {raw_path} not found"
            return self._finish(method, path, None, json_outcome(404, {"error": message}))
        route, params = match
        decision = self.faults.decide(method, path, route.template)
        fault = decision.fault
        if fault is not None and not fault.applied and fault.kind in BEFORE_KINDS:
            outcome = fault_outcome(fault)
        else:
            outcome = self._process(
                method, route, params, prefix, path, query_string, headers, body
            )
            if fault is not None:
                outcome = apply_after(fault, outcome)
        outcome.delay = decision.delay
        outcome.fault = fault
        outcome.route = route.template
        return self._finish(method, path, route.template, outcome)

    def _finish(self, method: str, path: str, template: str | None, outcome: Outcome) -> Outcome:
        with self.lock:
            self.counters.requests += 1
            if self.keep_log:
                self.counters.log.append(
                    RequestLogEntry(method, path, template, outcome.status, outcome.fault)
                )
        return outcome

    def _process(
        self,
        method: str,
        route: Route,
        params: dict[str, str],
        prefix: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Outcome:
        query: dict[str, list[str]] = {}
        if query_string:
            for key, value in parse_qsl(query_string, keep_blank_values=True):
                query.setdefault(key[:-2] if key.endswith("[]") else key, []).append(value)
        write = method != "GET"
        user_id = 0
        token_org_ids: tuple[int, ...] = ()
        orgs: tuple[OrgState, ...]
        rate_headers: dict[str, str] = {}
        if route.auth:
            token = authenticate(self._tokens, headers.get("authorization"))
            if token is None:
                return json_outcome(401, {"error": "Invalid token"})
            try:
                orgs = resolve_orgs(self.orgs, token, headers, route.template, write)
            except ApiReject as exc:
                return json_outcome(exc.status, exc.body)
            user_id = token.user_id
            token_org_ids = token.org_ids
            with self.lock:
                decision = self.limiter.check(user_id, orgs[0].id)
            if decision is not None:
                rate_headers = decision.headers()
                if not decision.allowed:
                    message = f"Rate limit exceeded. Please retry in {decision.reset} seconds."
                    return json_outcome(429, {"error": message}, rate_headers)
        else:
            orgs = (self.org(),)
        events: list[Event] = []
        ctx = Ctx(
            state=self.state,
            method=method,
            path=path,
            template=route.template,
            params=params,
            query=query,
            raw_body=body,
            headers=headers,
            org=orgs[0],
            user_id=user_id,
            path_prefix=prefix,
            emit=lambda event, payload: events.append((event, payload)),
            orgs=orgs,
            token_org_ids=token_org_ids,
        )
        try:
            with self.lock:
                reply = route.handler(ctx)
        except ApiReject as exc:
            return json_outcome(exc.status, exc.body, rate_headers)
        except Exception as exc:  # an emulator bug: answer like a server would, keep the evidence
            self.errors.append(exc)
            message = f"Internal server error (emulator bug: {type(exc).__name__}: {exc})"
            return json_outcome(500, {"error": message}, rate_headers)
        if events and not ctx.skip_webhook:
            deliver_events(self.state, orgs[0], events)
        out_headers = dict(rate_headers)
        out_headers.update(reply.headers)
        if reply.body is None:
            return Outcome(reply.status, list(out_headers.items()), b"")
        return Outcome(reply.status, [*JSON_HEADERS, *out_headers.items()], dumps(reply.body))

    def fire_overdue(self) -> int:
        """Send WORK_ORDER_OVERDUE for open work orders whose due date has passed (once each).

        The API raises it on its own schedule; call this after moving a fake clock past due
        dates to test overdue handlers. Returns how many work orders became overdue.
        """
        return fire_overdue(self.state)

    # -- ways to run it -------------------------------------------------------------
    def transport(self) -> EmulatorTransport:
        """An ``httpx.BaseTransport`` for ``MaintainX(transport=...)`` (no socket)."""
        from .transports import EmulatorTransport

        return EmulatorTransport(self)

    def async_transport(self) -> AsyncEmulatorTransport:
        """An ``httpx.AsyncBaseTransport`` for ``AsyncMaintainX(transport=...)``."""
        from .transports import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
        """Start a real HTTP/1.1 keep-alive server in a background thread (a context manager)."""
        from .server import EmulatorServer

        return EmulatorServer(self, host=host, port=port).start()

    def close(self) -> None:
        """Stop the webhook worker."""
        self.webhooks.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quota(value: Quota | str | None) -> Quota | None:
    if value is None or isinstance(value, Quota):
        return value
    return Quota.parse(value)
