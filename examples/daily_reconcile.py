"""Daily reconciliation job: compare your local copy of work orders with MaintainX.

Your local store keeps ``id -> updatedAt`` for every work order it holds (here a JSON file;
in real life a table of your database). The job walks the remote list, reports what is
missing on either side and what changed, and exits 1 when there is drift (so cron or a CI
schedule can alert on it).

Against the real API (key from MAINTAINX_API_KEY or MAINTAINX_API_KEY_FILE):

    python examples/daily_reconcile.py --snapshot local.json

As a daily job: run it from cron (``0 6 * * * python .../daily_reconcile.py --snapshot ...``),
or let it loop: ``--every 86400``.

Against the local emulator, with drift staged on purpose (no network needed):

    python examples/daily_reconcile.py --emulator
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from maintainx_sdk import MaintainX
from maintainx_sdk.reconcile import DriftReport, reconcile, snapshot


def check(mx: MaintainX, local: dict[str, str]) -> DriftReport[str, int]:
    """One reconciliation pass over every work order."""
    return reconcile(mx.work_orders.list(), local, version="updatedAt")


def report(drift: DriftReport[str, int]) -> None:
    print(drift.summary())
    for remote_id in drift.missing_locally[:20]:
        print(f"  missing locally:  {remote_id}")
    for local_key in drift.missing_remotely[:20]:
        print(f"  missing remotely: {local_key}")
    for change in drift.changed[:20]:
        print(f"  changed:          {change.id} (local {change.local}, remote {change.remote})")


def emulator_demo() -> int:
    """Stage each kind of drift against the in-process emulator, then reconcile."""
    from maintainx_sdk.testing import Emulator

    emulator = Emulator(seed=1, work_orders=500, rate_limit=None, org_rate_limit=None)
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        local = snapshot(mx.work_orders.list())  # yesterday's copy, in sync
        print("right after copying:", check(mx, local).summary())
        ids = sorted(int(i) for i in local)
        mx.work_orders.update(ids[0], title="edited in MaintainX")  # changed
        mx.work_orders.delete(ids[1])  # missing remotely
        mx.work_orders.create(title="created in MaintainX")  # missing locally
        local.pop(str(ids[2]))  # lost from the local store: missing locally
        drift = check(mx, local)
    report(drift)
    return 0 if drift.in_sync else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reconcile local work orders with MaintainX.")
    parser.add_argument("--snapshot", type=Path, help="JSON file of {id: updatedAt}")
    parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")
    parser.add_argument("--emulator", action="store_true", help="demo against the emulator")
    args = parser.parse_args(argv)
    if args.emulator:
        return emulator_demo()
    if args.snapshot is None:
        parser.error("--snapshot is required (or use --emulator)")
    status = 0
    with MaintainX() as mx:
        while True:
            local: dict[str, Any] = json.loads(args.snapshot.read_text())
            drift = check(mx, local)
            report(drift)
            status = 0 if drift.in_sync else 1
            if not args.every:
                return status
            time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
