"""The context a route handler receives: the request taken apart, and the emulator's state."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._http import GETS_WITH_WRITE_ERRORS, ApiReject, bad_request
from ._state import EmulatorState
from ._store import OrgState


@dataclass(slots=True)
class Ctx:
    """Everything a route handler sees about one authenticated request."""

    #: The emulator's shared state: clock, ids, organizations, quotas, webhooks.
    state: EmulatorState
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, list[str]]
    raw_body: bytes
    headers: Mapping[str, str]
    org: OrgState
    user_id: int
    path_prefix: str
    emit: Callable[[str, dict[str, Any]], None]
    orgs: tuple[OrgState, ...] = ()
    token_org_ids: tuple[int, ...] = ()
    _json: Any = field(default=None, init=False)
    _parsed: bool = field(default=False, init=False)
    _skip: bool = field(default=False, init=False)

    # -- input helpers -------------------------------------------------------------
    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def qlist(self, name: str) -> list[str]:
        return list(self.query.get(name, ()))

    def qbool(self, name: str) -> bool:
        value = self.q(name)
        return value is not None and value.lower() in ("true", "1", "yes")

    @property
    def skip_webhook(self) -> bool:
        return self._skip or self.qbool("skipWebhook")

    def skip_events(self) -> None:
        """Send no webhooks for this request (the deprecated body flag ``skipRestHook``)."""
        self._skip = True

    def id_param(self, name: str = "id") -> int:
        raw = self.params.get(name, "")
        try:
            number = float(raw)
        except ValueError:
            raise self.bad(f"{name} must be a number", name, raw) from None
        if number != int(number) or number < 1:
            raise self.bad(f"{name} must be a positive integer", name, raw)
        return int(number)

    def json(self) -> Any:
        if not self._parsed:
            self._parsed = True
            if not self.raw_body.strip():
                self._json = None
            else:
                try:
                    self._json = json.loads(self.raw_body)
                except ValueError:
                    raise self.bad("body is not valid JSON") from None
        return self._json

    def use_body(self, body: Any) -> None:
        """Handle ``body`` as the request's parsed JSON from now on (an unwrapped envelope)."""
        self._json = body
        self._parsed = True

    def body_object(self, *, required: bool = True) -> dict[str, Any]:
        body = self.json()
        if body is None and not required:
            return {}
        if not isinstance(body, dict):
            raise self.bad("body must be a JSON object", None, None)
        return body

    # -- error helpers -------------------------------------------------------------
    @property
    def write_errors(self) -> bool:
        return self.method != "GET" or self.template in GETS_WITH_WRITE_ERRORS

    def bad(self, message: str, field_path: str | None = None, value: Any = None) -> ApiReject:
        """A 400 in the shape this operation documents."""
        return bad_request(message, field_path, value, write=self.write_errors)

    def bad_many(self, errors: list[dict[str, Any]]) -> ApiReject:
        if self.write_errors:
            return ApiReject(400, {"errors": errors})
        return ApiReject(400, {"error": "; ".join(str(e["error"]) for e in errors)})

    def not_found(self, what: str) -> ApiReject:
        return ApiReject(404, {"error": f"{what} Not Found"})
