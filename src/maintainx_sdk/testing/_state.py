"""What route handlers share of a running emulator: its clock, ids, organizations, quotas and
webhook dispatcher.

A leaf of the emulator's import graph: the :class:`~.emulator.Emulator` builds one and hands it
to every handler through :class:`~._context.Ctx`, so no handler imports the emulator.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping

from ._ratelimit import RateLimiter
from ._store import OrgState, Row, iso
from .webhooks import WebhookDispatcher


class EmulatorState:
    """The organizations' data and the services handlers use. Guard changes with ``lock``."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        default_org_id: int,
        limiter: RateLimiter,
        webhooks: WebhookDispatcher,
        meter_quotas: bool,
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.default_org_id = default_org_id
        self.limiter = limiter
        self.webhooks = webhooks
        #: Enforce the spec's meter-reading quotas.
        self.meter_quotas = meter_quotas
        self._ids = itertools.count(1000)
        self._orgs: dict[int, OrgState] = {}

    def now(self) -> str:
        """The current time as an API date-time string."""
        return iso(self.clock())

    def next_id(self) -> int:
        """A new id, unique across organizations."""
        return next(self._ids)

    def add_org(self, org_id: int, name: str | None = None) -> OrgState:
        """Create (or return) an organization."""
        with self.lock:
            org = self._orgs.get(org_id)
            if org is None:
                org = self._orgs[org_id] = OrgState(
                    org_id, name or f"Organization {org_id}", self._ids
                )
            return org

    def org(self, org_id: int | None = None) -> OrgState:
        """An organization's state (the default one without an id)."""
        return self._orgs[self.default_org_id if org_id is None else org_id]

    @property
    def orgs(self) -> Mapping[int, OrgState]:
        return self._orgs

    def ensure_user(self, org: OrgState, user_id: int, first: str, last: str) -> Row:
        """The user ``user_id`` of ``org``, created as an admin when missing (token owners)."""
        table = org.table("users")
        row = table.get(user_id)
        if row is None:
            now = self.now()
            row = table.insert(
                {
                    "id": user_id,
                    "firstName": first,
                    "lastName": last,
                    "email": f"{first.lower()}.{last.lower()}.{user_id}@example.com",
                    "phoneNumber": None,
                    "role": "ADMIN",
                    "authType": "NORMAL",
                    "hourlyRate": None,
                    "lastVisitedAt": now,
                    "extraFields": {},
                    "createdAt": now,
                    "updatedAt": now,
                }
            )
        return row
