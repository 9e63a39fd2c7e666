"""Async quickstart: the same life of a work order with ``AsyncMaintainX``, plus concurrency.

Runs as is against the SDK's bundled emulator (no network, no account needed)::

    python examples/async_quickstart.py

Against your MaintainX organization (it creates three LOW-priority work orders and deletes
them at the end)::

    MAINTAINX_API_KEY=... python examples/async_quickstart.py

An ``AsyncMaintainX`` belongs to the event loop it is first used on: create it inside the
coroutine that ``asyncio.run`` runs, as here.
"""

from __future__ import annotations

import asyncio
import os
import sys

from maintainx_sdk import AsyncMaintainX, InvalidTransitionError, NotFoundError, ValidationError


def make_client() -> AsyncMaintainX:
    """A client from the environment when a key is set, else one on the in-process emulator."""
    if os.environ.get("MAINTAINX_API_KEY") or os.environ.get("MAINTAINX_API_KEY_FILE"):
        return AsyncMaintainX()  # key, base URL and organization from MAINTAINX_* variables
    from maintainx_sdk.testing import Emulator

    emulator = Emulator(seed=1, work_orders=20)
    print("no MAINTAINX_API_KEY set: using the bundled emulator")
    return AsyncMaintainX(api_key=emulator.api_key, transport=emulator.async_transport())


async def work_order_life(mx: AsyncMaintainX, wo_id: int) -> None:
    """Status moves, a comment and raw response metadata for one work order."""
    detail = await mx.work_orders.get(wo_id)
    wo = detail
    print(f"  #{wo.sequential_id} {wo.title!r} status={wo.status}")
    meta = detail.raw_response  # status, headers and attempts of the call behind the model
    print(f"  GET {meta.path} -> {meta.status_code}, {meta.attempts} attempt(s)")

    await mx.work_orders.set_status(wo_id, "IN_PROGRESS")
    await mx.work_orders.set_status(wo_id, "CANCELED")
    try:
        await mx.work_orders.set_status(wo_id, "IN_PROGRESS")
    except InvalidTransitionError as exc:
        print(f"  refused: {exc}")
        print(f"  allowed from CANCELED: {exc.allowed or '(none without allow_reopen)'}")

    await mx.work_orders.comments.create(wo_id, content="Canceled: duplicate of a PM.")
    async for comment in mx.work_orders.comments.list(wo_id):
        print(f"  comment {comment.id}: {comment.content!r}")


async def main() -> int:
    async with make_client() as mx:
        # Three creates at once; each call is its own request through the shared pool.
        titles = [f"Inspect conveyor {n} (SDK async quickstart)" for n in (1, 2, 3)]
        created = await asyncio.gather(
            *(mx.work_orders.create(title=t, priority="LOW") for t in titles)
        )
        ids = [c.id for c in created]
        print(f"created work orders {ids}")
        try:
            # Concurrent gets.
            details = await asyncio.gather(*(mx.work_orders.get(i) for i in ids))
            assert sorted(d.title for d in details) == sorted(titles)
            print(f"fetched {len(details)} work orders concurrently")

            await work_order_life(mx, ids[0])

            # List with filters; the async pager is consumed with ``async for``.
            canceled = [wo.id async for wo in mx.work_orders.list(statuses=["CANCELED"])]
            open_low = [
                wo.id async for wo in mx.work_orders.list(statuses=["OPEN"], priorities=["LOW"])
            ]
            assert ids[0] in canceled and set(ids[1:]) <= set(open_low)
            print(f"  {len(canceled)} canceled, {len(open_low)} open LOW work orders")

            # Bad input raises before any request is sent (list arguments are checked when
            # the pager starts, still before the first request).
            try:
                [wo async for wo in mx.work_orders.list(limit=500)]
            except ValidationError as exc:
                print(f"  rejected before sending: {exc}")
        finally:
            await asyncio.gather(*(mx.work_orders.delete(i) for i in ids))
        try:
            await mx.work_orders.get(ids[0])
        except NotFoundError:
            print(f"deleted {ids}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
