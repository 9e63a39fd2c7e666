"""Run one call on the sync or the async client against an in-memory transport."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import httpx

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk.pagination import AsyncPager, SyncPager

from ..conftest import TEST_KEY

FLAVOURS = ("sync", "async")


def invoke(
    flavour: str,
    handler: Callable[[httpx.Request], httpx.Response],
    fn: Callable[[Any], Any],
    **kw: Any,
) -> Any:
    """Call ``fn(client)`` on a fresh client of ``flavour``; pagers are drained into lists."""
    transport = httpx.MockTransport(handler)
    if flavour == "sync":
        with MaintainX(api_key=TEST_KEY, transport=transport, **kw) as mx:
            result = fn(mx)
            return list(result) if isinstance(result, SyncPager) else result

    async def main() -> Any:
        async with AsyncMaintainX(api_key=TEST_KEY, transport=transport, **kw) as amx:
            result = fn(amx)
            if inspect.isawaitable(result):
                result = await result
            elif isinstance(result, AsyncPager):
                result = [item async for item in result]
            return result

    return asyncio.run(main())


def single_attempt(client: Any) -> Any:
    """A view of ``client`` that makes one attempt per call, when the client can retry at all,
    so error-mapping tests see the first answer without waiting for backoff."""
    params = inspect.signature(client.with_options).parameters
    if "retry" not in params:
        return client
    from maintainx_sdk import retry as retry_module  # type: ignore[attr-defined]

    fields = inspect.signature(retry_module.RetryPolicy).parameters
    kw = {"max_attempts": 1}
    if "max_rate_limit_waits" in fields:
        kw["max_rate_limit_waits"] = 0
    return client.with_options(retry=retry_module.RetryPolicy(**kw))
