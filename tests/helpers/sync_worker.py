"""A sync process for the kill test:
``python -m tests.helpers.sync_worker BASE_URL KEY DB [PAGE] [PAUSE] [SOURCE]``.

Records every processed (id, updatedAt) in the table ``processed`` of the checkpoint's own
SQLite file, through the sync's transaction, so the record and the checkpoint commit
together. Pauses inside each transaction to give the test time to kill it mid-page.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from maintainx_sdk import MaintainX
from maintainx_sdk.checkpoints import SQLiteCheckpointStore
from maintainx_sdk.sync import IncrementalSync, SyncBatch


def main(argv: list[str]) -> int:
    base_url, key, db = argv[:3]
    page_size = int(argv[3]) if len(argv) > 3 else 20
    pause = float(argv[4]) if len(argv) > 4 else 0.02
    source = argv[5] if len(argv) > 5 else "work_orders"
    store = SQLiteCheckpointStore(db)
    store.connection.execute(
        "CREATE TABLE IF NOT EXISTS processed (id INTEGER NOT NULL, updated_at TEXT NOT NULL)"
    )

    def handler(batch: SyncBatch[dict[str, Any]]) -> None:
        batch.transaction.executemany(
            "INSERT INTO processed VALUES (?, ?)",
            [(item["id"], item["updatedAt"]) for item in batch.items],
        )
        time.sleep(pause)  # still inside the transaction: a kill here must roll it back

    with MaintainX(api_key=key, base_url=base_url) as mx:
        report = IncrementalSync(mx, source, store=store, page_size=page_size).run(handler)
    print(f"done items={report.items} caught_up={report.caught_up}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
