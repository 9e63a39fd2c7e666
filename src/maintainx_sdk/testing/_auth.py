"""Who sends a request: API keys (tokens), and the organizations the request acts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._http import GETS_WITH_WRITE_ERRORS, ApiReject, bad_request
from ._store import OrgState

ORGANIZATION_HEADER = "x-organization-id"
ORGANIZATIONS_HEADER = "x-organization-ids"
#: The lists that accept ``x-organization-ids`` (several organizations at once).
MULTI_ORG_LISTS = frozenset({"/assets", "/locations", "/parts", "/manufacturers", "/models"})


@dataclass(frozen=True, slots=True)
class Token:
    """An accepted API key: the user it belongs to and the organizations it reaches."""

    user_id: int
    org_ids: tuple[int, ...]


def authenticate(tokens: Mapping[str, Token], header: str | None) -> Token | None:
    """The token of an ``Authorization: Bearer KEY`` header (None when missing or unknown)."""
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return tokens.get(key.strip())


def resolve_orgs(
    orgs: Mapping[int, OrgState],
    token: Token,
    headers: Mapping[str, str],
    template: str,
    write: bool,
) -> tuple[OrgState, ...]:
    """The organizations a request acts on (its headers, checked against the token); raises
    :class:`ApiReject` (400) when the headers are wrong or reach beyond the token."""
    single = headers.get(ORGANIZATION_HEADER)
    several = headers.get(ORGANIZATIONS_HEADER)

    def reject(message: str) -> ApiReject:
        return bad_request(message, write=write or template in GETS_WITH_WRITE_ERRORS)

    if single is not None and several is not None:
        raise reject("Send x-organization-id or x-organization-ids, not both.")
    if several is not None:
        if template not in MULTI_ORG_LISTS or write:
            raise reject(
                "x-organization-ids is only accepted on GET " + ", ".join(sorted(MULTI_ORG_LISTS))
            )
        wanted = _parse_ids(several)
        if wanted is None or not wanted:
            raise reject("x-organization-ids must be comma-separated organization ids.")
    elif single is not None:
        one = _parse_ids(single)
        if one is None or len(one) != 1:
            raise reject("x-organization-id must be one organization id.")
        wanted = one
    elif len(token.org_ids) > 1:
        if template == "/organizations":
            # The one call that lists what a multi-organization token reaches: it takes
            # no organization header in the spec, so it cannot demand one.
            return tuple(orgs[oid] for oid in token.org_ids)
        raise reject("Missing x-organization-id header.")
    else:
        wanted = [token.org_ids[0]]
    for oid in wanted:
        if oid not in token.org_ids:
            raise reject(f"This API key has no access to organization {oid}.")
    return tuple(orgs[oid] for oid in dict.fromkeys(wanted))


def _parse_ids(text: str) -> list[int] | None:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        return None
