"""``maintainx-sdk readiness [--json] [--project-dir DIR] [--smoke]``: the pre-deploy gate.

Prints the checklist and exits 1 when a P0 check fails (or the smoke test fails), else 0;
2 on bad usage. The key comes from ``MAINTAINX_API_KEY`` / ``MAINTAINX_API_KEY_FILE``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._client import MaintainX
from ..errors import ConfigurationError
from ..observability import redact
from . import PROBE_TIMEOUT, check
from ._smoke import SmokeRun, run_smoke


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="maintainx-sdk readiness",
        description="Run the production-readiness checklist (exit 1 when a P0 check fails).",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--project-dir", metavar="DIR", help="also check this project's files")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="post-deploy smoke test: create, read, cancel and delete a LOW-priority test work order",
    )
    p.add_argument("--no-live", action="store_true", help="skip the checks that call the API")
    p.add_argument("--base-url", help="API base URL (default: $MAINTAINX_BASE_URL or production)")
    p.add_argument(
        "--replicas", type=int, help="replicas sharing work (1 accepts in-memory stores)"
    )
    p.add_argument(
        "--webhooks", action="store_true", help="the integration receives webhooks (needs a secret)"
    )
    p.add_argument(
        "--timeout", type=float, default=PROBE_TIMEOUT, help="deadline of each live call (s)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``maintainx-sdk readiness``; returns the exit code."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.project_dir is not None and not os.path.isdir(args.project_dir):
        print(f"maintainx-sdk readiness: --project-dir {args.project_dir!r} is not a directory",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        client: MaintainX | None = MaintainX(base_url=args.base_url)
    except ConfigurationError:
        client = None  # the report's secrets.api_key check says what to fix
    try:
        report = check(
            client,
            project_dir=args.project_dir,
            live=not args.no_live,
            replicas=args.replicas,
            webhooks=True if args.webhooks else None,
            probe_timeout=args.timeout,
        )
        smoke: SmokeRun | None = None
        if args.smoke:
            if client is None or not report.ok:
                smoke = SmokeRun()
                smoke.add("create", False, "not run: a P0 check failed")
            else:
                smoke = run_smoke(client.with_options(timeout=max(args.timeout, 10.0)))
    finally:
        if client is not None:
            client.close()
    ok = report.ok and (smoke is None or smoke.ok)
    if args.json:
        payload: dict[str, Any] = report.to_dict()
        if smoke is not None:
            payload["smoke"] = smoke.to_dict()
        payload["ok"] = ok
        print(redact(json.dumps(payload, indent=2, default=str)))
    else:
        print(report.render_table())
        if smoke is not None:
            print()
            print(redact(smoke.render()))
    return 0 if ok else 1
