"""Live checks: one small sans-IO probe, driven by either client, then pure evaluation.

The probe is a :data:`Procedure`: it yields ``GET /users?limit=1`` (and, when no organization
is configured, ``GET /organizations``) and collects what came back; :func:`live_results` turns
those facts into check results. Sync and async share both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import _constants as C
from .._actions import parse_rate_limit
from .._procedure import Procedure
from .._request import APIRequest
from .._response import APIResponse
from ..errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    InternalServerError,
    MaintainXError,
    PermissionDeniedError,
    RateLimitError,
)
from ._checks.base import result
from ._context import CheckContext
from ._report import CheckResult, Status

#: Latency above this is reported as a warning (the probe is the smallest possible call).
SLOW_PROBE_SECONDS = 1.0
#: Below this share of the quota left, the headroom check warns.
LOW_HEADROOM = 0.10

PROBE_REQUEST = APIRequest(
    method="GET",
    path="/users",
    params=(("limit", "1"),),
    operation="readiness.probe",
    path_template="/users",
    retry_safe=True,
)
ORGS_REQUEST = APIRequest(
    method="GET",
    path="/organizations",
    params=(("limit", "2"),),
    operation="readiness.organizations",
    path_template="/organizations",
    retry_safe=True,
)


@dataclass(slots=True)
class Outcome:
    response: APIResponse | None = None
    error: MaintainXError | None = None


@dataclass(slots=True)
class ProbeFacts:
    users: Outcome = field(default_factory=Outcome)
    organizations: Outcome | None = None


def probe(*, organization_known: bool) -> Procedure[ProbeFacts]:
    """The live probe as a procedure (see the module docstring)."""
    facts = ProbeFacts()
    try:
        facts.users.response = yield PROBE_REQUEST
    except MaintainXError as exc:
        facts.users.error = exc
        missing_org = isinstance(exc, BadRequestError) and "organization" in str(exc).lower()
        if not missing_org:
            return facts
    if not organization_known:
        facts.organizations = Outcome()
        try:
            facts.organizations.response = yield ORGS_REQUEST
        except MaintainXError as exc:
            facts.organizations.error = exc
    return facts


def _fix_for_connection(ctx: CheckContext, exc: MaintainXError) -> str:
    base = ctx.config.base_url if ctx.config is not None else C.DEFAULT_BASE_URL
    if isinstance(exc, CircuitOpenError):
        return "The breaker is open after repeated failures; check the API status and wait."
    if isinstance(exc, APITimeoutError):
        return (
            f"{base} did not answer in time: check proxies/firewall egress to it, or raise the "
            "timeout if the network is slow."
        )
    return f"Cannot connect to {base}: {_connection_advice(base)}"


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _connection_advice(base_url: str) -> str:
    """What to check for a URL that did not connect: its own scheme and port, and for a
    loopback URL the local server rather than the network path."""
    url = urlsplit(base_url)
    host = url.hostname or "?"
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        return "MAINTAINX_BASE_URL has no valid port; fix it."
    if host in _LOOPBACK_HOSTS or host.startswith("127."):
        return (
            f"nothing answers on {host}:{port} ({url.scheme}); start the server there "
            "(maintainx-sdk emulator for tests) or fix MAINTAINX_BASE_URL."
        )
    return (
        "check MAINTAINX_BASE_URL, DNS, proxy settings and that egress to "
        f"{host} on port {port} ({url.scheme}) is allowed."
    )


def live_results(facts: ProbeFacts, ctx: CheckContext) -> list[CheckResult]:
    """Turn the probe's facts into the auth, organization, reachability and headroom checks."""
    users = facts.users
    out: list[CheckResult] = []
    base = ctx.config.base_url if ctx.config is not None else "?"
    err = users.error
    if isinstance(err, APIConnectionError):
        evidence = f"{base} unreachable: {type(err).__name__}: {err}"
        return _unreachable(evidence, _fix_for_connection(ctx, err))
    answer = users.response.meta if users.response is not None else None
    if answer is not None and answer.stale:  # a degradation-cache copy: the API did not answer
        evidence = f"{base} did not answer; the probe was served from the degradation cache"
        return _unreachable(evidence, _fix_for_connection(ctx, APIConnectionError("stale")))
    if answer is not None:
        elapsed = answer.elapsed
        status: Status = "warn" if elapsed > SLOW_PROBE_SECONDS else "pass"
        out.append(
            result(
                "health.api_reachable",
                "API reachable, and its latency",
                "P0",
                status,
                f"{base} answered {answer.status_code} in {elapsed * 1000:.0f} ms",
                "Slow first call: check DNS, proxies and the network path."
                if status == "warn"
                else "",
                latency_ms=round(elapsed * 1000, 1),
            )
        )
    else:
        failing = isinstance(err, InternalServerError)
        out.append(
            result(
                "health.api_reachable",
                "API reachable, and its latency",
                "P0",
                "warn" if failing else "pass",
                f"{base} answered ({type(err).__name__}: {err})",
                "The API is failing on its side; check the MaintainX status page."
                if failing
                else "",
            )
        )

    out.append(_key_result(users))
    out.append(_org_result(facts, ctx))
    out.append(_headroom_result(users, err))
    return out


def _unreachable(evidence: str, fix: str) -> list[CheckResult]:
    reach = result(
        "health.api_reachable", "API reachable, and its latency", "P0", "fail", evidence, fix
    )
    rest = skipped_live("not checked: the API is unreachable")
    return [reach, *(r for r in rest if r.id != reach.id)]


def _key_result(users: Outcome) -> CheckResult:
    title = "API key accepted (GET /users?limit=1)"
    err = users.error
    if err is None and users.response is not None and not _lists_users(users.response):
        kind = users.response.headers.get("content-type", "no content type")
        return result(
            "auth.key_valid",
            title,
            "P0",
            "fail",
            f"{users.response.status_code} ({kind}) but not the API's users list: something "
            "else than the MaintainX API answered, so the key was not checked",
            f"Point MAINTAINX_BASE_URL (or base_url=) at the API, {C.DEFAULT_BASE_URL}, not "
            "the web app or a proxy's page.",
        )
    if err is None:
        return result("auth.key_valid", title, "P0", "pass", "200 OK: the key is valid")
    if isinstance(err, AuthenticationError):
        return result(
            "auth.key_valid",
            title,
            "P0",
            "fail",
            "401 Invalid token: the API rejected the key",
            "Create a new key in MaintainX (Settings > Integrations > API Keys) and update the "
            "secret MAINTAINX_API_KEY / MAINTAINX_API_KEY_FILE points to.",
        )
    if isinstance(err, PermissionDeniedError):
        return result(
            "auth.key_valid",
            title,
            "P0",
            "warn",
            "403: the key works but may not list users",
            "Give the key's user permission to read users, or ignore if the integration never does.",
        )
    if isinstance(err, BadRequestError) and "organization" in str(err).lower():
        return result(
            "auth.key_valid",
            title,
            "P0",
            "pass",
            "the key is valid (the API asked for an organization)",
        )
    if isinstance(err, RateLimitError | InternalServerError):
        return result(
            "auth.key_valid",
            title,
            "P0",
            "warn",
            f"not verified: the API answered {err.status_code}",
            "Run the check again once the API answers normally.",
        )
    status = err.status_code if isinstance(err, APIStatusError) else None
    return result(
        "auth.key_valid",
        title,
        "P0",
        "fail",
        f"unexpected answer {status or type(err).__name__}: {err}",
        "Check the API status; retry the readiness check.",
    )


def _lists_users(response: APIResponse) -> bool:
    """Whether an answer to ``GET /users`` is the API's: a JSON object with a users list."""
    try:
        body = response.json()
    except (ValueError, APIResponseValidationError):
        return False
    return isinstance(body, dict) and isinstance(body.get("users"), list)


def _org_result(facts: ProbeFacts, ctx: CheckContext) -> CheckResult:
    title = "organization header where the token needs it"
    cid = "auth.organization"
    users = facts.users
    org_id = ctx.config.organization_id if ctx.config is not None else None
    missing = (
        isinstance(users.error, BadRequestError) and "organization" in str(users.error).lower()
    )
    if missing:
        orgs = _org_ids(facts)
        listing = f" (this token reaches organizations {orgs})" if orgs else ""
        return result(
            cid,
            title,
            "P0",
            "fail",
            f"the API answered 400 Missing x-organization-id: a multi-organization token{listing}",
            f"Set {C.ENV_ORGANIZATION_ID} (or organization_id=...) to the organization to use.",
            organizations=orgs,
        )
    if isinstance(users.error, AuthenticationError):
        return result(cid, title, "P0", "skip", "not checked: the key was rejected")
    if org_id is not None:
        return result(cid, title, "P0", "pass", f"x-organization-id {org_id} sent on every call")
    orgs = _org_ids(facts)
    if len(orgs) > 1:
        return result(
            cid,
            title,
            "P0",
            "warn",
            f"the token reaches {len(orgs)} organizations and none is configured; calls that "
            "need one will answer 400",
            f"Set {C.ENV_ORGANIZATION_ID} to the organization to use.",
            organizations=orgs,
        )
    return result(cid, title, "P0", "pass", "single-organization token: no header needed")


def _org_ids(facts: ProbeFacts) -> list[Any]:
    outcome = facts.organizations
    if outcome is None or outcome.response is None:
        return []
    try:
        body = outcome.response.json() or {}
        return [o.get("id") for o in body.get("organizations", []) if isinstance(o, dict)]
    except (ValueError, AttributeError):
        return []


def _headroom_result(users: Outcome, err: MaintainXError | None) -> CheckResult:
    title = "rate-limit headroom"
    headers: dict[str, str] = {}
    if users.response is not None:
        headers = dict(users.response.headers)
    elif isinstance(err, APIStatusError):
        headers = err.headers
    info = parse_rate_limit(headers)
    if info.limit is None or info.remaining is None:
        return result(
            "health.rate_limit", title, "P0", "skip", "the response had no X-Rate-Limit headers"
        )
    share = info.remaining / info.limit if info.limit else 0.0
    facts = f"{info.remaining} of {info.limit} requests left in this window"
    if info.reset is not None:
        facts += f" (resets in {info.reset:g} s)"
    data: dict[str, Any] = {"limit": info.limit, "remaining": info.remaining, "reset": info.reset}
    if info.remaining == 0:
        return result(
            "health.rate_limit",
            title,
            "P0",
            "fail",
            facts + ": the quota is spent, calls get 429",
            "Another process shares this key's quota: share the limiter (Redis) or slow down.",
            **data,
        )
    if share < LOW_HEADROOM:
        return result(
            "health.rate_limit",
            title,
            "P0",
            "warn",
            facts,
            "Little quota left: share one rate limiter between processes (Redis backend).",
            **data,
        )
    return result("health.rate_limit", title, "P0", "pass", facts, **data)


def skipped_live(reason: str) -> list[CheckResult]:
    """The live checks, all skipped for ``reason`` (live=False, or no client)."""
    return [
        result("health.api_reachable", "API reachable, and its latency", "P0", "skip", reason),
        result("auth.key_valid", "API key accepted (GET /users?limit=1)", "P0", "skip", reason),
        result(
            "auth.organization",
            "organization header where the token needs it",
            "P0",
            "skip",
            reason,
        ),
        result("health.rate_limit", "rate-limit headroom", "P0", "skip", reason),
    ]
