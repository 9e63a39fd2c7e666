"""Status moves of listed work orders: requests used with and without the record as source.

    python benchmarks/status_moves.py            # 100 work orders
    python benchmarks/status_moves.py -n 20

Against the in-process emulator (its request log counts what reaches it), the same list of
work orders is moved OPEN -> IN_PROGRESS three ways, each on fresh work orders:

- ``set_status(id, status)`` per item: reads the current status, then PATCHes (2 requests),
- ``set_status(id, status, current_status=item)`` per item (the listed record as source),
- ``bulk.set_status_many(mx.work_orders, items, status)``.

Printed: requests per move and what that means under the API's 100-requests-a-minute quota.
Goal: the bulk move of 100 listed work orders uses 100 requests, not 200.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from maintainx_sdk import MaintainX, RateLimit, bulk
from maintainx_sdk.testing import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="work orders moved per way")
    args = parser.parse_args(argv)
    ways: dict[str, Callable[[MaintainX, list[Any]], object]] = {
        "set_status(id, status)": lambda mx, items: [
            mx.work_orders.set_status(wo.id, "IN_PROGRESS") for wo in items
        ],
        "set_status(..., current_status=item)": lambda mx, items: [
            mx.work_orders.set_status(wo.id, "IN_PROGRESS", current_status=wo) for wo in items
        ],
        "bulk.set_status_many(items)": lambda mx, items: bulk.set_status_many(
            mx.work_orders, items, "IN_PROGRESS"
        ).raise_for_failures(),
    }
    print(f"moving {args.n} listed work orders OPEN -> IN_PROGRESS, in-process emulator")
    for name, move in ways.items():
        with (
            Emulator(seed=3, rate_limit=None, org_rate_limit=None, keep_log=True) as emu,
            MaintainX(
                api_key=emu.api_key, transport=emu.transport(), rate_limit=RateLimit.disabled()
            ) as mx,
        ):
            for i in range(args.n):
                mx.work_orders.create(title=f"move {i}")
            items = [wo for wo in mx.work_orders.list(limit=200) if wo.status == "OPEN"]
            items = items[: args.n]
            before = len(emu.counters.log)
            move(mx, items)
            used = len(emu.counters.log) - before
        print(
            f"  {name:38} {used:5d} requests  {used / len(items):.2f} per move  "
            f"{100 / (used / len(items)):.0f} moves per minute under 100 requests/min"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
