"""Quickstart: a work order's life with the blocking client.

Runs as is against the SDK's bundled emulator (no network, no account needed)::

    python examples/quickstart.py

Against your MaintainX organization (it creates one LOW-priority work order and deletes
it at the end)::

    MAINTAINX_API_KEY=... python examples/quickstart.py

``MAINTAINX_BASE_URL`` points it elsewhere, e.g. at ``maintainx-sdk emulator --port 8080``
(``http://127.0.0.1:8080/v1``).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from maintainx_sdk import InvalidTransitionError, MaintainX, NotFoundError, ValidationError


def make_client() -> MaintainX:
    """A client from the environment when a key is set, else one on the in-process emulator."""
    if os.environ.get("MAINTAINX_API_KEY") or os.environ.get("MAINTAINX_API_KEY_FILE"):
        return MaintainX()  # key, base URL and organization from MAINTAINX_* variables
    from maintainx_sdk.testing import Emulator

    emulator = Emulator(seed=1, work_orders=20)
    print("no MAINTAINX_API_KEY set: using the bundled emulator")
    return MaintainX(api_key=emulator.api_key, transport=emulator.transport())


def main() -> int:
    # One long-lived client per process; the context manager closes its connection pool.
    with make_client() as mx:
        # Create: keyword arguments in snake_case, validated before anything is sent.
        created = mx.work_orders.create(
            title="Replace air filter (SDK quickstart)",
            priority="LOW",
            description="Created by examples/quickstart.py; safe to delete.",
            due_date=datetime.now(UTC) + timedelta(days=7),
        )
        print(f"created work order {created.id}")

        try:
            # Get: a typed model; unknown fields the API adds later stay readable.
            wo = mx.work_orders.get(created.id)
            print(f"  #{wo.sequential_id} {wo.title!r} status={wo.status} priority={wo.priority}")

            # Raw access for any call: status, headers, attempts, rate-limit headroom.
            meta = mx.work_orders.get(created.id).raw_response
            print(
                f"  GET {meta.path} -> {meta.status_code} in {meta.attempts} attempt(s), "
                f"rate limit remaining {meta.headers.get('x-rate-limit-remaining')}"
            )

            # Status moves are checked against the work-order state machine.
            mx.work_orders.set_status(created.id, "IN_PROGRESS")
            mx.work_orders.set_status(created.id, "IN_PROGRESS")  # same status: a no-op
            mx.work_orders.set_status(created.id, "DONE")
            try:
                mx.work_orders.set_status(created.id, "ON_HOLD")
            except InvalidTransitionError as exc:
                print(f"  refused: {exc}")
            mx.work_orders.set_status(created.id, "OPEN", allow_reopen=True)

            # Comments.
            mx.work_orders.comments.create(created.id, content="Filter ordered, fitting Monday.")
            for comment in mx.work_orders.comments.list(created.id):
                print(f"  comment {comment.id}: {comment.content!r}")

            # List with filters: a pager that follows the cursor for you, page by page.
            pager = mx.work_orders.list(statuses=["OPEN", "IN_PROGRESS"], priorities=["LOW"])
            low = [item for item in pager]
            print(f"  {len(low)} open or in-progress LOW work orders")
            assert any(item.id == created.id for item in low)

            # Bad input never reaches the network: a typed error that says what to fix.
            try:
                mx.work_orders.create(title="Broken", priority="URGENT")  # type: ignore[arg-type]
            except ValidationError as exc:
                print(f"  rejected before sending: {exc}")
                print(f"  field errors: {[e['field'] for e in exc.errors]}")
        finally:
            mx.work_orders.delete(created.id)  # clean up, also when a step failed
        try:
            mx.work_orders.get(created.id)
        except NotFoundError as exc:
            print(f"deleted: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
