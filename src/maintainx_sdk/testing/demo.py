"""``maintainx-sdk demo``: a guided tour of the SDK against the bundled emulator.

It starts the emulator on a loopback port, then uses the SDK exactly as an integration
would: create a work order, list work orders, move it OPEN -> IN_PROGRESS -> DONE, and show
that an invalid move (DONE -> IN_PROGRESS) is refused before any request is sent.
Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .emulator import Emulator


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tour; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="maintainx-sdk demo",
        description="A guided tour of the SDK against the bundled emulator (nothing leaves this machine).",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated data (default 1)"
    )
    parser.add_argument(
        "--work-orders", type=int, default=12, help="work orders to generate (default 12)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run(seed=args.seed, work_orders=args.work_orders, out=print)


def run(*, seed: int = 1, work_orders: int = 12, out: Callable[[str], None] = print) -> int:
    from .. import InvalidTransitionError, MaintainX

    emulator = Emulator(seed=seed, work_orders=work_orders, webhook_mode="sync")
    with emulator.serve() as server:
        out(
            f"Started the MaintainX emulator at {server.base_url} (seed {seed}, {work_orders} work orders)"
        )
        with MaintainX(api_key=server.api_key, base_url=server.base_url) as mx:
            created = mx.work_orders.create(
                title="Replace the conveyor belt on line 2",
                priority="HIGH",
                description="Belt is fraying.",
            )
            out(f"1. Created work order #{created.id}")

            listed = list(mx.work_orders.list(limit=5, statuses=["OPEN"], sort="-createdAt"))
            out(f"2. Listed open work orders (newest first): {len(listed)} in total")
            for item in listed[:3]:
                out(f"     #{item.id:<6} {item.status:<12} {item.title}")

            mx.work_orders.set_status(created.id, "IN_PROGRESS")
            out(f"3. Moved #{created.id} OPEN -> IN_PROGRESS")
            mx.work_orders.set_status(created.id, "DONE")
            out(f"   Moved #{created.id} IN_PROGRESS -> DONE")

            try:
                mx.work_orders.set_status(created.id, "IN_PROGRESS")
            except InvalidTransitionError as exc:
                out(f"4. Refused an invalid move, as expected: {exc}")
            else:  # pragma: no cover - the policy forbids it
                out("4. ERROR: DONE -> IN_PROGRESS was accepted")
                return 1

            final = mx.work_orders.get(created.id)
            out(f"5. Work order #{final.id} is {final.status}, completed at {final.completed_at}")
    out(
        f"Done: {emulator.counters.requests} requests served by the emulator, none left this machine."
    )
    emulator.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
