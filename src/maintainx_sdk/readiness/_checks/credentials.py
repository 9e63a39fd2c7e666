"""P0 secrets: where the API key comes from, and the webhook signing secret."""

from __future__ import annotations

from ... import _constants as C
from .._context import CheckContext
from .._report import CheckResult
from .base import result


def check_api_key(ctx: CheckContext) -> CheckResult:
    title = "API key present and kept out of code"
    if ctx.config is None:
        return result(
            "secrets.api_key",
            title,
            "P0",
            "fail",
            ctx.config_error or "no API key",
            f"Set {C.ENV_API_KEY}, or mount the key as a file and set {C.ENV_API_KEY_FILE}.",
        )
    source = ctx.config.key_source
    if source == "env":
        return result(
            "secrets.api_key", title, "P0", "pass", f"key read from ${C.ENV_API_KEY}", source=source
        )
    if source == "file":
        return result(
            "secrets.api_key",
            title,
            "P0",
            "pass",
            f"key read from the file named by ${C.ENV_API_KEY_FILE}",
            source=source,
        )
    return result(
        "secrets.api_key",
        title,
        "P0",
        "warn",
        "key passed as api_key=...; fine when it comes from a secret manager, not from code",
        f"Load it from a secret manager, ${C.ENV_API_KEY} or ${C.ENV_API_KEY_FILE}; never a "
        "literal in the source (the project scan looks for that).",
        source=source,
    )


def check_webhook_secret(ctx: CheckContext) -> CheckResult:
    title = "webhook signing secret configured"
    secret = ctx.webhook_secret or ctx.env.get("MAINTAINX_WEBHOOK_SECRET")
    if ctx.webhooks is None and not secret:
        return result(
            "secrets.webhook",
            title,
            "P0",
            "skip",
            "webhooks not declared (pass webhooks=True or set MAINTAINX_WEBHOOK_SECRET)",
        )
    if ctx.webhooks is False:
        return result("secrets.webhook", title, "P0", "skip", "webhooks=False: not used")
    if not secret:
        return result(
            "secrets.webhook",
            title,
            "P0",
            "fail",
            "webhooks are used but no signing secret is configured: deliveries cannot be verified",
            "Fetch it with mx.subscriptions.get_secret(id) and provide it as "
            "MAINTAINX_WEBHOOK_SECRET (or webhook_secret=...); verify every delivery.",
        )
    return result(
        "secrets.webhook", title, "P0", "pass", "a signing secret is configured (value hidden)"
    )
